// Periodic job dispatcher (Nomad's PeriodicDispatch): tracks active periodic jobs, keeps them in a
// min-heap by next launch, and runs ONE unref'd timer for the earliest launch. When a launch is
// due it advances that job's next launch (computed from the scheduled time, so a late timer still
// launches each missed instance in turn, as Nomad does), honours prohibit_overlap, derives the
// child job `<parent>/periodic-<unix seconds>` and hands it to the host to register.
// Only the leader runs it: while disabled, add() is a no-op and disabling forgets every tracked
// job; the new leader re-adds them (restore()).

import { goQuote } from "../../api/filter/errors.ts";
import type { Job, JobStatus, ParameterizedJobConfig, PeriodicConfig } from "../../api/types/job.ts";
import { nextLaunchOrThrow } from "./cron.ts";

export const PERIODIC_LAUNCH_SUFFIX = "/periodic-";

export interface PeriodicHost {
	now(): Date;
	/** current state reads */
	job(ns: string, id: string): Job | undefined;
	/** any non-terminal child job of the periodic parent (for prohibit_overlap) */
	childrenRunning(ns: string, parentID: string): boolean;
	/** registers the derived child job (JobRegister + eval); resolves when committed */
	launch(child: Job, launchTime: Date): Promise<void>;
	/** last recorded launch (periodic_launch table); only restore() uses it */
	lastLaunch?(ns: string, id: string): Date | undefined;
	logger?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface PeriodicDispatcherOptions {
	/** arm real timers (default true); tests drive tick() with a fake clock instead */
	timers?: boolean;
}

/** Nomad's Job.IsParameterized: a parameterized template, not one of its dispatched children. */
export function isParameterized(job: Job): job is Job & { ParameterizedJob: ParameterizedJobConfig } {
	return job.ParameterizedJob != null && !job.Dispatched;
}

export type PeriodicJob = Job & { Periodic: PeriodicConfig };

/** Nomad's Job.IsPeriodicActive: a periodic job that launches children. */
export function isPeriodicActive(job: Job): job is PeriodicJob {
	return job.Periodic != null && job.Periodic.Enabled === true && !job.Stop && !isParameterized(job);
}

/** The child a periodic job launches at `launch` (Nomad's deriveJob). */
export function deriveChildJob(parent: Job, launch: Date, submitTime: Date = launch): Job {
	const child = structuredClone(parent);
	child.ParentID = parent.ID;
	child.ID = `${parent.ID}${PERIODIC_LAUNCH_SUFFIX}${Math.floor(launch.getTime() / 1000)}`;
	child.Name = child.ID;
	child.Periodic = null;
	child.Status = "" as JobStatus;
	child.StatusDescription = "";
	child.SubmitTime = submitTime.getTime() * 1e6;
	return child;
}

/** Launch time encoded in a periodic child's ID (Nomad's LaunchTime), or null. */
export function launchTimeFromChildID(childID: string): Date | null {
	const i = childID.lastIndexOf(PERIODIC_LAUNCH_SUFFIX);
	if (i < 0) return null;
	const rest = childID.slice(i + PERIODIC_LAUNCH_SUFFIX.length);
	if (!/^[+-]?\d+$/.test(rest)) return null;
	return new Date(Number(rest) * 1000);
}

interface Entry {
	key: string;
	namespace: string;
	id: string;
	job: PeriodicJob;
	/** ms; null = no further launch (sorts last) */
	next: number | null;
	index: number;
}

const MAX_TIMEOUT = 2 ** 31 - 1;
const keyOf = (ns: string, id: string): string => `${ns}\u0000${id}`;
const rank = (e: Entry): number => e.next ?? Number.POSITIVE_INFINITY;

/** Binary min-heap of entries by next launch, with positions kept for O(log n) update/remove. */
class LaunchHeap {
	readonly items: Entry[] = [];

	peek(): Entry | undefined {
		return this.items[0];
	}

	push(e: Entry): void {
		e.index = this.items.length;
		this.items.push(e);
		this.up(e.index);
	}

	remove(e: Entry): void {
		const last = this.items.pop();
		if (!last || last === e) return;
		this.items[e.index] = last;
		last.index = e.index;
		this.fix(last);
	}

	fix(e: Entry): void {
		if (!this.up(e.index)) this.down(e.index);
	}

	clear(): void {
		this.items.length = 0;
	}

	private swap(i: number, j: number): void {
		const a = this.items[i];
		const b = this.items[j];
		this.items[i] = b;
		this.items[j] = a;
		a.index = j;
		b.index = i;
	}

	private up(i: number): boolean {
		let moved = false;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (rank(this.items[i]) >= rank(this.items[p])) break;
			this.swap(i, p);
			i = p;
			moved = true;
		}
		return moved;
	}

	private down(i: number): void {
		const n = this.items.length;
		for (;;) {
			const l = 2 * i + 1;
			const r = l + 1;
			let m = i;
			if (l < n && rank(this.items[l]) < rank(this.items[m])) m = l;
			if (r < n && rank(this.items[r]) < rank(this.items[m])) m = r;
			if (m === i) return;
			this.swap(i, m);
			i = m;
		}
	}
}

export class PeriodicDispatcher {
	private readonly host: PeriodicHost;
	private readonly useTimers: boolean;
	private enabled = false;
	/** bumped on every disable, so a tick in flight stops launching */
	private generation = 0;
	private readonly entries = new Map<string, Entry>();
	private readonly heap = new LaunchHeap();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private timerAt: number | null = null;
	private chain: Promise<unknown> = Promise.resolve();

	constructor(host: PeriodicHost, opts: PeriodicDispatcherOptions = {}) {
		this.host = host;
		this.useTimers = opts.timers ?? true;
	}

	get isEnabled(): boolean {
		return this.enabled;
	}

	/** Timers only run on the leader. Disabling forgets every tracked job (Nomad's flush). */
	setEnabled(leader: boolean): void {
		if (leader === this.enabled) return;
		this.enabled = leader;
		if (!leader) {
			this.generation++;
			this.clearTimer();
			this.entries.clear();
			this.heap.clear();
		} else {
			this.schedule();
		}
	}

	/** Stops for good (same as losing leadership). */
	stop(): void {
		this.setEnabled(false);
	}

	/**
	 * (Re)tracks a job after it was written: an active periodic job gets its next launch computed
	 * from now (a changed spec takes effect immediately); anything else stops being tracked.
	 * No-op unless enabled. Never throws.
	 */
	add(job: Job): void {
		if (!this.enabled) return;
		const key = keyOf(job.Namespace, job.ID);
		const existing = this.entries.get(key);
		if (!isPeriodicActive(job)) {
			if (existing) this.drop(existing);
			return;
		}
		let next: number | null;
		try {
			next = nextLaunchOrThrow(job.Periodic, this.host.now())?.getTime() ?? null;
		} catch (err) {
			this.log("failed adding periodic job", { job: job.ID, namespace: job.Namespace, error: String(err) });
			if (existing) this.drop(existing);
			return;
		}
		if (existing) {
			existing.job = job;
			existing.next = next;
			this.heap.fix(existing);
			this.log("updated periodic job", { job: job.ID, namespace: job.Namespace });
		} else {
			const e: Entry = { key, namespace: job.Namespace, id: job.ID, job, next, index: 0 };
			this.entries.set(key, e);
			this.heap.push(e);
			this.log("registered periodic job", { job: job.ID, namespace: job.Namespace });
		}
		this.schedule();
	}

	/** Stops tracking a job (deregistered/purged). No-op if not tracked. */
	remove(ns: string, id: string): void {
		const e = this.entries.get(keyOf(ns, id));
		if (e) this.drop(e);
	}

	/**
	 * Launches a tracked job now regardless of its schedule and of prohibit_overlap
	 * (/v1/job/:id/periodic/force); resolves with the child once committed. The schedule is
	 * unchanged. Errors carry Nomad's text (it wraps them as `force launch for job "<id>" failed: <err>`).
	 */
	async forceRun(ns: string, id: string): Promise<Job> {
		if (!this.enabled) throw new Error("periodic dispatch disabled");
		const e = this.entries.get(keyOf(ns, id));
		if (!e) throw new Error(`can't force run non-tracked job ${goQuote(id)} (${ns})`);
		const current = this.host.job(ns, id);
		const now = this.host.now();
		const child = deriveChildJob(current && isPeriodicActive(current) ? current : e.job, now, now);
		await this.host.launch(child, now);
		return child;
	}

	/** Tracked jobs and their next launch (null = none), ordered by namespace then ID. */
	tracked(): { namespace: string; id: string; next: Date | null }[] {
		return [...this.entries.values()]
			.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
			.map((e) => ({ namespace: e.namespace, id: e.id, next: e.next === null ? null : new Date(e.next) }));
	}

	/**
	 * Launches everything due at host.now(), one at a time, then re-arms the timer. The timer calls
	 * this; tests call it directly with a fake clock. Resolves with the number of children launched.
	 */
	tick(): Promise<number> {
		const run = this.chain.then(() => this.runDue());
		this.chain = run.catch(() => undefined);
		return run;
	}

	/**
	 * Leader start-up (Nomad's restorePeriodicDispatcher): tracks every given job and force-runs an
	 * active one whose launch was missed since its last recorded launch (host.lastLaunch), unless
	 * prohibit_overlap and a child is still running. Resolves with the children launched.
	 */
	async restore(jobs: Iterable<Job>): Promise<Job[]> {
		const launched: Job[] = [];
		if (!this.enabled) return launched;
		const now = this.host.now().getTime();
		for (const job of jobs) {
			if (isParameterized(job)) continue;
			this.add(job);
			if (!isPeriodicActive(job) || !this.entries.has(keyOf(job.Namespace, job.ID))) continue;
			const last = this.host.lastLaunch?.(job.Namespace, job.ID);
			if (!last) continue;
			let missed: Date | null;
			try {
				missed = nextLaunchOrThrow(job.Periodic, last);
			} catch (err) {
				this.log("failed to determine next periodic launch", { job: job.ID, error: String(err) });
				continue;
			}
			if (missed === null || missed.getTime() >= now) continue;
			if (job.Periodic.ProhibitOverlap && this.childrenRunning(job)) continue;
			try {
				launched.push(await this.forceRun(job.Namespace, job.ID));
				this.log("periodic job force run during leadership establishment", { job: job.ID });
			} catch (err) {
				this.log("force run of periodic job failed", { job: job.ID, namespace: job.Namespace, error: String(err) });
			}
		}
		return launched;
	}

	// -------------------------------------------------------------------------------------------

	private async runDue(): Promise<number> {
		const gen = this.generation;
		let launched = 0;
		try {
			while (this.enabled && gen === this.generation) {
				const top = this.heap.peek();
				if (!top || top.next === null) break;
				const now = this.host.now();
				if (top.next > now.getTime()) break;
				const launchTime = new Date(top.next);

				// Launch the committed job; stop tracking one that is gone or no longer active.
				const current = this.host.job(top.namespace, top.id);
				if (!current || !isPeriodicActive(current)) {
					this.drop(top);
					continue;
				}
				top.job = current;
				const job = top.job;

				// Advance before launching, from the scheduled time.
				try {
					top.next = nextLaunchOrThrow(job.Periodic, launchTime)?.getTime() ?? null;
				} catch (err) {
					this.log("failed to parse next periodic launch", { job: job.ID, error: String(err) });
					top.next = null;
				}
				this.heap.fix(top);

				if (job.Periodic.ProhibitOverlap) {
					let running: boolean;
					try {
						running = this.host.childrenRunning(job.Namespace, job.ID);
					} catch (err) {
						this.log("failed to determine if periodic job has running children", {
							job: job.ID,
							error: String(err),
						});
						continue;
					}
					if (running) {
						this.log("skipping launch of periodic job because job prohibits overlap", {
							job: job.ID,
							namespace: job.Namespace,
						});
						continue;
					}
				}

				const child = deriveChildJob(job, launchTime, now);
				this.log("launching periodic job", { job: job.ID, namespace: job.Namespace, launch_time: launchTime });
				try {
					await this.host.launch(child, launchTime);
					launched++;
				} catch (err) {
					this.log("failed to dispatch periodic job", { job: job.ID, namespace: job.Namespace, error: String(err) });
				}
			}
		} finally {
			if (gen === this.generation) this.schedule();
		}
		return launched;
	}

	private childrenRunning(job: Job): boolean {
		try {
			return this.host.childrenRunning(job.Namespace, job.ID);
		} catch {
			return true;
		}
	}

	private drop(e: Entry): void {
		this.entries.delete(e.key);
		this.heap.remove(e);
		this.log("deregistered periodic job", { job: e.id, namespace: e.namespace });
		this.schedule();
	}

	/** Arms the single timer for the earliest launch (if it moved). */
	private schedule(): void {
		if (!this.useTimers) return;
		const top = this.heap.peek();
		const at = this.enabled && top && top.next !== null ? top.next : null;
		if (at === this.timerAt && this.timer) return;
		this.clearTimer();
		if (at === null) return;
		const delay = Math.min(Math.max(0, at - this.host.now().getTime()), MAX_TIMEOUT);
		this.timerAt = at;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.timerAt = null;
			this.tick().catch((err) => this.log("periodic dispatch tick failed", { error: String(err) }));
		}, delay);
		this.timer.unref?.();
	}

	private clearTimer(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.timerAt = null;
	}

	private log(msg: string, fields?: Record<string, unknown>): void {
		this.host.logger?.(msg, fields);
	}
}
