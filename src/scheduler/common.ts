// Helpers shared by the generic and system schedulers (scheduler/util.go).
import type {
	Allocation,
	AllocMetric,
	DesiredUpdates,
	Evaluation,
	Job,
	Node,
	Plan,
	PlanResult,
} from "../api/types/index.ts";
import { EvalContext } from "./context.ts";
import type { Eligibility } from "./feasible.ts";
import { STATUS_LOST } from "./reconcile.ts";
import { Stack } from "./stack.ts";
import type { Planner, SchedulerContext, SchedulerState } from "./types.ts";
import { isInAnyDC, nodeReady } from "./util.ts";

export const DESC_BLOCKED_MAX_PLAN = "created due to placement conflicts";
export const DESC_BLOCKED_FAILED_PLACEMENTS = "created to place remaining allocations";

export function makePlan(ev: Evaluation, job: Job | undefined, index: number): Plan {
	return {
		EvalID: ev.ID,
		Priority: ev.Priority,
		AllAtOnce: job?.AllAtOnce ?? false,
		Job: job ?? null,
		NodeUpdate: {},
		NodeAllocation: {},
		Annotations: null,
		SnapshotIndex: index,
	};
}

export function planIsNoOp(p: Plan): boolean {
	for (const k in p.NodeUpdate) if (p.NodeUpdate[k].length > 0) return false;
	for (const k in p.NodeAllocation) if (p.NodeAllocation[k].length > 0) return false;
	return true;
}

export interface ReadyNodes {
	nodes: Node[];
	notReady: Set<string>;
	byDC: Record<string, number>;
}

/** readyNodesInDCsAndPool: ready nodes in the job's datacenters and node pool. */
export function readyNodes(state: SchedulerState, dcs: readonly string[], pool: string): ReadyNodes {
	const out: ReadyNodes = { nodes: [], notReady: new Set(), byDC: {} };
	const src = pool === "all" || pool === "" ? state.nodes() : state.nodesInPool(pool);
	for (const n of src) {
		if (!nodeReady(n)) {
			out.notReady.add(n.ID);
			continue;
		}
		if (isInAnyDC(n, dcs)) {
			out.nodes.push(n);
			out.byDC[n.Datacenter] = (out.byDC[n.Datacenter] ?? 0) + 1;
		}
	}
	return out;
}

export function progressMade(r: PlanResult | undefined): boolean {
	if (!r) return false;
	for (const k in r.NodeUpdate) if (r.NodeUpdate[k].length > 0) return true;
	for (const k in r.NodeAllocation) if (r.NodeAllocation[k].length > 0) return true;
	return false;
}

/** PlanResult.FullCommit: were all the plan's node allocations committed? */
export function fullCommit(plan: Plan, r: PlanResult): boolean {
	let expected = 0;
	let actual = 0;
	for (const [node, list] of Object.entries(plan.NodeAllocation)) {
		expected += list.length;
		actual += r.NodeAllocation[node]?.length ?? 0;
	}
	return expected === actual;
}

/** adjustQueuedAllocations: newly created allocations (CreateIndex == ModifyIndex) are no longer queued. */
export function adjustQueued(r: PlanResult | undefined, queued: Record<string, number>): void {
	if (!r) return;
	for (const list of Object.values(r.NodeAllocation)) {
		for (const a of list) {
			if (a.CreateIndex !== a.ModifyIndex) continue;
			if (a.TaskGroup in queued) queued[a.TaskGroup]--;
		}
	}
}

/** updateNonTerminalAllocsToLost: stopped-but-running allocations on down/gone nodes become lost. */
export function markLostOnDownNodes(
	ctx: EvalContext,
	tainted: ReadonlyMap<string, Node | null>,
	allocs: readonly Allocation[],
): void {
	for (const a of allocs) {
		if (!tainted.has(a.NodeID)) continue;
		const node = tainted.get(a.NodeID);
		if (node && node.Status !== "down") continue;
		if (
			(a.DesiredStatus === "stop" || a.DesiredStatus === "evict") &&
			(a.ClientStatus === "running" || a.ClientStatus === "pending")
		) {
			ctx.appendStopped(a, STATUS_LOST, "lost");
		}
	}
}

export interface StatusFields {
	status: Evaluation["Status"];
	desc: string;
	blocked: Evaluation | undefined;
	failedTGAllocs: Record<string, AllocMetric> | undefined;
	queued: Record<string, number> | undefined;
	desired: Record<string, DesiredUpdates> | undefined;
}

/** setStatus: the final update of the evaluation being processed. */
export async function setStatus(planner: Planner, ev: Evaluation, f: StatusFields): Promise<void> {
	const next: Evaluation = {
		...ev,
		Status: f.status,
		StatusDescription: f.desc,
		FailedTGAllocs: f.failedTGAllocs ?? null,
	};
	if (f.blocked) next.BlockedEval = f.blocked.ID;
	if (f.queued) next.QueuedAllocations = f.queued;
	next.PlanAnnotations = f.desired ? { DesiredTGUpdates: f.desired, PreemptedAllocs: null } : null;
	await planner.updateEval(next);
}

/** Evaluation.CreateBlockedEval with the eligibility of the classes seen. */
export function blockedEval(
	ev: Evaluation,
	elig: Eligibility,
	failed: Record<string, AllocMetric> | undefined,
	queued: Record<string, number> | undefined,
	id: string,
	now: number,
): Evaluation {
	const escaped = elig.hasEscaped();
	const b: Evaluation = {
		ID: id,
		Namespace: ev.Namespace,
		Priority: ev.Priority,
		Type: ev.Type,
		TriggeredBy: "queued-allocs",
		JobID: ev.JobID,
		JobModifyIndex: ev.JobModifyIndex,
		Status: "blocked",
		PreviousEval: ev.ID,
		FailedTGAllocs: failed ?? null,
		ClassEligibility: escaped ? null : elig.getClasses(),
		EscapedComputedClass: escaped,
		CreateIndex: 0,
		ModifyIndex: 0,
		CreateTime: now,
		ModifyTime: now,
	};
	if (queued && failed) {
		// What is left for the blocked eval: the failed placements of each group.
		b.QueuedAllocations = {};
		for (const [tg, m] of Object.entries(failed)) b.QueuedAllocations[tg] = 1 + m.CoalescedFailures;
	}
	return b;
}

/** A new placement as both schedulers build it: pending, to run, stamped with the eval's time. */
export function newPlacement(opts: {
	id: string;
	job: Job;
	evalID: string;
	name: string;
	node: { ID: string; Name: string };
	taskGroup: string;
	resources: Allocation["AllocatedResources"];
	metrics: Allocation["Metrics"];
	now: number;
}): Allocation {
	return {
		ID: opts.id,
		Namespace: opts.job.Namespace,
		EvalID: opts.evalID,
		Name: opts.name,
		NodeID: opts.node.ID,
		NodeName: opts.node.Name,
		JobID: opts.job.ID,
		TaskGroup: opts.taskGroup,
		AllocatedResources: opts.resources,
		Metrics: opts.metrics,
		DesiredStatus: "run",
		ClientStatus: "pending",
		CreateIndex: 0,
		ModifyIndex: 0,
		AllocModifyIndex: 0,
		CreateTime: opts.now,
		ModifyTime: opts.now,
	};
}

/**
 * The per-attempt setup both schedulers share: the plan, the job's allocations, the evaluation
 * context and a placement stack configured for the job (unless it is stopped or gone).
 */
export function beginAttempt(
	sc: SchedulerContext,
	state: SchedulerState,
	ev: Evaluation,
	job: Job | undefined,
	kind: "service" | "batch" | "system",
): { plan: Plan; jobAllocs: Allocation[]; ctx: EvalContext; stack: Stack } {
	const plan = makePlan(ev, job, state.index);
	const jobAllocs = [...state.allocsByJob(ev.Namespace, ev.JobID)];
	const ctx = new EvalContext({
		state,
		plan,
		job,
		namespace: ev.Namespace,
		jobID: ev.JobID,
		jobAllocs,
		random: sc.random,
		clock: sc.clock,
	});
	const stack = new Stack(ctx, kind, jobAllocs);
	if (job && !job.Stop) {
		stack.setConfig(state.schedulerConfig());
		stack.setJob(job);
	}
	return { plan, jobAllocs, ctx, stack };
}
