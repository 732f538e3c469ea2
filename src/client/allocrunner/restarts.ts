// The restart policy as Nomad's client applies it (taskrunner/restarts.RestartTracker): after each
// exit or failed start, decide between restarting (after a jittered delay, or after the rest of the
// interval in "delay" mode), terminating (successful exit of a task that is not restarted on
// success) and not restarting (policy exhausted in "fail" mode, no attempts allowed, unrecoverable).
import type { RestartPolicy, Task } from "../../api/types/job.ts";
import { formatDuration } from "../../lib/duration.ts";
import type { ExitResult } from "../drivers/types.ts";
import { isRecoverable } from "../drivers/types.ts";
import { ReasonWithinPolicy } from "./taskEvents.ts";

export const ReasonNoRestartsAllowed = "Policy allows no restarts";
export const ReasonUnrecoverableError = "Error was unrecoverable";
export const ReasonDelay = "Exceeded allowed attempts, applying a delay";
export const ReasonTerminatedSuccessfully = "Restart unnecessary as task terminated successfully";

export type RestartDecision =
	| { state: "Killed"; reason: ""; delayNs: 0 }
	| { state: "Terminated" | "Not Restarting"; reason: string; delayNs: 0 }
	| { state: "Restarting"; reason: string; delayNs: number }
	/** Not a failure and nothing triggered a restart: loop again without an event (Nomad's ""). */
	| { state: ""; reason: ""; delayNs: 0 };

/** onSuccess: restart even after exit 0 — services and system jobs; lifecycle hooks follow sidecar. */
export function restartOnSuccess(jobType: string, task: Task): boolean {
	let onSuccess = !(jobType === "batch" || jobType === "sysbatch");
	const hook = task.Lifecycle?.Hook;
	if (hook === "prestart" || hook === "poststart") onSuccess = task.Lifecycle?.Sidecar === true;
	if (hook === "poststop") onSuccess = false;
	return onSuccess;
}

export class RestartTracker {
	private policy: RestartPolicy;
	private readonly onSuccess: boolean;
	private readonly now: () => number;
	private readonly random: () => number;
	private startTimeMs: number;
	private count = 0;
	private exitRes: ExitResult | undefined;
	private startErr: unknown;
	private killed = false;
	private restartTriggered = false;
	private failure = false;
	reason = "";

	constructor(policy: RestartPolicy, onSuccess: boolean, now: () => number, random: () => number = Math.random) {
		this.policy = policy;
		this.onSuccess = onSuccess;
		this.now = now;
		this.random = random;
		this.startTimeMs = now();
	}

	setPolicy(p: RestartPolicy): void {
		this.policy = p;
	}

	setStartError(err: unknown): this {
		this.startErr = err;
		this.failure = true;
		return this;
	}

	setExitResult(res: ExitResult | undefined): this {
		this.exitRes = res;
		this.failure = true;
		return this;
	}

	setRestartTriggered(failure: boolean): this {
		if (failure) this.failure = true;
		else this.restartTriggered = true;
		return this;
	}

	setKilled(): this {
		this.killed = true;
		return this;
	}

	getCount(): number {
		return this.count;
	}

	getState(): RestartDecision {
		try {
			return this.decide();
		} finally {
			this.startErr = undefined;
			this.exitRes = undefined;
			this.restartTriggered = false;
			this.failure = false;
			this.killed = false;
		}
	}

	private successful(): boolean {
		const r = this.exitRes;
		return r !== undefined && r.exitCode === 0 && r.signal === 0 && !r.err;
	}

	private decide(): RestartDecision {
		if (this.killed) {
			this.reason = "";
			return { state: "Killed", reason: "", delayNs: 0 };
		}
		if (this.restartTriggered) {
			this.reason = "";
			return { state: "Restarting", reason: "", delayNs: 0 };
		}
		const p = this.policy;
		if (p.Attempts === 0) {
			this.reason = ReasonNoRestartsAllowed;
			if (!this.onSuccess && this.successful()) return { state: "Terminated", reason: this.reason, delayNs: 0 };
			return { state: "Not Restarting", reason: this.reason, delayNs: 0 };
		}
		const now = this.now();
		if (now > this.startTimeMs + p.Interval / 1e6) {
			this.count = 0;
			this.startTimeMs = now;
		}
		this.count++;
		if (!this.failure) return { state: "", reason: "", delayNs: 0 };
		if (this.startErr !== undefined) {
			if (!isRecoverable(this.startErr)) {
				this.reason = ReasonUnrecoverableError;
				return { state: "Not Restarting", reason: this.reason, delayNs: 0 };
			}
		} else if (this.exitRes !== undefined && this.successful() && !this.onSuccess) {
			this.reason = ReasonTerminatedSuccessfully;
			return { state: "Terminated", reason: this.reason, delayNs: 0 };
		}
		if (this.count > p.Attempts) {
			if (p.Mode === "fail") {
				this.reason = `Exceeded allowed attempts ${p.Attempts} in interval ${formatDuration(p.Interval)} and mode is "fail"`;
				return { state: "Not Restarting", reason: this.reason, delayNs: 0 };
			}
			this.reason = ReasonDelay;
			const untilEnd = (this.startTimeMs + p.Interval / 1e6 - now) * 1e6;
			return { state: "Restarting", reason: this.reason, delayNs: Math.max(0, untilEnd) };
		}
		this.reason = ReasonWithinPolicy;
		return { state: "Restarting", reason: this.reason, delayNs: this.jitter() };
	}

	private jitter(): number {
		const d = this.policy.Delay === 0 ? 1 : this.policy.Delay;
		return d + Math.trunc(Math.floor(this.random() * d) * 0.25);
	}
}

/** Nomad's defaults (structs.NewRestartPolicy) for a job type, used when neither task nor group set one. */
export function defaultRestartPolicy(jobType: string): RestartPolicy {
	const MIN = 60e9;
	if (jobType === "batch" || jobType === "sysbatch") {
		return { Attempts: 3, Interval: 24 * 60 * MIN, Delay: 15e9, Mode: "fail", RenderTemplates: false };
	}
	return { Attempts: 2, Interval: 30 * MIN, Delay: 15e9, Mode: "fail", RenderTemplates: false };
}
