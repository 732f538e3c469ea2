// The per-evaluation context: the plan being built and everything derived from it incrementally.
// Nomad recomputes a node's "proposed allocations" (state allocs − plan stops + plan placements)
// every time it looks at a node; here every plan mutation goes through this class, which keeps
// per-node usage overlays, per-node counts of the job's allocations and any registered trackers
// (property sets) up to date, so looking at a node is O(1) however big the plan gets.
import type { Allocation, Job, Node, Plan } from "../api/types/index.ts";
import { type MetricState, newMetric } from "./metrics.ts";
import { type JobNodeCount, NodeState } from "./nodeState.ts";
import { type AllocUsage, allocUsage, cachedNodeInfo, NodeUsage, nodeInfo } from "./resources.ts";
import type { SchedulerState } from "./types.ts";
import { clientTerminal } from "./util.ts";

/** Something that counts allocations and must follow the plan (property sets, job counts). */
export interface PlanTracker {
	/** `before`/`after` are the node's effective entry for one allocation ID before/after a change. */
	change(nodeID: string, before: Allocation | undefined, after: Allocation | undefined): void;
}

interface Entry {
	nodeID: string;
	/** The allocation as the snapshot has it on this node, if it exists there. */
	state: Allocation | undefined;
	/** How many times the plan stops it (NodeUpdate entries). */
	stops: number;
	/** The plan's placement / in-place update for this ID (NodeAllocation). */
	planned: Allocation | undefined;
}

function effective(e: Entry): Allocation | undefined {
	return e.planned ?? (e.stops > 0 ? undefined : e.state);
}

/** Per-node counts of the evaluated job's proposed allocations (distinct_hosts, anti-affinity). */
class JobCounts implements PlanTracker {
	readonly byNode = new Map<string, JobNodeCount>();
	private readonly ns: string;
	private readonly jobID: string;

	constructor(ns: string, jobID: string, allocs: readonly Allocation[]) {
		this.ns = ns;
		this.jobID = jobID;
		for (const a of allocs) this.add(a.NodeID, a, 1);
	}

	private add(nodeID: string, a: Allocation | undefined, d: number): void {
		if (!a || clientTerminal(a) || a.JobID !== this.jobID || a.Namespace !== this.ns) return;
		const c = this.entry(nodeID);
		c.total += d;
		c.groups.set(a.TaskGroup, (c.groups.get(a.TaskGroup) ?? 0) + d);
	}

	/** Called when a node gets its first entry (to link it to the node's NodeState). */
	onCreate: ((nodeID: string, c: JobNodeCount) => void) | undefined;

	entry(nodeID: string): JobNodeCount {
		let c = this.byNode.get(nodeID);
		if (!c) {
			c = { total: 0, groups: new Map() };
			this.byNode.set(nodeID, c);
			this.onCreate?.(nodeID, c);
		}
		return c;
	}

	change(nodeID: string, before: Allocation | undefined, after: Allocation | undefined): void {
		this.add(nodeID, before, -1);
		this.add(nodeID, after, 1);
	}

	total(nodeID: string): number {
		return this.byNode.get(nodeID)?.total ?? 0;
	}

	group(nodeID: string, tg: string): number {
		return this.byNode.get(nodeID)?.groups.get(tg) ?? 0;
	}
}

export interface ContextOptions {
	state: SchedulerState;
	plan: Plan;
	/** The job being scheduled (undefined when it was purged). */
	job: Job | undefined;
	namespace: string;
	jobID: string;
	/** The job's allocations in the snapshot (all, terminal ones included). */
	jobAllocs: readonly Allocation[];
	random: () => number;
	clock?: () => number;
}

export class EvalContext {
	state: SchedulerState;
	readonly plan: Plan;
	readonly job: Job | undefined;
	readonly random: () => number;
	readonly clock: (() => number) | undefined;
	metrics: MetricState = newMetric();
	readonly jobCounts: JobCounts;
	/** Plan effects per allocation ID (and per node, for replays into late-loaded nodes). */
	private readonly entries = new Map<string, Entry>();
	private readonly entriesByNode = new Map<string, Entry[]>();
	/** Per-eval node states, indexed by NodeInfo.idx. */
	private readonly nodeStates: (NodeState | undefined)[] = [];
	private readonly trackers: PlanTracker[] = [];
	private readonly nodeCache = new Map<string, Node | null>();

	constructor(o: ContextOptions) {
		this.state = o.state;
		this.plan = o.plan;
		this.job = o.job;
		this.random = o.random;
		this.clock = o.clock;
		this.jobCounts = new JobCounts(o.namespace, o.jobID, o.jobAllocs);
		this.jobCounts.onCreate = (nodeID, c) => {
			const ns = this.stateOf(nodeID);
			if (ns) ns.job = c;
		};
		this.trackers.push(this.jobCounts);
	}

	resetMetrics(): void {
		this.metrics = newMetric();
	}

	node(id: string): Node | undefined {
		let n = this.nodeCache.get(id);
		if (n === undefined) {
			n = this.state.node(id) ?? null;
			this.nodeCache.set(id, n);
		}
		return n ?? undefined;
	}

	/** Registers a tracker built from the snapshot and replays the plan so far into it. */
	addTracker(t: PlanTracker): void {
		this.trackers.push(t);
		for (const e of this.entries.values()) {
			const after = effective(e);
			if (after !== e.state) t.change(e.nodeID, e.state, after);
		}
	}

	/** The node's per-eval state (usage loaded lazily, see NodeState.load). */
	nodeState(node: Node): NodeState {
		const info = nodeInfo(node);
		let ns = this.nodeStates[info.idx];
		if (ns && ns.info === info) return ns;
		ns = new NodeState(info, this, this.jobCounts.byNode.get(node.ID));
		this.nodeStates[info.idx] = ns;
		return ns;
	}

	/** The node state of a node ID, if this eval created one. */
	private stateOf(nodeID: string): NodeState | undefined {
		const info = cachedNodeInfo(nodeID);
		return info ? this.nodeStates[info.idx] : undefined;
	}

	/** The snapshot's usage of a node: the state's fast path, or summed from its allocations. */
	baseUsage(nodeID: string): NodeUsage {
		return this.state.nodeUsage?.(nodeID) ?? NodeUsage.of(this.state.allocsByNode(nodeID) as Iterable<Allocation>);
	}

	/** Applies the plan's changes so far to a freshly loaded NodeState. */
	replay(ns: NodeState): void {
		const list = this.entriesByNode.get(ns.info.node.ID);
		if (!list) return;
		for (const e of list) {
			const after = effective(e);
			if (after === e.state) continue;
			if (e.state && !clientTerminal(e.state)) ns.apply(this.usageOf(e.state), -1);
			if (after && !clientTerminal(after)) ns.apply(this.usageOf(after), 1);
		}
	}

	private entry(nodeID: string, id: string, known: Allocation): Entry {
		let e = this.entries.get(id);
		if (e && e.nodeID !== nodeID) throw new Error(`allocation ${id} planned on two nodes`);
		if (!e) {
			// Only allocations that were committed before (CreateIndex > 0) can be in the snapshot.
			let st = known.CreateIndex > 0 ? this.state.alloc(id) : undefined;
			if (st && st.NodeID !== nodeID) st = undefined;
			e = { nodeID, state: st, stops: 0, planned: undefined };
			this.entries.set(id, e);
			const list = this.entriesByNode.get(nodeID);
			if (list) list.push(e);
			else this.entriesByNode.set(nodeID, [e]);
		}
		return e;
	}

	private update(nodeID: string, e: Entry, before: Allocation | undefined): void {
		const after = effective(e);
		if (after === before) return;
		const ns = this.stateOf(nodeID);
		if (ns?.loaded) {
			if (before && !clientTerminal(before)) ns.apply(this.usageOf(before), -1);
			if (after && !clientTerminal(after)) ns.apply(this.usageOf(after), 1);
		}
		for (const t of this.trackers) t.change(nodeID, before, after);
	}

	/** Plan.AppendStoppedAlloc. Returns the copy placed in the plan. */
	appendStopped(alloc: Allocation, desc: string, clientStatus = "", followupEvalID = ""): Allocation {
		const stopped: Allocation = { ...alloc, DesiredStatus: "stop", DesiredDescription: desc };
		if (this.plan.Job === null && alloc.Job) this.plan.Job = alloc.Job;
		delete stopped.Job;
		if (clientStatus) stopped.ClientStatus = clientStatus as Allocation["ClientStatus"];
		if (followupEvalID) stopped.FollowupEvalID = followupEvalID;
		const list = this.plan.NodeUpdate[alloc.NodeID] ?? [];
		list.push(stopped);
		this.plan.NodeUpdate[alloc.NodeID] = list;
		const e = this.entry(alloc.NodeID, alloc.ID, alloc);
		const before = effective(e);
		e.stops++;
		this.update(alloc.NodeID, e, before);
		return stopped;
	}

	/** Plan.PopUpdate: removes the last stop for the node if it is this allocation. */
	popUpdate(alloc: Allocation): void {
		const list = this.plan.NodeUpdate[alloc.NodeID];
		if (!list || list.length === 0 || list[list.length - 1].ID !== alloc.ID) return;
		list.pop();
		if (list.length === 0) delete this.plan.NodeUpdate[alloc.NodeID];
		const e = this.entry(alloc.NodeID, alloc.ID, alloc);
		const before = effective(e);
		e.stops--;
		this.update(alloc.NodeID, e, before);
	}

	/** Footprints of allocations this eval created (known when they were built). */
	private readonly planUsage = new Map<Allocation, AllocUsage>();

	usageOf(a: Allocation): AllocUsage {
		return this.planUsage.get(a) ?? allocUsage(a);
	}

	/** Tests set this to check that precomputed footprints equal allocUsage(). */
	static verifyUsage = false;

	/** Plan.AppendAlloc (placements and in-place updates); `usage` if already known. */
	appendAlloc(alloc: Allocation, usage?: AllocUsage): void {
		if (usage) {
			if (EvalContext.verifyUsage) {
				const want = allocUsage(alloc);
				const norm = (u: AllocUsage) =>
					JSON.stringify({ ...u, cores: [...u.cores].sort(), ports: [...u.ports].sort((a, b) => a.port - b.port) });
				if (norm(want) !== norm(usage)) throw new Error(`footprint mismatch: ${norm(usage)} != ${norm(want)}`);
			}
			this.planUsage.set(alloc, usage);
		}
		const list = this.plan.NodeAllocation[alloc.NodeID] ?? [];
		list.push(alloc);
		this.plan.NodeAllocation[alloc.NodeID] = list;
		const e = this.entry(alloc.NodeID, alloc.ID, alloc);
		const before = effective(e);
		e.planned = alloc;
		this.update(alloc.NodeID, e, before);
	}

	/** swapAllocInPlan: replaces the plan's copy of an allocation (stop or placement) by ID. */
	swapInPlan(updated: Allocation): void {
		const ups = this.plan.NodeUpdate[updated.NodeID];
		const i = ups ? ups.findIndex((a) => a.ID === updated.ID) : -1;
		if (ups && i >= 0) {
			ups[i] = updated;
			return;
		}
		const pl = this.plan.NodeAllocation[updated.NodeID];
		const j = pl ? pl.findIndex((a) => a.ID === updated.ID) : -1;
		if (pl && j >= 0) {
			const e = this.entry(updated.NodeID, updated.ID, updated);
			const before = effective(e);
			pl[j] = updated;
			if (e.planned?.ID === updated.ID) e.planned = updated;
			this.update(updated.NodeID, e, before);
		}
	}

	/** Whether the plan stops this allocation (by ID). */
	isStopping(alloc: Allocation): boolean {
		return (this.entries.get(alloc.ID)?.stops ?? 0) > 0;
	}
}
