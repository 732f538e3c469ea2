// Durable single-server log on node:sqlite (built into Node 24, no native addon).
//
// One file, WAL journal, synchronous=FULL: a COMMIT returns only after the WAL is fsynced, so an
// acknowledged append survives a crash. The connection holds an EXCLUSIVE lock for its whole life, so
// a second process (or a second store in this process) opening the same file gets a clear error
// instead of interleaving indexes.
//
// sync "commit": every append is its own transaction + fsync, written before append() returns.
// sync "group":  appends arriving while a batch is open (until the next setImmediate, or groupWindowMs)
//                are written in ONE transaction; all their promises resolve after that single commit.
//
// Indexes are assigned when append() is called, strictly increasing without gaps. A failed commit is
// rolled back and its indexes are handed out again, so the durable log never has a gap either. If the
// database cannot be proven unchanged after a failure, the store refuses every further write.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
	alreadyOpenError,
	checkAppend,
	checkFrom,
	checkSnapshot,
	closedError,
	errorMessage,
	notOpenError,
} from "./common.ts";
import type { LogEntry, LogStore, Snapshot } from "./types.ts";

export interface SqliteLogOptions {
	/** Database file; its directory is created if missing. */
	path: string;
	sync: "commit" | "group";
	/** Group commit: how long a batch stays open after its first append. 0 (default) = until the next setImmediate. */
	groupWindowMs?: number;
	/** Group commit: a batch reaching this many entries is written at once (default 1024). */
	maxBatch?: number;
}

export interface SqliteLogStats {
	/** Append transactions committed (each one fsync). */
	commits: number;
	/** Entries made durable by those commits. */
	entries: number;
	/** Largest number of entries written by one commit. */
	largestBatch: number;
	/** Append transactions that failed (their appends were rejected). */
	failedCommits: number;
	/** Snapshots stored. */
	snapshots: number;
}

export interface SqliteLogStore extends LogStore {
	/** Counters since this store was created (a copy). */
	stats(): SqliteLogStats;
}

/** "NMLG" in PRAGMA application_id marks a nomad-ts log database. */
export const SQLITE_LOG_APPLICATION_ID = 0x4e4d4c47;
export const SQLITE_LOG_SCHEMA_VERSION = 1;
const DEFAULT_MAX_BATCH = 1024;

const SCHEMA = `
CREATE TABLE log (idx INTEGER PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL) STRICT;
CREATE TABLE snapshot (idx INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT;
PRAGMA application_id = ${SQLITE_LOG_APPLICATION_ID};
PRAGMA user_version = ${SQLITE_LOG_SCHEMA_VERSION};
`;

interface Pending {
	index: number;
	type: string;
	data: string;
	resolve: (index: number) => void;
	reject: (err: Error) => void;
}

interface Statements {
	insert: StatementSync;
	after: StatementSync;
	maxLog: StatementSync;
	putSnapshot: StatementSync;
	dropSnapshots: StatementSync;
	dropEntries: StatementSync;
}

function checkOptions(opts: SqliteLogOptions): {
	window: number;
	maxBatch: number;
} {
	if (!opts || typeof opts.path !== "string" || opts.path === "") throw new TypeError("sqlite log: path is required");
	if (opts.sync !== "commit" && opts.sync !== "group") {
		throw new TypeError(`sqlite log: sync must be "commit" or "group", got ${JSON.stringify(opts.sync)}`);
	}
	const window = opts.groupWindowMs ?? 0;
	if (!Number.isFinite(window) || window < 0) throw new TypeError("sqlite log: groupWindowMs must be >= 0");
	const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
	if (!Number.isSafeInteger(maxBatch) || maxBatch < 1)
		throw new TypeError("sqlite log: maxBatch must be an integer >= 1");
	return { window, maxBatch };
}

export function createSqliteLog(opts: SqliteLogOptions): SqliteLogStore {
	const { window, maxBatch } = checkOptions(opts);
	const path = opts.path;
	const group = opts.sync === "group";

	let state: "new" | "open" | "closed" = "new";
	let db: DatabaseSync | null = null;
	let st: Statements | null = null;
	/** Set when a failed write left the database in a state we cannot vouch for. */
	let failed: Error | null = null;
	let lastDurable = 0;
	let nextIndex = 1;
	let compacted = 0;
	let snapIndex = 0;
	let pending: Pending[] = [];
	let timer: ReturnType<typeof setImmediate> | ReturnType<typeof setTimeout> | null = null;
	const stats: SqliteLogStats = {
		commits: 0,
		entries: 0,
		largestBatch: 0,
		failedCommits: 0,
		snapshots: 0,
	};

	const corrupt = (what: string): Error =>
		new Error(`sqlite log ${path} is corrupt or inconsistent: ${what}; restore it from a backup or remove it`);

	/** Highest durable index according to the database itself. */
	const durableInDb = (): number => {
		if (!st) return lastDurable;
		const row = st.maxLog.get() as { m: number | null };
		return Math.max(row.m ?? 0, snapIndex);
	};

	/** After a failed transaction: roll back and check that nothing of it became durable. */
	const recover = (cause: unknown): void => {
		try {
			if (db?.isTransaction) db.exec("ROLLBACK");
			const now = durableInDb();
			if (now !== lastDurable) throw new Error(`last index is ${now}, expected ${lastDurable}`);
		} catch (err) {
			failed = new Error(
				`sqlite log ${path} is unusable after a failed write (${errorMessage(cause)}; recovery: ${errorMessage(err)}); reopen it`,
				{ cause },
			);
		}
	};

	/** Writes entries in one transaction (one fsync); throws, rolled back, on failure. */
	const writeEntries = (batch: readonly { index: number; type: string; data: string }[]): void => {
		if (!db || !st) throw closedError();
		try {
			db.exec("BEGIN IMMEDIATE");
			for (const e of batch) st.insert.run(e.index, e.type, e.data);
			db.exec("COMMIT");
		} catch (err) {
			stats.failedCommits += 1;
			recover(err);
			// Everything not yet durable was in this batch: hand its indexes out again.
			nextIndex = lastDurable + 1;
			throw (
				failed ??
				new Error(`sqlite log append failed: ${errorMessage(err)}`, {
					cause: err,
				})
			);
		}
		lastDurable = batch[batch.length - 1].index;
		stats.commits += 1;
		stats.entries += batch.length;
		if (batch.length > stats.largestBatch) stats.largestBatch = batch.length;
	};

	const flush = (): void => {
		if (timer !== null) {
			if (window > 0) clearTimeout(timer as ReturnType<typeof setTimeout>);
			else clearImmediate(timer as ReturnType<typeof setImmediate>);
			timer = null;
		}
		if (pending.length === 0) return;
		const batch = pending;
		pending = [];
		if (failed) {
			for (const p of batch) p.reject(failed);
			return;
		}
		try {
			writeEntries(batch);
		} catch (err) {
			for (const p of batch) p.reject(err as Error);
			return;
		}
		for (const p of batch) p.resolve(p.index);
	};

	const readEntries = (from: number): LogEntry[] => {
		if (!st) throw closedError();
		const rows = st.after.all(from) as unknown as {
			idx: number;
			type: string;
			data: string;
		}[];
		return rows.map((r) => ({ index: r.idx, type: r.type, data: r.data }));
	};

	const openDb = (): { snapshot: Snapshot | null; entries: LogEntry[] } => {
		try {
			mkdirSync(dirname(path), { recursive: true });
			// Loaded on first use: a -dev agent (memory log) never pays for SQLite.
			const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
			db = new DatabaseSync(path, { timeout: 0 });
			db.exec("PRAGMA locking_mode = EXCLUSIVE");
			const jm = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string } | undefined;
			if (jm?.journal_mode !== "wal") throw new Error(`cannot switch to WAL journal (got ${jm?.journal_mode})`);
			db.exec("PRAGMA synchronous = FULL");
			db.exec("PRAGMA journal_size_limit = 67108864");
			// Take the exclusive lock now rather than at the first append.
			db.exec("BEGIN IMMEDIATE; COMMIT");
		} catch (err) {
			const msg = errorMessage(err);
			const hint = /locked|busy/i.test(msg) ? " (is another nomad-ts process using this data_dir?)" : "";
			throw new Error(`cannot open sqlite log ${path}: ${msg}${hint}`, {
				cause: err,
			});
		}
		const conn = db;
		let integrity: string[];
		try {
			const appId = (
				conn.prepare("PRAGMA application_id").get() as {
					application_id: number;
				}
			).application_id;
			const version = (conn.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
			const tables = conn.prepare("SELECT name FROM sqlite_schema").all();
			if (appId === 0 && version === 0 && tables.length === 0) {
				conn.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
			} else if (appId !== SQLITE_LOG_APPLICATION_ID) {
				throw new Error(`cannot open sqlite log ${path}: not a nomad-ts log database (application_id ${appId})`);
			} else if (version !== SQLITE_LOG_SCHEMA_VERSION) {
				throw new Error(
					`cannot open sqlite log ${path}: unsupported schema version ${version} (this build reads ${SQLITE_LOG_SCHEMA_VERSION})`,
				);
			}
			integrity = (conn.prepare("PRAGMA quick_check").all() as { quick_check: string }[]).map((r) => r.quick_check);
		} catch (err) {
			if (err instanceof Error && err.message.startsWith("cannot open sqlite log")) throw err;
			throw new Error(`cannot open sqlite log ${path}: ${errorMessage(err)}`, {
				cause: err,
			});
		}
		if (integrity.length !== 1 || integrity[0] !== "ok") throw corrupt(integrity.slice(0, 5).join("; "));

		try {
			st = {
				insert: conn.prepare("INSERT INTO log (idx, type, data) VALUES (?, ?, ?)"),
				after: conn.prepare("SELECT idx, type, data FROM log WHERE idx > ? ORDER BY idx"),
				maxLog: conn.prepare("SELECT max(idx) AS m FROM log"),
				putSnapshot: conn.prepare("INSERT OR REPLACE INTO snapshot (idx, data) VALUES (?, ?)"),
				dropSnapshots: conn.prepare("DELETE FROM snapshot WHERE idx < ?"),
				dropEntries: conn.prepare("DELETE FROM log WHERE idx <= ?"),
			};
		} catch (err) {
			throw corrupt(`unexpected schema (${errorMessage(err)})`);
		}

		const snap = conn.prepare("SELECT idx, data FROM snapshot ORDER BY idx DESC LIMIT 1").get() as
			| { idx: number; data: string }
			| undefined;
		const bounds = conn.prepare("SELECT min(idx) AS lo, max(idx) AS hi, count(*) AS n FROM log").get() as {
			lo: number | null;
			hi: number | null;
			n: number;
		};
		if (snap && snap.idx < 0) throw corrupt(`snapshot index ${snap.idx} is negative`);
		snapIndex = snap?.idx ?? 0;
		if (bounds.n > 0 && bounds.lo !== null && bounds.hi !== null) {
			if (bounds.lo < 1) throw corrupt(`log entry index ${bounds.lo} is below 1`);
			if (bounds.hi - bounds.lo + 1 !== bounds.n) {
				throw corrupt(`log has gaps (${bounds.n} entries between ${bounds.lo} and ${bounds.hi})`);
			}
			if (bounds.lo > snapIndex + 1) {
				throw corrupt(
					snap
						? `entries ${snapIndex + 1}..${bounds.lo - 1} between the snapshot and the log are missing`
						: `log starts at ${bounds.lo} but there is no snapshot`,
				);
			}
			if (bounds.hi < snapIndex) throw corrupt(`snapshot at ${snapIndex} is beyond the last log entry ${bounds.hi}`);
			compacted = bounds.lo - 1;
			lastDurable = bounds.hi;
		} else {
			compacted = snapIndex;
			lastDurable = snapIndex;
		}
		nextIndex = lastDurable + 1;
		const entries = readEntries(snapIndex);
		return {
			snapshot: snap ? { index: snap.idx, data: snap.data } : null,
			entries,
		};
	};

	const closeDb = (): void => {
		const conn = db;
		db = null;
		st = null;
		if (conn?.isOpen) conn.close();
	};

	return {
		async open() {
			if (state === "closed") throw closedError();
			if (state === "open") throw alreadyOpenError();
			try {
				const loaded = openDb();
				state = "open";
				return loaded;
			} catch (err) {
				try {
					closeDb();
				} catch {
					// The open error is the one worth reporting.
				}
				throw err;
			}
		},

		append(type, data) {
			if (state === "closed") return Promise.reject(closedError());
			if (state === "new") return Promise.reject(notOpenError());
			if (failed) return Promise.reject(failed);
			try {
				checkAppend(type, data);
			} catch (err) {
				return Promise.reject(err);
			}
			const index = nextIndex++;
			if (!group) {
				try {
					writeEntries([{ index, type, data }]);
				} catch (err) {
					return Promise.reject(err);
				}
				return Promise.resolve(index);
			}
			const { promise, resolve, reject } = Promise.withResolvers<number>();
			pending.push({ index, type, data, resolve, reject });
			if (pending.length >= maxBatch) flush();
			else if (timer === null) timer = window > 0 ? setTimeout(flush, window) : setImmediate(flush);
			return promise;
		},

		entriesAfter(from) {
			if (state === "closed") throw closedError();
			if (state === "new") throw notOpenError();
			const f = checkFrom(from, compacted);
			return f >= lastDurable ? [] : readEntries(f);
		},

		lastIndex: () => lastDurable,

		async saveSnapshot(snap, trailing) {
			if (state === "closed") throw closedError();
			if (state === "new") throw notOpenError();
			if (failed) throw failed;
			const keep = checkSnapshot(snap, trailing, lastDurable, snapIndex);
			if (!db || !st) throw closedError();
			const dropThrough = snap.index - keep;
			try {
				db.exec("BEGIN IMMEDIATE");
				st.putSnapshot.run(snap.index, snap.data);
				st.dropSnapshots.run(snap.index);
				if (dropThrough > compacted) st.dropEntries.run(dropThrough);
				db.exec("COMMIT");
			} catch (err) {
				recover(err);
				throw (
					failed ??
					new Error(`sqlite log snapshot failed: ${errorMessage(err)}`, {
						cause: err,
					})
				);
			}
			snapIndex = snap.index;
			if (dropThrough > compacted) compacted = dropThrough;
			stats.snapshots += 1;
		},

		async close() {
			if (state === "closed") return;
			// A batch still open is written (or rejected) before the database goes away.
			flush();
			state = "closed";
			closeDb();
		},

		stats: () => ({ ...stats }),
	};
}
