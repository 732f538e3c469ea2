// In-memory log for `-dev` agents and tests: nothing survives the process; appends commit at once.
import { alreadyOpenError, checkAppend, checkFrom, checkSnapshot, closedError, notOpenError } from "./common.ts";
import type { LogEntry, LogStore, Snapshot } from "./types.ts";

export function createMemoryLog(): LogStore {
	let state: "new" | "open" | "closed" = "new";
	/** Contiguous: entries[i].index === compacted + 1 + i. */
	let entries: LogEntry[] = [];
	let compacted = 0;
	let last = 0;
	let snapshot: Snapshot | null = null;

	const entriesAfter = (from: number): LogEntry[] => {
		if (state === "closed") throw closedError();
		if (state === "new") throw notOpenError();
		const f = checkFrom(from, compacted);
		return f >= last ? [] : entries.slice(f - compacted);
	};

	return {
		async open() {
			if (state === "closed") throw closedError();
			if (state === "open") throw alreadyOpenError();
			state = "open";
			return { snapshot, entries: entriesAfter(snapshot?.index ?? 0) };
		},

		append(type, data) {
			if (state === "closed") return Promise.reject(closedError());
			if (state === "new") return Promise.reject(notOpenError());
			try {
				checkAppend(type, data);
			} catch (err) {
				return Promise.reject(err);
			}
			last += 1;
			entries.push(Object.freeze({ index: last, type, data }));
			return Promise.resolve(last);
		},

		entriesAfter,

		lastIndex: () => last,

		async saveSnapshot(snap, trailing) {
			if (state === "closed") throw closedError();
			if (state === "new") throw notOpenError();
			const keep = checkSnapshot(snap, trailing, last, snapshot?.index ?? 0);
			snapshot = Object.freeze({ index: snap.index, data: snap.data });
			const dropThrough = snap.index - keep;
			if (dropThrough > compacted) {
				entries = entries.slice(dropThrough - compacted);
				compacted = dropThrough;
			}
		},

		async close() {
			state = "closed";
			entries = [];
		},
	};
}
