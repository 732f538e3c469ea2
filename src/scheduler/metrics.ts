// AllocMetric bookkeeping (structs.AllocMetric methods), including the top-K score metadata.
import type { AllocMetric, Node, NodeScoreMeta, TaskGroup } from "../api/types/index.ts";

export const MAX_RETAINED_NODE_SCORES = 5;

/** AllocMetric plus the transient scoring state (never serialised: kept in a side table). */
export interface MetricState {
	m: AllocMetric;
	top: NodeScoreMeta[];
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
		for (let i = 1; i < top.length; i++) if (top[i].NormScore < top[min].NormScore) min = i;
		if (!(norm > top[min].NormScore)) return;
	}
	const scores: Record<string, number> = {};
	for (let i = 0; i < names.length; i++) scores[names[i]] = values[i];
	const entry: NodeScoreMeta = { NodeID: node.ID, Scores: scores, NormScore: norm };
	if (min < 0) top.push(entry);
	else top[min] = entry;
}

/** Highest normalized score first (PopulateScoreMetaData). */
export function populateScoreMetaData(s: MetricState): void {
	if (s.top.length === 0) return;
	s.m.ScoreMetaData = [...s.top].sort((a, b) => b.NormScore - a.NormScore);
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
	if (m.ScoreMetaData) c.ScoreMetaData = m.ScoreMetaData.map((s) => ({ ...s, Scores: { ...s.Scores } }));
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
