// One task of an allocation through its lifecycle (Nomad's taskrunner.TaskRunner): wait for its
// lifecycle stage, build the task dir and log capture, start it on its driver, wait for it to exit
// or be killed, and apply the restart policy — emitting Nomad's task events along the way.
import { constants as osc } from "node:os";
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import type { Job, Task } from "../../api/types/job.ts";
import type { Logger } from "../../lib/logger.ts";
import type { ExitResult, TaskDriver, TaskHandle, TaskHandleState, TaskLogSpec } from "../drivers/types.ts";
import type { AllocDir, TaskDirPaths } from "./allocDir.ts";
import type { Gate } from "./coordinator.ts";
import { TaskLogs } from "./logs.ts";
import { defaultRestartPolicy, RestartTracker, restartOnSuccess } from "./restarts.ts";
import { buildTaskEnv, type EnvNode, interpolateDeep } from "./taskEnv.ts";
import {
	BuildingTaskDir,
	copyTaskState,
	ev,
	type FullTaskEvent,
	MAX_TASK_EVENTS,
	newTaskEvent,
	newTaskState,
	populateDisplayMessage,
	TaskEventType,
} from "./taskEvents.ts";

/** Nomad's client default max_kill_timeout. */
export const DEFAULT_MAX_KILL_TIMEOUT_NS = 30e9;
/** Nomad's jobspec default kill_timeout. */
export const DEFAULT_KILL_TIMEOUT_NS = 5e9;

export class TaskNotRunningError extends Error {
	constructor() {
		super("Task not running");
	}
}

export interface TaskRunnerDeps {
	alloc: () => Allocation;
	job: Job;
	task: Task;
	allocDir: AllocDir;
	driver: TaskDriver | undefined;
	node: EnvNode;
	region: string;
	logger: Logger;
	now: () => number;
	/** The lifecycle gate of the task's stage. */
	gate: Gate;
	/** Called on every state change or event. */
	onStateUpdated: () => void;
	maxKillTimeoutNs?: number;
	/** Overrides the log rotation size (bytes), for tests. */
	logMaxBytes?: number;
	/** State persisted by an earlier agent: the task carries on from it (reattaching to its process). */
	restore?: { state: TaskState; handle?: TaskHandleState };
}

function isSignal(sig: string): sig is NodeJS.Signals {
	return sig in osc.signals;
}

export class TaskRunner {
	readonly name: string;
	readonly task: Task;
	private readonly d: TaskRunnerDeps;
	private readonly log: Logger;
	private readonly st: TaskState;
	private readonly tracker: RestartTracker;
	private handle: TaskHandle | undefined;
	private killRequested = false;
	private resolveKill!: () => void;
	private readonly killP: Promise<void>;
	private killErr: string | undefined;
	private runP: Promise<void> | undefined;
	private taskDir: TaskDirPaths | undefined;
	private logs: TaskLogs | undefined;
	private reattachPending: TaskHandleState | undefined;

	constructor(deps: TaskRunnerDeps) {
		this.d = deps;
		this.task = deps.task;
		this.name = deps.task.Name;
		this.log = deps.logger.named("task_runner").named(this.name);
		this.st = deps.restore ? copyTaskState(deps.restore.state) : newTaskState();
		this.reattachPending = deps.restore?.state.State === "dead" ? undefined : deps.restore?.handle;
		this.killP = new Promise((r) => (this.resolveKill = r));
		const tg = deps.job.TaskGroups.find((g) => g.Name === deps.alloc().TaskGroup);
		const policy = deps.task.RestartPolicy ?? tg?.RestartPolicy ?? defaultRestartPolicy(deps.job.Type);
		this.tracker = new RestartTracker(policy, restartOnSuccess(deps.job.Type, deps.task), deps.now);
		if (!deps.restore) this.appendEvent(newTaskEvent(TaskEventType.Received, deps.now()));
	}

	get isPoststop(): boolean {
		return this.task.Lifecycle?.Hook === "poststop";
	}
	get isSidecar(): boolean {
		return this.task.Lifecycle?.Sidecar === true;
	}
	get isLeader(): boolean {
		return this.task.Leader === true;
	}
	get isRunning(): boolean {
		return this.handle !== undefined;
	}
	/** Pid of the task's main process while it runs (read-only; for the stats API). */
	get pid(): number | undefined {
		return this.handle?.pid;
	}
	/** The running task's cgroup directories, when its driver puts it in cgroups (exec). */
	get cgroups(): { memory?: string; cpuacct?: string; cpu?: string } | undefined {
		return this.handle?.cgroups;
	}
	/** The running task's handle as persisted for a reattach after an agent restart. */
	get handleState(): TaskHandleState | undefined {
		// Until the reattach has been tried, the saved handle stands: persisting "no handle" in that
		// window would orphan the task if the agent died again right then.
		return this.handle?.state?.() ?? this.reattachPending;
	}
	get finished(): boolean {
		return this.st.FinishedAt !== null;
	}

	state(): TaskState {
		return copyTaskState(this.st);
	}

	/** Started lazily so that kill() before run() still completes. */
	run(): Promise<void> {
		this.runP ??= this.runImpl();
		return this.runP;
	}

	// --- events and state -------------------------------------------------------------------

	private appendEvent(e: FullTaskEvent): void {
		populateDisplayMessage(e);
		if (e.FailsTask) this.st.Failed = true;
		if (e.Type === TaskEventType.Restarting) {
			this.st.Restarts++;
			this.st.LastRestart = new Date(e.Time / 1e6).toISOString();
		}
		this.log.info("Task event", { type: e.Type, msg: e.DisplayMessage, failed: e.FailsTask });
		const events = this.st.Events ?? [];
		if (events.length >= MAX_TASK_EVENTS) events.splice(0, events.length - MAX_TASK_EVENTS + 1);
		events.push(e);
		this.st.Events = events;
	}

	emitEvent(e: FullTaskEvent): void {
		this.appendEvent(e);
		this.d.onStateUpdated();
	}

	private updateState(state: TaskState["State"], e?: FullTaskEvent): void {
		if (e) this.appendEvent(e);
		const old = this.st.State;
		this.st.State = state;
		const nowIso = new Date(this.d.now()).toISOString();
		if (state === "running" && old !== "running") this.st.StartedAt = nowIso;
		if (state === "dead" && this.st.FinishedAt === null) this.st.FinishedAt = nowIso;
		this.d.onStateUpdated();
	}

	private event(type: string): FullTaskEvent {
		return newTaskEvent(type, this.d.now());
	}

	// --- the run loop ------------------------------------------------------------------------

	private shouldShutdown(): boolean {
		const a = this.d.alloc();
		if (a.ClientStatus === "complete" || a.ClientStatus === "failed" || a.ClientStatus === "lost") return true;
		return !this.isPoststop && (a.DesiredStatus === "stop" || a.DesiredStatus === "evict");
	}

	/** Waits for p unless a kill comes first; true when p won. */
	private async unlessKilled(p: Promise<unknown>): Promise<boolean> {
		if (this.killRequested) return false;
		const won = await Promise.race([p.then(() => true), this.killP.then(() => false)]);
		return won && !this.killRequested;
	}

	private async runImpl(): Promise<void> {
		this.d.onStateUpdated();
		try {
			const restored = this.d.restore;
			// A task that was dead when the agent stopped stays dead; a running one is reattached.
			if (restored?.state.State !== "dead") await this.mainLoop(await this.reattach());
			this.reattachPending = undefined;
		} catch (e) {
			this.log.error("task runner failed", { error: e as Error });
		}
		if (this.handle) {
			// Should not happen (every path waits for the task), but never leave a task behind.
			const res = await this.killTask(this.handle);
			this.emitExitResult(res);
			this.handle = undefined;
		}
		this.updateState("dead");
		if (this.logs) {
			await this.logs.close();
			this.logs = undefined;
		}
	}

	/**
	 * The handle of the task an earlier agent started, when its driver can still reach it. A task
	 * that is gone without trace is started afresh by the main loop (as Nomad does when a reattach
	 * fails).
	 */
	private async reattach(): Promise<boolean> {
		const h = this.reattachPending;
		if (!h || !this.d.driver?.recover) return false;
		try {
			const handle = await this.d.driver.recover(h);
			if (!handle) {
				this.log.warn("task to reattach is gone; starting it again", { pid: h.pid });
				return false;
			}
			this.taskDir = this.d.allocDir.buildTaskDir(this.name);
			this.handle = handle;
			this.log.info("reattached to task", { pid: handle.pid });
			return true;
		} catch (e) {
			this.log.error("reattaching failed; starting the task again", { error: e as Error });
			return false;
		} finally {
			this.reattachPending = undefined;
		}
	}

	private async mainLoop(reattached: boolean): Promise<void> {
		let sleepTimer: NodeJS.Timeout | undefined;
		let resumed = reattached;
		try {
			for (;;) {
				let started = false;
				if (resumed) {
					resumed = false;
					started = true;
				} else {
					if (this.shouldShutdown()) return;
					if (!(await this.unlessKilled(this.d.gate.wait()))) return;
					try {
						this.prestart();
					} catch (e) {
						this.log.error("prestart failed", { error: e as Error });
						this.tracker.setStartError(e);
					}
					if (this.killRequested || this.shouldShutdown()) return;
					if (this.taskDir && (this.logs || this.d.driver?.capturesLogs)) {
						started = await this.runDriver();
					}
				}
				if (started && this.handle) {
					const handle = this.handle;
					let result: ExitResult;
					if (await this.unlessKilled(handle.wait())) {
						result = await handle.wait();
					} else {
						result = await this.handleKill(handle);
					}
					this.handle = undefined;
					this.emitExitResult(result);
					handle.release?.();
					this.tracker.setExitResult(result);
				}

				const { restart, delayMs } = this.shouldRestart();
				if (!restart) return;
				const slept = new Promise<void>((r) => (sleepTimer = setTimeout(r, delayMs)));
				if (!(await this.unlessKilled(slept))) return;
			}
		} finally {
			clearTimeout(sleepTimer);
		}
	}

	/** The prestart hooks that apply so far: task dir, then log capture. */
	private prestart(): void {
		if (!this.taskDir) {
			const dir = this.d.allocDir.buildTaskDir(this.name);
			this.taskDir = dir;
			this.emitEvent(ev.message(this.event(TaskEventType.Setup), BuildingTaskDir));
		}
		if (!this.logs && !this.d.driver?.capturesLogs) {
			try {
				this.logs = new TaskLogs(this.taskDir.logDir, this.name, this.task.LogConfig, this.d.logMaxBytes);
			} catch (e) {
				this.emitEvent(ev.message(this.event(TaskEventType.HookFailed), `logmon: ${(e as Error).message}`));
				throw e;
			}
		}
	}

	/** Log files for a driver that captures output itself (through the node supervisor). */
	private logSpec(dirs: TaskDirPaths): TaskLogSpec | null {
		const cfg = this.task.LogConfig;
		if (cfg?.Disabled) return null;
		return {
			dir: dirs.logDir,
			stdoutBase: `${this.name}.stdout`,
			stderrBase: `${this.name}.stderr`,
			maxFiles: cfg?.MaxFiles || 10,
			maxFileBytes: this.d.logMaxBytes ?? (cfg?.MaxFileSizeMB || 10) * 1024 * 1024,
		};
	}

	private async runDriver(): Promise<boolean> {
		const dirs = this.taskDir as TaskDirPaths;
		const logs = this.logs;
		try {
			const driver = this.d.driver;
			if (!driver) throw new Error(`failed to start task: driver ${JSON.stringify(this.task.Driver)} not found`);
			const alloc = this.d.alloc();
			// Drivers with a chroot (exec) see the alloc dirs at Nomad's container paths.
			const chroot = driver.fsIsolation === "chroot" || driver.fsIsolation === "image";
			const { env, nodeAttrs } = buildTaskEnv({
				alloc,
				job: this.d.job,
				task: this.task,
				node: this.d.node,
				region: this.d.region,
				allocDir: chroot ? "/alloc" : dirs.sharedAllocDir,
				taskLocalDir: chroot ? "/local" : dirs.local,
				secretsDir: chroot ? "/secrets" : dirs.secrets,
				// As Nomad: every driver but image-based ones gets the agent's environment.
				hostEnv: driver.fsIsolation === "image" ? undefined : process.env,
			});
			const task: Task = { ...this.task, Config: interpolateDeep(this.task.Config, nodeAttrs, env) };
			this.handle = await driver.start({
				task,
				taskDir: dirs.dir,
				allocDir: this.d.allocDir.dir,
				env,
				stdoutPath: logs?.stdoutPath ?? "",
				stderrPath: logs?.stderrPath ?? "",
				logs: logs ? undefined : this.logSpec(dirs),
				allocID: alloc.ID,
				user: this.task.User || undefined,
			});
		} catch (e) {
			const msg = (e as Error).message ?? String(e);
			this.log.error("running driver failed", { error: msg });
			this.emitEvent(ev.driverError(this.event(TaskEventType.DriverFailure), msg));
			this.tracker.setStartError(e);
			return false;
		}
		this.updateState("running", this.event(TaskEventType.Started));
		return true;
	}

	private emitExitResult(r: ExitResult): void {
		const e = this.event(TaskEventType.Terminated);
		ev.exitCode(e, r.exitCode);
		ev.signal(e, r.signal);
		ev.oomKilled(e, r.oomKilled === true);
		ev.exitMessage(e, r.err);
		this.emitEvent(e);
	}

	private shouldRestart(): { restart: boolean; delayMs: number } {
		const dec = this.tracker.getState();
		switch (dec.state) {
			case "Killed":
				this.emitEvent(this.event(TaskEventType.Killed));
				return { restart: false, delayMs: 0 };
			case "Terminated":
				this.log.info("not restarting task", { reason: dec.reason });
				return { restart: false, delayMs: 0 };
			case "Not Restarting":
				this.log.info("not restarting task", { reason: dec.reason });
				this.updateState("dead", ev.failsTask(ev.restartReason(this.event(TaskEventType.NotRestarting), dec.reason)));
				return { restart: false, delayMs: 0 };
			case "Restarting": {
				this.log.info("restarting task", { reason: dec.reason, delay: dec.delayNs });
				const e = ev.restartReason(ev.restartDelay(this.event(TaskEventType.Restarting), dec.delayNs), dec.reason);
				this.updateState("pending", e);
				return { restart: true, delayMs: dec.delayNs / 1e6 };
			}
			default:
				return { restart: true, delayMs: 0 };
		}
	}

	// --- kill, restart, signal ----------------------------------------------------------------

	private killTimeoutMs(): number {
		const t = this.task.KillTimeout || DEFAULT_KILL_TIMEOUT_NS;
		return Math.min(t, this.d.maxKillTimeoutNs ?? DEFAULT_MAX_KILL_TIMEOUT_NS) / 1e6;
	}

	/** kill_signal (default SIGINT), then SIGKILL to the process group after kill_timeout. */
	private async killTask(handle: TaskHandle): Promise<ExitResult> {
		const sig = this.task.KillSignal || "SIGINT";
		const timeoutMs = this.killTimeoutMs();
		if (timeoutMs > 0 && isSignal(sig)) {
			handle.signal(sig);
			let timer: NodeJS.Timeout | undefined;
			const timedOut = await Promise.race([
				handle.wait().then(() => false),
				new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
			]);
			clearTimeout(timer);
			if (timedOut) handle.signal("SIGKILL");
		} else {
			if (!isSignal(sig)) this.killErr = `error unknown signal given for shutdown: ${sig}`;
			handle.signal("SIGKILL");
		}
		return handle.wait();
	}

	private async handleKill(handle: TaskHandle): Promise<ExitResult> {
		this.tracker.setKilled();
		return this.killTask(handle);
	}

	/** Kills the task (the event, e.g. Killing, is emitted first) and waits for the runner to finish. */
	async kill(event?: FullTaskEvent): Promise<void> {
		if (!this.killRequested) {
			this.killRequested = true;
			this.resolveKill();
		}
		if (event) this.emitEvent(event);
		await this.run();
		if (this.killErr) throw new Error(this.killErr);
	}

	/** Nomad's MarkFailedKill: the task fails before it ever ran (alloc setup failed). */
	markFailedKill(reason: string): void {
		const e = this.event(TaskEventType.SetupFailure);
		e.KillReason = "Failed Restoring Task";
		e.Details.kill_reason = "Failed Restoring Task";
		e.DisplayMessage = reason;
		this.emitEvent(ev.failsTask(e));
		this.killRequested = true;
		this.resolveKill();
	}

	/** Restarts a running task in place (not counted against the restart policy unless failure). */
	async restart(event: FullTaskEvent, failure: boolean): Promise<void> {
		if (this.st.State === "pending" || this.st.State === "dead") throw new TaskNotRunningError();
		this.emitEvent(event);
		this.tracker.setRestartTriggered(failure);
		const h = this.handle;
		if (!h) return;
		await this.killTask(h);
	}

	signal(event: FullTaskEvent, sig: string): void {
		const h = this.handle;
		if (!h) throw new TaskNotRunningError();
		if (!isSignal(sig)) throw new Error(`invalid signal: ${JSON.stringify(sig)}`);
		this.emitEvent(event);
		h.signal(sig);
	}
}
