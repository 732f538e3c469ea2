// Scheduler workers (Nomad's nomad/worker.go): a pool of loops that dequeue evaluations from the
// broker, wait until the local state has caught up with the evaluation, run the scheduler for its
// type on a snapshot, and ack (nack on error). The scheduler talks back through a Planner: plans go
// to the plan queue, evaluation updates/creations through the log, reblocks to the blocked-evals
// tracker (workerPlanner.ts). Workers share the main thread: schedulers yield every few ms
// (lib/cooperative.ts) and between evaluations.

import { randomUUID } from "node:crypto";
import type { Evaluation } from "../api/types/index.ts";
import { maybeYield, yieldToEventLoop } from "../lib/cooperative.ts";
import { formatRFC3339Nano, nowUnixMs } from "../lib/goTime.ts";
import type { Logger } from "../lib/logger.ts";
import { seededRandom } from "../lib/seededRandom.ts";
import type { SchedulerFactory } from "../scheduler/types.ts";
import type { BlockedEvals } from "./blockedEvals.ts";
import type { EvalBroker } from "./evalBroker.ts";
import type { AfterApplyFn, ApplyFn, PlanQueue } from "./planApplier.ts";
import { loadSchedulers } from "./schedulerFactories.ts";
import { SnapshotSchedulerState } from "./schedulerState.ts";
import type { StateStore } from "./state/stateStore.ts";
import { WorkerPlanner, waitForIndex } from "./workerPlanner.ts";

export type WorkerStatus =
	| "Unknown"
	| "Starting"
	| "Started"
	| "Pausing"
	| "Paused"
	| "Resuming"
	| "Stopping"
	| "Stopped";
export type WorkloadStatus =
	| "UnknownStatus"
	| "Running"
	| "WaitingToDequeue"
	| "WaitingForRaft"
	| "Scheduling"
	| "Submitting"
	| "Backoff"
	| "Stopped"
	| "Paused";

/** As /v1/agent/schedulers reports each worker (Nomad's WorkerInfo). */
export interface WorkerInfo {
	id: string;
	enabled_schedulers: string[];
	/** RFC3339Nano, UTC */
	started: string;
	status: WorkerStatus;
	workload_status: WorkloadStatus;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
	new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const t = setTimeout(done, ms);
		function done() {
			clearTimeout(t);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});

export interface WorkerPoolOptions {
	state: StateStore;
	broker: EvalBroker;
	blocked: BlockedEvals;
	planQueue: PlanQueue;
	apply: ApplyFn;
	/** Leader-side reactions to the workers' own commands (enqueue created evals...). */
	afterApply?: AfterApplyFn;
	/** Called after each ack (the leader reaps cancelable evaluations then). */
	afterAck?: () => void;
	/** Scheduler factories by evaluation type ("service", "batch", "system", "sysbatch", "_core"). */
	schedulers: Record<string, SchedulerFactory>;
	logger: Logger;
	numSchedulers: number;
	/** Types workers dequeue; only those with a factory are used. */
	enabledSchedulers: readonly string[];
	/** Broker dequeue wait per attempt (Nomad 500 ms). */
	dequeueTimeoutMs?: number;
	/** How long to wait for the local state to reach an evaluation's index (Nomad raftSyncLimit 5 s). */
	raftSyncLimitMs?: number;
	backoffBaseMs?: number;
	backoffLimitMs?: number;
	/** Wall clock in ms. */
	now?: () => number;
	/** IDs for allocations and evaluations the schedulers create. */
	newID?: () => string;
	/** RNG per evaluation; default seededRandom(eval ID). */
	randomFor?: (ev: Evaluation) => () => number;
}

export const BUILTIN_SCHEDULERS: readonly string[] = ["service", "batch", "system", "sysbatch"];
const DEFAULT_SCHEDULERS = [...BUILTIN_SCHEDULERS, "_core"];

/**
 * Nomad's SchedulerWorkerPoolArgs.IsValid: 0 ≤ num_schedulers ≤ #CPUs, and enabled_schedulers
 * includes "_core" and names only built-in schedulers. PUT /v1/agent/schedulers/config answers 400
 * "Invalid request" otherwise.
 */
export function isValidWorkerConfig(
	cfg: { numSchedulers: number; enabledSchedulers: readonly string[] },
	numCPU: number,
): boolean {
	if (!Number.isInteger(cfg.numSchedulers) || cfg.numSchedulers < 0 || cfg.numSchedulers > numCPU) return false;
	let core = false;
	for (const s of cfg.enabledSchedulers) {
		if (s === "_core") core = true;
		else if (!BUILTIN_SCHEDULERS.includes(s)) return false;
	}
	return core;
}

/** One worker's loop. */
export class SchedulerWorker {
	readonly id: string;
	readonly enabledSchedulers: string[];
	/** Unix ms (fraction: µs). */
	readonly started: number;
	status: WorkerStatus = "Starting";
	workloadStatus: WorkloadStatus = "UnknownStatus";
	private readonly pool: SchedulerWorkerPool;
	private readonly ctl = new AbortController();
	private pauseFlag = false;
	private resumeWaiters: (() => void)[] = [];
	private failures = 0;
	done: Promise<void> = Promise.resolve();

	constructor(pool: SchedulerWorkerPool, enabledSchedulers: string[]) {
		this.pool = pool;
		this.id = randomUUID();
		this.enabledSchedulers = enabledSchedulers;
		this.started = nowUnixMs();
	}

	start(): void {
		this.status = "Starting";
		this.done = this.run().catch((err) => {
			this.pool.opts.logger.error("scheduler worker crashed", { worker_id: this.id, error: err });
		});
	}

	pause(): void {
		if (
			this.status === "Pausing" ||
			this.status === "Paused" ||
			this.status === "Stopping" ||
			this.status === "Stopped"
		)
			return;
		this.status = "Pausing";
		this.pauseFlag = true;
	}

	resume(): void {
		if (!this.pauseFlag) return;
		if (this.status === "Paused") this.status = "Resuming";
		else if (this.status === "Pausing") this.status = "Started";
		this.pauseFlag = false;
		const w = this.resumeWaiters;
		this.resumeWaiters = [];
		for (const r of w) r();
	}

	stop(): Promise<void> {
		this.status = "Stopping";
		this.pauseFlag = false;
		this.ctl.abort();
		const w = this.resumeWaiters;
		this.resumeWaiters = [];
		for (const r of w) r();
		return this.done;
	}

	get signal(): AbortSignal {
		return this.ctl.signal;
	}

	info(): WorkerInfo {
		return {
			id: this.id,
			enabled_schedulers: [...this.enabledSchedulers],
			started: formatRFC3339Nano(this.started),
			status: this.status,
			workload_status: this.workloadStatus,
		};
	}

	private async maybeWait(): Promise<void> {
		if (!this.pauseFlag) return;
		this.status = "Paused";
		const before = this.workloadStatus;
		this.workloadStatus = "Paused";
		while (this.pauseFlag && !this.signal.aborted) {
			await new Promise<void>((r) => this.resumeWaiters.push(r));
		}
		this.workloadStatus = before;
		if ((this.status as WorkerStatus) !== "Stopping") this.status = "Started";
	}

	private async backoff(): Promise<void> {
		this.workloadStatus = "Backoff";
		const base = this.pool.opts.backoffBaseMs ?? 20;
		const limit = this.pool.opts.backoffLimitMs ?? 10_000;
		const ms = Math.min(limit, base * 2 ** Math.min(this.failures, 20));
		this.failures++;
		await sleep(ms, this.signal);
	}

	private async run(): Promise<void> {
		const { broker, state, logger } = this.pool.opts;
		this.status = "Started";
		this.workloadStatus = "Running";
		try {
			while (!this.signal.aborted) {
				await this.maybeWait();
				if (this.signal.aborted) break;
				this.workloadStatus = "WaitingToDequeue";
				let got: { eval: Evaluation; token: string } | undefined;
				const timeout = this.pool.opts.dequeueTimeoutMs ?? 500;
				if (!broker.enabled()) {
					// Paused broker (or leadership changing): wait for it, as Nomad's Eval.Dequeue does.
					await broker.waitForEnabled(timeout, this.signal);
					continue;
				}
				try {
					got = await broker.dequeue(this.pool.dequeueTypes(this), timeout, this.signal);
				} catch {
					await this.backoff();
					continue;
				}
				this.failures = 0;
				if (!got) continue;
				const { eval: ev, token } = got;
				try {
					this.workloadStatus = "WaitingForRaft";
					const waitIndex = this.waitIndex(ev);
					const ok = await waitForIndex(state, waitIndex, this.pool.opts.raftSyncLimitMs ?? 5_000, this.signal);
					if (!ok) throw new Error(`timed out waiting for index=${waitIndex}`);
					this.workloadStatus = "Scheduling";
					await this.invokeScheduler(ev, token);
					this.safe(() => broker.ack(ev.ID, token), "ack");
					this.pool.opts.afterAck?.();
				} catch (err) {
					logger.error("error invoking scheduler", { worker_id: this.id, eval_id: ev.ID, error: err });
					this.safe(() => broker.nack(ev.ID, token), "nack");
				}
				await yieldToEventLoop();
			}
		} finally {
			this.status = "Stopped";
			this.workloadStatus = "Stopped";
		}
	}

	private safe(fn: () => void, what: string): void {
		try {
			fn();
		} catch (err) {
			this.pool.opts.logger.debug(`failed to ${what} evaluation`, { worker_id: this.id, error: err });
		}
	}

	/** The index the state must reach: the newest ModifyIndex among the job's evaluations (getWaitIndex). */
	private waitIndex(ev: Evaluation): number {
		let max = ev.ModifyIndex ?? 0;
		for (const e of this.pool.opts.state.byIndex("evals", "job", `${ev.Namespace}\u0000${ev.JobID}`)) {
			const m = (e.ModifyIndex as number | undefined) ?? 0;
			if (m > max) max = m;
		}
		return max;
	}

	private async invokeScheduler(ev: Evaluation, token: string): Promise<void> {
		await loadSchedulers();
		const { state, schedulers, logger } = this.pool.opts;
		const factory = schedulers[ev.Type];
		if (!factory) throw new Error(`failed to instantiate scheduler: unknown scheduler type "${ev.Type}"`);
		const snap = new SnapshotSchedulerState(state.snapshot());
		const planner = new WorkerPlanner(this, ev, token, snap.index);
		const sched = factory({
			state: snap,
			planner,
			now: (this.pool.opts.now?.() ?? Date.now()) * 1e6,
			random: this.pool.opts.randomFor?.(ev) ?? seededRandom(ev.ID),
			newID: this.pool.opts.newID ?? randomUUID,
			clock: () => Number(process.hrtime.bigint()),
			log: (msg, fields) => logger.debug(msg, { eval_id: ev.ID, ...(fields ?? {}) }),
			maybeYield,
		});
		await sched.process(ev);
	}

	/** For WorkerPlanner. */
	get poolOptions(): WorkerPoolOptions {
		return this.pool.opts;
	}
}

/** The pool: N workers, reconfigurable, pausable. */
export class SchedulerWorkerPool {
	readonly opts: WorkerPoolOptions;
	private workers: SchedulerWorker[] = [];
	private numSchedulers: number;
	private enabledSchedulers: string[];
	private paused = false;
	private running = false;
	private reconfiguring: Promise<void> = Promise.resolve();

	constructor(opts: WorkerPoolOptions) {
		this.opts = opts;
		this.numSchedulers = Math.max(0, opts.numSchedulers);
		this.enabledSchedulers = [...(opts.enabledSchedulers.length > 0 ? opts.enabledSchedulers : DEFAULT_SCHEDULERS)];
	}

	/** The types a worker asks the broker for: its enabled ones that have a scheduler. */
	dequeueTypes(w: SchedulerWorker): string[] {
		return w.enabledSchedulers.filter((t) => this.opts.schedulers[t] !== undefined);
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		while (this.workers.length < this.numSchedulers) this.addWorker();
	}

	async stop(): Promise<void> {
		this.running = false;
		const ws = this.workers;
		this.workers = [];
		await Promise.all(ws.map((w) => w.stop()));
	}

	private addWorker(): void {
		const w = new SchedulerWorker(this, [...this.enabledSchedulers]);
		this.workers.push(w);
		w.start();
		if (this.paused) w.pause();
	}

	/**
	 * Changes the pool at run time (Nomad's SetSchedulerWorkerConfig): workers are added or stopped
	 * to match num_schedulers (0 leaves evaluations queued in the broker); a new scheduler list
	 * replaces every worker. Calls apply one after another.
	 */
	setConfig(cfg: { numSchedulers?: number; enabledSchedulers?: readonly string[] }): Promise<void> {
		const next = this.reconfiguring.then(() => this.applyConfig(cfg));
		this.reconfiguring = next.catch(() => {});
		return next;
	}

	private async applyConfig(cfg: { numSchedulers?: number; enabledSchedulers?: readonly string[] }): Promise<void> {
		const enabled = cfg.enabledSchedulers ? [...cfg.enabledSchedulers] : this.enabledSchedulers;
		const num = Math.max(0, cfg.numSchedulers ?? this.numSchedulers);
		const typesChanged = enabled.join(",") !== this.enabledSchedulers.join(",");
		this.enabledSchedulers = enabled;
		this.numSchedulers = num;
		if (!this.running) return;
		if (typesChanged) {
			await this.stop();
			this.start();
			return;
		}
		while (this.workers.length < num) this.addWorker();
		const extra = this.workers.splice(num);
		await Promise.all(extra.map((w) => w.stop()));
	}

	pause(): void {
		this.paused = true;
		for (const w of this.workers) w.pause();
	}

	resume(): void {
		this.paused = false;
		for (const w of this.workers) w.resume();
	}

	config(): { numSchedulers: number; enabledSchedulers: string[] } {
		return { numSchedulers: this.numSchedulers, enabledSchedulers: [...this.enabledSchedulers] };
	}

	info(): WorkerInfo[] {
		return this.workers.map((w) => w.info());
	}
}
