// The placement stack (stack.go): candidate nodes in a seeded-random order, feasibility, bin packing
// and the scorers (job anti-affinity, reschedule penalty, node affinity, spread), score
// normalisation, the candidate limit with low-score skipping, and max-score selection.
import type { Affinity, Allocation, Job, Node, Spread, TaskGroup } from "../api/types/index.ts";
import { meetsConstraint } from "./constraints.ts";
import type { EvalContext } from "./context.ts";
import {
	type CompiledConstraints,
	compileConstraints,
	compileGroup,
	constraintsFeasible,
	ELIGIBLE,
	Eligibility,
	ESCAPED,
	type GroupChecks,
	hasDistinctHosts,
	INELIGIBLE,
	nodeFeasible,
} from "./feasible.ts";
import { filterNode, newMetric, recordScores } from "./metrics.ts";
import { type NodeInfo, nodeInfo } from "./nodeInfo.ts";
import type { NodeState } from "./nodeState.ts";
import { PropertySet } from "./propertySet.ts";
import { binpack, compileAsk, type FitOption, type GroupAsk } from "./rank.ts";
import type { SchedulerConfiguration } from "./types.ts";

const SKIP_SCORE_THRESHOLD = 0;
const SYSTEM_SCORERS = ["binpack"];
const GENERIC_SCORERS = ["binpack", "job-anti-affinity", "node-reschedule-penalty", "node-affinity"];
const SPREAD_SCORERS = [...GENERIC_SCORERS, "allocation-spread"];
const MAX_SKIP = 3;
const DEFAULT_NODE_LIMIT_FOR_FEASIBILITY = 100;

export interface SelectOptions {
	penaltyNodeIDs?: ReadonlySet<string>;
	preferredNodes?: readonly Node[];
	allocName?: string;
}

/** The chosen node (opt.ns.info.node) and what is needed to build the allocation. */
export type Ranked = FitOption;

interface SpreadDetails {
	weight: number;
	desired: Map<string, number>;
}

interface GroupState {
	tg: TaskGroup;
	checks: GroupChecks;
	ask: GroupAsk;
	distinctHosts: boolean;
	propertySets: PropertySet[];
	affinities: Affinity[];
	affinityWeight: number;
	spreadSets: PropertySet[];
	spreadInfo: Map<string, SpreadDetails>;
}

export class Stack {
	readonly eligibility = new Eligibility();
	private readonly ctx: EvalContext;
	private readonly system: boolean;
	private readonly batch: boolean;
	private readonly jobAllocs: readonly Allocation[];
	private spreadAlgorithm = false;
	private memoryOversubscription = false;
	private nodeLimit = DEFAULT_NODE_LIMIT_FOR_FEASIBILITY;
	private job: Job | undefined;
	private jobConstraints: CompiledConstraints = { list: [], keys: [] };
	private jobDistinctHosts = false;
	private jobPropertySets: PropertySet[] = [];
	private groups = new Map<TaskGroup, GroupState>();
	private sumSpreadWeights = 0;
	private lowestSpreadBoost = -1;
	private recs: NodeState[] = [];
	private offset = 0;
	private readonly scratch: number[] = [0, 0, 0, 0, 0];
	private readonly pool: FitOption[] = [];
	private poolNext = 0;
	private seen = 0;
	private limit = 2;

	constructor(ctx: EvalContext, kind: "service" | "batch" | "system", jobAllocs: readonly Allocation[]) {
		this.ctx = ctx;
		this.system = kind === "system";
		this.batch = kind === "batch";
		this.jobAllocs = jobAllocs;
	}

	setConfig(c: SchedulerConfiguration): void {
		this.spreadAlgorithm = c.SchedulerAlgorithm === "spread";
		this.memoryOversubscription = c.MemoryOversubscriptionEnabled;
		this.nodeLimit =
			c.NodeLimitForFeasibilityChecks > 0 ? c.NodeLimitForFeasibilityChecks : DEFAULT_NODE_LIMIT_FOR_FEASIBILITY;
	}

	setJob(job: Job): void {
		this.job = job;
		this.jobConstraints = compileConstraints(job.Constraints ?? []);
		this.jobDistinctHosts = !this.system && hasDistinctHosts(job.Constraints);
		this.jobPropertySets = (job.Constraints ?? [])
			.filter((c) => c.Operand === "distinct_property")
			.map((c) => PropertySet.forConstraint(this.ctx, this.jobAllocs, c, ""));
		this.groups = new Map();
		this.eligibility.setJob(job);
	}

	/** Nodes dropped by setNodes because the job's own constraints exclude them. */
	private excluded: NodeInfo[] = [];
	private prefilterMetric: ReturnType<typeof newMetric> | undefined;

	/** Whether the job-level constraints admit a node (class-cached, as nodeFeasible does). */
	private jobFeasible(scratch: ReturnType<typeof newMetric>, info: NodeInfo): boolean {
		const js = this.eligibility.jobStatus(info.classId);
		if (js === ELIGIBLE) return true;
		if (js === INELIGIBLE) return false;
		const ok = constraintsFeasible(scratch, info.node, this.jobConstraints);
		if (js !== ESCAPED) this.eligibility.setJobEligibility(ok, info);
		return ok;
	}

	/** A failed selection reports the set-aside nodes as evaluated and filtered, as if visited. */
	private accountExcluded(g: GroupState): void {
		const m = this.ctx.metrics;
		for (const info of this.excluded) {
			m.m.NodesEvaluated++;
			nodeFeasible(m, this.eligibility, info, this.jobConstraints, g.checks, info.classId);
		}
	}

	/** SetNodes: the candidate list, shuffled with the eval's RNG (generic stack only). */
	setNodes(nodes: Node[]): void {
		if (!this.system) {
			for (let i = nodes.length - 1; i > 0; i--) {
				const j = Math.floor(this.ctx.random() * (i + 1));
				const t = nodes[i];
				nodes[i] = nodes[j];
				nodes[j] = t;
			}
		}
		// Nodes the job-level constraints rule out are set aside once per evaluation (the verdict is
		// cached per computed class, so this is one pass over the nodes) instead of being visited
		// again for every placement. A failed placement still accounts for them in its metrics. Only
		// candidates get a per-evaluation NodeState (with 5,000 nodes and a job fitting a tenth of
		// them, the rest would be 1 MB of garbage per evaluation).
		const recs: NodeState[] = [];
		const excluded: NodeInfo[] = [];
		const scratch = newMetric();
		const all = this.system || this.jobConstraints.list.length === 0;
		for (let i = 0; i < nodes.length; i++) {
			const node = nodes[i] as Node;
			if (all) {
				recs.push(this.ctx.nodeState(node));
				continue;
			}
			const info = nodeInfo(node);
			if (this.jobFeasible(scratch, info)) recs.push(this.ctx.nodeState(node));
			else excluded.push(info);
		}
		this.recs = recs;
		this.excluded = excluded;
		// The constraint evaluations done here (once per class) show up in the next selection's
		// metrics, where Nomad's first visit would have recorded them.
		this.prefilterMetric = scratch.m.NodesFiltered > 0 ? scratch : undefined;
		this.offset = 0;
		this.seen = 0;
		let limit = 2;
		if (!this.batch && nodes.length > 0) limit = Math.max(limit, Math.ceil(Math.log2(nodes.length)));
		this.limit = limit;
	}

	private group(tg: TaskGroup): GroupState {
		let g = this.groups.get(tg);
		if (g) return g;
		const job = this.job as Job;
		const affinities: Affinity[] = [...(job.Affinities ?? []), ...(tg.Affinities ?? [])];
		for (const t of tg.Tasks) affinities.push(...(t.Affinities ?? []));
		const spreadSets: PropertySet[] = [];
		const spreadInfo = new Map<string, SpreadDetails>();
		if (!this.system) {
			for (const s of [...(job.Spreads ?? []), ...(tg.Spreads ?? [])]) {
				const targets = (s.SpreadTarget ?? []).map((t) => t.Value);
				spreadSets.push(PropertySet.forSpread(this.ctx, this.jobAllocs, s.Attribute, tg.Name, targets));
			}
			const combined: Spread[] = [...(tg.Spreads ?? []), ...(job.Spreads ?? [])];
			for (const s of combined) {
				const desired = new Map<string, number>();
				let sum = 0;
				for (const t of s.SpreadTarget ?? []) {
					const d = (t.Percent / 100) * tg.Count;
					desired.set(t.Value, d);
					sum += d;
				}
				if (sum > 0 && sum < tg.Count) desired.set("*", tg.Count - sum);
				spreadInfo.set(s.Attribute, { weight: s.Weight, desired });
				this.sumSpreadWeights += s.Weight;
			}
		}
		g = {
			tg,
			checks: compileGroup(tg),
			ask: compileAsk(tg, this.memoryOversubscription),
			distinctHosts: !this.system && hasDistinctHosts(tg.Constraints),
			propertySets: (tg.Constraints ?? [])
				.filter((c) => c.Operand === "distinct_property")
				.map((c) => PropertySet.forConstraint(this.ctx, this.jobAllocs, c, tg.Name)),
			affinities: this.system ? [] : affinities,
			affinityWeight: affinities.reduce((s, a) => s + Math.abs(a.Weight), 0),
			spreadSets,
			spreadInfo,
		};
		this.groups.set(tg, g);
		return g;
	}

	/** The group's resource ask (for building allocations). */
	ask(tg: TaskGroup): GroupAsk {
		return this.group(tg).ask;
	}

	/** StaticIterator.Next: continues round-robin from where the previous selection stopped. */
	private nextNode(): NodeState | undefined {
		const n = this.recs.length;
		if (this.offset === n || this.seen === n) {
			if (this.seen !== n) this.offset = 0;
			else return undefined;
		}
		const r = this.recs[this.offset++];
		this.seen++;
		this.ctx.metrics.m.NodesEvaluated++;
		return r;
	}

	/** Feasible → distinct hosts/property → bin pack → scorers → normalisation, for the next node. */
	private nextRanked(g: GroupState, penalty: ReadonlySet<string> | undefined): Ranked | undefined {
		const ctx = this.ctx;
		const m = ctx.metrics;
		const tgName = g.tg.Name;
		next: for (;;) {
			const ns = this.nextNode();
			if (!ns) return undefined;
			if (!nodeFeasible(m, this.eligibility, ns.info, this.jobConstraints, g.checks, ns.classId)) continue;
			if (this.jobDistinctHosts || g.distinctHosts) {
				const jc = ns.job;
				const clash = this.jobDistinctHosts ? (jc?.total ?? 0) > 0 : (jc?.groups.get(tgName) ?? 0) > 0;
				if (clash) {
					filterNode(m, ns.info.node, "distinct_hosts");
					continue;
				}
			}
			if (this.jobPropertySets.length > 0 || g.propertySets.length > 0) {
				for (const sets of [this.jobPropertySets, g.propertySets]) {
					for (const ps of sets) {
						const reason = ps.satisfies(ns.info.node);
						if (reason !== undefined) {
							filterNode(m, ns.info.node, reason);
							continue next;
						}
					}
				}
			}
			// Options come from a per-selection pool: at most limit + skipped ones are alive at once.
			const opt = binpack(ctx, ns.load(), g.ask, this.spreadAlgorithm, this.pool[this.poolNext]);
			if (!opt) continue;
			if (opt === this.pool[this.poolNext]) this.poolNext++;
			else if (this.pool.length < 64) {
				this.pool.push(opt);
				this.poolNext = this.pool.length;
			}
			const v = this.scratch;
			v[0] = opt.fit;
			let sum = opt.fit;
			let n = 1;
			let names = SYSTEM_SCORERS;
			if (!this.system) {
				names = GENERIC_SCORERS;
				const collisions = ns.job?.groups.get(tgName) ?? 0;
				v[1] = 0;
				if (collisions > 0) {
					v[1] = (-1 * (collisions + 1)) / g.tg.Count;
					sum += v[1];
					n++;
				}
				v[2] = 0;
				if (penalty?.has(ns.info.node.ID)) {
					v[2] = -1;
					sum -= 1;
					n++;
				}
				v[3] = 0;
				if (g.affinities.length > 0) {
					let total = 0;
					for (const a of g.affinities) if (meetsConstraint(a, ns.info.node)) total += a.Weight;
					v[3] = total / g.affinityWeight;
					sum += v[3];
					n++;
				}
				if (g.spreadSets.length > 0) {
					const sp = this.spreadScore(g, ns.info.node);
					if (sp !== 0) {
						names = SPREAD_SCORERS;
						v[4] = sp;
						sum += sp;
						n++;
					}
				}
			}
			const finalScore = sum / n;
			recordScores(m, ns.info.node, names, v, finalScore);
			opt.finalScore = finalScore;
			return opt;
		}
	}

	private spreadScore(g: GroupState, node: Node): number {
		let total = 0;
		for (const ps of g.spreadSets) {
			const u = ps.usedCount(node);
			const used = u.count + 1;
			if (u.error) {
				total -= 1;
				continue;
			}
			const details = g.spreadInfo.get(ps.attribute);
			if (!details) continue;
			if (details.desired.size === 0) {
				total += evenSpreadBoost(ps, node);
				continue;
			}
			const desired = details.desired.get(u.value) ?? details.desired.get("*");
			if (desired === undefined) {
				total -= 1;
				continue;
			}
			const weight = details.weight / this.sumSpreadWeights;
			if (desired === 0) {
				total += this.lowestSpreadBoost;
				continue;
			}
			const boost = ((desired - used) / desired) * weight;
			total += boost;
			if (boost < this.lowestSpreadBoost) this.lowestSpreadBoost = boost;
		}
		return total;
	}

	/**
	 * Select: the best-scoring node for one allocation of the group, or undefined. The result is
	 * valid until the next select() (options are pooled).
	 */
	select(tg: TaskGroup, opts: SelectOptions = {}): Ranked | undefined {
		if (opts.preferredNodes && opts.preferredNodes.length > 0) {
			const original = this.recs;
			const rest = { ...opts, preferredNodes: undefined };
			this.recs = opts.preferredNodes.map((n) => this.ctx.nodeState(n));
			this.offset = 0;
			this.seen = 0;
			const found = this.select(tg, rest);
			this.recs = original;
			this.offset = 0;
			this.seen = 0;
			return found ?? this.select(tg, rest);
		}
		const ctx = this.ctx;
		ctx.resetMetrics();
		if (this.prefilterMetric) {
			const from = this.prefilterMetric.m;
			const to = ctx.metrics.m;
			to.NodesEvaluated += from.NodesFiltered;
			to.NodesFiltered += from.NodesFiltered;
			for (const [k, v] of Object.entries(from.ConstraintFiltered ?? {})) {
				to.ConstraintFiltered ??= {};
				to.ConstraintFiltered[k] = (to.ConstraintFiltered[k] ?? 0) + v;
			}
			for (const [k, v] of Object.entries(from.ClassFiltered ?? {})) {
				to.ClassFiltered ??= {};
				to.ClassFiltered[k] = (to.ClassFiltered[k] ?? 0) + v;
			}
			this.prefilterMetric = undefined;
		}
		this.poolNext = 0;
		if (this.system) this.eligibility.reset();
		if (this.system && this.job) this.eligibility.setJob(this.job);
		const start = ctx.clock?.();
		this.seen = 0;
		const g = this.group(tg);
		let best: Ranked | undefined;
		if (this.system) {
			best = this.nextRanked(g, undefined);
		} else {
			if (g.affinities.length > 0 || g.spreadSets.length > 0) {
				this.limit = Math.max(tg.Count, this.nodeLimit);
			}
			best = this.limited(g, opts.penaltyNodeIDs);
		}
		if (!best && this.excluded.length > 0) this.accountExcluded(g);
		if (start !== undefined && ctx.clock) ctx.metrics.m.AllocationTime = Math.max(0, ctx.clock() - start);
		return best;
	}

	/** LimitIterator (skipping up to 3 non-positive scores) feeding MaxScoreIterator. */
	private limited(g: GroupState, penalty: ReadonlySet<string> | undefined): Ranked | undefined {
		let seen = 0;
		const skipped: Ranked[] = [];
		let skippedIdx = 0;
		const nextOption = (): Ranked | undefined => {
			const o = this.nextRanked(g, penalty);
			if (!o && skippedIdx < skipped.length) return skipped[skippedIdx++];
			return o;
		};
		let best: Ranked | undefined;
		for (;;) {
			if (seen === this.limit) break;
			let o = nextOption();
			if (!o) break;
			while (o && o.finalScore <= SKIP_SCORE_THRESHOLD && skipped.length < MAX_SKIP) {
				skipped.push(o);
				o = this.nextRanked(g, penalty);
			}
			seen++;
			if (!o) o = nextOption();
			if (!o) break;
			if (!best || o.finalScore > best.finalScore) best = o;
		}
		return best;
	}
}

/** evenSpreadScoreBoost: favours attribute values with the fewest allocations. */
function evenSpreadBoost(ps: PropertySet, node: Node): number {
	if (ps.size === 0) return 0;
	const u = ps.usedCount(node);
	if (u.error) return -1;
	const current = ps.countOf(u.value);
	const min = ps.minCount;
	const max = ps.maxCount;
	const delta = min === 0 ? -1 : (min - current) / min;
	if (current !== min) return delta;
	if (min === max) return -1;
	if (min === 0) return 1;
	return (max - min) / min;
}
