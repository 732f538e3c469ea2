import assert from "node:assert/strict";
import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { runLogContract } from "./contract.ts";
import { createSqliteLog, type SqliteLogOptions, type SqliteLogStore } from "./sqlite.ts";
import { tempDir } from "./testutil.ts";

const sqliteHarness = (extra: Omit<SqliteLogOptions, "path">) => () => {
	const tmp = tempDir();
	const path = tmp.file("log.db");
	return {
		create: () => createSqliteLog({ path, ...extra }),
		reopen: () => createSqliteLog({ path, ...extra }),
		cleanup: tmp.remove,
	};
};

runLogContract("sqlite sync=commit", sqliteHarness({ sync: "commit" }));
runLogContract("sqlite sync=group", sqliteHarness({ sync: "group" }));
runLogContract(
	"sqlite sync=group groupWindowMs=2 maxBatch=7",
	sqliteHarness({ sync: "group", groupWindowMs: 2, maxBatch: 7 }),
);

describe("sqlite log", () => {
	let tmp: ReturnType<typeof tempDir>;
	let logs: SqliteLogStore[] = [];
	const make = (opts: Partial<SqliteLogOptions> = {}, name = "log.db"): SqliteLogStore => {
		const log = createSqliteLog({
			path: tmp.file(name),
			sync: "group",
			...opts,
		});
		logs.push(log);
		return log;
	};

	beforeEach(() => {
		tmp = tempDir();
		logs = [];
	});
	afterEach(async () => {
		for (const log of logs) await log.close();
		tmp.remove();
	});

	describe("group commit", () => {
		it("writes appends of one tick in ONE transaction", async () => {
			const log = make();
			await log.open();
			const idx = await Promise.all(Array.from({ length: 256 }, (_, i) => log.append("set", `{"i":${i}}`)));
			assert.equal(idx[255], 256);
			assert.deepEqual(log.stats(), {
				commits: 1,
				entries: 256,
				largestBatch: 256,
				failedCommits: 0,
				snapshots: 0,
			});
		});

		it("splits batches at maxBatch", async () => {
			const log = make({ maxBatch: 100 });
			await log.open();
			await Promise.all(Array.from({ length: 256 }, () => log.append("set", "{}")));
			const s = log.stats();
			assert.equal(s.commits, 3);
			assert.equal(s.entries, 256);
			assert.equal(s.largestBatch, 100);
		});

		it("batches appends spread over groupWindowMs", async () => {
			const log = make({ groupWindowMs: 200 });
			await log.open();
			const p1 = log.append("set", "{}");
			await sleep(5);
			const p2 = log.append("set", "{}");
			await sleep(5);
			const p3 = log.append("set", "{}");
			assert.deepEqual(await Promise.all([p1, p2, p3]), [1, 2, 3]);
			assert.equal(log.stats().commits, 1);
			assert.equal(log.stats().largestBatch, 3);
		});

		it("appends awaited one by one each take a commit", async () => {
			const log = make();
			await log.open();
			for (let i = 0; i < 5; i++) await log.append("set", "{}");
			assert.equal(log.stats().commits, 5);
		});

		it("keeps the batch invisible until it is committed", async () => {
			const log = make();
			await log.open();
			const p = log.append("set", "{}");
			assert.equal(log.lastIndex(), 0);
			assert.deepEqual(log.entriesAfter(0), []);
			await p;
			assert.equal(log.lastIndex(), 1);
		});

		it("flushes a pending batch on close(), durably", async () => {
			const log = make({ groupWindowMs: 10_000 });
			await log.open();
			const promises = Array.from({ length: 10 }, (_, i) => log.append("set", `{"i":${i}}`));
			await log.close();
			assert.deepEqual(await Promise.all(promises), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
			assert.equal(log.stats().commits, 1);
			const again = make();
			const loaded = await again.open();
			assert.equal(loaded.entries.length, 10);
			assert.equal(loaded.entries[9].data, `{"i":9}`);
		});
	});

	it("sync=commit takes one transaction per append, even when concurrent", async () => {
		const log = make({ sync: "commit" });
		await log.open();
		await Promise.all(Array.from({ length: 20 }, () => log.append("set", "{}")));
		assert.equal(log.stats().commits, 20);
		assert.equal(log.stats().largestBatch, 1);
	});

	it("uses WAL with synchronous=FULL", async () => {
		const log = make();
		await log.open();
		await log.append("set", "{}");
		await log.close();
		const db = new DatabaseSync(tmp.file("log.db"));
		try {
			assert.deepEqual({ ...db.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
		} finally {
			db.close();
		}
	});

	for (const sync of ["commit", "group"] as const) {
		it(`sync=${sync}: a failed write rejects its appends, persists nothing of them, and leaves no gap`, async () => {
			// A trigger stands in for an I/O error on the write path.
			const seed = make({ sync });
			await seed.open();
			await seed.close();
			const raw = new DatabaseSync(tmp.file("log.db"));
			raw.exec(
				`CREATE TRIGGER fail BEFORE INSERT ON log WHEN NEW.data = 'boom' BEGIN SELECT RAISE(ABORT, 'injected write failure'); END`,
			);
			raw.close();

			const log = make({ sync });
			await log.open();
			assert.equal(await log.append("set", "x"), 1);
			const a = log.append("set", "a");
			const boom = log.append("set", "boom");
			const c = log.append("set", "c");
			await assert.rejects(boom, /sqlite log append failed: injected write failure/);
			if (sync === "group") {
				// One transaction: the whole batch fails together.
				await assert.rejects(a, /injected write failure/);
				await assert.rejects(c, /injected write failure/);
				assert.equal(await log.append("set", "d"), 2);
			} else {
				assert.equal(await a, 2);
				assert.equal(await c, 3);
				assert.equal(await log.append("set", "d"), 4);
			}
			assert.equal(log.stats().failedCommits, 1);
			const expected = sync === "group" ? ["x", "d"] : ["x", "a", "c", "d"];
			assert.deepEqual(
				log.entriesAfter(0).map((e) => e.data),
				expected,
			);
			await log.close();
			const again = make({ sync });
			const loaded = await again.open();
			assert.deepEqual(
				loaded.entries.map((e) => [e.index, e.data]),
				expected.map((d, i) => [i + 1, d]),
			);
		});
	}

	describe("bad state gives a clear Error", () => {
		it("a second store on the same file (exclusive lock)", async () => {
			const first = make();
			await first.open();
			const second = make();
			await assert.rejects(second.open(), /cannot open sqlite log .*database is locked.*another nomad-ts process/);
			await first.append("set", "{}");
			await first.close();
			const third = make();
			assert.equal((await third.open()).entries.length, 1);
		});

		it("a file that is not a database", async () => {
			writeFileSync(tmp.file("log.db"), "this is not sqlite ".repeat(400));
			await assert.rejects(make().open(), /cannot open sqlite log .*file is not a database/);
		});

		it("somebody else's sqlite database", async () => {
			const raw = new DatabaseSync(tmp.file("log.db"));
			raw.exec("CREATE TABLE users (name TEXT)");
			raw.close();
			await assert.rejects(make().open(), /not a nomad-ts log database/);
		});

		it("a newer schema version", async () => {
			const log = make();
			await log.open();
			await log.close();
			const raw = new DatabaseSync(tmp.file("log.db"));
			raw.exec("PRAGMA user_version = 99");
			raw.close();
			await assert.rejects(make().open(), /unsupported schema version 99/);
		});

		it("a gap in the log", async () => {
			const log = make();
			await log.open();
			for (let i = 0; i < 5; i++) await log.append("set", "{}");
			await log.close();
			const raw = new DatabaseSync(tmp.file("log.db"));
			raw.exec("DELETE FROM log WHERE idx = 3");
			raw.close();
			await assert.rejects(make().open(), /corrupt or inconsistent: log has gaps \(4 entries between 1 and 5\)/);
		});

		it("a log that starts after 1 with no snapshot", async () => {
			const log = make();
			await log.open();
			for (let i = 0; i < 5; i++) await log.append("set", "{}");
			await log.close();
			const raw = new DatabaseSync(tmp.file("log.db"));
			raw.exec("DELETE FROM log WHERE idx <= 2");
			raw.close();
			await assert.rejects(make().open(), /log starts at 3 but there is no snapshot/);
		});

		it("damaged pages", async () => {
			const log = make({ sync: "group" });
			await log.open();
			await Promise.all(
				Array.from({ length: 2000 }, (_, i) => log.append("set", JSON.stringify({ i, pad: "x".repeat(100) }))),
			);
			await log.close(); // checkpoints the WAL into the main file
			const path = tmp.file("log.db");
			const size = statSync(path).size;
			assert.ok(size > 64 * 1024, `database too small to damage: ${size}`);
			const fd = openSync(path, "r+");
			try {
				const junk = Buffer.alloc(8192, 0xa5);
				writeSync(fd, junk, 0, junk.length, 4096 * 3);
				writeSync(fd, junk, 0, junk.length, Math.floor(size / 2 / 4096) * 4096);
			} finally {
				closeSync(fd);
			}
			await assert.rejects(make().open(), (err: unknown) => {
				assert.ok(err instanceof Error);
				assert.match(err.message, /sqlite log .*(corrupt|malformed)/);
				return true;
			});
		});

		it("a failed open can be retried once the problem is fixed", async () => {
			writeFileSync(tmp.file("log.db"), "garbage ".repeat(1000));
			const bad = make();
			await assert.rejects(bad.open());
			rmSync(tmp.file("log.db"));
			const good = make();
			assert.deepEqual(await good.open(), { snapshot: null, entries: [] });
		});
	});

	it("rejects bad options", () => {
		assert.throws(() => createSqliteLog({ path: "", sync: "commit" }), TypeError);
		assert.throws(() => createSqliteLog({ path: "x", sync: "sometimes" as "commit" }), TypeError);
		assert.throws(() => createSqliteLog({ path: "x", sync: "group", maxBatch: 0 }), TypeError);
		assert.throws(() => createSqliteLog({ path: "x", sync: "group", groupWindowMs: -1 }), TypeError);
	});

	it("creates missing directories", async () => {
		const log = make({}, "a/b/log.db");
		await log.open();
		assert.equal(await log.append("set", "{}"), 1);
	});
});
