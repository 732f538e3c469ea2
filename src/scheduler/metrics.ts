// AllocMetric bookkeeping (structs.AllocMetric methods), including the top-K score metadata.
import type { AllocMetric, Node, NodeScoreMeta, PackedScoreMetaData, TaskGroup } from "../api/types/index.ts";

export const MAX_RETAINED_NODE_SCORES = 5;

/** The ScoreMetaData list of a metric, whichever form it is kept in. */
export function scoreMetaList(m: AllocMetric | null | undefined): NodeScoreMeta[] | null {
	const s = m?.ScoreMetaData;
	if (!s) return null;
	return Array.isArray(s) ? s : s.toJSON();
}

/** One node in the running top K: its scorer names (a shared constant list) and values. */
interface TopScore {
	nodeID: string;
	names: readonly string[];
	values: number[];
	norm: number;
}

/** AllocMetric plus the transient scoring state (never serialised: kept in a side table). */
export interface MetricState {
	m: AllocMetric;
	top: TopScore[];
}

/**
 * The retained top-K score metadata of one placement, packed: node IDs, the scorer-name lists
 * (shared constants) and every value in one array of unboxed doubles. Each allocation keeps one;
 * against Nomad's shape of an object per node and per score map this saves ~700 bytes per
 * allocation (a third of an allocation's memory at C1M scale). Serialises to the NodeScoreMeta list.
 */
export class PackedScoreMeta implements PackedScoreMetaData {
	private readonly ids: string[];
	private readonly names: (readonly string[])[];
	/** Per entry: its scorer values, then its normalized score. */
	private readonly values: number[];

	constructor(sorted: readonly TopScore[]) {
		this.ids = sorted.map((t) => t.nodeID);
		this.names = sorted.map((t) => t.names);
		let n = 0;
		for (const t of sorted) n += t.values.length + 1;
		const values: number[] = new Array(n);
		let i = 0;
		for (const t of sorted) {
			for (const v of t.values) values[i++] = v;
			values[i++] = t.norm;
		}
		this.values = values;
	}

	toJSON(): NodeScoreMeta[] {
		const out: NodeScoreMeta[] = [];
		let i = 0;
		for (let k = 0; k < this.ids.length; k++) {
			const scores: Record<string, number> = {};
			for (const name of this.names[k]) scores[name] = this.values[i++];
			out.push({ NodeID: this.ids[k], Scores: scores, NormScore: this.values[i++] });
		}
		return out;
	}
}

export function newMetric(): MetricState {
	return {
		m: {
			NodesEvaluated: 0,
			NodesFiltered: 0,
			NodesInPool: 0,
			NodePool: "",
			NodesAvailable: null,
			ClassFiltered: null,
			ConstraintFiltered: null,
			NodesExhausted: 0,
			ClassExhausted: null,
			DimensionExhausted: null,
			QuotaExhausted: null,
			ResourcesExhausted: null,
			Scores: null,
			ScoreMetaData: null,
			AllocationTime: 0,
			CoalescedFailures: 0,
		},
		top: [],
	};
}

export function filterNode(s: MetricState, node: Node | undefined, constraint: string): void {
	const m = s.m;
	m.NodesFiltered++;
	if (node?.NodeClass) {
		m.ClassFiltered ??= {};
		m.ClassFiltered[node.NodeClass] = (m.ClassFiltered[node.NodeClass] ?? 0) + 1;
	}
	if (constraint) {
		m.ConstraintFiltered ??= {};
		m.ConstraintFiltered[constraint] = (m.ConstraintFiltered[constraint] ?? 0) + 1;
	}
}

export function exhaustedNode(s: MetricState, node: Node | undefined, dimension: string): void {
	const m = s.m;
	m.NodesExhausted++;
	if (node?.NodeClass) {
		m.ClassExhausted ??= {};
		m.ClassExhausted[node.NodeClass] = (m.ClassExhausted[node.NodeClass] ?? 0) + 1;
	}
	if (dimension) {
		m.DimensionExhausted ??= {};
		m.DimensionExhausted[dimension] = (m.DimensionExhausted[dimension] ?? 0) + 1;
	}
}

/**
 * ScoreNode for one ranked node: its scorer outputs (names[i] → values[i]) and normalized score.
 * Only nodes entering the top K get a NodeScoreMeta object.
 */
export function recordScores(
	s: MetricState,
	node: Node,
	names: readonly string[],
	values: readonly number[],
	norm: number,
): void {
	const top = s.top;
	let min = -1;
	if (top.length >= MAX_RETAINED_NODE_SCORES) {
		min = 0;
		for (let i = 1; i < top.length; i++) if (top[i].norm < top[min].norm) min = i;
		if (!(norm > top[min].norm)) return;
	}
	const entry: TopScore = { nodeID: node.ID, names, values: values.slice(0, names.length), norm };
	if (min < 0) top.push(entry);
	else top[min] = entry;
}

/** Highest normalized score first (PopulateScoreMetaData). */
export function populateScoreMetaData(s: MetricState): void {
	if (s.top.length === 0) return;
	s.m.ScoreMetaData = new PackedScoreMeta([...s.top].sort((a, b) => b.norm - a.norm));
}

/** Records the task group's cpu/memory ask against the exhausted dimensions (ExhaustResources). */
export function exhaustResources(m: AllocMetric, tg: TaskGroup): void {
	const dims = m.DimensionExhausted;
	if (!dims) return;
	m.ResourcesExhausted ??= {};
	for (const t of tg.Tasks) {
		const r = m.ResourcesExhausted[t.Name] ?? {
			CPU: 0,
			Cores: 0,
			MemoryMB: 0,
			MemoryMaxMB: 0,
			DiskMB: 0,
			IOPS: 0,
			Networks: null,
			Devices: null,
			NUMA: null,
			SecretsMB: 0,
		};
		if ((dims.memory ?? 0) > 0) r.MemoryMB += t.Resources.MemoryMB;
		if ((dims.cpu ?? 0) > 0) r.CPU += t.Resources.CPU;
		m.ResourcesExhausted[t.Name] = r;
	}
}

export function copyMetric(m: AllocMetric): AllocMetric {
	const c = { ...m };
	const maps = [
		"NodesAvailable",
		"ClassFiltered",
		"ConstraintFiltered",
		"ClassExhausted",
		"DimensionExhausted",
	] as const;
	for (const k of maps) if (m[k]) c[k] = { ...m[k] };
	// The packed form is immutable and can be shared; a plain list is copied.
	if (Array.isArray(m.ScoreMetaData))
		c.ScoreMetaData = scoreMetaList(m)?.map((s) => ({ ...s, Scores: { ...s.Scores } })) ?? null;
	if (m.QuotaExhausted) c.QuotaExhausted = [...m.QuotaExhausted];
	return c;
}

/** mergeNodeFiltered (system scheduler): accumulates filter counts over per-node selections. */
export function mergeNodeFiltered(acc: AllocMetric | undefined, cur: AllocMetric): AllocMetric {
	if (!acc) return copyMetric(cur);
	acc.NodesEvaluated += cur.NodesEvaluated;
	acc.NodesFiltered += cur.NodesFiltered;
	acc.ClassFiltered ??= {};
	for (const [k, v] of Object.entries(cur.ClassFiltered ?? {})) acc.ClassFiltered[k] = (acc.ClassFiltered[k] ?? 0) + v;
	acc.ConstraintFiltered ??= {};
	for (const [k, v] of Object.entries(cur.ConstraintFiltered ?? {})) {
		acc.ConstraintFiltered[k] = (acc.ConstraintFiltered[k] ?? 0) + v;
	}
	acc.AllocationTime += cur.AllocationTime;
	return acc;
}
