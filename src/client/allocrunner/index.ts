// Runs one allocation on this client (Nomad's allocrunner): builds the alloc dir, runs the group's
// task runners in lifecycle order, kills the rest when a task fails or the leader dies, follows the
// server's view (stop/evict → kill), and derives the client status it reports back.
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import type { Job } from "../../api/types/job.ts";
import type { Logger } from "../../lib/logger.ts";
import type { TaskDriver, TaskHandleState } from "../drivers/types.ts";
import { AllocDir } from "./allocDir.ts";
import { Coordinator, taskStage } from "./coordinator.ts";
import { ev, type FullTaskEvent, newTaskEvent, TaskEventType } from "./taskEvents.ts";
import { DEFAULT_KILL_TIMEOUT_NS, DEFAULT_MAX_KILL_TIMEOUT_NS, TaskNotRunningError, TaskRunner } from "./taskRunner.ts";

export interface ClientAllocUpdate {
	ID: string;
	ClientStatus: string;
	ClientDescription: string;
	TaskStates: Record<string, TaskState>;
	/** UnixNano */
	ModifyTime: number;
}

export interface AllocRunnerDeps {
	/** <data_dir>/alloc ; the alloc dir is <root>/<alloc.ID> */
	allocDirRoot: string;
	node: {
		ID: string;
		Name: string;
		Datacenter: string;
		Attributes: Record<string, string>;
		Meta: Record<string, string> | null;
	};
	region: string;
	drivers: Record<string, TaskDriver>;
	logger: Logger;
	/** Called on every client-visible change (the client batches them to the server). */
	onUpdate(u: ClientAllocUpdate): void;
	/** ms */
	now?: () => number;
	/** Client max_kill_timeout (ns), default 30s. */
	maxKillTimeoutNs?: number;
	/** Log file rotation size override in bytes (tests). */
	logMaxBytes?: number;
}

/** What the client state store kept of each task: the runner carries on from it after a restart. */
export type RestoredTasks = Record<string, { state: TaskState; handle?: TaskHandleState }>;

/** Nomad's getClientStatus over the task states. */
export function clientStatusOf(states: Record<string, TaskState>): { status: string; description: string } {
	let pending = false;
	let running = false;
	let dead = false;
	let failed = false;
	for (const s of Object.values(states)) {
		if (s.State === "running") running = true;
		else if (s.State === "pending") pending = true;
		else if (s.State === "dead") {
			if (s.Failed) failed = true;
			else dead = true;
		}
	}
	if (failed) return { status: "failed", description: "Failed tasks" };
	if (running) return { status: "running", description: "Tasks are running" };
	if (pending) return { status: "pending", description: "No tasks have started" };
	if (dead) return { status: "complete", description: "All tasks have completed" };
	return { status: "", description: "" };
}

function isServerTerminal(a: Allocation): boolean {
	return a.DesiredStatus === "stop" || a.DesiredStatus === "evict";
}

export class AllocRunner {
	readonly allocDir: string;
	/** The allocation's namespace (ACL checks of requests about it). */
	get namespace(): string {
		return this.alloc.Namespace;
	}
	private alloc: Allocation;
	private readonly job: Job;
	private readonly deps: AllocRunnerDeps;
	private readonly log: Logger;
	private readonly now: () => number;
	private readonly dir: AllocDir;
	private readonly runners = new Map<string, TaskRunner>();
	private readonly coordinator: Coordinator;
	private forcedStatus: { status: string; description: string } | undefined;
	private lastStatus = { status: "pending", description: "" };
	private handling = false;
	private dirty = false;
	private killing: Promise<void> | undefined;
	private runP: Promise<void> | undefined;
	private destroyed = false;

	constructor(alloc: Allocation, deps: AllocRunnerDeps, restored?: RestoredTasks) {
		if (!alloc.Job) throw new Error(`alloc ${alloc.ID} has no job`);
		const group = alloc.Job.TaskGroups.find((g) => g.Name === alloc.TaskGroup);
		if (!group) throw new Error(`alloc ${alloc.ID}: task group ${JSON.stringify(alloc.TaskGroup)} not in job`);
		this.alloc = alloc;
		this.job = alloc.Job;
		this.deps = deps;
		this.now = deps.now ?? Date.now;
		this.log = deps.logger.named("alloc_runner");
		this.dir = new AllocDir(deps.allocDirRoot, alloc.ID);
		this.allocDir = this.dir.dir;
		this.coordinator = new Coordinator(group.Tasks);
		for (const task of group.Tasks) {
			this.runners.set(
				task.Name,
				new TaskRunner({
					alloc: () => this.alloc,
					job: this.job,
					task,
					allocDir: this.dir,
					driver: deps.drivers[task.Driver],
					node: deps.node,
					region: deps.region,
					logger: this.log,
					now: this.now,
					gate: this.coordinator.gate(taskStage(task)),
					onStateUpdated: () => this.taskStateUpdated(),
					// Read at kill time: the client lowers it when the agent shuts down.
					get maxKillTimeoutNs() {
						return deps.maxKillTimeoutNs;
					},
					logMaxBytes: deps.logMaxBytes,
					restore: restored?.[task.Name],
				}),
			);
		}
	}

	clientStatus(): string {
		return this.lastStatus.status;
	}

	taskStates(): Record<string, TaskState> {
		const out: Record<string, TaskState> = {};
		for (const [name, tr] of this.runners) out[name] = tr.state();
		return out;
	}

	/** Task name → pid of the main process of each task running now (read-only; for the stats API). */
	/** task name → cgroup directories of the running tasks that have them. */
	taskCgroups(): Record<string, { memory?: string; cpuacct?: string; cpu?: string }> {
		const out: Record<string, { memory?: string; cpuacct?: string; cpu?: string }> = {};
		for (const [name, tr] of this.runners) {
			const cg = tr.cgroups;
			if (cg && tr.pid !== undefined) out[name] = cg;
		}
		return out;
	}

	taskPids(): Record<string, number> {
		const out: Record<string, number> = {};
		for (const [name, tr] of this.runners) {
			const pid = tr.pid;
			if (pid !== undefined && pid > 0) out[name] = pid;
		}
		return out;
	}

	/** Task name → handle of each running task that can be reattached after an agent restart. */
	taskHandles(): Record<string, TaskHandleState> {
		const out: Record<string, TaskHandleState> = {};
		for (const [name, tr] of this.runners) {
			const h = tr.handleState;
			if (h) out[name] = h;
		}
		return out;
	}

	/** The allocation as last received from the servers. */
	allocation(): Allocation {
		return this.alloc;
	}

	/** Builds the alloc dir and runs the tasks; resolves when every task runner is done. */
	run(): Promise<void> {
		this.runP ??= this.runImpl();
		return this.runP;
	}

	private async runImpl(): Promise<void> {
		const terminal = isServerTerminal(this.alloc) || ["complete", "failed", "lost"].includes(this.alloc.ClientStatus);
		if (!terminal) {
			try {
				this.dir.build();
			} catch (e) {
				this.log.error("prerun failed", { error: e as Error });
				for (const tr of this.runners.values()) tr.markFailedKill(`failed to setup alloc: ${(e as Error).message}`);
			}
		} else {
			// Nothing to run: the task runners see the terminal alloc and finish at once.
			this.log.debug("alloc terminal; not running", { desired_status: this.alloc.DesiredStatus });
		}
		this.taskStateUpdated();
		await Promise.all([...this.runners.values()].map((tr) => tr.run()));
		if (this.killing) await this.killing;
		this.taskStateUpdated();
	}

	// --- task state handling -----------------------------------------------------------------

	private taskStateUpdated(): void {
		if (this.handling) {
			this.dirty = true;
			return;
		}
		this.handling = true;
		try {
			do {
				this.dirty = false;
				this.handleOnce();
			} while (this.dirty);
		} finally {
			this.handling = false;
		}
	}

	private handleOnce(): void {
		const states: Record<string, TaskState> = {};
		const live: TaskRunner[] = [];
		let killEvent: FullTaskEvent | undefined;
		for (const [name, tr] of this.runners) {
			const s = tr.state();
			states[name] = s;
			if (tr.isPoststop) continue;
			if (s.State !== "dead") {
				live.push(tr);
				continue;
			}
			if (s.Failed) {
				killEvent ??= ev.failedSibling(newTaskEvent(TaskEventType.SiblingFailed, this.now()), name);
			} else if (tr.isLeader) {
				killEvent = newTaskEvent(TaskEventType.LeaderDead, this.now());
			}
		}
		if (live.length > 0 && !this.killing) {
			const hasSidecars = [...this.runners.values()].some((t) => t.isSidecar);
			if (!killEvent && hasSidecars && live.every((t) => t.isSidecar)) {
				killEvent = newTaskEvent(TaskEventType.MainDead, this.now());
			}
			if (killEvent) {
				for (const tr of live) tr.emitEvent({ ...killEvent, Details: { ...killEvent.Details } });
				this.startKill();
			}
		}
		this.coordinator.taskStatesUpdated(states);

		const { status, description } = this.forcedStatus ?? clientStatusOf(states);
		if (status === "complete" || status === "failed") {
			const nowIso = new Date(this.now()).toISOString();
			for (const s of Object.values(states)) s.FinishedAt ??= nowIso;
		}
		this.lastStatus = { status, description };
		this.deps.onUpdate({
			ID: this.alloc.ID,
			ClientStatus: status,
			ClientDescription: description,
			TaskStates: states,
			ModifyTime: Math.round(this.now() * 1e6),
		});
	}

	private startKill(): Promise<void> {
		this.killing ??= this.killTasks();
		return this.killing;
	}

	/** Leader first, then the other main/prestart/poststart tasks, sidecars last; poststop left alone. */
	private async killTasks(): Promise<void> {
		const killEvent = (tr: TaskRunner): FullTaskEvent | undefined => {
			if (tr.finished) return undefined;
			const timeout = Math.min(
				tr.task.KillTimeout || DEFAULT_KILL_TIMEOUT_NS,
				this.deps.maxKillTimeoutNs ?? DEFAULT_MAX_KILL_TIMEOUT_NS,
			);
			return ev.killTimeout(newTaskEvent(TaskEventType.Killing, this.now()), timeout);
		};
		const kill = async (tr: TaskRunner) => {
			try {
				await tr.kill(killEvent(tr));
			} catch (e) {
				if (!(e instanceof TaskNotRunningError))
					this.log.warn("error stopping task", { task_name: tr.name, error: e as Error });
			}
		};
		const all = [...this.runners.values()];
		const leader = all.find((t) => t.isLeader);
		if (leader) await kill(leader);
		await Promise.all(all.filter((t) => !t.isLeader && !t.isPoststop && !t.isSidecar).map(kill));
		await Promise.all(all.filter((t) => t.isSidecar && !t.isLeader && !t.isPoststop).map(kill));
	}

	// --- server updates and operator actions ------------------------------------------------

	/** A newer server view of the allocation. Stop/evict kills the tasks (poststop tasks then run). */
	update(alloc: Allocation): void {
		if (this.destroyed) return;
		this.alloc = { ...alloc, Job: alloc.Job ?? this.job };
		if (isServerTerminal(alloc)) void this.startKill();
		this.taskStateUpdated();
	}

	async signal(task: string | undefined, signal: string): Promise<void> {
		const mk = () => ev.signalText(newTaskEvent(TaskEventType.Signaling, this.now()), signal);
		if (task) {
			const tr = this.runners.get(task);
			if (!tr) throw new Error("Task not found");
			tr.signal(mk(), signal);
			return;
		}
		const errs: string[] = [];
		for (const [name, tr] of this.runners) {
			try {
				tr.signal(mk(), signal);
			} catch (e) {
				errs.push(`Failed to signal task: ${name}, err: ${(e as Error).message}`);
			}
		}
		if (errs.length > 0) throw new Error(errs.join("; "));
	}

	/** Restarts one task, or every running task, in place. */
	async restart(task: string | undefined): Promise<void> {
		if (isServerTerminal(this.alloc) || this.killing) throw new Error("restart of an alloc that should not run");
		if (task) {
			const tr = this.runners.get(task);
			if (!tr) throw new Error(`Could not find task runner for task: ${task}`);
			const e = ev.restartReason(
				newTaskEvent(TaskEventType.RestartSignal, this.now()),
				"User requested task to restart",
			);
			await tr.restart(e, false);
			return;
		}
		const reason = "User requested running tasks to restart";
		const errs: string[] = [];
		await Promise.all(
			[...this.runners.entries()].map(async ([name, tr]) => {
				try {
					await tr.restart(ev.restartReason(newTaskEvent(TaskEventType.RestartSignal, this.now()), reason), false);
				} catch (e) {
					if (!(e instanceof TaskNotRunningError)) errs.push(`failed to restart task ${name}: ${(e as Error).message}`);
				}
			}),
		);
		if (errs.length > 0) throw new Error(errs.join("; "));
	}

	/** Kills everything still running (poststop tasks included: they will not start) and removes the alloc dir. */
	async destroy(): Promise<void> {
		this.destroyed = true;
		await this.startKill();
		await Promise.all(
			[...this.runners.values()].map(async (tr) => {
				try {
					await tr.kill();
				} catch {
					// Logged by the kill path.
				}
			}),
		);
		if (this.runP) await this.runP;
		this.dir.destroy();
	}
}
