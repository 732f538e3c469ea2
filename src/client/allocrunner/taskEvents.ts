// Task events and states as Nomad's client reports them (structs.TaskEvent / TaskState): the event
// Type strings, the Details keys set alongside the deprecated top-level fields, and the
// DisplayMessage rules of TaskEvent.PopulateEventDisplayMessage.
import type { TaskEvent, TaskState } from "../../api/types/alloc.ts";
import { formatDuration } from "../../lib/duration.ts";

export const TaskEventType = {
	Received: "Received",
	Setup: "Task Setup",
	Started: "Started",
	Terminated: "Terminated",
	Restarting: "Restarting",
	NotRestarting: "Not Restarting",
	Killing: "Killing",
	Killed: "Killed",
	SetupFailure: "Setup Failure",
	DriverFailure: "Driver Failure",
	FailedValidation: "Failed Validation",
	SiblingFailed: "Sibling Task Failed",
	LeaderDead: "Leader Task Dead",
	MainDead: "Main Tasks Dead",
	HookFailed: "Task hook failed",
	RestartSignal: "Restart Signaled",
	Signaling: "Signaling",
} as const;

export const BuildingTaskDir = "Building Task Directory";
export const ReasonWithinPolicy = "Restart within policy";

/** The wire TaskEvent with all of Nomad's (deprecated but still emitted) top-level fields. */
export interface FullTaskEvent extends TaskEvent {
	Details: Record<string, string>;
	FailsTask: boolean;
	RestartReason: string;
	SetupError: string;
	DriverError: string;
	ExitCode: number;
	Signal: number;
	KillTimeout: number;
	KillError: string;
	KillReason: string;
	StartDelay: number;
	DownloadError: string;
	ValidationError: string;
	DiskLimit: number;
	FailedSibling: string;
	VaultError: string;
	TaskSignalReason: string;
	TaskSignal: string;
	DriverMessage: string;
	GenericSource: string;
}

export function newTaskEvent(type: string, nowMs: number): FullTaskEvent {
	return {
		Type: type,
		Time: Math.round(nowMs * 1e6),
		Message: "",
		DisplayMessage: "",
		Details: {},
		FailsTask: false,
		RestartReason: "",
		SetupError: "",
		DriverError: "",
		ExitCode: 0,
		Signal: 0,
		KillTimeout: 0,
		KillError: "",
		KillReason: "",
		StartDelay: 0,
		DownloadError: "",
		ValidationError: "",
		DiskLimit: 0,
		FailedSibling: "",
		VaultError: "",
		TaskSignalReason: "",
		TaskSignal: "",
		DriverMessage: "",
		GenericSource: "",
	};
}

// Setters mirroring structs.TaskEvent's: each fills the deprecated field and its Details key.
export const ev = {
	message(e: FullTaskEvent, m: string): FullTaskEvent {
		e.Message = m;
		e.Details.message = m;
		return e;
	},
	failsTask(e: FullTaskEvent): FullTaskEvent {
		e.FailsTask = true;
		e.Details.fails_task = "true";
		return e;
	},
	setupError(e: FullTaskEvent, err: string): FullTaskEvent {
		e.SetupError = err;
		e.Details.setup_error = err;
		return e;
	},
	driverError(e: FullTaskEvent, err: string): FullTaskEvent {
		e.DriverError = err;
		e.Details.driver_error = err;
		return e;
	},
	exitCode(e: FullTaskEvent, c: number): FullTaskEvent {
		e.ExitCode = c;
		e.Details.exit_code = String(c);
		return e;
	},
	signal(e: FullTaskEvent, s: number): FullTaskEvent {
		e.Signal = s;
		e.Details.signal = String(s);
		return e;
	},
	signalText(e: FullTaskEvent, s: string): FullTaskEvent {
		e.Details.signal = s;
		return e;
	},
	exitMessage(e: FullTaskEvent, m: string | undefined): FullTaskEvent {
		if (m) {
			e.Message = m;
			e.Details.exit_message = m;
		}
		return e;
	},
	oomKilled(e: FullTaskEvent, oom: boolean): FullTaskEvent {
		e.Details.oom_killed = String(oom);
		return e;
	},
	killTimeout(e: FullTaskEvent, ns: number): FullTaskEvent {
		e.KillTimeout = ns;
		e.Details.kill_timeout = formatDuration(ns);
		return e;
	},
	killError(e: FullTaskEvent, err: string): FullTaskEvent {
		e.KillError = err;
		e.Details.kill_error = err;
		return e;
	},
	restartDelay(e: FullTaskEvent, ns: number): FullTaskEvent {
		e.StartDelay = Math.round(ns);
		e.Details.start_delay = String(Math.round(ns));
		return e;
	},
	restartReason(e: FullTaskEvent, r: string): FullTaskEvent {
		e.RestartReason = r;
		e.Details.restart_reason = r;
		return e;
	},
	failedSibling(e: FullTaskEvent, name: string): FullTaskEvent {
		e.FailedSibling = name;
		e.Details.failed_sibling = name;
		return e;
	},
};

/** Nomad's TaskEvent.PopulateEventDisplayMessage: leaves an already set DisplayMessage alone. */
export function populateDisplayMessage(e: FullTaskEvent): void {
	if (e.DisplayMessage !== "") return;
	let d: string;
	switch (e.Type) {
		case TaskEventType.Setup:
			d = e.Message;
			break;
		case TaskEventType.Started:
			d = "Task started by client";
			break;
		case TaskEventType.Received:
			d = "Task received by client";
			break;
		case TaskEventType.FailedValidation:
			d = e.ValidationError || "Validation of task failed";
			break;
		case TaskEventType.SetupFailure:
			d = e.SetupError || "Task setup failed";
			break;
		case TaskEventType.DriverFailure:
			d = e.DriverError || "Failed to start task";
			break;
		case TaskEventType.Killing:
			d = e.KillReason
				? e.KillReason
				: e.KillTimeout !== 0
					? `Sent interrupt. Waiting ${formatDuration(e.KillTimeout)} before force killing`
					: "Sent interrupt";
			break;
		case TaskEventType.Killed:
			d = e.KillError || "Task successfully killed";
			break;
		case TaskEventType.Terminated: {
			const parts = [`Exit Code: ${e.ExitCode}`];
			if (e.Signal !== 0) parts.push(`Signal: ${e.Signal}`);
			if (e.Message !== "") parts.push(`Exit Message: ${JSON.stringify(e.Message)}`);
			d = parts.join(", ");
			break;
		}
		case TaskEventType.Restarting: {
			const inText = `Task restarting in ${formatDuration(e.StartDelay)}`;
			d = e.RestartReason !== "" && e.RestartReason !== ReasonWithinPolicy ? `${e.RestartReason} - ${inText}` : inText;
			break;
		}
		case TaskEventType.NotRestarting:
			d = e.RestartReason || "Task exceeded restart policy";
			break;
		case TaskEventType.SiblingFailed:
			d = e.FailedSibling ? `Task's sibling ${JSON.stringify(e.FailedSibling)} failed` : "Task's sibling failed";
			break;
		case TaskEventType.Signaling: {
			const sig = e.TaskSignal;
			const reason = e.TaskSignalReason;
			if (!sig && !reason) d = "Task being sent a signal";
			else if (!sig) d = reason;
			else if (!reason) d = `Task being sent signal ${sig}`;
			else d = `Task being sent signal ${sig}: ${reason}`;
			break;
		}
		case TaskEventType.RestartSignal:
			d = e.RestartReason || "Task signaled to restart";
			break;
		case TaskEventType.LeaderDead:
			d = "Leader Task in Group dead";
			break;
		case TaskEventType.MainDead:
			d = "Main tasks in the group died";
			break;
		default:
			d = e.Message;
	}
	e.DisplayMessage = d;
}

/** Events kept per task (Nomad's defaultMaxEvents); the oldest are dropped first. */
export const MAX_TASK_EVENTS = 10;

export function newTaskState(): TaskState {
	return {
		State: "pending",
		Failed: false,
		Restarts: 0,
		LastRestart: null,
		StartedAt: null,
		FinishedAt: null,
		Events: null,
	};
}

export function copyTaskState(s: TaskState): TaskState {
	return {
		...s,
		Events: s.Events ? s.Events.map((e) => ({ ...e, Details: e.Details ? { ...e.Details } : null })) : null,
	};
}
