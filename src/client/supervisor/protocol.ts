// The agent ↔ node supervisor protocol: newline-delimited JSON over a unix socket in the client's
// state directory. A request is {id, op, ...}; its answer {id, ok: true, result} or
// {id, ok: false, error}. The supervisor also pushes {event: "exit", task} to every connection
// when a task ends. Node builtins only (the supervisor imports this).
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where a task's output goes: <dir>/<base>.<N> files rotated at maxFileBytes, at most maxFiles. */
export interface LogSpec {
	dir: string;
	stdoutBase: string;
	stderrBase: string;
	maxFiles: number;
	maxFileBytes: number;
}

export interface StartRequest {
	/** Chosen by the agent, unique on the node (e.g. <alloc id>/<task>/<n>). */
	id: string;
	command: string;
	args: string[];
	cwd: string;
	env: Record<string, string>;
	uid?: number;
	gid?: number;
	/** null: output goes to /dev/null (logs { disabled = true }). */
	logs: LogSpec | null;
	/** Run `wrapper[0] ...wrapper[1..] command ...args` instead (a pre-exec helper, e.g. the exec driver's). */
	wrapper?: string[];
	/**
	 * cgroup.procs files the task joins: the child's pid is written into each right after it is
	 * spawned (best effort: failures are logged by the supervisor, the task runs anyway). A task's
	 * very first instructions may run before that write; a wrapper that joins the cgroup itself
	 * before exec closes that window.
	 */
	cgroupProcs?: string[];
}

/** Throws a plain message naming the first malformed field of a start request. */
export function validateStart(r: StartRequest): void {
	const str = (v: unknown) => typeof v === "string";
	if (!r || !str(r.id) || r.id === "") throw new Error("start: task id required");
	if (!str(r.command) || r.command === "") throw new Error("start: command required");
	if (!Array.isArray(r.args) || !r.args.every(str)) throw new Error("start: args must be strings");
	if (!str(r.cwd)) throw new Error("start: cwd required");
	if (typeof r.env !== "object" || r.env === null) throw new Error("start: env required");
	if (r.wrapper !== undefined && (!Array.isArray(r.wrapper) || !r.wrapper.every(str)))
		throw new Error("start: wrapper must be strings");
	if (r.cgroupProcs !== undefined && (!Array.isArray(r.cgroupProcs) || !r.cgroupProcs.every(str)))
		throw new Error("start: cgroupProcs must be strings");
	if (r.logs !== null) {
		const l = r.logs;
		if (!l || !str(l.dir) || !str(l.stdoutBase) || !str(l.stderrBase)) throw new Error("start: bad logs spec");
		if (l.stdoutBase.includes("/") || l.stderrBase.includes("/")) throw new Error("start: log base names hold '/'");
	}
}

export interface TaskInfo {
	id: string;
	pid: number;
	/** Clock ticks since boot (/proc/<pid>/stat field 22): pid + startTime identify the process. */
	startTime: number;
	state: "running" | "exited";
	/** True when this supervisor is the task's parent; false for a task adopted after a supervisor restart. */
	child: boolean;
	exitCode?: number;
	/** Signal number that ended the task, 0 if none. */
	signal?: number;
	/** Set when the exit status could not be observed (the task ended while no supervisor was its parent). */
	err?: string;
	/** ms since the epoch */
	startedAt: number;
	finishedAt?: number;
}

export interface HelloResult {
	pid: number;
	startTime: number;
	tasks: TaskInfo[];
}

export type Request =
	| { id: number; op: "hello" }
	| { id: number; op: "list" }
	| ({ id: number; op: "start" } & { task: StartRequest })
	| { id: number; op: "signal"; task: string; signal: string; group?: boolean }
	| { id: number; op: "forget"; task: string }
	| { id: number; op: "shutdown" };

export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface ExitEvent {
	event: "exit";
	task: TaskInfo;
}

/** Splits a byte stream into lines and parses each as JSON; a bad line is reported, not fatal. */
export function lineReader(onMessage: (msg: unknown) => void, onBadLine: (line: string) => void): (d: Buffer) => void {
	let buf = "";
	return (d: Buffer) => {
		buf += d.toString("utf8");
		let nl = buf.indexOf("\n");
		while (nl >= 0) {
			const line = buf.slice(0, nl);
			buf = buf.slice(nl + 1);
			if (line.trim() !== "") {
				let msg: unknown;
				try {
					msg = JSON.parse(line);
				} catch {
					onBadLine(line);
					msg = undefined;
				}
				if (msg !== undefined) onMessage(msg);
			}
			nl = buf.indexOf("\n");
		}
	};
}

/**
 * The supervisor's socket: <stateDir>/supervisor.sock, or a path under the temp dir named by a hash
 * of stateDir when that would exceed the ~107 bytes a unix socket address holds.
 */
export function socketPath(stateDir: string): string {
	const p = join(stateDir, "supervisor.sock");
	if (Buffer.byteLength(p) < 100) return p;
	const h = createHash("sha256").update(stateDir).digest("hex").slice(0, 16);
	return join(tmpdir(), `nomad-ts-supervisor-${h}.sock`);
}

export const pidFilePath = (stateDir: string): string => join(stateDir, "supervisor.pid");
export const tasksFilePath = (stateDir: string): string => join(stateDir, "supervisor-tasks.json");
export const logFilePath = (stateDir: string): string => join(stateDir, "supervisor.log");
