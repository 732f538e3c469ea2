// The evaluation broker (Nomad's nomad/eval_broker.go): the leader's in-memory queue of work for
// scheduler workers. Ready evaluations wait in one priority queue per scheduler type; at most one
// evaluation per (namespace, job) is ready or out for processing, later ones wait in that job's
// pending heap and the superseded ones become cancelable when the job's eval is acked. Delivery is
// at-least-once: a dequeued evaluation must be acked or nacked (a nack timer nacks it otherwise);
// nacked evaluations come back after a delay and after `deliveryLimit` deliveries go to the
// "_failed" queue, which the leader drains to mark them failed. Evaluations with Wait wait on a
// timer, those with WaitUntil in a delay heap.
import { randomUUID } from "node:crypto";
import type { Evaluation } from "../api/types/index.ts";
import { Heap } from "./heap.ts";

export const FAILED_QUEUE = "_failed";

export const ErrNotOutstanding = "evaluation is not outstanding";
export const ErrTokenMismatch = "evaluation token does not match";
export const ErrBrokerDisabled = "eval broker disabled";

export interface EvalBrokerOptions {
	/** Unacked evaluations are nacked after this long (Nomad EvalNackTimeout, 60 s). */
	nackTimeoutMs?: number;
	/** Deliveries before an evaluation goes to the failed queue (Nomad EvalDeliveryLimit, 3). */
	deliveryLimit?: number;
	/** Re-enqueue delay after the first nack (EvalNackInitialReenqueueDelay, 1 s). */
	initialNackDelayMs?: number;
	/** Compounding delay after later nacks (EvalNackSubsequentReenqueueDelay, 20 s). */
	subsequentNackDelayMs?: number;
	/** Picks among equally urgent scheduler queues (Nomad: random). */
	random?: () => number;
	/** Wall clock in ms, for WaitUntil. */
	now?: () => number;
	newToken?: () => string;
}

export interface SchedulerQueueStats {
	Ready: number;
	Unacked: number;
}

export interface BrokerStats {
	TotalReady: number;
	TotalUnacked: number;
	TotalPending: number;
	TotalWaiting: number;
	TotalCancelable: number;
	/** Evaluations waiting for their WaitUntil, by ID. */
	DelayedEvals: Record<string, Evaluation>;
	ByScheduler: Record<string, SchedulerQueueStats>;
}

export interface Dequeued {
	eval: Evaluation;
	token: string;
}

interface Unacked {
	eval: Evaluation;
	token: string;
	queue: string;
	timer: NodeJS.Timeout | undefined;
}

interface Waiter {
	schedulers: readonly string[];
	resolve: (d: Dequeued | undefined) => void;
	reject: (e: Error) => void;
	cleanup: () => void;
}

interface Delayed {
	eval: Evaluation;
	at: number;
}

const nsJob = (ev: Evaluation): string => `${ev.Namespace}\u0000${ev.JobID}`;

/** Higher priority first; among equals the older (lower CreateIndex) first. */
const readyBefore = (a: Evaluation, b: Evaluation): boolean => {
	if (a.JobID !== b.JobID && a.Priority !== b.Priority) return a.Priority > b.Priority;
	return a.CreateIndex < b.CreateIndex;
};
/** A job's pending evaluations: higher priority, then the newest (highest ModifyIndex) first. */
const pendingBefore = (a: Evaluation, b: Evaluation): boolean => {
	if (a.Priority !== b.Priority) return a.Priority > b.Priority;
	return a.ModifyIndex > b.ModifyIndex;
};

/** WaitUntil as epoch ms, or 0 when unset (Go's zero time included). */
export function waitUntilMs(ev: Evaluation): number {
	if (!ev.WaitUntil) return 0;
	const t = Date.parse(ev.WaitUntil);
	return Number.isFinite(t) && t > 0 ? t : 0;
}

// setTimeout's delay is a signed 32-bit number of ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class EvalBroker {
	readonly nackTimeoutMs: number;
	readonly deliveryLimit: number;
	private readonly initialNackDelayMs: number;
	private readonly subsequentNackDelayMs: number;
	private readonly random: () => number;
	private readonly now: () => number;
	private readonly newToken: () => string;

	private isEnabled = false;
	/** Tracked evaluation ID → deliveries so far. */
	private evals = new Map<string, number>();
	/** (namespace, job) → the one evaluation that is ready, unacked or waiting for it. */
	private jobEvals = new Map<string, string>();
	private pending = new Map<string, Heap<Evaluation>>();
	private cancelableEvals: Evaluation[] = [];
	private ready = new Map<string, Heap<Evaluation>>();
	private unack = new Map<string, Unacked>();
	/** Dequeue token → an evaluation to enqueue once that delivery is acked (reblocked evals). */
	private requeue = new Map<string, Evaluation>();
	/** Evaluations waiting out Wait (or a nack delay). */
	private timeWait = new Map<string, { eval: Evaluation; timer: NodeJS.Timeout }>();
	private delayHeap = new Heap<Delayed>((a, b) => a.at < b.at);
	private delayTimer: NodeJS.Timeout | undefined;
	private delayTimerAt = 0;
	private waiters: Waiter[] = [];
	private enableWaiters: (() => void)[] = [];

	/** Called when acks made more evaluations cancelable (the leader reaps them in batches). */
	onCancelable: (() => void) | undefined;

	constructor(opts: EvalBrokerOptions = {}) {
		if ((opts.nackTimeoutMs ?? 0) < 0) throw new Error("timeout cannot be negative");
		this.nackTimeoutMs = opts.nackTimeoutMs ?? 60_000;
		this.deliveryLimit = opts.deliveryLimit ?? 3;
		this.initialNackDelayMs = opts.initialNackDelayMs ?? 1_000;
		this.subsequentNackDelayMs = opts.subsequentNackDelayMs ?? 20_000;
		this.random = opts.random ?? Math.random;
		this.now = opts.now ?? Date.now;
		this.newToken = opts.newToken ?? randomUUID;
	}

	enabled(): boolean {
		return this.isEnabled;
	}

	/** Enabled only on the leader (and not while the scheduler config pauses it). Disabling flushes. */
	setEnabled(enabled: boolean): void {
		const was = this.isEnabled;
		this.isEnabled = enabled;
		if (!enabled && was) this.flush();
		if (enabled && !was) {
			const w = this.enableWaiters;
			this.enableWaiters = [];
			for (const r of w) r();
		}
	}

	/**
	 * Resolves when the broker is enabled, or after `timeoutMs` / on abort (what a dequeue does
	 * against a paused broker in Nomad: wait for the change, then answer "no work").
	 */
	waitForEnabled(timeoutMs: number, signal?: AbortSignal): Promise<void> {
		if (this.isEnabled || signal?.aborted) return Promise.resolve();
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(t);
				signal?.removeEventListener("abort", done);
				const i = this.enableWaiters.indexOf(done);
				if (i >= 0) this.enableWaiters.splice(i, 1);
				resolve();
			};
			const t = setTimeout(done, timeoutMs);
			signal?.addEventListener("abort", done, { once: true });
			this.enableWaiters.push(done);
		});
	}

	/** Adds a newly written pending evaluation. Duplicates (already tracked IDs) are ignored. */
	enqueue(ev: Evaluation): void {
		this.processEnqueue(ev, "");
	}

	/** Adds an evaluation found in state on leadership (same as enqueue). */
	restore(ev: Evaluation): void {
		this.processEnqueue(ev, "");
	}

	/**
	 * Enqueues many evaluations; a token marks an evaluation being re-enqueued by the worker that
	 * holds it (reblock): it then waits until that delivery is acked, and is dropped on nack.
	 */
	enqueueAll(evals: Iterable<readonly [Evaluation, string]>): void {
		for (const [ev, token] of evals) this.processEnqueue(ev, token);
	}

	private processEnqueue(ev: Evaluation, token: string): void {
		if (!this.isEnabled) return;
		if (this.evals.has(ev.ID)) {
			if (token === "") return;
			const u = this.unack.get(ev.ID);
			if (u && u.token === token) this.requeue.set(token, ev);
			return;
		}
		this.evals.set(ev.ID, 0);
		const waitMs = (ev.Wait ?? 0) / 1e6;
		if (waitMs > 0) {
			this.waitThenEnqueue(ev, waitMs);
			return;
		}
		const at = waitUntilMs(ev);
		if (at > 0) {
			this.delayHeap.push({ eval: ev, at });
			this.armDelayTimer();
			return;
		}
		this.enqueueLocked(ev, ev.Type);
	}

	private waitThenEnqueue(ev: Evaluation, waitMs: number): void {
		const timer = setTimeout(
			() => {
				this.timeWait.delete(ev.ID);
				this.enqueueLocked(ev, ev.Type);
			},
			Math.min(waitMs, MAX_TIMER_MS),
		);
		timer.unref?.();
		this.timeWait.set(ev.ID, { eval: ev, timer });
	}

	private armDelayTimer(): void {
		const next = this.delayHeap.peek();
		if (!next) {
			if (this.delayTimer) clearTimeout(this.delayTimer);
			this.delayTimer = undefined;
			return;
		}
		if (this.delayTimer && this.delayTimerAt === next.at) return;
		if (this.delayTimer) clearTimeout(this.delayTimer);
		this.delayTimerAt = next.at;
		this.delayTimer = setTimeout(
			() => {
				this.delayTimer = undefined;
				this.releaseDelayed();
			},
			Math.min(Math.max(0, next.at - this.now()), MAX_TIMER_MS),
		);
		this.delayTimer.unref?.();
	}

	private releaseDelayed(): void {
		const now = this.now();
		for (let d = this.delayHeap.peek(); d && d.at <= now; d = this.delayHeap.peek()) {
			this.delayHeap.pop();
			this.enqueueLocked(d.eval, d.eval.Type);
		}
		this.armDelayTimer();
	}

	private enqueueLocked(ev: Evaluation, queue: string): void {
		if (!this.isEnabled) return;
		const key = nsJob(ev);
		const current = this.jobEvals.get(key);
		if (current === undefined) this.jobEvals.set(key, ev.ID);
		else if (current !== ev.ID) {
			let heap = this.pending.get(key);
			if (!heap) {
				heap = new Heap(pendingBefore);
				this.pending.set(key, heap);
			}
			heap.push(ev);
			return;
		}
		let heap = this.ready.get(queue);
		if (!heap) {
			heap = new Heap(readyBefore);
			this.ready.set(queue, heap);
		}
		heap.push(ev);
		this.serveWaiters();
	}

	/**
	 * Hands out the most urgent ready evaluation among `schedulers`' queues, waiting up to
	 * `timeoutMs` (0 = no limit) for one; resolves undefined on timeout or abort. Rejects when the
	 * broker is (or becomes) disabled.
	 */
	dequeue(schedulers: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<Dequeued | undefined> {
		if (!this.isEnabled) return Promise.reject(new Error(ErrBrokerDisabled));
		const got = this.scan(schedulers);
		if (got) return Promise.resolve(got);
		if (signal?.aborted) return Promise.resolve(undefined);
		return new Promise((resolve, reject) => {
			let timer: NodeJS.Timeout | undefined;
			const onAbort = () => {
				waiter.cleanup();
				resolve(undefined);
			};
			const waiter: Waiter = {
				schedulers,
				resolve,
				reject,
				cleanup: () => {
					if (timer) clearTimeout(timer);
					signal?.removeEventListener("abort", onAbort);
					const i = this.waiters.indexOf(waiter);
					if (i >= 0) this.waiters.splice(i, 1);
				},
			};
			if (timeoutMs > 0) {
				timer = setTimeout(() => {
					waiter.cleanup();
					resolve(undefined);
				}, timeoutMs);
			}
			signal?.addEventListener("abort", onAbort, { once: true });
			this.waiters.push(waiter);
		});
	}

	private serveWaiters(): void {
		for (let i = 0; i < this.waiters.length; ) {
			const w = this.waiters[i];
			const got = this.scan(w.schedulers);
			if (got) {
				w.cleanup(); // removes it from this.waiters
				w.resolve(got);
				continue;
			}
			i++;
		}
	}

	private scan(schedulers: readonly string[]): Dequeued | undefined {
		let eligible: string[] = [];
		let best = Number.NEGATIVE_INFINITY;
		for (const sched of schedulers) {
			const head = this.ready.get(sched)?.peek();
			if (!head) continue;
			if (head.Priority > best) {
				eligible = [sched];
				best = head.Priority;
			} else if (head.Priority === best) eligible.push(sched);
		}
		if (eligible.length === 0) return undefined;
		const sched = eligible.length === 1 ? eligible[0] : eligible[Math.floor(this.random() * eligible.length)];
		return this.dequeueFor(sched);
	}

	private dequeueFor(queue: string): Dequeued {
		const ev = this.ready.get(queue)?.pop() as Evaluation;
		const token = this.newToken();
		const u: Unacked = { eval: ev, token, queue, timer: undefined };
		this.unack.set(ev.ID, u);
		this.armNackTimer(u);
		this.evals.set(ev.ID, (this.evals.get(ev.ID) ?? 0) + 1);
		return { eval: ev, token };
	}

	private armNackTimer(u: Unacked): void {
		if (u.timer) clearTimeout(u.timer);
		u.timer = setTimeout(() => {
			u.timer = undefined;
			try {
				this.nack(u.eval.ID, u.token);
			} catch {
				// already acked/nacked
			}
		}, this.nackTimeoutMs);
		u.timer.unref?.();
	}

	/** The token of an evaluation that is out for processing, if it is. */
	outstanding(evalID: string): string | undefined {
		return this.unack.get(evalID)?.token;
	}

	private checkOutstanding(evalID: string, token: string): Unacked {
		const u = this.unack.get(evalID);
		if (!u) throw new Error(ErrNotOutstanding);
		if (u.token !== token) throw new Error(ErrTokenMismatch);
		return u;
	}

	/** Restarts the nack timer of an outstanding evaluation (a worker showing progress). */
	outstandingReset(evalID: string, token: string): void {
		const u = this.checkOutstanding(evalID, token);
		if (u.timer) this.armNackTimer(u);
	}

	/** Stops the nack timer while the evaluation waits in an unbounded place (the plan queue). */
	pauseNackTimeout(evalID: string, token: string): void {
		const u = this.checkOutstanding(evalID, token);
		if (u.timer) clearTimeout(u.timer);
		u.timer = undefined;
	}

	resumeNackTimeout(evalID: string, token: string): void {
		this.armNackTimer(this.checkOutstanding(evalID, token));
	}

	/** Acknowledges successful processing; the job's next pending evaluation becomes ready. */
	ack(evalID: string, token: string): void {
		try {
			const u = this.unack.get(evalID);
			if (!u) throw new Error("Evaluation ID not found");
			if (u.token !== token) throw new Error("Token does not match for Evaluation ID");
			if (u.timer) clearTimeout(u.timer);
			this.unack.delete(evalID);
			this.evals.delete(evalID);
			const key = nsJob(u.eval);
			this.jobEvals.delete(key);
			const heap = this.pending.get(key);
			if (heap && heap.size > 0) {
				// Only the most urgent/newest pending evaluation is still useful; the rest are cancelable.
				const keep = heap.pop() as Evaluation;
				const dropped = [...heap.values()];
				this.pending.delete(key);
				if (dropped.length > 0) {
					for (const d of dropped) this.evals.delete(d.ID);
					this.cancelableEvals.push(...dropped);
				}
				this.enqueueLocked(keep, keep.Type);
				if (dropped.length > 0) this.onCancelable?.();
			}
			const re = this.requeue.get(token);
			if (re) {
				this.requeue.delete(token);
				this.processEnqueue(re, "");
			}
		} finally {
			this.requeue.delete(token);
		}
	}

	/** Negative acknowledgement: re-enqueued after a delay, or to the failed queue at the limit. */
	nack(evalID: string, token: string): void {
		this.requeue.delete(token);
		const u = this.unack.get(evalID);
		if (!u) throw new Error("Evaluation ID not found");
		if (u.token !== token) throw new Error("Token does not match for Evaluation ID");
		if (u.timer) clearTimeout(u.timer);
		this.unack.delete(evalID);
		const deliveries = this.evals.get(evalID) ?? 0;
		if (deliveries >= this.deliveryLimit) {
			this.enqueueLocked(u.eval, FAILED_QUEUE);
			return;
		}
		const delay = this.nackReenqueueDelay(deliveries);
		if (delay > 0) this.waitThenEnqueue(u.eval, delay);
		else this.enqueueLocked(u.eval, u.eval.Type);
	}

	private nackReenqueueDelay(prevDequeues: number): number {
		if (prevDequeues <= 0) return 0;
		if (prevDequeues === 1) return this.initialNackDelayMs;
		return (prevDequeues - 1) * this.subsequentNackDelayMs;
	}

	/** Forgets a delayed (WaitUntil) evaluation that no longer needs to run. */
	dropWaiting(ev: Evaluation): void {
		if (!this.isEnabled || !this.evals.has(ev.ID)) return;
		if (this.delayHeap.remove((d) => d.eval.ID === ev.ID)) {
			this.evals.delete(ev.ID);
			this.armDelayTimer();
			return;
		}
		const w = this.timeWait.get(ev.ID);
		if (w) {
			clearTimeout(w.timer);
			this.timeWait.delete(ev.ID);
			this.evals.delete(ev.ID);
		}
	}

	/** Takes up to `batchSize` superseded evaluations for the leader to mark canceled. */
	cancelable(batchSize: number): Evaluation[] {
		return this.cancelableEvals.splice(0, batchSize);
	}

	stats(): BrokerStats {
		const s: BrokerStats = {
			TotalReady: 0,
			TotalUnacked: this.unack.size,
			TotalPending: 0,
			TotalWaiting: this.timeWait.size + this.delayHeap.size,
			TotalCancelable: this.cancelableEvals.length,
			DelayedEvals: {},
			ByScheduler: {},
		};
		const by = (q: string): SchedulerQueueStats => {
			s.ByScheduler[q] ??= { Ready: 0, Unacked: 0 };
			return s.ByScheduler[q];
		};
		for (const [q, heap] of this.ready) {
			s.TotalReady += heap.size;
			by(q).Ready += heap.size;
		}
		for (const u of this.unack.values()) by(u.queue).Unacked++;
		for (const heap of this.pending.values()) s.TotalPending += heap.size;
		for (const d of this.delayHeap.values()) s.DelayedEvals[d.eval.ID] = d.eval;
		return s;
	}

	private flush(): void {
		const waiters = this.waiters;
		this.waiters = [];
		for (const w of waiters) {
			w.cleanup();
			w.reject(new Error(ErrBrokerDisabled));
		}
		for (const u of this.unack.values()) if (u.timer) clearTimeout(u.timer);
		for (const w of this.timeWait.values()) clearTimeout(w.timer);
		if (this.delayTimer) clearTimeout(this.delayTimer);
		this.delayTimer = undefined;
		this.evals = new Map();
		this.jobEvals = new Map();
		this.pending = new Map();
		this.cancelableEvals = [];
		this.ready = new Map();
		this.unack = new Map();
		this.requeue = new Map();
		this.timeWait = new Map();
		this.delayHeap = new Heap<Delayed>((a, b) => a.at < b.at);
	}
}
