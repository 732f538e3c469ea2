// Scheduler workers (Nomad's nomad/worker.go): a pool of loops that dequeue evaluations from the
// broker, wait until the local state has caught up with the evaluation, run the scheduler for its
// type on a snapshot, and ack (nack on error). The scheduler talks back through a Planner: plans go
// to the plan queue, evaluation updates/creations through the log, reblocks to the blocked-evals
// tracker. Workers share the main thread: they yield to the event loop between evaluations.

import { randomUUID } from "node:crypto";
import type { Evaluation, Plan } from "../api/types/index.ts";
import { maybeYield, yieldToEventLoop } from "../lib/cooperative.ts";
import { formatRFC3339Nano, nowUnixMs } from "../lib/goTime.ts";
import type { Logger } from "../lib/logger.ts";
import type { Planner, SchedulerFactory, SchedulerState, SubmitResult } from "../scheduler/types.ts";
import type { BlockedEvals } from "./blockedEvals.ts";
import type { EvalBroker } from "./evalBroker.ts";
import { EvalCmd } from "./fsm/evalCommands.ts";
import type { AfterApplyFn, ApplyFn, PlanQueue } from "./planApplier.ts";
import { loadSchedulers } from "./schedulerFactories.ts";
import { SnapshotSchedulerState } from "./schedulerState.ts";
import { type Row, TABLE_NAMES } from "./state/schema.ts";
import type { StateStore } from "./state/stateStore.ts";

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

/** A deterministic PRNG in [0, 1) seeded from a string (xmur3 hash → sfc32). */
export function seededRandom(seed: string): () => number {
	let h = 1779033703 ^ seed.length;
	for (let i = 0; i < seed.length; i++) {
		h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
		h = (h << 13) | (h >>> 19);
	}
	const next = (): number => {
		h = Math.imul(h ^ (h >>> 16), 2246822507);
		h = Math.imul(h ^ (h >>> 13), 3266489909);
		h ^= h >>> 16;
		return h >>> 0;
	};
	let a = next();
	let b = next();
	let c = next();
	let d = next();
	return () => {
		a >>>= 0;
		b >>>= 0;
		c >>>= 0;
		d >>>= 0;
		let t = (a + b) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		d = (d + 1) | 0;
		t = (t + d) | 0;
		c = (c + t) | 0;
		return (t >>> 0) / 4294967296;
	};
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

/** Resolves true once the store has applied `index`, false after `timeoutMs` or on abort. */
export async function waitForIndex(
	state: StateStore,
	index: number,
	timeoutMs: number,
	signal?: AbortSignal,
): Promise<boolean> {
	if (state.latestIndex >= index) return true;
	const deadline = Date.now() + timeoutMs;
	while (state.latestIndex < index) {
		const left = deadline - Date.now();
		if (left <= 0 || signal?.aborted) return false;
		// Commands that change no table do not wake watchers: poll as a fallback.
		const ctl = new AbortController();
		const t = setTimeout(() => ctl.abort(), Math.min(left, 50));
		const onAbort = () => ctl.abort();
		signal?.addEventListener("abort", onAbort, { once: true });
		await state.waitForChange(TABLE_NAMES, ctl.signal);
		clearTimeout(t);
		signal?.removeEventListener("abort", onAbort);
	}
	return true;
}

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
			maybeYield: () => maybeYield(),
		});
		await sched.process(ev);
	}

	/** For WorkerPlanner. */
	get poolOptions(): WorkerPoolOptions {
		return this.pool.opts;
	}
}

/** The Planner a scheduler run uses (Nomad's Worker as scheduler.Planner). */
export class WorkerPlanner implements Planner {
	private readonly worker: SchedulerWorker;
	private readonly ev: Evaluation;
	private readonly token: string;
	private snapshotIndex: number;

	constructor(worker: SchedulerWorker, ev: Evaluation, token: string, snapshotIndex: number) {
		this.worker = worker;
		this.ev = ev;
		this.token = token;
		this.snapshotIndex = snapshotIndex;
	}

	private get opts() {
		return this.worker.poolOptions;
	}

	private nowNs(): number {
		return (this.opts.now?.() ?? Date.now()) * 1e6;
	}

	async submitPlan(plan: Plan): Promise<SubmitResult> {
		const { broker, planQueue, state } = this.opts;
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.worker.workloadStatus = "Submitting";
		// Only the holder of the evaluation's current delivery may commit plans for it.
		broker.outstandingReset(this.ev.ID, this.token);
		broker.pauseNackTimeout(this.ev.ID, this.token);
		let result: Awaited<ReturnType<PlanQueue["enqueue"]>>;
		try {
			result = await planQueue.enqueue({ ...plan, SnapshotIndex: this.snapshotIndex });
		} finally {
			try {
				broker.resumeNackTimeout(this.ev.ID, this.token);
			} catch {
				// no longer outstanding; the ack/nack will say so
			}
		}
		this.worker.workloadStatus = "Scheduling";
		let refreshedState: SchedulerState | undefined;
		if (result.RefreshIndex !== 0) {
			const ok = await waitForIndex(state, result.RefreshIndex, this.opts.raftSyncLimitMs ?? 5_000, this.worker.signal);
			if (!ok) throw new Error(`timed out waiting for index=${result.RefreshIndex}`);
			refreshedState = new SnapshotSchedulerState(state.snapshot());
			this.snapshotIndex = refreshedState.index;
		}
		return { result, refreshedState };
	}

	private async applyEvals(evals: Row[]): Promise<void> {
		const payload: Row = { Evals: evals };
		const r = await this.opts.apply(EvalCmd.update, payload);
		if (r.error !== undefined) throw new Error(r.error);
		this.opts.afterApply?.(EvalCmd.update, payload, r);
	}

	async updateEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.opts.broker.outstandingReset(this.ev.ID, this.token);
		const now = this.nowNs();
		await this.applyEvals([
			{ ...ev, SnapshotIndex: this.snapshotIndex, ModifyTime: now <= ev.CreateTime ? ev.CreateTime + 1 : now },
		]);
	}

	async createEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.opts.broker.outstandingReset(this.ev.ID, this.token);
		if (this.opts.state.get("evals", ev.ID)) throw new Error("evaluation already exists");
		const now = this.nowNs();
		await this.applyEvals([{ ...ev, SnapshotIndex: this.snapshotIndex, CreateTime: now, ModifyTime: now }]);
	}

	async reblockEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		const { broker, state, blocked } = this.opts;
		broker.outstandingReset(this.ev.ID, this.token);
		const stored = state.get("evals", ev.ID);
		if (!stored) throw new Error("evaluation does not exist");
		if (stored.Status !== "blocked") throw new Error("evaluation not blocked");
		// Record a changed queued count first (Nomad's ReblockEval updates the eval when it moved).
		const summary = state.get("job_summary", `${ev.Namespace}\u0000${ev.JobID}`);
		const tgs = (summary?.Summary as Record<string, { Queued: number }> | undefined) ?? {};
		const changed = Object.entries(ev.QueuedAllocations ?? {}).some(([tg, n]) => tgs[tg] && tgs[tg].Queued !== n);
		if (changed) await this.updateEval(ev);
		const now = this.nowNs();
		const latest = state.get("evals", ev.ID) as Evaluation | undefined;
		blocked.reblock(
			{
				...ev,
				CreateIndex: latest?.CreateIndex ?? ev.CreateIndex,
				ModifyIndex: latest?.ModifyIndex ?? ev.ModifyIndex,
				SnapshotIndex: this.snapshotIndex,
				ModifyTime: now <= ev.CreateTime ? ev.CreateTime + 1 : now,
			},
			this.token,
		);
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
