// The system and sysbatch schedulers (scheduler_system.go, scheduler_sysbatch.go,
// reconciler/reconcile_node.go): one allocation per task group on every ready node in the job's
// datacenters and node pool; sysbatch allocations run to completion and are not replaced.
import type { Allocation, AllocMetric, DesiredUpdates, Evaluation, Job, TaskGroup } from "../api/types/index.ts";
import {
	adjustQueued,
	beginAttempt,
	blockedEval,
	DESC_BLOCKED_FAILED_PLACEMENTS,
	fullCommit,
	markLostOnDownNodes,
	newPlacement,
	planIsNoOp,
	progressMade,
	type ReadyNodes,
	readyNodes,
	setStatus,
} from "./common.ts";
import type { EvalContext } from "./context.ts";
import { exhaustResources, mergeNodeFiltered, populateScoreMetaData } from "./metrics.ts";
import { builtUsage, materialize } from "./rank.ts";
import {
	emptyDesired,
	STATUS_IN_PLACE,
	STATUS_LOST,
	STATUS_NODE_TAINTED,
	STATUS_NOT_NEEDED,
	STATUS_UPDATING,
	taintedNodes,
} from "./reconcile.ts";
import { reconcileNodes, type Tuple } from "./reconcileNode.ts";
import type { Stack } from "./stack.ts";
import { tasksUpdated } from "./tasksUpdated.ts";
import type { Scheduler, SchedulerContext, SchedulerState } from "./types.ts";
import { isInAnyDC, isInPool, terminal } from "./util.ts";

const SYSTEM_TRIGGERS = new Set([
	"job-register",
	"node-update",
	"failed-follow-up",
	"job-deregister",
	"rolling-update",
	"preemption",
	"deployment-watcher",
	"node-drain",
	"alloc-stop",
	"queued-allocs",
	"job-scaling",
	"reconnect",
]);

class MaxAttemptsError extends Error {}

export class SystemScheduler implements Scheduler {
	private readonly sc: SchedulerContext;
	private readonly sysbatch: boolean;
	private state: SchedulerState;
	private ev!: Evaluation;
	private job: Job | undefined;
	private ctx!: EvalContext;
	private stack!: Stack;
	private ready: ReadyNodes = { nodes: [], notReady: new Set(), byDC: {} };
	private failed: Record<string, AllocMetric> | undefined;
	private queued: Record<string, number> = {};
	private desired: Record<string, DesiredUpdates> | undefined;
	private planResult: import("../api/types/index.ts").PlanResult | undefined;

	constructor(sc: SchedulerContext, sysbatch: boolean) {
		this.sc = sc;
		this.sysbatch = sysbatch;
		this.state = sc.state;
	}

	private status(status: Evaluation["Status"], desc: string): Promise<void> {
		return setStatus(this.sc.planner, this.ev, {
			status,
			desc,
			blocked: undefined,
			failedTGAllocs: this.failed,
			queued: this.queued,
			desired: this.desired,
		});
	}

	async process(ev: Evaluation): Promise<void> {
		this.ev = { ...ev };
		if (!SYSTEM_TRIGGERS.has(ev.TriggeredBy) && !(this.sysbatch && ev.TriggeredBy === "periodic-job")) {
			return this.status("failed", `scheduler cannot handle '${ev.TriggeredBy}' evaluation reason`);
		}
		const limit = this.sysbatch ? 2 : 5;
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
			return this.status("failed", e.message);
		}
		return this.status("complete", "");
	}

	private async attempt(): Promise<boolean> {
		const ev = this.ev;
		const state = this.state;
		this.job = state.job(ev.Namespace, ev.JobID);
		const job = this.job;
		const stopped = !job || job.Stop;
		this.queued = {};
		this.failed = undefined;
		this.ready = stopped
			? { nodes: [], notReady: new Set(), byDC: {} }
			: readyNodes(state, job.Datacenters, job.NodePool);
		const { plan, ctx, stack, jobAllocs } = beginAttempt(this.sc, state, ev, job, "system");
		this.ctx = ctx;
		this.stack = stack;
		await this.computeJobAllocs(jobAllocs);
		if (planIsNoOp(plan) && !ev.AnnotatePlan) return true;
		if (ev.AnnotatePlan) plan.Annotations = { DesiredTGUpdates: this.desired ?? null };
		const { result, refreshedState } = await this.sc.planner.submitPlan(plan);
		this.planResult = result;
		adjustQueued(result, this.queued);
		if (refreshedState) {
			this.state = refreshedState;
			return false;
		}
		return fullCommit(plan, result);
	}

	/** inplaceUpdate: updates that can keep their allocation; returns [destructive, inplace]. */
	private inplace(updates: Tuple[]): [Tuple[], Tuple[]] {
		const job = this.job as Job;
		const destructive: Tuple[] = [];
		const inplace: Tuple[] = [];
		for (const u of updates) {
			const tg = u.tg as TaskGroup;
			const existing = u.alloc;
			if (tasksUpdated(job, existing.Job ?? job, tg.Name)) {
				destructive.push(u);
				continue;
			}
			if (terminal(existing)) {
				inplace.push(u);
				continue;
			}
			const node = this.ctx.node(existing.NodeID);
			if (!node || !isInAnyDC(node, job.Datacenters) || !isInPool(node, job.NodePool)) {
				destructive.push(u);
				continue;
			}
			this.stack.setNodes([node]);
			this.ctx.appendStopped(existing, STATUS_IN_PLACE);
			const option = this.stack.select(tg, { allocName: existing.Name });
			this.ctx.popUpdate(existing);
			if (!option) {
				destructive.push(u);
				continue;
			}
			const res = materialize(this.ctx, option, this.stack.ask(tg), false);
			const prev = existing.AllocatedResources;
			for (const [task, tr] of Object.entries(res.Tasks)) {
				tr.Networks = prev?.Tasks?.[task]?.Networks ?? null;
				tr.Devices = prev?.Tasks?.[task]?.Devices ?? null;
			}
			res.Shared.Ports = prev?.Shared?.Ports ?? null;
			res.Shared.Networks = prev?.Shared?.Networks ?? null;
			const updated: Allocation = {
				...existing,
				EvalID: this.ev.ID,
				AllocatedResources: res,
				Metrics: this.ctx.metrics.m,
			};
			delete updated.Job;
			this.ctx.appendAlloc(updated);
			inplace.push(u);
		}
		return [destructive, inplace];
	}

	private async computeJobAllocs(allocs: Allocation[]): Promise<void> {
		const ctx = this.ctx;
		const job = this.job;
		const tainted = taintedNodes(allocs, (id) => ctx.node(id));
		markLostOnDownNodes(ctx, tainted, allocs);
		const diff = reconcileNodes(job, this.ready, tainted, allocs);
		for (const t of diff.stop) ctx.appendStopped(t.alloc, STATUS_NOT_NEEDED);
		for (const t of diff.migrate) ctx.appendStopped(t.alloc, STATUS_NODE_TAINTED);
		for (const t of diff.lost) ctx.appendStopped(t.alloc, STATUS_LOST, "lost");
		const [destructive, inplace] = job && !job.Stop ? this.inplace(diff.update) : [diff.update, []];
		const desired: Record<string, DesiredUpdates> = {};
		const inc = (name: string, k: keyof DesiredUpdates): void => {
			desired[name] ??= emptyDesired();
			(desired[name][k] as number)++;
		};
		for (const t of diff.stop) inc(t.alloc.TaskGroup, "Stop");
		for (const t of diff.place) inc((t.tg as TaskGroup).Name, "Place");
		for (const t of diff.ignore) inc((t.tg as TaskGroup).Name, "Ignore");
		for (const t of diff.migrate) inc((t.tg as TaskGroup).Name, "Migrate");
		for (const t of inplace) inc((t.tg as TaskGroup).Name, "InPlaceUpdate");
		for (const t of destructive) inc((t.tg as TaskGroup).Name, "DestructiveUpdate");
		this.desired = desired;

		const candidates = new Map<string, number>();
		const bump = (t: Tuple, d = 1): void => {
			const n = (t.tg as TaskGroup).Name;
			candidates.set(n, (candidates.get(n) ?? 0) + d);
		};
		for (const t of [...diff.place, ...inplace, ...diff.ignore, ...destructive]) bump(t);

		// evictAndPlace: destructive updates, limited by update.max_parallel per group.
		const place = [...diff.place];
		if (job && !job.Stop) {
			const jobLimit = job.Update?.MaxParallel > 0 ? job.Update.MaxParallel : destructive.length;
			const limits = new Map<string, number>();
			for (const tg of job.TaskGroups)
				limits.set(tg.Name, tg.Update && tg.Update.MaxParallel > 0 ? tg.Update.MaxParallel : jobLimit);
			for (const t of destructive) {
				const l = limits.get(t.alloc.TaskGroup) ?? 0;
				if (l <= 0) continue;
				ctx.appendStopped(t.alloc, STATUS_UPDATING);
				place.push(t);
				limits.set(t.alloc.TaskGroup, l - 1);
			}
			for (const tg of job.TaskGroups) this.queued[tg.Name] = 0;
		}
		for (const t of place) this.queued[(t.tg as TaskGroup).Name] = (this.queued[(t.tg as TaskGroup).Name] ?? 0) + 1;
		const existingByGroup = new Set<string>();
		for (const t of [...inplace, ...diff.ignore]) existingByGroup.add((t.tg as TaskGroup).Name);
		if (place.length > 0) await this.computePlacements(place, existingByGroup, candidates);
		if (!this.sysbatch) for (const [name, n] of candidates) if (desired[name]) desired[name].Place = n;
	}

	private async computePlacements(place: Tuple[], existingByGroup: Set<string>, candidates: Map<string, number>) {
		const job = this.job as Job;
		const ctx = this.ctx;
		const byID = new Map(this.ready.nodes.map((n) => [n.ID, n]));
		const filtered: Record<string, AllocMetric> = {};
		for (const missing of place) {
			const tg = missing.tg as TaskGroup;
			const node = byID.get(missing.alloc.NodeID);
			if (!node) continue;
			this.stack.setNodes([node]);
			const option = this.stack.select(tg, { allocName: missing.name });
			const m = ctx.metrics;
			if (!option) {
				if (!this.sysbatch) candidates.set(tg.Name, (candidates.get(tg.Name) ?? 0) - 1);
				if (m.m.NodesFiltered > 0) {
					this.queued[tg.Name]--;
					filtered[tg.Name] = mergeNodeFiltered(filtered[tg.Name], m.m);
					if (this.queued[tg.Name] <= 0 && !existingByGroup.has(tg.Name)) {
						this.failed ??= {};
						this.failed[tg.Name] = filtered[tg.Name];
					}
					if (this.sysbatch && this.desired?.[tg.Name]) this.desired[tg.Name].Place--;
					continue;
				}
				const already = this.failed?.[tg.Name];
				if (already) {
					already.CoalescedFailures++;
					exhaustResources(already, tg);
					continue;
				}
				m.m.NodesAvailable = this.ready.byDC;
				m.m.NodesInPool = this.ready.nodes.length;
				m.m.NodePool = job.NodePool;
				populateScoreMetaData(m);
				exhaustResources(m.m, tg);
				this.failed ??= {};
				this.failed[tg.Name] = m.m;
				const b = blockedEval(this.ev, this.stack.eligibility, this.failed, undefined, this.sc.newID(), this.sc.now);
				b.StatusDescription = DESC_BLOCKED_FAILED_PLACEMENTS;
				b.NodeID = node.ID;
				await this.sc.planner.createEval(b);
				continue;
			}
			m.m.NodesAvailable = this.ready.byDC;
			m.m.NodesInPool = this.ready.nodes.length;
			populateScoreMetaData(m);
			const ask = this.stack.ask(tg);
			const resources = materialize(ctx, option, ask);
			const alloc: Allocation = newPlacement({
				id: this.sc.newID(),
				job,
				evalID: this.ev.ID,
				name: missing.name,
				node: option.ns.info.node,
				taskGroup: tg.Name,
				resources,
				metrics: m.m,
				now: this.sc.now,
			});
			if (missing.alloc.ID) alloc.PreviousAllocation = missing.alloc.ID;
			ctx.appendAlloc(alloc, builtUsage(option, ask, resources));
		}
	}
}
