// The task driver boundary of the client: what the task runner asks of a driver (start a task, then
// wait for it / signal it) and what a driver reports about itself when fingerprinted (the
// Node.Drivers[name] DriverInfo and its attributes). Drivers run in the agent's process for now; a
// plugin process boundary (as Nomad's go-plugin) can sit behind the same interface later.
import type { Task } from "../../api/types/job.ts";

export interface ExitResult {
	exitCode: number;
	/** Signal number that ended the process, 0 if it exited on its own. */
	signal: number;
	/** Set when the driver lost track of the task or it could not be waited on. */
	err?: string;
	/** The kernel's OOM killer killed a process of the task (its memory cgroup hit the limit). */
	oomKilled?: boolean;
}

export interface TaskHandle {
	pid: number;
	/** Resolves once, when the task has exited (the same promise on every call). */
	wait(): Promise<ExitResult>;
	/** Sends a signal. SIGKILL reaches the task's whole process group. No-op once exited. */
	signal(sig: NodeJS.Signals): void;
	/** Host cgroup directories of the task (drivers with cgroups: exec), for the stats reader. */
	cgroups?: { memory?: string; cpuacct?: string; cpu?: string };
	/** What the client persists to reattach after an agent restart (drivers that can). */
	state?(): TaskHandleState;
	/** The task runner has recorded the exit: whoever kept the exit status may drop it. */
	release?(): void;
}

/** A task's handle as persisted in the client state store. */
export interface TaskHandleState {
	driver: string;
	/** The node supervisor's id of the task. */
	taskId: string;
	pid: number;
	/** /proc/<pid>/stat start time (clock ticks since boot): pid + start time identify the process. */
	startTime: number;
}

/** Where a driver that captures output itself writes it (see TaskDriver.capturesLogs). */
export interface TaskLogSpec {
	dir: string;
	stdoutBase: string;
	stderrBase: string;
	maxFiles: number;
	maxFileBytes: number;
}

export interface DriverFingerprint {
	detected: boolean;
	healthy: boolean;
	healthDescription: string;
	attributes: Record<string, string>;
}

export interface TaskStartConfig {
	task: Task;
	/** <alloc dir>/<task> */
	taskDir: string;
	/** <alloc dir> (the alloc's root, which holds alloc/ and the task dirs) */
	allocDir: string;
	/** The complete environment of the task (built by the task runner). */
	env: Record<string, string>;
	/** Opened for append by the driver and given to the task as its stdout/stderr ("" with capturesLogs). */
	stdoutPath: string;
	stderrPath: string;
	/** For drivers with capturesLogs: where the output goes; null when logs are disabled. */
	logs?: TaskLogSpec | null;
	/** The allocation the task belongs to (names its supervisor task id). */
	allocID?: string;
	user?: string;
}

/**
 * Nomad's driver capability FSIsolation: "none" tasks see host paths (raw_exec, mock), "chroot"
 * tasks see /alloc, /local, /secrets (exec), "image" tasks bring their own root (docker).
 */
export type FSIsolation = "none" | "chroot" | "image";

export interface TaskDriver {
	name: string;
	/** Defaults to "none". */
	fsIsolation?: FSIsolation;
	fingerprint(): DriverFingerprint;
	start(cfg: TaskStartConfig): Promise<TaskHandle>;
	/**
	 * True when the driver's tasks write their output through the node supervisor (which writes
	 * and rotates the log files): the task runner then sets up no capture of its own.
	 */
	capturesLogs?: boolean;
	/** Reattaches to a task started before an agent restart; undefined when it cannot be found. */
	recover?(h: TaskHandleState): Promise<TaskHandle | undefined>;
}

/**
 * A start() error that may go away if the task is started again. Any other error is unrecoverable:
 * the restart policy answers "Not Restarting" ("Error was unrecoverable"), as Nomad's
 * structs.IsRecoverable does for driver errors not wrapped as recoverable.
 */
export class RecoverableStartError extends Error {}

export function isRecoverable(err: unknown): boolean {
	return err instanceof RecoverableStartError;
}
