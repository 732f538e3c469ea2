// The log under the replicated state machine (docs/architecture.md, "The state machine").
// Every cluster-state change is a command appended here; the FSM applies committed entries in index
// order. The log index plays the role of Nomad's Raft index (CreateIndex/ModifyIndex, X-Nomad-Index).
// Backends: memory (dev), sqlite (durable single server); etcd (HA) later, behind the same interface.

/** One committed command. `data` is the JSON text of the command; the log never parses it. */
export interface LogEntry {
	index: number;
	type: string;
	data: string;
}

/** A whole-state serialisation made by the FSM after applying every entry up to `index`. */
export interface Snapshot {
	index: number;
	data: string;
}

export interface LogStore {
	/** Loads what is durable: latest snapshot (or null) and every entry after it, in order. Call once before use. */
	open(): Promise<{ snapshot: Snapshot | null; entries: LogEntry[] }>;
	/**
	 * Appends one command; resolves with its index once durable (memory: at once). Promises resolve in
	 * index order. Rejects (and the entry is NOT durable) on I/O failure; after close() rejects with an
	 * Error "log closed".
	 */
	append(type: string, data: string): Promise<number>;
	/**
	 * Committed entries with index > from, in order (for followers / replication and for replay).
	 * Throws LogCompactedError when entries after `from` were dropped by saveSnapshot (restore the
	 * snapshot instead).
	 */
	entriesAfter(from: number): LogEntry[];
	/** Highest committed index (0 for an empty log); a snapshot's index counts. */
	lastIndex(): number;
	/** Stores a snapshot taken at `index` and drops log entries <= index - trailing (keep `trailing` entries, default 1024 for followers). */
	saveSnapshot(snap: Snapshot, trailing?: number): Promise<void>;
	/** Flushes pending appends, then releases the backend. Idempotent. */
	close(): Promise<void>;
}

/** Entries kept behind a snapshot by default, so followers slightly behind need no snapshot. */
export const DEFAULT_TRAILING = 1024;

/** entriesAfter(from) asked for entries that a snapshot already compacted away. */
export class LogCompactedError extends Error {
	readonly from: number;
	/** Every entry with index <= compactedThrough is gone. */
	readonly compactedThrough: number;
	constructor(from: number, compactedThrough: number) {
		super(
			`log entries after index ${from} are compacted (entries up to ${compactedThrough} dropped); restore from the snapshot instead`,
		);
		this.name = "LogCompactedError";
		this.from = from;
		this.compactedThrough = compactedThrough;
	}
}
