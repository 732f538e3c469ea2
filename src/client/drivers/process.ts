// Spawning and supervising a task process on the host, shared by drivers that run plain processes
// (raw_exec today; exec later behind a chroot/cgroup). The task gets its own session and process
// group so that a kill reaches everything it forked, and stdout/stderr are files (or log fifos)
// opened for append and handed to the child, so output never passes through the agent's event loop.
import { spawn } from "node:child_process";
import { closeSync, constants as fsc, openSync } from "node:fs";
import { constants as osc } from "node:os";
import type { ExitResult, TaskHandle } from "./types.ts";

export interface SpawnSpec {
	command: string;
	args: string[];
	cwd: string;
	env: Record<string, string>;
	stdoutPath: string;
	stderrPath: string;
	uid?: number;
	gid?: number;
}

export function signalNumber(sig: string): number {
	return (osc.signals as Record<string, number>)[sig] ?? 0;
}

function openForAppend(path: string): number {
	return openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o666);
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
	try {
		process.kill(-pid, sig);
	} catch {
		// ESRCH: the group is already gone.
	}
}

/** Starts the process; rejects if it could not be started (ENOENT, EACCES...). */
export async function spawnTask(spec: SpawnSpec): Promise<TaskHandle> {
	const out = openForAppend(spec.stdoutPath);
	let err: number;
	try {
		err = openForAppend(spec.stderrPath);
	} catch (e) {
		closeSync(out);
		throw e;
	}
	let child: ReturnType<typeof spawn>;
	try {
		child = spawn(spec.command, spec.args, {
			cwd: spec.cwd,
			env: spec.env,
			stdio: ["ignore", out, err],
			detached: true, // setsid(): own session and process group
			uid: spec.uid,
			gid: spec.gid,
		});
	} finally {
		closeSync(out);
		closeSync(err);
	}
	await new Promise<void>((resolve, reject) => {
		child.once("spawn", resolve);
		child.once("error", reject);
	});
	const pid = child.pid as number;
	let exited = false;
	const done = new Promise<ExitResult>((resolve) => {
		child.once("exit", (code, signal) => {
			exited = true;
			// Whatever the task left behind in its process group goes with it (Nomad destroys the
			// task's cgroup / process group once the task is gone).
			killGroup(pid, "SIGKILL");
			if (signal) {
				const n = signalNumber(signal);
				// As Nomad's executor: a signalled process reports 128+signal, like a shell would.
				resolve({ exitCode: 128 + n, signal: n });
			} else {
				resolve({ exitCode: code ?? 0, signal: 0 });
			}
		});
	});
	return {
		pid,
		wait: () => done,
		signal(sig: NodeJS.Signals): void {
			if (exited) return;
			if (sig === "SIGKILL") {
				killGroup(pid, sig);
				return;
			}
			try {
				process.kill(pid, sig);
			} catch {
				// Exited in the meantime.
			}
		},
	};
}
