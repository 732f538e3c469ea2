// raw_exec: runs a command on the host with no isolation, as the agent's user (or `user` when the
// agent may switch users), in the task directory. Disabled unless the plugin config enables it.

import { randomUUID } from "node:crypto";
import { accessSync, constants as fsc, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { SupervisorClient } from "../supervisor/client.ts";
import { spawnTask } from "./process.ts";
import {
	type DriverFingerprint,
	RecoverableStartError,
	type TaskDriver,
	type TaskHandle,
	type TaskHandleState,
	type TaskStartConfig,
} from "./types.ts";

export interface RawExecConfig {
	command: string;
	args: string[];
	workDir: string;
}

/** Decodes and validates the task's `config` block; throws (unrecoverable) on bad input. */
export function decodeRawExecConfig(cfg: Record<string, unknown> | null): RawExecConfig {
	const c = cfg ?? {};
	const command = c.command;
	if (typeof command !== "string" || command === "") {
		throw new Error('failed to decode driver config: missing required attribute "command"');
	}
	let args: string[] = [];
	if (c.args !== undefined && c.args !== null) {
		if (!Array.isArray(c.args) || c.args.some((a) => typeof a !== "string")) {
			throw new Error('failed to decode driver config: "args" must be a list of strings');
		}
		args = c.args as string[];
	}
	const workDir = c.work_dir ?? "";
	if (typeof workDir !== "string") throw new Error('failed to decode driver config: "work_dir" must be a string');
	if (workDir !== "" && !isAbsolute(workDir)) {
		throw new Error(`failed driver config validation: work_dir must be an absolute path: ${workDir}`);
	}
	return { command, args, workDir };
}

function exists(p: string): boolean {
	try {
		statSync(p);
		return true;
	} catch {
		return false;
	}
}

function executable(p: string): boolean {
	try {
		accessSync(p, fsc.X_OK);
		return statSync(p).isFile();
	} catch {
		return false;
	}
}

/** As Nomad's executor: <task>/local/<bin>, <task>/<bin>, an absolute host path, then the agent's PATH. */
export function lookupBin(taskDir: string, bin: string): string {
	const local = join(taskDir, "local", bin);
	if (exists(local)) return local;
	const root = join(taskDir, bin);
	if (exists(root)) return root;
	if (isAbsolute(bin) && exists(bin)) return bin;
	if (!bin.includes("/")) {
		for (const dir of (process.env.PATH ?? "").split(delimiter)) {
			if (dir && executable(join(dir, bin))) return join(dir, bin);
		}
	}
	throw new Error(`binary ${JSON.stringify(bin)} could not be found`);
}

function lookupUser(name: string): { uid: number; gid: number } {
	for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
		const f = line.split(":");
		if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
	}
	throw new Error(`failed to identify user ${JSON.stringify(name)}: unknown user`);
}

/**
 * With `supervisor` (the agent) tasks run under the node supervisor: they outlive the agent, their
 * output is captured there, and they are reattached after a restart. Without it (unit tests) they
 * are children of this process, writing to the paths the task runner gives.
 */
export function rawExecDriver(opts: { enabled: boolean; supervisor?: SupervisorClient }): TaskDriver {
	const sup = opts.supervisor;
	return {
		name: "raw_exec",
		capturesLogs: sup !== undefined,
		fingerprint(): DriverFingerprint {
			if (!opts.enabled) return { detected: false, healthy: false, healthDescription: "disabled", attributes: {} };
			return { detected: true, healthy: true, healthDescription: "Healthy", attributes: { "driver.raw_exec": "true" } };
		},
		async start(cfg: TaskStartConfig): Promise<TaskHandle> {
			if (!opts.enabled) throw new Error("raw_exec is disabled");
			const dc = decodeRawExecConfig(cfg.task.Config);
			let ids: { uid: number; gid: number } | undefined;
			if (cfg.user) {
				ids = lookupUser(cfg.user);
				if (ids.uid === process.getuid?.()) ids = undefined;
			}
			const command = lookupBin(cfg.taskDir, dc.command);
			if (sup) {
				// The supervisor being unreachable is passing: the restart policy tries again.
				await sup.connect().catch((e: Error) => {
					throw new RecoverableStartError(`node supervisor unavailable: ${e.message}`);
				});
			}
			try {
				if (sup) {
					const info = await sup.start({
						id: `${cfg.allocID ?? "task"}/${cfg.task.Name}/${randomUUID().slice(0, 8)}`,
						command,
						args: dc.args,
						cwd: dc.workDir || cfg.taskDir,
						env: cfg.env,
						uid: ids?.uid,
						gid: ids?.gid,
						logs: cfg.logs ?? null,
					});
					return sup.handle("raw_exec", info);
				}
				return await spawnTask({
					command,
					args: dc.args,
					cwd: dc.workDir || cfg.taskDir,
					env: cfg.env,
					stdoutPath: cfg.stdoutPath,
					stderrPath: cfg.stderrPath,
					uid: ids?.uid,
					gid: ids?.gid,
				});
			} catch (e) {
				throw new Error(`failed to launch command with executor: ${(e as Error).message}`);
			}
		},
		async recover(h: TaskHandleState): Promise<TaskHandle | undefined> {
			if (!sup || h.driver !== "raw_exec") return undefined;
			await sup.connect();
			const t = (await sup.list()).find((x) => x.id === h.taskId);
			if (!t || t.pid !== h.pid) return undefined;
			return sup.handle("raw_exec", t);
		},
	};
}
