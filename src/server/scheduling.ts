// The leader's scheduling machinery assembled: eval broker, blocked evals, plan queue + applier,
// scheduler workers, and the leader loops around them (Nomad's leader.go: restoreEvals,
// reapFailedEvaluations, reapDupBlockedEvaluations, reapCancelableEvaluations, periodic unblocks,
// and pausing the broker from the scheduler configuration). Everything here lives only while this
// server leads; state changes go through the log.
import { randomUUID } from "node:crypto";
import type { Evaluation } from "../api/types/index.ts";
import type { Logger } from "../lib/logger.ts";
import type { SchedulerFactory } from "../scheduler/types.ts";
import { BlockedEvals, type BlockedStats } from "./blockedEvals.ts";
import { type BrokerStats, EvalBroker, type EvalBrokerOptions, FAILED_QUEUE } from "./evalBroker.ts";
import { EvalCmd, TERMINAL_EVAL_STATUSES } from "./fsm/evalCommands.ts";
import type { ApplyResult } from "./fsm/fsm.ts";
import { PlanCmd } from "./fsm/planCommands.ts";
import { type AllocsFitFn, type ApplyFn, PlanApplier, PlanQueue } from "./planApplier.ts";
import { SchedulerWorkerPool, type WorkerInfo } from "./schedulerWorkers.ts";
import type { Row } from "./state/schema.ts";
import type { StateStore } from "./state/stateStore.ts";

export interface SchedulingOptions {
	state: StateStore;
	/** Appends a command and resolves once applied (Server.apply or Raft.apply). */
	apply: ApplyFn;
	schedulers: Record<string, SchedulerFactory>;
	logger: Logger;
	/** Server num_schedulers (Nomad default: #CPUs). */
	numSchedulers?: number;
	/** Server enabled_schedulers (default: service, batch, system, sysbatch, _core). */
	enabledSchedulers?: readonly string[];
	broker?: EvalBrokerOptions;
	/** Used when the state has no scheduler configuration yet. */
	defaultPauseEvalBroker?: boolean;
	/** Failed-eval follow-ups wait baseline + random(range) (Nomad: 1 min + up to 5 min). */
	failedFollowupBaselineMs?: number;
	failedFollowupRangeMs?: number;
	/** Canceling superseded evaluations in batches (Nomad EvalReapCancelableInterval 5 s). */
	reapCancelableIntervalMs?: number;
	/** Safety-net unblock of every blocked evaluation; 0 disables. Default 60 s. */
	unblockAllIntervalMs?: number;
	/** Plan-rejection-exhausted blocked evals are retried on this interval (Nomad 1 min). */
	unblockFailedIntervalMs?: number;
	allocsFit?: AllocsFitFn;
	dequeueTimeoutMs?: number;
	raftSyncLimitMs?: number;
	newID?: () => string;
	/** Wall clock in ms. */
	now?: () => number;
	random?: () => number;
}

export interface SchedulingStats {
	broker: BrokerStats;
	blocked: BlockedStats;
	planQueue: { Depth: number };
}

const CANCELABLE_BATCH = 728;

const NODE_COMMANDS = new Set(["NodeRegister", "NodeUpdateStatus", "NodeUpdateEligibility"]);

export class Scheduling {
	readonly opts: SchedulingOptions;
	readonly broker: EvalBroker;
	readonly blocked: BlockedEvals;
	readonly planQueue: PlanQueue;
	readonly applier: PlanApplier;
	readonly workers: SchedulerWorkerPool;
	private readonly logger: Logger;
	private leading = false;
	private ctl = new AbortController();
	private timers: NodeJS.Timeout[] = [];
	private loops: Promise<void>[] = [];
	private reapingCancelable = false;
	private reapCancelableAgain = false;
	private reapingDups = false;
	private lastPauseSetting: boolean | undefined;

	constructor(opts: SchedulingOptions) {
		this.opts = opts;
		this.logger = opts.logger.named("scheduling");
		const newID = opts.newID ?? randomUUID;
		this.broker = new EvalBroker({ now: opts.now, ...opts.broker });
		this.blocked = new BlockedEvals(this.broker, { now: opts.now });
		this.planQueue = new PlanQueue();
		const afterApply = (type: string, payload: Row, r: ApplyResult) => this.afterApply(type, payload, r);
		this.applier = new PlanApplier({
			state: opts.state,
			queue: this.planQueue,
			apply: opts.apply,
			afterApply,
			logger: opts.logger.named("planner"),
			allocsFit: opts.allocsFit,
			nowNs: opts.now ? () => (opts.now as () => number)() * 1e6 : undefined,
			newID,
		});
		this.workers = new SchedulerWorkerPool({
			state: opts.state,
			broker: this.broker,
			blocked: this.blocked,
			planQueue: this.planQueue,
			apply: opts.apply,
			afterApply,
			afterAck: () => this.reapCancelableSoon(),
			schedulers: opts.schedulers,
			logger: opts.logger.named("worker"),
			numSchedulers: opts.numSchedulers ?? 1,
			enabledSchedulers: opts.enabledSchedulers ?? [],
			dequeueTimeoutMs: opts.dequeueTimeoutMs,
			raftSyncLimitMs: opts.raftSyncLimitMs,
			now: opts.now,
			newID,
		});
		this.broker.onCancelable = () => this.reapCancelableSoon();
		this.blocked.onDuplicate = () => this.reapDuplicatesSoon();
	}

	isLeading(): boolean {
		return this.leading;
	}

	/** Starts everything on a new leader: brokers (unless paused), restore, applier, workers, reapers. */
	async establishLeadership(): Promise<void> {
		if (this.leading) return;
		this.leading = true;
		this.ctl = new AbortController();
		this.planQueue.setEnabled(true);
		this.applier.start();
		this.lastPauseSetting = undefined;
		this.syncPauseFromConfig();
		this.loops.push(this.reapFailedLoop(), this.watchSchedulerConfig());
		this.every(this.opts.reapCancelableIntervalMs ?? 5_000, () => this.reapCancelableSoon());
		this.every(this.opts.unblockFailedIntervalMs ?? 60_000, () => this.blocked.unblockFailed());
		this.every(this.opts.unblockAllIntervalMs ?? 60_000, () => this.blocked.unblockAll());
		this.every(5 * 60_000, () => this.blocked.prune());
		this.workers.start();
	}

	/** Stops everything (leadership lost, or shutdown). In-memory queues are dropped. */
	async revokeLeadership(): Promise<void> {
		if (!this.leading) return;
		this.leading = false;
		this.ctl.abort();
		for (const t of this.timers) clearInterval(t);
		this.timers = [];
		await this.workers.stop();
		this.planQueue.setEnabled(false);
		await this.applier.stop();
		this.broker.setEnabled(false);
		this.blocked.setEnabled(false);
		const loops = this.loops;
		this.loops = [];
		await Promise.all(loops);
	}

	private every(ms: number, fn: () => void): void {
		if (!(ms > 0)) return;
		const t = setInterval(() => {
			try {
				fn();
			} catch (err) {
				this.logger.error("periodic scheduling task failed", { error: err });
			}
		}, ms);
		t.unref?.();
		this.timers.push(t);
	}

	/** Brokers follow the scheduler configuration's PauseEvalBroker; re-enabling restores evals. */
	private syncPauseFromConfig(): void {
		const cfg = this.opts.state.get("scheduler_config", "config");
		const paused = (cfg?.PauseEvalBroker as boolean | undefined) ?? this.opts.defaultPauseEvalBroker ?? false;
		if (paused === this.lastPauseSetting) return;
		this.lastPauseSetting = paused;
		if (this.broker.enabled() === !paused && this.blocked.enabled() === !paused) return;
		this.logger.info("eval broker status modified", { paused });
		this.broker.setEnabled(!paused);
		this.blocked.setEnabled(!paused);
		if (!paused) this.restoreEvals();
	}

	private async watchSchedulerConfig(): Promise<void> {
		const signal = this.ctl.signal;
		while (!signal.aborted) {
			await this.opts.state.waitForChange(["scheduler_config"], signal);
			if (signal.aborted) return;
			this.syncPauseFromConfig();
		}
	}

	/** Puts every non-terminal evaluation in state back to work (Nomad's restoreEvals). */
	restoreEvals(): void {
		const { state } = this.opts;
		for (const ev of state.byIndex("evals", "status", "pending")) this.broker.restore(ev as Evaluation);
		for (const ev of state.byIndex("evals", "status", "blocked")) this.blocked.block(ev as Evaluation);
	}

	/**
	 * Reacts to evaluations a command wrote (Nomad's FSM handleUpsertedEval, run on the leader after
	 * the write): pending → broker, blocked → blocked tracker, complete without failures → the job's
	 * blocked evaluation is no longer needed. Uses the stored rows (indexes set); duplicates are harmless.
	 */
	handleUpsertedEvals(evals: readonly Row[]): void {
		if (!this.leading) return;
		for (const given of evals) {
			const ev = (this.opts.state.get("evals", given.ID as string) ?? given) as Evaluation;
			if (ev.Status === "pending") this.broker.enqueue(ev);
			else if (ev.Status === "blocked") this.blocked.block(ev);
			else if (ev.Status === "complete" && Object.keys(ev.FailedTGAllocs ?? {}).length === 0) {
				this.blocked.untrack(ev.Namespace, ev.JobID);
			}
		}
	}

	/** Capacity changed on nodes of `computedClass` (node registered/updated, allocations stopped). */
	unblock(computedClass: string, index: number): void {
		if (this.leading) this.blocked.unblock(computedClass, index);
	}

	/** Capacity changed on one node (system jobs' blocked evaluations target nodes). */
	unblockNode(nodeID: string): void {
		if (this.leading) this.blocked.unblockNode(nodeID);
	}

	private unblockForNode(nodeID: string | undefined, index: number, seen: Set<string>): void {
		if (!nodeID || seen.has(nodeID)) return;
		seen.add(nodeID);
		const node = this.opts.state.get("nodes", nodeID);
		if (!node) return;
		this.unblock((node.ComputedClass as string | undefined) ?? "", index);
		this.unblockNode(nodeID);
	}

	/**
	 * The leader's reaction to any applied command; call it for every command (duplicates with
	 * this class's own calls are harmless): evaluations in the payload go to the broker/tracker;
	 * allocations that stopped or finished, and nodes that became usable, unblock evaluations.
	 */
	afterApply(type: string, payload: Row, result: ApplyResult): void {
		if (!this.leading || result.error !== undefined) return;
		const evals = payload.Evals;
		if (Array.isArray(evals) && evals.length > 0 && typeof evals[0] === "object")
			this.handleUpsertedEvals(evals as Row[]);
		const { state } = this.opts;
		const seen = new Set<string>();
		if (type === PlanCmd.allocClientUpdate) {
			for (const a of (payload.Allocs as Row[] | undefined) ?? []) {
				if (a.ClientStatus !== "complete" && a.ClientStatus !== "failed") continue;
				this.unblockForNode(state.get("allocs", a.ID as string)?.NodeID as string | undefined, result.index, seen);
			}
		} else if (type === PlanCmd.applyPlanResults) {
			const stopped = [
				...((payload.AllocsStopped as Row[] | undefined) ?? []),
				...((payload.AllocsPreempted as Row[] | undefined) ?? []),
			];
			for (const d of stopped) {
				this.unblockForNode(state.get("allocs", d.ID as string)?.NodeID as string | undefined, result.index, seen);
			}
		} else if (NODE_COMMANDS.has(type)) {
			const id = ((payload.Node as Row | undefined)?.ID ?? payload.NodeID) as string | undefined;
			const node = id ? state.get("nodes", id) : undefined;
			if (node && node.Status === "ready" && node.SchedulingEligibility !== "ineligible") {
				this.unblockForNode(id, result.index, seen);
			}
		}
	}

	private async applyEvals(evals: Row[]): Promise<void> {
		const payload: Row = { Evals: evals };
		const r = await this.opts.apply(EvalCmd.update, payload);
		if (r.error !== undefined) throw new Error(r.error);
		this.afterApply(EvalCmd.update, payload, r);
	}

	private nowNs(): number {
		return (this.opts.now?.() ?? Date.now()) * 1e6;
	}

	/** Drains the failed queue: marks each evaluation failed and schedules a delayed follow-up. */
	private async reapFailedLoop(): Promise<void> {
		const signal = this.ctl.signal;
		while (!signal.aborted) {
			let got: { eval: Evaluation; token: string } | undefined;
			if (!this.broker.enabled()) {
				await this.broker.waitForEnabled(1_000, signal);
				continue;
			}
			try {
				got = await this.broker.dequeue([FAILED_QUEUE], 1_000, signal);
			} catch {
				continue; // disabled meanwhile
			}
			if (!got) continue;
			const { eval: ev, token } = got;
			try {
				if (ev.Type !== "_core") {
					const now = this.nowNs();
					const update: Row = {
						...ev,
						Status: "failed",
						StatusDescription: `evaluation reached delivery limit (${this.broker.deliveryLimit})`,
						ModifyTime: now <= ev.CreateTime ? ev.CreateTime + 1 : now,
					};
					this.logger.warn("eval reached delivery limit, marking as failed", { eval_id: ev.ID });
					const evals: Row[] = [update];
					if (this.opts.state.get("jobs", `${ev.Namespace}\u0000${ev.JobID}`)) {
						const base = this.opts.failedFollowupBaselineMs ?? 60_000;
						const range = this.opts.failedFollowupRangeMs ?? 5 * 60_000;
						const waitMs = base + Math.floor((this.opts.random ?? Math.random)() * range);
						const followup: Row = {
							ID: (this.opts.newID ?? randomUUID)(),
							Namespace: ev.Namespace,
							Priority: ev.Priority,
							Type: ev.Type,
							TriggeredBy: "failed-follow-up",
							JobID: ev.JobID,
							JobModifyIndex: ev.JobModifyIndex,
							Status: "pending",
							Wait: waitMs * 1e6,
							PreviousEval: ev.ID,
							CreateTime: now,
							ModifyTime: now,
						};
						update.NextEval = followup.ID;
						evals.push(followup);
					}
					await this.applyEvals(evals);
				}
				this.broker.ack(ev.ID, token);
			} catch (err) {
				// Left unacked: the nack timer brings it back to the failed queue.
				if (!signal.aborted) this.logger.error("failed to update failed eval", { eval_id: ev.ID, error: err });
			}
		}
	}

	private reapCancelableSoon(): void {
		if (!this.leading) return;
		if (this.reapingCancelable) {
			this.reapCancelableAgain = true;
			return;
		}
		this.reapingCancelable = true;
		void this.reapCancelable().finally(() => {
			this.reapingCancelable = false;
			if (this.reapCancelableAgain) {
				this.reapCancelableAgain = false;
				this.reapCancelableSoon();
			}
		});
	}

	/** Marks superseded pending evaluations canceled, in batches. */
	private async reapCancelable(): Promise<void> {
		const { state } = this.opts;
		for (;;) {
			if (!this.leading) return;
			const batch = this.broker.cancelable(CANCELABLE_BATCH);
			if (batch.length === 0) return;
			const now = this.nowNs();
			const evals: Row[] = [];
			for (const ev of batch) {
				const cur = (state.get("evals", ev.ID) ?? ev) as Evaluation;
				if (TERMINAL_EVAL_STATUSES.has(cur.Status)) continue;
				evals.push({
					...cur,
					Status: "canceled",
					StatusDescription: "canceled after more recent eval was processed",
					ModifyTime: now <= cur.CreateTime ? cur.CreateTime + 1 : now,
				});
			}
			if (evals.length === 0) continue;
			try {
				await this.applyEvals(evals);
			} catch (err) {
				this.logger.warn("eval cancel failed", { error: err, method: "ack" });
				return;
			}
		}
	}

	private reapDuplicatesSoon(): void {
		if (!this.leading || this.reapingDups) return;
		this.reapingDups = true;
		// Collect the burst of duplicates one tick later, then write them in one command.
		setImmediate(() => {
			void this.reapDuplicates().finally(() => {
				this.reapingDups = false;
			});
		});
	}

	/** Cancels blocked evaluations that lost to a newer one of their job. */
	private async reapDuplicates(): Promise<void> {
		for (;;) {
			if (!this.leading) return;
			const dups = this.blocked.takeDuplicates();
			if (dups.length === 0) return;
			const now = this.nowNs();
			const evals: Row[] = [];
			for (const d of dups) {
				const cur = (this.opts.state.get("evals", d.ID) ?? d) as Evaluation;
				if (TERMINAL_EVAL_STATUSES.has(cur.Status)) continue;
				evals.push({
					...cur,
					Status: "canceled",
					StatusDescription: `existing blocked evaluation exists for job "${cur.JobID}"`,
					ModifyTime: now <= cur.CreateTime ? cur.CreateTime + 1 : now,
				});
			}
			if (evals.length === 0) continue;
			try {
				await this.applyEvals(evals);
			} catch (err) {
				this.logger.error("failed to update duplicate evals", { error: err });
				return;
			}
		}
	}

	/** Reconfigures the workers at run time (agent reload, /v1/agent/schedulers/config). */
	setWorkerConfig(cfg: { numSchedulers?: number; enabledSchedulers?: readonly string[] }): Promise<void> {
		return this.workers.setConfig(cfg);
	}

	workerInfo(): WorkerInfo[] {
		return this.workers.info();
	}

	stats(): SchedulingStats {
		return { broker: this.broker.stats(), blocked: this.blocked.stats(), planQueue: this.planQueue.stats() };
	}
}
