// An in-memory SchedulerState + Planner for tests and benchmarks (Nomad's scheduler Harness).
// Snapshots are O(1) copy-on-write B-tree clones; submitPlan re-checks every node like the plan
// applier (node ready/eligible for placements, allocsFit on the proposed allocations) and commits
// the nodes that fit (partial commit) or nothing when the plan is AllAtOnce.
import type { Allocation, Evaluation, Job, Node, Plan, PlanResult } from "../api/types/index.ts";
import { BTree } from "../lib/btree.ts";
import { seededIDs, seededRandom } from "./mock.ts";
import { allocsFit, fitsWithUsage, NodeUsage } from "./resources.ts";
import type { Planner, SchedulerConfiguration, SchedulerContext, SchedulerState, SubmitResult } from "./types.ts";
import { clientTerminal, terminal } from "./util.ts";

export function defaultSchedulerConfig(over: Partial<SchedulerConfiguration> = {}): SchedulerConfiguration {
	return {
		SchedulerAlgorithm: "binpack",
		PreemptionConfig: {
			SystemSchedulerEnabled: true,
			SysBatchSchedulerEnabled: false,
			BatchSchedulerEnabled: false,
			ServiceSchedulerEnabled: false,
		},
		MemoryOversubscriptionEnabled: false,
		RejectJobRegistration: false,
		PauseEvalBroker: false,
		NodeLimitForFeasibilityChecks: 100,
		...over,
	};
}

interface Tables {
	index: number;
	nodes: BTree<string, Node>;
	jobs: BTree<string, Job>;
	allocs: BTree<string, Allocation>;
	byNode: BTree<string, Allocation>;
	byJob: BTree<string, Allocation>;
	usage: BTree<string, NodeUsage>;
	config: SchedulerConfiguration;
}

const SEP = "\u0000";

function* prefix<V>(t: BTree<string, V>, p: string): Generator<V> {
	const start = p + SEP;
	for (const [k, v] of t.entries(start)) {
		if (!k.startsWith(start)) return;
		yield v;
	}
}

/** A read-only view of one version of the tables. */
class Snapshot implements SchedulerState {
	readonly index: number;
	private readonly t: Tables;
	constructor(t: Tables, fast: boolean) {
		this.t = t;
		this.index = t.index;
		if (fast) this.nodeUsage = (id: string) => this.t.usage.get(id) ?? new NodeUsage();
	}
	nodeUsage?: (nodeID: string) => NodeUsage | undefined;
	job(ns: string, id: string): Job | undefined {
		return this.t.jobs.get(ns + SEP + id);
	}
	node(id: string): Node | undefined {
		return this.t.nodes.get(id);
	}
	nodes(): Iterable<Node> {
		return [...this.t.nodes.values()];
	}
	nodesInPool(pool: string): Iterable<Node> {
		const all = [...this.t.nodes.values()];
		return pool === "all" ? all : all.filter((n) => n.NodePool === pool);
	}
	allocsByNode(id: string): Iterable<Allocation> {
		return [...prefix(this.t.byNode, id)];
	}
	allocsByJob(ns: string, id: string): Iterable<Allocation> {
		return [...prefix(this.t.byJob, ns + SEP + id)];
	}
	alloc(id: string): Allocation | undefined {
		return this.t.allocs.get(id);
	}
	schedulerConfig(): SchedulerConfiguration {
		return this.t.config;
	}
}

export interface HarnessOptions {
	/** Provide SchedulerState.nodeUsage (default true); false exercises the allocsByNode path. */
	nodeUsage?: boolean;
	config?: Partial<SchedulerConfiguration>;
}

export interface RunOptions {
	seed?: number;
	/** UnixNano; default 2024-01-01T00:00:00Z. */
	now?: number;
}

export class Harness implements Planner {
	private t: Tables;
	private readonly fast: boolean;
	readonly plans: Plan[] = [];
	readonly results: PlanResult[] = [];
	readonly createdEvals: Evaluation[] = [];
	readonly evalUpdates: Evaluation[] = [];
	readonly reblocked: Evaluation[] = [];
	/** Nodes whose part of the next plans is rejected regardless of fit (one-shot per node). */
	readonly rejectOnce = new Set<string>();
	/** Called before a plan is applied (e.g. to change state underneath the scheduler). */
	beforeApply: ((plan: Plan) => void) | undefined;

	constructor(o: HarnessOptions = {}) {
		this.fast = o.nodeUsage ?? true;
		this.t = {
			index: 1000,
			nodes: new BTree(),
			jobs: new BTree(),
			allocs: new BTree(),
			byNode: new BTree(),
			byJob: new BTree(),
			usage: new BTree(),
			config: defaultSchedulerConfig(o.config),
		};
	}

	get index(): number {
		return this.t.index;
	}

	snapshot(): SchedulerState {
		const t = this.t;
		return new Snapshot(
			{
				...t,
				nodes: t.nodes.clone(),
				jobs: t.jobs.clone(),
				allocs: t.allocs.clone(),
				byNode: t.byNode.clone(),
				byJob: t.byJob.clone(),
				usage: t.usage.clone(),
			},
			this.fast,
		);
	}

	setConfig(c: Partial<SchedulerConfiguration>): void {
		this.t.config = { ...this.t.config, ...c };
	}

	upsertNode(n: Node): Node {
		const idx = ++this.t.index;
		const node = { ...n, ModifyIndex: idx, CreateIndex: n.CreateIndex || idx };
		this.t.nodes.set(node.ID, node);
		return node;
	}

	/** Stores a job like Job.Register: bumps Version/JobModifyIndex when it changes. */
	upsertJob(j: Job): Job {
		const idx = ++this.t.index;
		const key = j.Namespace + SEP + j.ID;
		const old = this.t.jobs.get(key);
		const job: Job = {
			...j,
			CreateIndex: old?.CreateIndex ?? idx,
			ModifyIndex: idx,
			JobModifyIndex: idx,
			Version: old ? old.Version + 1 : j.Version,
		};
		this.t.jobs.set(key, job);
		return job;
	}

	deleteJob(ns: string, id: string): void {
		this.t.index++;
		this.t.jobs.delete(ns + SEP + id);
	}

	job(ns: string, id: string): Job | undefined {
		return this.t.jobs.get(ns + SEP + id);
	}

	alloc(id: string): Allocation | undefined {
		return this.t.allocs.get(id);
	}

	allocs(): Allocation[] {
		return [...this.t.allocs.values()];
	}

	upsertAlloc(a: Allocation, index = ++this.t.index): Allocation {
		const t = this.t;
		const old = t.allocs.get(a.ID);
		const alloc: Allocation = { ...a, CreateIndex: old?.CreateIndex || a.CreateIndex || index, ModifyIndex: index };
		if (old) {
			t.byNode.delete(old.NodeID + SEP + old.ID);
			t.byJob.delete(old.Namespace + SEP + old.JobID + SEP + old.ID);
			if (!clientTerminal(old)) this.usage(old.NodeID, (u) => u.remove(old));
		}
		t.allocs.set(alloc.ID, alloc);
		t.byNode.set(alloc.NodeID + SEP + alloc.ID, alloc);
		t.byJob.set(alloc.Namespace + SEP + alloc.JobID + SEP + alloc.ID, alloc);
		if (!clientTerminal(alloc)) this.usage(alloc.NodeID, (u) => u.add(alloc));
		return alloc;
	}

	/** Copy-on-write update of a node's usage (snapshots keep the old object). */
	private usage(nodeID: string, f: (u: NodeUsage) => void): void {
		const u = (this.t.usage.get(nodeID) ?? new NodeUsage()).clone();
		f(u);
		this.t.usage.set(nodeID, u);
	}

	/** The plan applier's evaluateNodePlan. */
	private evaluateNode(plan: Plan, nodeID: string): boolean {
		if (this.rejectOnce.delete(nodeID)) return false;
		const placing = plan.NodeAllocation[nodeID] ?? [];
		if (placing.length === 0) return true;
		const node = this.t.nodes.get(nodeID);
		if (!node) return false;
		if (node.Status === "disconnected") return placing.every((a) => a.ClientStatus === "unknown");
		if (node.Status === "down") return placing.every((a) => a.ClientStatus === "lost");
		if (node.Status !== "ready") return false;
		const existing = [...prefix(this.t.byNode, nodeID)].filter((a) => !terminal(a));
		const ids = new Set(existing.map((a) => a.ID));
		// Only in-place updates / stops: fine even on an ineligible node.
		if (placing.every((a) => ids.has(a.ID))) return true;
		if (node.SchedulingEligibility === "ineligible") return false;
		const removed = new Set([...(plan.NodeUpdate[nodeID] ?? []), ...placing].map((a) => a.ID));
		const proposed = existing.filter((a) => !removed.has(a.ID));
		const exact = allocsFit(node, [...proposed, ...placing]).fit;
		if (this.fast) {
			// The usage-based check counts stopped-but-running allocations too (more conservative).
			const gone = [...prefix(this.t.byNode, nodeID)].filter(
				(a) => removed.has(a.ID) || (terminal(a) && !clientTerminal(a)),
			);
			const quick = fitsWithUsage(node, this.t.usage.get(nodeID) ?? new NodeUsage(), gone, placing).fit;
			if (quick !== exact) throw new Error(`fitsWithUsage (${quick}) disagrees with allocsFit (${exact}) on ${nodeID}`);
		}
		return exact;
	}

	async submitPlan(plan: Plan): Promise<SubmitResult> {
		this.plans.push(plan);
		this.beforeApply?.(plan);
		const nodes = new Set([...Object.keys(plan.NodeUpdate), ...Object.keys(plan.NodeAllocation)]);
		const ok: string[] = [];
		const rejected: string[] = [];
		for (const n of [...nodes].sort()) (this.evaluateNode(plan, n) ? ok : rejected).push(n);
		if (plan.AllAtOnce && rejected.length > 0) {
			rejected.push(...ok);
			ok.length = 0;
		}
		const result: PlanResult = {
			NodeUpdate: {},
			NodeAllocation: {},
			RejectedNodes: rejected,
			RefreshIndex: 0,
			AllocIndex: 0,
		};
		if (ok.length > 0) {
			const idx = ++this.t.index;
			for (const n of ok) {
				for (const stop of plan.NodeUpdate[n] ?? []) {
					const cur = this.t.allocs.get(stop.ID);
					if (!cur) continue;
					const upd: Allocation = {
						...cur,
						DesiredStatus: stop.DesiredStatus,
						DesiredDescription: stop.DesiredDescription,
					};
					if (stop.ClientStatus !== cur.ClientStatus) upd.ClientStatus = stop.ClientStatus;
					if (stop.FollowupEvalID) upd.FollowupEvalID = stop.FollowupEvalID;
					if (stop.RescheduleTracker) upd.RescheduleTracker = stop.RescheduleTracker;
					upd.AllocModifyIndex = idx;
					result.NodeUpdate[n] ??= [];
					result.NodeUpdate[n].push(this.upsertAlloc(upd, idx));
				}
				for (const a of plan.NodeAllocation[n] ?? []) {
					const job = a.Job ?? plan.Job ?? undefined;
					const stored = this.upsertAlloc({ ...a, Job: job, AllocModifyIndex: idx }, idx);
					result.NodeAllocation[n] ??= [];
					result.NodeAllocation[n].push(stored);
				}
			}
			result.AllocIndex = idx;
		}
		if (rejected.length > 0) {
			result.RefreshIndex = this.t.index;
			this.results.push(result);
			return { result, refreshedState: this.snapshot() };
		}
		this.results.push(result);
		return { result };
	}

	async updateEval(ev: Evaluation): Promise<void> {
		this.evalUpdates.push(ev);
	}

	async createEval(ev: Evaluation): Promise<void> {
		this.createdEvals.push(ev);
	}

	async reblockEval(ev: Evaluation): Promise<void> {
		this.reblocked.push(ev);
	}

	private runs = 0;

	/**
	 * The context a scheduler runs with against a fresh snapshot. The RNG follows `seed`; IDs also
	 * depend on how many contexts this harness made, so successive runs never reuse an ID.
	 */
	context(o: RunOptions = {}): SchedulerContext {
		const seed = o.seed ?? 1;
		this.runs++;
		return {
			state: this.snapshot(),
			planner: this,
			now: o.now ?? 1_704_067_200_000_000_000,
			random: seededRandom(seed),
			newID: seededIDs(seed * 7919 + this.runs),
		};
	}
}

/** An evaluation as Job.Register creates it. */
export function mockEval(job: Job, over: Partial<Evaluation> = {}): Evaluation {
	return {
		ID: "e1000000-0000-4000-a000-000000000001",
		Namespace: job.Namespace,
		Priority: job.Priority,
		Type: job.Type,
		TriggeredBy: "job-register",
		JobID: job.ID,
		JobModifyIndex: job.JobModifyIndex,
		Status: "pending",
		CreateIndex: 0,
		ModifyIndex: 0,
		CreateTime: 0,
		ModifyTime: 0,
		...over,
	};
}
