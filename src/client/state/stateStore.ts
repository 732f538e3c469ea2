// The client's own state (Nomad's client state DB), in <data_dir>/client/state.db on node:sqlite:
// the node's identity, every allocation the client runs (as last received from the servers), and
// per task its TaskState and the handle needed to reattach to its process after an agent restart.
// Writes are synchronous and each is its own transaction, so a kill -9 loses at most the change
// being made (WAL: a crashed process never leaves a torn database). A -dev agent keeps nothing
// across restarts, so it gets the in-memory store and never loads SQLite (~2 MB of resident memory
// for an agent whose idle footprint is a target).
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import type { TaskHandleState } from "../drivers/types.ts";

export interface StoredAlloc {
	alloc: Allocation;
	tasks: Record<string, { state: TaskState; handle?: TaskHandleState }>;
}

export interface ClientStateStore {
	getMeta(key: string): string | undefined;
	putMeta(key: string, value: string): void;
	putAlloc(alloc: Allocation): void;
	deleteAlloc(id: string): void;
	/** Every task of one allocation at once (its TaskStates and the handles of running tasks). */
	putTasks(allocID: string, states: Record<string, TaskState>, handles: Record<string, TaskHandleState>): void;
	loadAllocs(): StoredAlloc[];
	close(): void;
}

/** The store at `path` (a file), or one that lives only as long as the process (`:memory:`). */
export function openClientStateStore(path: string): ClientStateStore {
	return path === ":memory:" ? new MemoryClientStateStore() : new SqliteClientStateStore(path);
}

/** Kept only in this process (-dev): values are copied in and out as the database would. */
export class MemoryClientStateStore implements ClientStateStore {
	private readonly meta = new Map<string, string>();
	private readonly allocs = new Map<string, string>();
	private readonly tasks = new Map<string, Map<string, { state: string; handle?: string }>>();

	getMeta(key: string): string | undefined {
		return this.meta.get(key);
	}

	putMeta(key: string, value: string): void {
		this.meta.set(key, value);
	}

	putAlloc(alloc: Allocation): void {
		this.allocs.set(alloc.ID, JSON.stringify(alloc));
	}

	deleteAlloc(id: string): void {
		this.allocs.delete(id);
		this.tasks.delete(id);
	}

	putTasks(allocID: string, states: Record<string, TaskState>, handles: Record<string, TaskHandleState>): void {
		let m = this.tasks.get(allocID);
		if (!m) {
			m = new Map();
			this.tasks.set(allocID, m);
		}
		for (const [task, state] of Object.entries(states)) {
			const h = handles[task];
			m.set(task, h ? { state: JSON.stringify(state), handle: JSON.stringify(h) } : { state: JSON.stringify(state) });
		}
	}

	loadAllocs(): StoredAlloc[] {
		return [...this.allocs].map(([id, alloc]) => {
			const tasks: StoredAlloc["tasks"] = {};
			for (const [task, t] of this.tasks.get(id) ?? []) {
				tasks[task] = t.handle
					? { state: JSON.parse(t.state), handle: JSON.parse(t.handle) }
					: { state: JSON.parse(t.state) };
			}
			return { alloc: JSON.parse(alloc), tasks };
		});
	}

	close(): void {}
}

export class SqliteClientStateStore implements ClientStateStore {
	private readonly db: DatabaseSync;
	private readonly q: {
		getMeta: StatementSync;
		putMeta: StatementSync;
		putAlloc: StatementSync;
		delAlloc: StatementSync;
		delTasks: StatementSync;
		putTask: StatementSync;
		allocs: StatementSync;
		tasks: StatementSync;
	};

	constructor(path: string) {
		const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
		this.db = new DatabaseSync(path);
		this.db.exec(`
			PRAGMA journal_mode = WAL;
			PRAGMA synchronous = NORMAL;
			CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
			CREATE TABLE IF NOT EXISTS allocs (id TEXT PRIMARY KEY, alloc TEXT NOT NULL);
			CREATE TABLE IF NOT EXISTS tasks (
				alloc_id TEXT NOT NULL, task TEXT NOT NULL, state TEXT NOT NULL, handle TEXT,
				PRIMARY KEY (alloc_id, task));
		`);
		this.q = {
			getMeta: this.db.prepare("SELECT value FROM meta WHERE key = ?"),
			putMeta: this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
			putAlloc: this.db.prepare("INSERT OR REPLACE INTO allocs (id, alloc) VALUES (?, ?)"),
			delAlloc: this.db.prepare("DELETE FROM allocs WHERE id = ?"),
			delTasks: this.db.prepare("DELETE FROM tasks WHERE alloc_id = ?"),
			putTask: this.db.prepare("INSERT OR REPLACE INTO tasks (alloc_id, task, state, handle) VALUES (?, ?, ?, ?)"),
			allocs: this.db.prepare("SELECT id, alloc FROM allocs"),
			tasks: this.db.prepare("SELECT alloc_id, task, state, handle FROM tasks"),
		};
	}

	getMeta(key: string): string | undefined {
		const row = this.q.getMeta.get(key) as { value: string } | undefined;
		return row?.value;
	}

	putMeta(key: string, value: string): void {
		this.q.putMeta.run(key, value);
	}

	putAlloc(alloc: Allocation): void {
		this.q.putAlloc.run(alloc.ID, JSON.stringify(alloc));
	}

	deleteAlloc(id: string): void {
		this.db.exec("BEGIN");
		try {
			this.q.delAlloc.run(id);
			this.q.delTasks.run(id);
			this.db.exec("COMMIT");
		} catch (e) {
			this.db.exec("ROLLBACK");
			throw e;
		}
	}

	putTasks(allocID: string, states: Record<string, TaskState>, handles: Record<string, TaskHandleState>): void {
		this.db.exec("BEGIN");
		try {
			for (const [task, state] of Object.entries(states)) {
				const h = handles[task];
				this.q.putTask.run(allocID, task, JSON.stringify(state), h ? JSON.stringify(h) : null);
			}
			this.db.exec("COMMIT");
		} catch (e) {
			this.db.exec("ROLLBACK");
			throw e;
		}
	}

	loadAllocs(): StoredAlloc[] {
		const byId = new Map<string, StoredAlloc>();
		for (const row of this.q.allocs.all() as { id: string; alloc: string }[]) {
			byId.set(row.id, { alloc: JSON.parse(row.alloc), tasks: {} });
		}
		for (const row of this.q.tasks.all() as {
			alloc_id: string;
			task: string;
			state: string;
			handle: string | null;
		}[]) {
			const a = byId.get(row.alloc_id);
			if (!a) continue;
			a.tasks[row.task] = { state: JSON.parse(row.state) };
			if (row.handle) a.tasks[row.task].handle = JSON.parse(row.handle);
		}
		return [...byId.values()];
	}

	close(): void {
		if (this.db.isOpen) this.db.close();
	}
}
