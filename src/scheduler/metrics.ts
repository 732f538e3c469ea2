// AllocMetric bookkeeping (structs.AllocMetric methods), including the top-K score metadata.
import type { AllocMetric, Node, NodeScoreMeta, TaskGroup } from "../api/types/index.ts";

export const MAX_RETAINED_NODE_SCORES = 5;
export const NORM_SCORER = "normalized-score";

/** AllocMetric plus the transient scoring state (never serialised: kept in a side table). */
export interface MetricState {
	m: AllocMetric;
	/** Scores of the node being ranked (reused; an entry object is made only for the top K). */
	curNode: string;
	curNames: string[];
	curValues: number[];
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
		curNode: "",
		curNames: [],
		curValues: [],
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

/** Records one scorer's output; the normalized score closes the node's entry into the top-K. */
export function scoreNode(s: MetricState, node: Node, name: string, score: number): void {
	if (s.curNode !== node.ID) {
		s.curNode = node.ID;
		s.curNames.length = 0;
		s.curValues.length = 0;
	}
	if (name !== NORM_SCORER) {
		s.curNames.push(name);
		s.curValues.push(score);
		return;
	}
	s.curNode = "";
	const top = s.top;
	let min = -1;
	if (top.length >= MAX_RETAINED_NODE_SCORES) {
		min = 0;
		for (let i = 1; i < top.length; i++) if (top[i].NormScore < top[min].NormScore) min = i;
		if (!(score > top[min].NormScore)) return;
	}
	const scores: Record<string, number> = {};
	for (let i = 0; i < s.curNames.length; i++) scores[s.curNames[i]] = s.curValues[i];
	const entry: NodeScoreMeta = { NodeID: node.ID, Scores: scores, NormScore: score };
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
