// The contract every LogStore backend passes (memory, sqlite; etcd later). Imported by the backends'
// *.test.ts files; not a test file itself.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LogCompactedError, type LogStore } from "./types.ts";

export interface ContractHarness {
	/** A fresh, unopened store over new, empty storage. */
	create(): LogStore;
	/** Durable backends: a new unopened store over the storage of the last create(). */
	reopen?: () => LogStore;
	/** Releases the storage (stores are already closed). */
	cleanup(): void | Promise<void>;
}

const cmd = (i: number): string => JSON.stringify({ op: "set", key: `k${i}`, value: i });

export function runLogContract(name: string, makeHarness: () => ContractHarness): void {
	describe(`LogStore contract: ${name}`, () => {
		let h: ContractHarness;
		let open: LogStore[] = [];
		const track = (log: LogStore): LogStore => {
			open.push(log);
			return log;
		};
		const fresh = async (): Promise<LogStore> => {
			const log = track(h.create());
			const loaded = await log.open();
			assert.deepEqual(loaded, { snapshot: null, entries: [] });
			return log;
		};
		const appendN = async (log: LogStore, n: number): Promise<number[]> => {
			const out: number[] = [];
			for (let i = 0; i < n; i++) out.push(await log.append("set", cmd(log.lastIndex() + 1)));
			return out;
		};

		beforeEach(() => {
			h = makeHarness();
			open = [];
		});
		afterEach(async () => {
			for (const log of open) await log.close();
			await h.cleanup();
		});

		it("starts empty", async () => {
			const log = await fresh();
			assert.equal(log.lastIndex(), 0);
			assert.deepEqual(log.entriesAfter(0), []);
		});

		it("refuses use before open() and a second open()", async () => {
			const log = track(h.create());
			await assert.rejects(log.append("set", "{}"), /not open/);
			assert.throws(() => log.entriesAfter(0), /not open/);
			await log.open();
			await assert.rejects(log.open(), /already opened/);
		});

		it("assigns strictly increasing indexes from 1 and reads them back in order", async () => {
			const log = await fresh();
			assert.deepEqual(await appendN(log, 5), [1, 2, 3, 4, 5]);
			assert.equal(log.lastIndex(), 5);
			const all = log.entriesAfter(0);
			assert.deepEqual(
				all.map((e) => e.index),
				[1, 2, 3, 4, 5],
			);
			assert.deepEqual(all[2], { index: 3, type: "set", data: cmd(3) });
			assert.deepEqual(
				log.entriesAfter(3).map((e) => e.index),
				[4, 5],
			);
			assert.deepEqual(log.entriesAfter(5), []);
			assert.deepEqual(log.entriesAfter(99), []);
			assert.deepEqual(log.entriesAfter(-1).length, 5);
			assert.throws(() => log.entriesAfter(1.5), TypeError);
		});

		it("keeps type and data exactly, including unicode and empty data", async () => {
			const log = await fresh();
			const data = JSON.stringify({ s: "héllo \u{1f680} \u0000 \n\t\"'" });
			await log.append("job-register", data);
			await log.append("noop", "");
			assert.deepEqual(log.entriesAfter(0), [
				{ index: 1, type: "job-register", data },
				{ index: 2, type: "noop", data: "" },
			]);
		});

		it("resolves concurrent appends in index order, without gaps", async () => {
			const log = await fresh();
			const resolved: number[] = [];
			const promises = Array.from({ length: 300 }, (_, i) =>
				log.append("set", cmd(i + 1)).then((idx) => {
					resolved.push(idx);
					return idx;
				}),
			);
			const indexes = await Promise.all(promises);
			assert.deepEqual(
				indexes,
				Array.from({ length: 300 }, (_, i) => i + 1),
			);
			assert.deepEqual(resolved, indexes);
			const entries = log.entriesAfter(0);
			assert.equal(entries.length, 300);
			for (const e of entries) assert.equal(e.data, cmd(e.index));
		});

		it("rejects invalid appends without using an index", async () => {
			const log = await fresh();
			await assert.rejects(log.append("", "{}"), TypeError);
			await assert.rejects(log.append("set", undefined as unknown as string), TypeError);
			await assert.rejects(log.append(42 as unknown as string, "{}"), TypeError);
			assert.equal(await log.append("set", "{}"), 1);
		});

		it("stores a snapshot and drops entries <= index - trailing", async () => {
			const log = await fresh();
			await appendN(log, 10);
			await log.saveSnapshot({ index: 6, data: "state@6" }, 2);
			assert.equal(log.lastIndex(), 10);
			assert.deepEqual(
				log.entriesAfter(4).map((e) => e.index),
				[5, 6, 7, 8, 9, 10],
			);
			assert.throws(() => log.entriesAfter(3), LogCompactedError);
			assert.throws(
				() => log.entriesAfter(0),
				(err: unknown) => {
					assert.ok(err instanceof LogCompactedError);
					assert.equal(err.compactedThrough, 4);
					return true;
				},
			);
			assert.equal(await log.append("set", cmd(11)), 11);
			assert.deepEqual(log.entriesAfter(10), [{ index: 11, type: "set", data: cmd(11) }]);
		});

		it("keeps 1024 trailing entries by default", async () => {
			const log = await fresh();
			await appendN(log, 20);
			await log.saveSnapshot({ index: 20, data: "s" });
			assert.equal(log.entriesAfter(0).length, 20);
		});

		it("with trailing 0 drops everything up to the snapshot and continues after it", async () => {
			const log = await fresh();
			await appendN(log, 5);
			await log.saveSnapshot({ index: 5, data: "s5" }, 0);
			assert.equal(log.lastIndex(), 5);
			assert.deepEqual(log.entriesAfter(5), []);
			assert.throws(() => log.entriesAfter(4), LogCompactedError);
			assert.equal(await log.append("set", cmd(6)), 6);
			assert.deepEqual(
				log.entriesAfter(5).map((e) => e.index),
				[6],
			);
		});

		it("rejects bad snapshots", async () => {
			const log = await fresh();
			await appendN(log, 5);
			await assert.rejects(log.saveSnapshot({ index: 6, data: "s" }), /beyond the last committed index 5/);
			await assert.rejects(log.saveSnapshot({ index: -1, data: "s" }), TypeError);
			await assert.rejects(log.saveSnapshot({ index: 3, data: 7 as unknown as string }), TypeError);
			await assert.rejects(log.saveSnapshot({ index: 3, data: "s" }, -2), TypeError);
			await log.saveSnapshot({ index: 4, data: "s4" }, 1);
			await assert.rejects(log.saveSnapshot({ index: 3, data: "s3" }), /older than the stored snapshot at 4/);
			await log.saveSnapshot({ index: 4, data: "s4 again" }, 1);
			assert.deepEqual(
				log.entriesAfter(3).map((e) => e.index),
				[4, 5],
			);
		});

		it("after close(): append rejects with 'log closed', everything else refuses, close is idempotent", async () => {
			const log = await fresh();
			await appendN(log, 2);
			await log.close();
			await assert.rejects(log.append("set", "{}"), { message: "log closed" });
			await assert.rejects(log.saveSnapshot({ index: 1, data: "s" }), {
				message: "log closed",
			});
			assert.throws(() => log.entriesAfter(0), { message: "log closed" });
			await assert.rejects(log.open(), { message: "log closed" });
			await log.close();
		});

		it("close() lets appends already made settle (resolved, never lost)", async () => {
			const log = await fresh();
			const promises = [1, 2, 3].map((i) => log.append("set", cmd(i)));
			await log.close();
			assert.deepEqual(await Promise.all(promises), [1, 2, 3]);
		});

		it("is durable across reopen (durable backends)", async (t) => {
			if (!h.reopen) {
				t.skip("not durable");
				return;
			}
			const log = await fresh();
			await appendN(log, 7);
			await log.close();
			const again = track(h.reopen());
			const loaded = await again.open();
			assert.equal(loaded.snapshot, null);
			assert.deepEqual(
				loaded.entries.map((e) => e.index),
				[1, 2, 3, 4, 5, 6, 7],
			);
			assert.deepEqual(loaded.entries[6], {
				index: 7,
				type: "set",
				data: cmd(7),
			});
			assert.equal(again.lastIndex(), 7);
			assert.equal(await again.append("set", cmd(8)), 8);
			assert.equal(again.entriesAfter(0).length, 8);
		});

		it("reopen returns the newest snapshot and only the entries after it (durable backends)", async (t) => {
			if (!h.reopen) {
				t.skip("not durable");
				return;
			}
			const log = await fresh();
			await appendN(log, 10);
			await log.saveSnapshot({ index: 4, data: "state@4" }, 2);
			await log.saveSnapshot({ index: 8, data: "state@8" }, 2);
			await log.close();
			const again = track(h.reopen());
			const loaded = await again.open();
			assert.deepEqual(loaded.snapshot, { index: 8, data: "state@8" });
			assert.deepEqual(
				loaded.entries.map((e) => e.index),
				[9, 10],
			);
			assert.equal(again.lastIndex(), 10);
			// Trailing entries survive for followers; older ones stay compacted.
			assert.deepEqual(
				again.entriesAfter(6).map((e) => e.index),
				[7, 8, 9, 10],
			);
			assert.throws(() => again.entriesAfter(5), LogCompactedError);
			await assert.rejects(again.saveSnapshot({ index: 6, data: "old" }), /older than the stored snapshot/);
			assert.equal(await again.append("set", cmd(11)), 11);
		});

		it("continues after the snapshot index when every entry was compacted (durable backends)", async (t) => {
			if (!h.reopen) {
				t.skip("not durable");
				return;
			}
			const log = await fresh();
			await appendN(log, 6);
			await log.saveSnapshot({ index: 6, data: "state@6" }, 0);
			await log.close();
			const again = track(h.reopen());
			const loaded = await again.open();
			assert.deepEqual(loaded, {
				snapshot: { index: 6, data: "state@6" },
				entries: [],
			});
			assert.equal(again.lastIndex(), 6);
			assert.equal(await again.append("set", cmd(7)), 7);
		});
	});
}
