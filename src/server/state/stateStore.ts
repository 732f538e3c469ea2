// The in-memory state store: tables of wire-shaped rows in ordered B-trees, secondary indexes, a
// modify index per table, O(1) consistent snapshots (copy-on-write trees) and change watches for
// blocking queries. Only the FSM writes, through write(); everything else reads.
import { BTree } from "../../lib/btree.ts";
import { DERIVED, type Row, TABLE_NAMES, TABLES, type TableName, type TableSpec } from "./schema.ts";

const SEP = "\u0001";

export const DEFAULT_NAMESPACE: Row = {
	Name: "default",
	Description: "Default shared namespace",
	Quota: "",
	Capabilities: null,
	NodePoolConfiguration: null,
	VaultConfiguration: null,
	ConsulConfiguration: null,
	Meta: null,
	CreateIndex: 1,
	ModifyIndex: 1,
};

interface TableData {
	rows: BTree<string, Row>;
	/** index name → tree of `${value}\u0001${primaryKey}` → primaryKey */
	idx: Map<string, BTree<string, string>>;
	index: number;
}

function emptyTable(spec: TableSpec): TableData {
	const idx = new Map<string, BTree<string, string>>();
	for (const name of Object.keys(spec.indexes ?? {})) idx.set(name, new BTree<string, string>());
	return { rows: new BTree<string, Row>(), idx, index: 0 };
}

function cloneTable(t: TableData): TableData {
	const idx = new Map<string, BTree<string, string>>();
	for (const [k, v] of t.idx) idx.set(k, v.clone());
	return { rows: t.rows.clone(), idx, index: t.index };
}

function indexValues(v: string | readonly string[] | undefined): readonly string[] {
	if (v === undefined || v === "") return [];
	return typeof v === "string" ? [v] : v;
}

export interface ScanOptions {
	/** Only keys starting with this prefix. */
	prefix?: string;
	/** Start at this key (inclusive) — pagination resumes here. */
	from?: string;
	reverse?: boolean;
}

/** A read-only, consistent view of every table. */
export class StateView {
	protected tables: Map<TableName, TableData>;
	protected latest: number;
	/** Derived aggregates (see DERIVED in schema.ts), keyed by aggregate name then key. */
	protected derived: Map<string, BTree<string, unknown>>;

	constructor(tables: Map<TableName, TableData>, latest: number, derived?: Map<string, BTree<string, unknown>>) {
		this.tables = tables;
		this.latest = latest;
		this.derived = derived ?? new Map(Object.keys(DERIVED).map((n) => [n, new BTree<string, unknown>()]));
	}

	/** A derived aggregate's value for a key (e.g. node_usage of a node ID). */
	aggregate<T>(name: keyof typeof DERIVED, key: string): T | undefined {
		return this.derived.get(name)?.get(key) as T | undefined;
	}

	protected table(name: TableName): TableData {
		const t = this.tables.get(name);
		if (!t) throw new Error(`unknown table ${name}`);
		return t;
	}

	/** Index of the last command applied to the store. */
	get latestIndex(): number {
		return this.latest;
	}

	/** Index of the last command that changed this table (Nomad's state.Index("table")). */
	tableIndex(name: TableName): number {
		return this.table(name).index;
	}

	/** The highest table index among these tables. */
	maxIndex(...names: TableName[]): number {
		let m = 0;
		for (const n of names) m = Math.max(m, this.table(n).index);
		return m;
	}

	get<T extends Row = Row>(name: TableName, key: string): T | undefined {
		return this.table(name).rows.get(key) as T | undefined;
	}

	count(name: TableName): number {
		return this.table(name).rows.size;
	}

	*scan<T extends Row = Row>(name: TableName, opts: ScanOptions = {}): Generator<T> {
		const rows = this.table(name).rows;
		const prefix = opts.prefix ?? "";
		if (opts.reverse) {
			// Reverse scans start at the end of the prefix range (or at `from`).
			const high = opts.from ?? (prefix ? `${prefix}\uffff` : rows.maxKey());
			if (high === undefined) return;
			for (const [k, v] of rows.entriesReversed(high)) {
				if (prefix && !k.startsWith(prefix)) {
					if (k < prefix) return;
					continue;
				}
				yield v as T;
			}
			return;
		}
		const from = opts.from !== undefined && opts.from > prefix ? opts.from : prefix;
		for (const [k, v] of rows.entries(from === "" ? undefined : from)) {
			if (prefix && !k.startsWith(prefix)) return;
			yield v as T;
		}
	}

	/**
	 * Every row in the order of secondary index `index` (ties by primary key), optionally starting
	 * at index value `from` — e.g. evals by create index for "<CreateIndex>.<ID>" pagination.
	 */
	*scanIndex<T extends Row = Row>(
		name: TableName,
		index: string,
		opts: { from?: string; reverse?: boolean } = {},
	): Generator<T> {
		const t = this.table(name);
		const tree = t.idx.get(index);
		if (!tree) throw new Error(`table ${name} has no index ${index}`);
		const iter = opts.reverse
			? tree.entriesReversed(opts.from !== undefined ? `${opts.from}${SEP}\uffff` : undefined)
			: tree.entries(opts.from);
		for (const [, pk] of iter) {
			const row = t.rows.get(pk);
			if (row) yield row as T;
		}
	}

	/** Rows whose secondary index `index` has exactly `value`, in primary-key order. */
	*byIndex<T extends Row = Row>(name: TableName, index: string, value: string): Generator<T> {
		const t = this.table(name);
		const tree = t.idx.get(index);
		if (!tree) throw new Error(`table ${name} has no index ${index}`);
		const start = `${value}${SEP}`;
		for (const [k, pk] of tree.entries(start)) {
			if (!k.startsWith(start)) return;
			const row = t.rows.get(pk);
			if (row) yield row as T;
		}
	}
}

/** What the FSM may do inside one command's write. */
export interface WriteTxn {
	readonly index: number;
	get<T extends Row = Row>(name: TableName, key: string): T | undefined;
	view(): StateView;
	put(name: TableName, row: Row): void;
	delete(name: TableName, key: string): boolean;
	/** Marks a table changed without a row change (e.g. a delete that found nothing still bumps). */
	touch(name: TableName): void;
}

/** A write in progress (see StateStore.begin). */
export interface OpenWrite {
	readonly tx: WriteTxn;
	/** Makes every staged change visible at the write's index and wakes watchers. */
	commit(): void;
	/** Drops every staged change (nothing once committed). */
	abort(): void;
}

type Waiter = { fire: () => void; tables: TableName[] };

export class StateStore extends StateView {
	private readonly waiters = new Map<TableName, Set<Waiter>>();
	private writing = false;

	constructor() {
		const tables = new Map<TableName, TableData>();
		for (const n of TABLE_NAMES) tables.set(n, emptyTable(TABLES[n]));
		super(tables, 0);
		for (const n of TABLE_NAMES) this.waiters.set(n, new Set());
		// Every state store starts with the default namespace at index 1, as Nomad's does; a
		// restored snapshot replaces it with whatever the cluster has.
		const ns = this.table("namespaces");
		ns.rows.set("default", { ...DEFAULT_NAMESPACE });
		ns.index = 1;
	}

	/** An immutable view of this instant; later writes do not show through. O(tables). */
	snapshot(): StateView {
		const copy = new Map<TableName, TableData>();
		for (const [n, t] of this.tables) copy.set(n, cloneTable(t));
		return new StateView(copy, this.latest, cloneDerived(this.derived));
	}

	/**
	 * Applies one command's changes atomically at `index`: if fn throws, nothing it wrote is kept.
	 * Touched tables get `index` as their modify index and their watchers are woken.
	 */
	write<R>(index: number, fn: (tx: WriteTxn) => R): R {
		const w = this.begin(index);
		try {
			const result = fn(w.tx);
			w.commit();
			return result;
		} catch (err) {
			w.abort();
			throw err;
		}
	}

	/**
	 * Opens a write at `index` that may span several macrotasks (a big command applied in slices):
	 * its changes are staged on copy-on-write clones, invisible to readers and snapshots until
	 * commit(), and dropped by abort(). One write is open at a time.
	 */
	begin(index: number): OpenWrite {
		if (this.writing) throw new Error("state store: a write is already open");
		if (index <= this.latest) throw new Error(`state store: index ${index} is not after ${this.latest}`);
		this.writing = true;
		const staged = new Map<TableName, TableData>();
		const stage = (name: TableName): TableData => {
			let t = staged.get(name);
			if (!t) {
				t = cloneTable(this.table(name));
				staged.set(name, t);
			}
			return t;
		};
		const current = (name: TableName): TableData => staged.get(name) ?? this.table(name);
		let stagedDerived: Map<string, BTree<string, unknown>> | undefined;
		const fold = (name: TableName, before: Row | undefined, after: Row | undefined): void => {
			for (const [aggName, d] of Object.entries(DERIVED)) {
				if (d.table !== name) continue;
				stagedDerived ??= cloneDerived(this.derived);
				const tree = stagedDerived.get(aggName) as BTree<string, unknown>;
				const kb = before ? d.key(before) : undefined;
				const ka = after ? d.key(after) : undefined;
				if (kb !== undefined && kb === ka) {
					tree.set(kb, d.fold(tree.get(kb), before, after));
					continue;
				}
				if (kb !== undefined) tree.set(kb, d.fold(tree.get(kb), before, undefined));
				if (ka !== undefined) tree.set(ka, d.fold(tree.get(ka), undefined, after));
			}
		};
		const tx: WriteTxn = {
			index,
			get: <T extends Row>(name: TableName, key: string) => current(name).rows.get(key) as T | undefined,
			view: () => {
				const merged = new Map(this.tables);
				for (const [n, t] of staged) merged.set(n, t);
				return new StateView(merged, this.latest, stagedDerived ?? this.derived);
			},
			put: (name, row) => {
				const spec: TableSpec = TABLES[name];
				const t = stage(name);
				const pk = spec.primaryKey(row);
				const old = t.rows.get(pk);
				if (old) removeFromIndexes(spec, t, pk, old);
				t.rows.set(pk, row);
				fold(name, old, row);
				for (const [iname, fn] of Object.entries(spec.indexes ?? {})) {
					const tree = t.idx.get(iname) as BTree<string, string>;
					for (const v of indexValues(fn(row))) tree.set(`${v}${SEP}${pk}`, pk);
				}
			},
			delete: (name, key) => {
				const spec: TableSpec = TABLES[name];
				const t = stage(name);
				const old = t.rows.get(key);
				if (!old) return false;
				removeFromIndexes(spec, t, key, old);
				t.rows.delete(key);
				fold(name, old, undefined);
				return true;
			},
			touch: (name) => {
				stage(name);
			},
		};
		let open = true;
		const close = (): void => {
			if (!open) throw new Error("state store: write already closed");
			open = false;
			this.writing = false;
		};
		return {
			tx,
			commit: () => {
				close();
				for (const [n, t] of staged) {
					t.index = index;
					this.tables.set(n, t);
				}
				if (stagedDerived) this.derived = stagedDerived;
				this.latest = index;
				this.notify([...staged.keys()]);
			},
			abort: () => {
				if (open) close();
			},
		};
	}

	/** Records an applied command that changed no table (keeps latestIndex in step with the log). */
	advance(index: number): void {
		if (index > this.latest) this.latest = index;
	}

	/**
	 * Resolves at the next write touching any of `tables`, or when `signal` aborts. Blocking
	 * queries re-run their query after it and decide themselves whether the result changed.
	 */
	waitForChange(tables: readonly TableName[], signal?: AbortSignal): Promise<void> {
		return new Promise((resolve) => {
			if (signal?.aborted) return resolve();
			const w: Waiter = {
				tables: [...tables],
				fire: () => {
					for (const n of w.tables) this.waiters.get(n)?.delete(w);
					signal?.removeEventListener("abort", w.fire);
					resolve();
				},
			};
			for (const n of w.tables) this.waiters.get(n)?.add(w);
			signal?.addEventListener("abort", w.fire, { once: true });
		});
	}

	/** Number of registered waiters (for metrics and tests). */
	waiterCount(): number {
		const all = new Set<Waiter>();
		for (const s of this.waiters.values()) for (const w of s) all.add(w);
		return all.size;
	}

	private notify(tables: TableName[]): void {
		const fire = new Set<Waiter>();
		for (const n of tables) for (const w of this.waiters.get(n) ?? []) fire.add(w);
		for (const w of fire) w.fire();
	}

	/**
	 * Whole-state serialisation for log snapshots. Allocations share their Job object (one per job
	 * version); the dump writes each distinct Job once and refers to it, so a snapshot of a million
	 * allocations does not hold a million copies of their jobs.
	 */
	dump(): StateDump {
		const tables: StateDump["tables"] = {};
		const shared: Row[] = [];
		// Keyed by job identity and version: equal versions are equal objects, wherever they came from.
		const refOf = new Map<string, number>();
		for (const [n, t] of this.tables) {
			const rows: Row[] = [];
			for (const row of t.rows.values()) {
				const job = n === "allocs" ? (row.Job as Row | null | undefined) : undefined;
				if (job && typeof job === "object") {
					const key = `${job.Namespace as string}\u0000${job.ID as string}\u0000${job.Version as number}\u0000${job.JobModifyIndex as number}`;
					let ref = refOf.get(key);
					if (ref === undefined) {
						ref = shared.push(job) - 1;
						refOf.set(key, ref);
					}
					rows.push({ ...row, Job: { $ref: ref } });
				} else rows.push(row);
			}
			tables[n] = { index: t.index, rows };
		}
		return { index: this.latest, tables, sharedJobs: shared };
	}

	/** Replaces every table with a dump's contents; wakes all watchers (their view is gone). */
	restore(dump: StateDump): void {
		if (this.writing) throw new Error("state store: cannot restore while a write is open");
		for (const n of TABLE_NAMES) {
			const spec: TableSpec = TABLES[n];
			const t = emptyTable(spec);
			const d = dump.tables[n];
			if (d) {
				t.index = d.index;
				for (const stored of d.rows) {
					const ref = (stored.Job as { $ref?: number } | null | undefined)?.$ref;
					const row = ref !== undefined ? { ...stored, Job: dump.sharedJobs?.[ref] ?? null } : stored;
					const pk = spec.primaryKey(row);
					t.rows.set(pk, row);
					for (const [iname, fn] of Object.entries(spec.indexes ?? {})) {
						const tree = t.idx.get(iname) as BTree<string, string>;
						for (const v of indexValues(fn(row))) tree.set(`${v}${SEP}${pk}`, pk);
					}
				}
			}
			this.tables.set(n, t);
		}
		this.latest = dump.index;
		this.derived = cloneDerived(new Map());
		for (const [aggName, d] of Object.entries(DERIVED)) {
			const tree = this.derived.get(aggName) as BTree<string, unknown>;
			for (const row of this.table(d.table).rows.values()) {
				const k = d.key(row);
				if (k !== undefined) tree.set(k, d.fold(tree.get(k), undefined, row));
			}
		}
		this.notify([...TABLE_NAMES]);
	}
}

export interface StateDump {
	index: number;
	tables: Partial<Record<TableName, { index: number; rows: Row[] }>>;
	/** Job objects shared by allocations, referred to as {$ref: i}. */
	sharedJobs?: Row[];
}

function cloneDerived(src: Map<string, BTree<string, unknown>>): Map<string, BTree<string, unknown>> {
	const out = new Map<string, BTree<string, unknown>>();
	for (const name of Object.keys(DERIVED)) out.set(name, src.get(name)?.clone() ?? new BTree<string, unknown>());
	return out;
}

function removeFromIndexes(spec: TableSpec, t: TableData, pk: string, old: Row): void {
	for (const [iname, fn] of Object.entries(spec.indexes ?? {})) {
		const tree = t.idx.get(iname) as BTree<string, string>;
		for (const v of indexValues(fn(old))) tree.delete(`${v}${SEP}${pk}`);
	}
}
