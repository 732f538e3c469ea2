// The plan queue and the plan applier (Nomad's nomad/plan_queue.go and plan_apply.go). Scheduler
// workers plan against possibly stale snapshots and submit; plans wait in a priority queue and ONE
// applier loop takes them in turn, re-checks every node of the plan against the latest committed
// state (node exists, is ready, is eligible for new placements, and everything fits), commits the
// parts that still hold through the log (ApplyPlanResults) and answers each worker. Because the
// applier is the only writer of plan results and waits for each commit before evaluating the next
// plan, no node is ever overcommitted whatever the interleaving of concurrent schedulers.
import type { Allocation, Node, Plan, PlanResult } from "../api/types/index.ts";
import { runSteps, runStepsNow, type Steps, yieldToEventLoop } from "../lib/cooperative.ts";
import type { Logger } from "../lib/logger.ts";
import { fitsWithUsage, NodeUsage, allocsFit as schedulerAllocsFit } from "../scheduler/resources.ts";
import type { ApplyResult } from "./fsm/fsm.ts";
import { allocTerminal } from "./fsm/jobStatus.ts";
import { lookupJobVersion, PlanCmd, type StoppedAllocDiff } from "./fsm/planCommands.ts";
import { Heap } from "./heap.ts";
import type { Row } from "./state/schema.ts";
import type { StateStore, StateView } from "./state/stateStore.ts";

export type ApplyFn = (type: string, payload: Row) => Promise<ApplyResult>;
export type AfterApplyFn = (type: string, payload: Row, result: ApplyResult) => void;
/** Nomad's structs.AllocsFit: the scheduler package's (dimension) or any other (reason). */
export type AllocsFitFn = (node: Node, allocs: Allocation[]) => { fit: boolean; dimension?: string; reason?: string };

const defaultAllocsFit: AllocsFitFn = schedulerAllocsFit;

/** Plan fields beyond src/api/types' Plan that schedulers may fill (Nomad's Plan). */
export interface PlanExtras {
	Deployment?: Row | null;
	DeploymentUpdates?: Row[] | null;
	NodePreemptions?: Record<string, Allocation[]> | null;
}
export type FullPlan = Plan & PlanExtras;
export type FullPlanResult = PlanResult & {
	Deployment?: Row | null;
	DeploymentUpdates?: Row[] | null;
	NodePreemptions?: Record<string, Allocation[]> | null;
};

export const ErrPlanQueueDisabled = "plan queue is disabled";

interface PendingPlan {
	plan: FullPlan;
	seq: number;
	resolve: (r: FullPlanResult) => void;
	reject: (e: Error) => void;
}

/** Plans waiting for the applier: higher priority first, then first come. Leader only. */
export class PlanQueue {
	private isEnabled = false;
	private heap = new Heap<PendingPlan>((a, b) =>
		a.plan.Priority !== b.plan.Priority ? a.plan.Priority > b.plan.Priority : a.seq < b.seq,
	);
	private seq = 0;
	private waiter: ((p: PendingPlan | undefined) => void) | undefined;

	enabled(): boolean {
		return this.isEnabled;
	}

	/** Disabling fails every queued plan ("plan queue is disabled"). */
	setEnabled(enabled: boolean): void {
		this.isEnabled = enabled;
		if (!enabled) {
			for (const p of this.heap.values()) p.reject(new Error(ErrPlanQueueDisabled));
			this.heap.clear();
			const w = this.waiter;
			this.waiter = undefined;
			w?.(undefined);
		}
	}

	/** Queues a plan; resolves with what the applier committed of it. */
	enqueue(plan: FullPlan): Promise<FullPlanResult> {
		if (!this.isEnabled) return Promise.reject(new Error(ErrPlanQueueDisabled));
		return new Promise((resolve, reject) => {
			const p: PendingPlan = { plan, seq: this.seq++, resolve, reject };
			const w = this.waiter;
			if (w) {
				this.waiter = undefined;
				w(p);
			} else this.heap.push(p);
		});
	}

	/** The next plan; undefined when the queue gets disabled. One consumer (the applier). */
	dequeue(): Promise<PendingPlan | undefined> {
		if (!this.isEnabled) return Promise.resolve(undefined);
		const p = this.heap.pop();
		if (p) return Promise.resolve(p);
		return new Promise((resolve) => {
			this.waiter = resolve;
		});
	}

	/** Wakes a waiting dequeue with undefined (the applier is stopping). */
	interrupt(): void {
		const w = this.waiter;
		this.waiter = undefined;
		w?.(undefined);
	}

	stats(): { Depth: number } {
		return { Depth: this.heap.size };
	}
}

/** Whether the plan's part for one node can be committed (Nomad's evaluateNodePlan). */
export function evaluateNodePlan(
	snap: StateView,
	plan: FullPlan,
	nodeID: string,
	allocsFit: AllocsFitFn,
): { fit: boolean; reason: string } {
	const placements = plan.NodeAllocation[nodeID] ?? [];
	// Stops and evictions alone are always allowed.
	if (placements.length === 0) return { fit: true, reason: "" };
	const node = snap.get("nodes", nodeID) as Node | undefined;
	if (!node) return { fit: false, reason: "node does not exist" };
	if (node.Status === "disconnected") {
		return placements.every((a) => a.ClientStatus === "unknown")
			? { fit: true, reason: "" }
			: { fit: false, reason: "node is disconnected and contains invalid updates" };
	}
	if (node.Status === "down") {
		return placements.every((a) => a.ClientStatus === "unknown" || a.ClientStatus === "lost")
			? { fit: true, reason: "" }
			: { fit: false, reason: "node is down and contains invalid updates" };
	}
	if (node.Status !== "ready") return { fit: false, reason: "node is not ready for placements" };
	// Only updates of allocations already live there (in-place updates): nothing new to fit.
	const liveHere = (id: string): Allocation | undefined => {
		const cur = snap.get("allocs", id);
		return cur && cur.NodeID === nodeID && !allocTerminal(cur) ? (cur as Allocation) : undefined;
	};
	if (placements.every((a) => liveHere(a.ID))) return { fit: true, reason: "" };
	if (node.SchedulingEligibility === "ineligible") return { fit: false, reason: "node is not eligible" };
	const usage = snap.aggregate<NodeUsage>("node_usage", nodeID);
	if (allocsFit === defaultAllocsFit) {
		// Fast path: the node's summed usage (kept by the state store) minus what the plan stops or
		// replaces, plus its placements — no walk over the node's allocations.
		const remove: Allocation[] = [];
		const seen = new Set<string>();
		const ids = [
			...(plan.NodeUpdate[nodeID] ?? []).map((a) => a.ID),
			...(plan.NodePreemptions?.[nodeID] ?? []).map((a) => a.ID),
			...placements.map((a) => a.ID),
		];
		for (const id of ids) {
			if (seen.has(id)) continue;
			seen.add(id);
			const cur = snap.get("allocs", id);
			if (cur && cur.NodeID === nodeID) remove.push(cur as Allocation);
		}
		const r = fitsWithUsage(node, usage ?? new NodeUsage(), remove, placements);
		return { fit: r.fit, reason: r.fit ? "" : (r.dimension ?? "") };
	}
	const existing: Allocation[] = [];
	for (const a of snap.byIndex("allocs", "node", nodeID)) {
		if (!allocTerminal(a)) existing.push(a as Allocation);
	}
	const remove = new Set<string>();
	for (const a of plan.NodeUpdate[nodeID] ?? []) remove.add(a.ID);
	for (const a of plan.NodePreemptions?.[nodeID] ?? []) remove.add(a.ID);
	for (const a of placements) remove.add(a.ID);
	const proposed = existing.filter((a) => !remove.has(a.ID));
	proposed.push(...placements);
	const r = allocsFit(node, proposed);
	return { fit: r.fit, reason: r.fit ? "" : (r.dimension ?? r.reason ?? "") };
}

/**
 * Decides what of a plan can be committed against `snap` (Nomad's evaluatePlanPlacements): every
 * node that still fits keeps its part; a node that does not is rejected (and, for AllAtOnce plans,
 * so is everything). RefreshIndex is set whenever something was rejected.
 */
export function evaluatePlan(
	snap: StateView,
	plan: FullPlan,
	allocsFit: AllocsFitFn = defaultAllocsFit,
	logger?: Logger,
): FullPlanResult {
	return runStepsNow(evaluatePlanSteps(snap, plan, allocsFit, logger));
}

/** evaluatePlan as steps, one node each, so the applier can check a big plan in slices. */
export function* evaluatePlanSteps(
	snap: StateView,
	plan: FullPlan,
	allocsFit: AllocsFitFn = defaultAllocsFit,
	logger?: Logger,
): Steps<FullPlanResult> {
	const result: FullPlanResult = {
		NodeUpdate: {},
		NodeAllocation: {},
		RejectedNodes: [],
		RefreshIndex: 0,
		AllocIndex: 0,
		Deployment: plan.Deployment ?? null,
		DeploymentUpdates: plan.DeploymentUpdates ?? null,
		NodePreemptions: {},
	};
	const nodeIDs = new Set<string>([...Object.keys(plan.NodeUpdate ?? {}), ...Object.keys(plan.NodeAllocation ?? {})]);
	let partial = false;
	for (const nodeID of nodeIDs) {
		yield;
		const { fit, reason } = evaluateNodePlan(snap, plan, nodeID, allocsFit);
		if (!fit) {
			logger?.debug("plan for node rejected", { node_id: nodeID, reason, eval_id: plan.EvalID });
			partial = true;
			result.RejectedNodes.push(nodeID);
			if (plan.AllAtOnce) {
				result.NodeUpdate = {};
				result.NodeAllocation = {};
				result.Deployment = null;
				result.DeploymentUpdates = null;
				result.NodePreemptions = {};
				break;
			}
			continue;
		}
		const upd = plan.NodeUpdate[nodeID];
		if (upd && upd.length > 0) result.NodeUpdate[nodeID] = upd;
		const alloc = plan.NodeAllocation[nodeID];
		if (alloc && alloc.length > 0) result.NodeAllocation[nodeID] = alloc;
		const pre = plan.NodePreemptions?.[nodeID];
		if (pre && result.NodePreemptions) {
			// Only preempt allocations that are still running.
			result.NodePreemptions[nodeID] = pre.filter((p) => {
				const cur = snap.get("allocs", p.ID);
				return cur !== undefined && !allocTerminal(cur);
			});
		}
	}
	if (partial) {
		result.RefreshIndex = snap.maxIndex("nodes", "allocs");
		correctDeploymentCanaries(result);
	}
	return result;
}

/** Drops canaries that were not placed from the deployment of a partially committed plan. */
function correctDeploymentCanaries(result: FullPlanResult): void {
	const dep = result.Deployment;
	if (!dep) return;
	const placed = new Set<string>();
	for (const list of Object.values(result.NodeAllocation)) for (const a of list) placed.add(a.ID);
	const groups: Record<string, Row> = {};
	let changed = false;
	for (const [tg, s] of Object.entries((dep.TaskGroups as Record<string, Row> | null) ?? {})) {
		const canaries = (s?.PlacedCanaries as string[] | null | undefined) ?? [];
		if (canaries.length === 0) {
			groups[tg] = s;
			continue;
		}
		const kept = canaries.filter((id) => placed.has(id));
		if (kept.length !== canaries.length) changed = true;
		groups[tg] = { ...s, PlacedCanaries: kept };
	}
	if (changed) result.Deployment = { ...dep, TaskGroups: groups };
}

export function isNoOp(r: FullPlanResult): boolean {
	return (
		Object.keys(r.NodeUpdate).length === 0 &&
		Object.keys(r.NodeAllocation).length === 0 &&
		!r.Deployment &&
		(r.DeploymentUpdates?.length ?? 0) === 0 &&
		Object.values(r.NodePreemptions ?? {}).every((l) => l.length === 0)
	);
}

/** An allocation as it goes into the log: without its Job (the FSM links the stored version) or secrets. */
function leanAlloc(a: Allocation, planJob: Row | null): Row {
	const { Job, SignedIdentities: _s, ...rest } = a as Allocation & { SignedIdentities?: unknown };
	const out: Row = rest;
	// Keep a job only when it is not the plan's (never expected, but then the FSM has nothing to link).
	if (Job && planJob && (Job.ID !== planJob.ID || Job.Version !== planJob.Version)) out.Job = Job;
	return out;
}

/**
 * The ApplyPlanResults payload for a result: placements and in-place updates without their job,
 * stops and preemptions as small diffs, the job identified by (namespace, ID, version,
 * JobModifyIndex) and included whole only when the state does not retain that version. Times are
 * stamped here, on the leader.
 */
export function buildPlanPayload(snap: StateView, plan: FullPlan, result: FullPlanResult, nowNs: number): Row {
	const job = plan.Job as Row | null;
	const payload: Row = { EvalID: plan.EvalID, UpdatedAt: nowNs };
	if (job) {
		payload.JobNamespace = job.Namespace;
		payload.JobID = job.ID;
		payload.JobVersion = job.Version;
		payload.JobModifyIndex = job.JobModifyIndex;
		const stored = lookupJobVersion(
			snap,
			job.Namespace as string,
			job.ID as string,
			job.Version as number,
			job.JobModifyIndex as number,
		);
		if (!stored) payload.Job = job;
	}
	const updated: Row[] = [];
	for (const list of Object.values(result.NodeAllocation)) {
		for (const a of list) {
			const lean = leanAlloc(a, job);
			if (!lean.CreateTime) lean.CreateTime = nowNs;
			lean.ModifyTime = nowNs;
			updated.push(lean);
		}
	}
	const stopped: StoppedAllocDiff[] = [];
	for (const list of Object.values(result.NodeUpdate)) {
		for (const a of list) {
			const d: StoppedAllocDiff = {
				ID: a.ID,
				DesiredDescription: a.DesiredDescription ?? "",
				ModifyTime: nowNs,
			};
			if (a.DesiredStatus === "evict") d.DesiredStatus = "evict";
			if (a.ClientStatus === "lost" || a.ClientStatus === "unknown") d.ClientStatus = a.ClientStatus;
			if (a.FollowupEvalID) d.FollowupEvalID = a.FollowupEvalID;
			stopped.push(d);
		}
	}
	const preempted: Row[] = [];
	for (const list of Object.values(result.NodePreemptions ?? {})) {
		for (const a of list) {
			preempted.push({ ID: a.ID, PreemptedByAllocation: a.PreemptedByAllocation ?? "", ModifyTime: nowNs });
		}
	}
	payload.AllocsUpdated = updated;
	payload.AllocsStopped = stopped;
	if (preempted.length > 0) payload.AllocsPreempted = preempted;
	if (result.Deployment) payload.Deployment = result.Deployment;
	if (result.DeploymentUpdates && result.DeploymentUpdates.length > 0)
		payload.DeploymentUpdates = result.DeploymentUpdates;
	return payload;
}

/** Evaluations for the jobs whose allocations a plan preempts (Nomad: TriggeredBy "preemption"). */
function preemptionEvals(snap: StateView, result: FullPlanResult, nowNs: number, newID: () => string): Row[] {
	const jobs = new Map<string, Row>();
	for (const list of Object.values(result.NodePreemptions ?? {})) {
		for (const a of list) {
			const key = `${a.Namespace}\u0000${a.JobID}`;
			if (jobs.has(key)) continue;
			const job = snap.get("jobs", key);
			if (job) jobs.set(key, job);
		}
	}
	return [...jobs.values()].map((job) => ({
		ID: newID(),
		Namespace: job.Namespace,
		TriggeredBy: "preemption",
		JobID: job.ID,
		Type: job.Type,
		Priority: job.Priority,
		Status: "pending",
		CreateTime: nowNs,
		ModifyTime: nowNs,
	}));
}

export interface PlanApplierOptions {
	state: StateStore;
	queue: PlanQueue;
	apply: ApplyFn;
	/** Leader-side reactions to the committed result (eval broker / blocked evals). */
	afterApply?: AfterApplyFn;
	logger: Logger;
	allocsFit?: AllocsFitFn;
	/** Wall clock, UnixNano. */
	nowNs?: () => number;
	newID: () => string;
}

/** The single applier loop (leader only). */
export class PlanApplier {
	private readonly opts: PlanApplierOptions;
	private running: Promise<void> | undefined;
	private stopping = false;

	constructor(opts: PlanApplierOptions) {
		this.opts = opts;
	}

	start(): void {
		if (this.running) return;
		this.stopping = false;
		this.running = this.loop();
	}

	/** Stops after the plan in hand (queued plans stay queued; disable the queue to fail them). */
	async stop(): Promise<void> {
		this.stopping = true;
		this.opts.queue.interrupt();
		await this.running;
		this.running = undefined;
	}

	private async loop(): Promise<void> {
		const { queue, logger } = this.opts;
		while (!this.stopping) {
			const pending = await queue.dequeue();
			if (!pending) {
				if (!queue.enabled() || this.stopping) return;
				continue;
			}
			try {
				pending.resolve(await this.applyOne(pending.plan));
			} catch (err) {
				logger.error("failed to apply plan", { eval_id: pending.plan.EvalID, error: err });
				pending.reject(err instanceof Error ? err : new Error(String(err)));
			}
			// Let workers, RPCs and timers run between plans.
			await yieldToEventLoop();
		}
	}

	/** Evaluates one plan against the latest state and commits what fits. */
	async applyOne(plan: FullPlan): Promise<FullPlanResult> {
		const { state, apply, afterApply } = this.opts;
		const snap = state.snapshot();
		const result = await runSteps(
			evaluatePlanSteps(snap, plan, this.opts.allocsFit ?? defaultAllocsFit, this.opts.logger),
		);
		if (isNoOp(result)) return result;
		const hasPlacements = Object.keys(result.NodeAllocation).length > 0;
		if (hasPlacements && !plan.Job) throw new Error("plan missing embedded job");
		const now = this.opts.nowNs?.() ?? Date.now() * 1e6;
		const payload = buildPlanPayload(snap, plan, result, now);
		const evals = preemptionEvals(snap, result, now, this.opts.newID);
		if (evals.length > 0) payload.Evals = evals;
		const r = await apply(PlanCmd.applyPlanResults, payload);
		if (r.error !== undefined) throw new Error(r.error);
		afterApply?.(PlanCmd.applyPlanResults, payload, r);
		result.AllocIndex = r.index;
		if (result.RefreshIndex !== 0) result.RefreshIndex = Math.max(result.RefreshIndex, r.index);
		return result;
	}
}
