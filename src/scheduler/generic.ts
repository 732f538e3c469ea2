// The generic scheduler for service and batch jobs (generic_sched.go): reconcile, place, submit the
// plan, retry on partial commits, and report failures through a blocked evaluation.
import type {
	Allocation,
	AllocMetric,
	DesiredUpdates,
	Evaluation,
	Job,
	Node,
	PlanResult,
	TaskGroup,
} from "../api/types/index.ts";
import {
	adjustQueued,
	beginAttempt,
	blockedEval,
	DESC_BLOCKED_FAILED_PLACEMENTS,
	DESC_BLOCKED_MAX_PLAN,
	fullCommit,
	markLostOnDownNodes,
	newPlacement,
	planIsNoOp,
	progressMade,
	readyNodes,
	setStatus,
} from "./common.ts";
import type { EvalContext } from "./context.ts";
import { exhaustResources, populateScoreMetaData } from "./metrics.ts";
import { builtUsage, materialize } from "./rank.ts";
import { type Placement, reconcile, STATUS_IN_PLACE, taintedNodes, type UpdateDecision } from "./reconcile.ts";
import { annotateTracker, LAST_RESCHEDULE_FAILED, rescheduleTrackerFor, tracker } from "./reschedule.ts";
import type { Stack } from "./stack.ts";
import { tasksUpdated } from "./tasksUpdated.ts";
import type { Scheduler, SchedulerContext, SchedulerState } from "./types.ts";
import { allocIndexFromName, deepEqual, isInAnyDC, isInPool, nodeReady, parseRFC3339, terminal } from "./util.ts";

const MAX_SERVICE_ATTEMPTS = 5;
const MAX_BATCH_ATTEMPTS = 2;
const DEFAULT_STAGGER = 30_000_000_000;

export const GENERIC_TRIGGERS = new Set([
	"job-register",
	"job-deregister",
	"node-drain",
	"node-update",
	"alloc-stop",
	"alloc-reschedule",
	"rolling-update",
	"queued-allocs",
	"periodic-job",
	"max-plan-attempts",
	"deployment-watcher",
	"alloc-failure",
	"failed-follow-up",
	"preemption",
	"job-scaling",
	"max-disconnect-timeout",
	"reconnect",
]);

class MaxAttemptsError extends Error {}

export class GenericScheduler implements Scheduler {
	private readonly sc: SchedulerContext;
	private readonly batch: boolean;
	private state: SchedulerState;
	private ev!: Evaluation;
	private job: Job | undefined;
	private ctx!: EvalContext;
	private stack!: Stack;
	private planResult: PlanResult | undefined;
	private blocked: Evaluation | undefined;
	private failed: Record<string, AllocMetric> | undefined;
	private queued: Record<string, number> = {};
	private desired: Record<string, DesiredUpdates> | undefined;
	private followups: Evaluation[] = [];

	constructor(sc: SchedulerContext, batch: boolean) {
		this.sc = sc;
		this.batch = batch;
		this.state = sc.state;
	}

	private status(status: Evaluation["Status"], desc: string): Promise<void> {
		return setStatus(this.sc.planner, this.ev, {
			status,
			desc,
			blocked: this.blocked,
			failedTGAllocs: this.failed,
			queued: this.queued,
			desired: this.desired,
		});
	}

	async process(ev: Evaluation): Promise<void> {
		this.ev = { ...ev };
		if (!GENERIC_TRIGGERS.has(ev.TriggeredBy)) {
			return this.status("failed", `scheduler cannot handle '${ev.TriggeredBy}' evaluation reason`);
		}
		const limit = this.batch ? MAX_BATCH_ATTEMPTS : MAX_SERVICE_ATTEMPTS;
		let attempts = 0;
		try {
			for (;;) {
				if (attempts >= limit) throw new MaxAttemptsError(`maximum attempts reached (${limit})`);
				if (await this.attempt()) break;
				if (progressMade(this.planResult)) attempts = 0;
				else attempts++;
			}
		} catch (e) {
			if (!(e instanceof MaxAttemptsError)) throw e;
			// No forward progress: a blocked eval retries once resources change.
			await this.createBlocked(true);
			return this.status("failed", e.message);
		}
		if (this.ev.Status === "blocked" && this.failed) {
			const re: Evaluation = { ...this.ev, EscapedComputedClass: this.stack.eligibility.hasEscaped() };
			re.ClassEligibility = this.stack.eligibility.getClasses();
			return this.sc.planner.reblockEval(re);
		}
		return this.status("complete", "");
	}

	private async createBlocked(planFailure: boolean): Promise<void> {
		const b = blockedEval(this.ev, this.stack.eligibility, this.failed, this.queued, this.sc.newID(), this.sc.now);
		if (planFailure) {
			b.TriggeredBy = "max-plan-attempts";
			b.StatusDescription = DESC_BLOCKED_MAX_PLAN;
		} else b.StatusDescription = DESC_BLOCKED_FAILED_PLACEMENTS;
		this.blocked = b;
		await this.sc.planner.createEval(b);
	}

	/** One scheduling pass; true when done, false to retry on (possibly refreshed) state. */
	private async attempt(): Promise<boolean> {
		const ev = this.ev;
		const state = this.state;
		this.job = state.job(ev.Namespace, ev.JobID);
		const job = this.job;
		this.queued = {};
		this.followups = [];
		this.failed = undefined;
		const { plan, ctx, stack, jobAllocs } = beginAttempt(this.sc, state, ev, job, this.batch ? "batch" : "service");
		this.ctx = ctx;
		this.stack = stack;
		await this.computeJobAllocs(jobAllocs);

		const waitUntil = parseRFC3339(ev.WaitUntil);
		if (
			ev.Status !== "blocked" &&
			this.failed &&
			!this.blocked &&
			(this.followups.length === 0 || (waitUntil !== undefined && this.sc.now > waitUntil))
		) {
			await this.createBlocked(false);
		}
		if (planIsNoOp(plan) && !ev.AnnotatePlan) return true;
		if (this.followups.length > 0 && waitUntil === undefined) {
			for (const f of this.followups) {
				f.PreviousEval = ev.ID;
				ev.NextEval = f.ID;
				await this.sc.planner.createEval(f);
			}
		}
		if (ev.AnnotatePlan) plan.Annotations = { DesiredTGUpdates: this.desired ?? null };
		const { result, refreshedState } = await this.sc.planner.submitPlan(plan);
		this.planResult = result;
		adjustQueued(result, this.queued);
		if (refreshedState) {
			this.state = refreshedState;
			return false;
		}
		if (!fullCommit(plan, result)) throw new Error("missing state refresh after partial commit");
		return true;
	}

	/** genericAllocUpdateFn: ignore, destructive, or an in-place updated copy. */
	private updateFn = (existing: Allocation, job: Job, tg: TaskGroup): UpdateDecision => {
		const old = existing.Job ?? job;
		if (old.JobModifyIndex === job.JobModifyIndex) return { kind: "ignore" };
		if (tasksUpdated(job, old, tg.Name)) return { kind: "destructive" };
		if (terminal(existing)) return { kind: "ignore" };
		const node = this.ctx.node(existing.NodeID);
		if (!node || !isInAnyDC(node, job.Datacenters) || !isInPool(node, job.NodePool)) return { kind: "destructive" };
		this.stack.setNodes([node]);
		this.ctx.appendStopped(existing, STATUS_IN_PLACE);
		const option = this.stack.select(tg, { allocName: existing.Name });
		this.ctx.popUpdate(existing);
		if (!option) return { kind: "destructive" };
		const res = materialize(this.ctx, option, this.stack.ask(tg), false);
		const prev = existing.AllocatedResources;
		for (const [task, tr] of Object.entries(res.Tasks)) {
			const p = prev?.Tasks?.[task];
			tr.Networks = p?.Networks ?? null;
			tr.Devices = p?.Devices ?? null;
			tr.Cpu.ReservedCores = p?.Cpu?.ReservedCores ?? null;
		}
		if (prev) {
			res.Shared.Networks = prev.Shared?.Networks ?? null;
			res.Shared.Ports = prev.Shared?.Ports ?? null;
		}
		const updated: Allocation = { ...existing, EvalID: this.ev.ID, AllocatedResources: res };
		delete updated.Job;
		if (existing.Metrics) updated.Metrics = existing.Metrics;
		return { kind: "inplace", alloc: updated };
	};

	private async computeJobAllocs(allocs: Allocation[]): Promise<void> {
		const ctx = this.ctx;
		const tainted = taintedNodes(allocs, (id) => ctx.node(id));
		markLostOnDownNodes(ctx, tainted, allocs);
		const r = reconcile({
			job: this.job,
			jobID: this.ev.JobID,
			isBatch: this.batch,
			allocs,
			tainted,
			now: this.sc.now,
			evalID: this.ev.ID,
			evalPriority: this.ev.Priority,
			updateFn: this.updateFn,
			newID: this.sc.newID,
		});
		this.desired = r.desired;
		this.followups = r.followups;
		for (const s of r.stop) ctx.appendStopped(s.alloc, s.desc, s.clientStatus, s.followupEvalID);
		for (const u of r.inplace) ctx.appendAlloc(u);
		for (const u of r.attributeUpdates) ctx.appendAlloc(u);
		if (r.destructiveDeferred > 0 && this.job) this.followups.push(this.rollingFollowup(this.job));
		if (r.place.length + r.destructive.length === 0) {
			for (const tg of this.job?.TaskGroups ?? []) this.queued[tg.Name] = 0;
			return;
		}
		for (const p of [...r.place, ...r.destructive]) this.queued[p.tg.Name] = (this.queued[p.tg.Name] ?? 0) + 1;
		await this.computePlacements(r.destructive, r.place, r.nameIndexes);
	}

	/**
	 * Without deployments nothing else advances a rolling update held back by max_parallel, so a
	 * follow-up eval (Nomad's pre-deployment "rolling-update" eval) is created, delayed by Stagger.
	 */
	private rollingFollowup(job: Job): Evaluation {
		const stagger = job.Update?.Stagger || DEFAULT_STAGGER;
		return {
			ID: this.sc.newID(),
			Namespace: job.Namespace,
			Priority: this.ev.Priority,
			Type: job.Type,
			TriggeredBy: "rolling-update",
			JobID: job.ID,
			JobModifyIndex: job.ModifyIndex,
			Status: "pending",
			Wait: stagger,
			CreateIndex: 0,
			ModifyIndex: 0,
			CreateTime: this.sc.now,
			ModifyTime: this.sc.now,
		};
	}

	private preferredNode(p: Placement, job: Job): Node | undefined {
		const prev = p.previous;
		if (!prev) return undefined;
		const pj = prev.Job ?? job;
		if (pj.NodePool !== job.NodePool || !deepEqual(pj.Datacenters, job.Datacenters)) return undefined;
		if (!p.tg.EphemeralDisk?.Sticky && !p.tg.EphemeralDisk?.Migrate) return undefined;
		const n = this.ctx.node(prev.NodeID);
		return n && nodeReady(n) ? n : undefined;
	}

	private async computePlacements(
		destructive: Placement[],
		place: Placement[],
		nameIndexes: Map<string, import("./nameIndex.ts").AllocNameIndex>,
	): Promise<void> {
		const job = this.job as Job;
		const ctx = this.ctx;
		const ready = readyNodes(this.state, job.Datacenters, job.NodePool);
		this.stack.setNodes(ready.nodes);
		const nodesInPool = ready.nodes.length;
		for (const missing of [...destructive, ...place]) {
			// Big evaluations share the thread with the HTTP API: let the caller decide when to yield.
			if (this.sc.maybeYield) await this.sc.maybeYield();
			const tg = missing.tg;
			const nameIndex = nameIndexes.get(tg.Name);
			const already = this.failed?.[tg.Name];
			if (already) {
				already.CoalescedFailures++;
				exhaustResources(already, tg);
				continue;
			}
			const preferred = this.preferredNode(missing, job);
			const prev = missing.previous;
			if (missing.stopPrevious && prev) ctx.appendStopped(prev, missing.stopPrevious);
			let penalty: Set<string> | undefined;
			if (prev) {
				penalty = new Set();
				if (prev.ClientStatus === "failed") penalty.add(prev.NodeID);
				for (const e of tracker(prev)?.Events ?? []) penalty.add(e.PrevNodeID);
			}
			const option = this.stack.select(tg, {
				penaltyNodeIDs: penalty,
				preferredNodes: preferred ? [preferred] : undefined,
				allocName: missing.name,
			});
			const m = ctx.metrics;
			m.m.NodesAvailable = ready.byDC;
			m.m.NodesInPool = nodesInPool;
			m.m.NodePool = job.NodePool;
			populateScoreMetaData(m);
			if (!option) {
				exhaustResources(m.m, tg);
				this.failed ??= {};
				this.failed[tg.Name] = m.m;
				if (missing.stopPrevious && prev) ctx.popUpdate(prev);
				if (prev && missing.reschedule) this.markFailedToReschedule(prev);
				continue;
			}
			let name = missing.name;
			const idx = allocIndexFromName(name, job.ID, tg.Name);
			if (nameIndex?.isDuplicate(idx)) {
				name = nameIndex.next(1)[0];
				nameIndex.unsetIndex(idx);
			}
			const ask = this.stack.ask(tg);
			const resources = materialize(ctx, option, ask);
			const alloc: Allocation = newPlacement({
				id: this.sc.newID(),
				job,
				evalID: this.ev.ID,
				name: name,
				node: option.ns.info.node,
				taskGroup: tg.Name,
				resources,
				metrics: m.m,
				now: this.sc.now,
			});
			if (prev) {
				alloc.PreviousAllocation = prev.ID;
				if (missing.reschedule) {
					alloc.RescheduleTracker = rescheduleTrackerFor(prev, this.sc.now, job) as Allocation["RescheduleTracker"];
					const stopped = (ctx.plan.NodeUpdate[prev.NodeID] ?? []).find((a) => a.ID === prev.ID);
					if (stopped) ctx.swapInPlan(annotateTracker(stopped, "ok"));
				}
			}
			ctx.appendAlloc(alloc, builtUsage(option, ask, resources));
		}
	}

	/** markFailedToReschedule: keep the failed alloc (annotated) so the blocked eval can retry it. */
	private markFailedToReschedule(prev: Allocation): void {
		const updated = annotateTracker(prev, LAST_RESCHEDULE_FAILED);
		this.ctx.popUpdate(prev);
		const list = this.ctx.plan.NodeAllocation[prev.NodeID];
		if (list?.some((a) => a.ID === prev.ID)) this.ctx.swapInPlan(updated);
		else this.ctx.appendAlloc(updated);
	}
}
