// exec: runs a command isolated as Nomad's exec driver does — in a chroot built from the client's
// chroot_env, in its own mount, PID and IPC namespaces, as `nobody` unless `user` says otherwise,
// with Nomad's capability set, and under per-task cgroups that enforce memory and CPU shares. The
// pieces: capabilities.ts (cap sets), chroot.ts (filesystem plan), cgroups.ts (limits, OOM, kill),
// isolation.ts (the tool chain that applies it all). Process launch goes through spawnTask.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants as fsc, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SupervisorClient } from "../supervisor/client.ts";
import { calculateCaps, LEGACY_ROOT_CAPS, NOMAD_DEFAULT_CAPS, supportedCaps, unsupportedCaps } from "./capabilities.ts";
import { CGROUP_ROOT, type CgroupVersion, detectCgroupVersion, memoryLimits, TaskCgroup } from "./cgroups.ts";
import {
	type ChrootMount,
	chrootMounts,
	DEFAULT_CHROOT_ENV,
	hostPathOf,
	lookupTaskBin,
	makeExecutable,
	prepareMountpoint,
} from "./chroot.ts";
import {
	buildDevTemplate,
	type IsolationMode,
	LAUNCH_PATH,
	type LaunchPlan,
	type LaunchTools,
	launchCommand,
} from "./isolation.ts";
import { spawnTask } from "./process.ts";
import {
	type DriverFingerprint,
	type ExitResult,
	RecoverableStartError,
	type TaskDriver,
	type TaskHandle,
	type TaskHandleState,
	type TaskStartConfig,
} from "./types.ts";

export interface ExecTaskConfig {
	command: string;
	args: string[];
	pidMode: IsolationMode | "";
	ipcMode: IsolationMode | "";
	capAdd: string[];
	capDrop: string[];
	workDir: string;
}

export interface ExecPluginConfig {
	defaultPidMode: IsolationMode;
	defaultIpcMode: IsolationMode;
	allowCaps: string[];
}

const decodeErr = (m: string) => new Error(`failed to decode driver config: ${m}`);
const validationErr = (m: string) => new Error(`failed driver config validation: ${m}`);

function stringList(c: Record<string, unknown>, key: string, err: (m: string) => Error): string[] {
	const v = c[key];
	if (v === undefined || v === null) return [];
	if (!Array.isArray(v) || v.some((a) => typeof a !== "string")) throw err(`"${key}" must be a list of strings`);
	return v as string[];
}

function isolationMode(v: unknown, key: string, allowEmpty: boolean, err: (m: string) => Error): IsolationMode | "" {
	const s = v ?? "";
	if (s === "private" || s === "host" || (allowEmpty && s === "")) return s;
	throw err(`${key} must be "private" or "host", got ${JSON.stringify(s)}`);
}

/** The task's `config` block, validated with Nomad's messages. */
export function decodeExecConfig(cfg: Record<string, unknown> | null, supported = supportedCaps()): ExecTaskConfig {
	const c = cfg ?? {};
	if (typeof c.command !== "string" || c.command === "") throw decodeErr('missing required attribute "command"');
	const args = stringList(c, "args", decodeErr);
	const capAdd = stringList(c, "cap_add", decodeErr);
	const capDrop = stringList(c, "cap_drop", decodeErr);
	const workDir = c.work_dir ?? "";
	if (typeof workDir !== "string") throw decodeErr('"work_dir" must be a string');
	const pidMode = isolationMode(c.pid_mode, "pid_mode", true, validationErr);
	const ipcMode = isolationMode(c.ipc_mode, "ipc_mode", true, validationErr);
	const badAdd = unsupportedCaps(capAdd, supported);
	if (badAdd.length)
		throw validationErr(`cap_add configured with capabilities not supported by system: ${badAdd.join(", ")}`);
	const badDrop = unsupportedCaps(capDrop, supported);
	if (badDrop.length)
		throw validationErr(`cap_drop configured with capabilities not supported by system: ${badDrop.join(", ")}`);
	if (workDir !== "" && !isAbsolute(workDir)) {
		throw validationErr(`work_dir must be absolute but got relative path ${JSON.stringify(workDir)}`);
	}
	return { command: c.command, args, pidMode, ipcMode, capAdd, capDrop, workDir };
}

/** The agent's `plugin "exec" { config { ... } }` block with Nomad's defaults. */
export function decodeExecPluginConfig(
	cfg: Record<string, unknown> | undefined,
	supported = supportedCaps(),
): ExecPluginConfig {
	const c = cfg ?? {};
	const err = (m: string) => new Error(m);
	const defaultPidMode = (isolationMode(c.default_pid_mode ?? "private", "default_pid_mode", false, err) ||
		"private") as IsolationMode;
	const defaultIpcMode = (isolationMode(c.default_ipc_mode ?? "private", "default_ipc_mode", false, err) ||
		"private") as IsolationMode;
	const allowCaps = c.allow_caps === undefined ? [...NOMAD_DEFAULT_CAPS] : stringList(c, "allow_caps", err);
	const bad = unsupportedCaps(allowCaps, supported);
	if (bad.length) throw err(`allow_caps configured with capabilities not supported by system: ${bad.join(", ")}`);
	return { defaultPidMode, defaultIpcMode, allowCaps };
}

export interface PasswdEntry {
	uid: number;
	gid: number;
	home: string;
}

export function lookupPasswd(name: string, passwd = "/etc/passwd"): PasswdEntry {
	for (const line of readFileSync(passwd, "utf8").split("\n")) {
		const f = line.split(":");
		if (f[0] === name && f.length >= 6) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string };
	}
	throw new Error(`failed to identify user ${JSON.stringify(name)}: unknown user`);
}

function findTool(name: string): string | undefined {
	for (const dir of LAUNCH_PATH.split(":")) {
		try {
			accessSync(join(dir, name), fsc.X_OK);
			return join(dir, name);
		} catch {
			// next
		}
	}
	return undefined;
}

/** The host tools the launch needs; a string says what is missing or too old. */
export function findLaunchTools(): LaunchTools | string {
	const unshare = findTool("unshare");
	const sh = findTool("sh");
	for (const [name, p] of [
		["unshare", unshare],
		["sh", sh],
		["mount", findTool("mount")],
		["pivot_root", findTool("pivot_root")],
	] as const) {
		if (!p) return `exec driver requires ${name} (util-linux) in ${LAUNCH_PATH}`;
	}
	const help = spawnSync(unshare as string, ["--help"], { encoding: "utf8" }).stdout ?? "";
	if (!help.includes("--kill-child")) {
		return "exec driver requires util-linux unshare with --kill-child (2.32 or later)";
	}
	return { unshare: unshare as string, sh: sh as string };
}

/** A binary inside the chroot that comes from a chroot_env mount (never from the task's own files). */
function chrootTool(mounts: readonly ChrootMount[], name: string): string {
	for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
		const inChroot = `${dir}/${name}`;
		if (!mounts.some((m) => inChroot.startsWith(`${m.dest}/`))) continue;
		try {
			accessSync(hostPathOf("/nonexistent", mounts, inChroot), fsc.X_OK);
			return inChroot;
		} catch {
			// next
		}
	}
	throw new Error(`exec driver needs ${name} inside the task's chroot: add a directory holding it to chroot_env`);
}

export interface ExecDriverOptions {
	/** client.chroot_env; Nomad's default map when empty. */
	chrootEnv?: Record<string, string>;
	/** The `plugin "exec"` config block. */
	pluginConfig?: Record<string, unknown>;
	cgroupRoot?: string;
	cgroupParent?: string;
	/** For tests: pretend to be this uid / cgroup version. */
	euid?: () => number;
	cgroupVersion?: () => CgroupVersion | undefined;
	/**
	 * The node supervisor (the agent): tasks run under it, outlive the agent and are recovered
	 * after a restart, their output captured there. Without it (unit tests) they are children of
	 * this process writing to the task runner's paths.
	 */
	supervisor?: SupervisorClient;
}

/**
 * The task's handle over the launched process (unshare, or the task itself with pid_mode host):
 * signals reach the task, SIGKILL empties the cgroup, and the exit is reported (OOM included)
 * once the cgroup is gone. Shared by start() and recover().
 */
function taskHandle(inner: TaskHandle, cg: TaskCgroup, privatePid: boolean): TaskHandle {
	const initPid = privatePid ? (nsInitPid(cg, inner.pid) ?? inner.pid) : inner.pid;
	let exited = false;
	let sentKill = false;
	const done: Promise<ExitResult> = inner.wait().then(async (r) => {
		exited = true;
		// Read the OOM counter before the cgroup goes; then nothing of the task may survive it.
		const oomKilled = cg.oomKills() > 0;
		if (privatePid && (sentKill || oomKilled) && r.exitCode === 1 && r.signal === 0) {
			// util-linux unshare before 2.39 cannot re-raise SIGKILL (signal(SIGKILL) fails) and
			// exits 1 instead when its child was SIGKILLed: report what happened to the task.
			r = { ...r, exitCode: 137, signal: 9 };
		}
		try {
			await cg.destroy();
		} catch {
			// Left for the next start of the task (which destroys it first).
		}
		return oomKilled ? { ...r, oomKilled } : r;
	});
	return {
		pid: initPid,
		cgroups: cg.statsPaths(),
		wait: () => done,
		signal(sig: NodeJS.Signals): void {
			if (exited) return;
			if (sig === "SIGKILL") {
				sentKill = true;
				// Kill the task's processes, not unshare: it must live to reap the namespace's
				// init (or the init would linger as a zombie of the host's PID 1). unshare then
				// exits with the same signal; only if it does not is it killed too.
				void cg.killAll().then(async () => {
					for (let i = 0; i < 100 && !exited; i++) await sleep(20);
					if (!exited) inner.signal("SIGKILL");
				});
				return;
			}
			// unshare blocks SIGINT/SIGTERM while it waits: signals go to the task itself.
			try {
				process.kill(initPid, sig);
			} catch {
				// exited meanwhile
			}
		},
		state: inner.state ? () => (inner.state as () => TaskHandleState)() : undefined,
		release: inner.release ? () => inner.release?.() : undefined,
	};
}

/** Polls the launch status file until it has a line or the process exited. */
async function awaitSetup(statusFile: string, exited: () => boolean): Promise<string> {
	for (let delay = 1; ; delay = Math.min(delay * 2, 5)) {
		const s = readFileSync(statusFile, "utf8");
		if (s.endsWith("\n")) return s.trim();
		if (exited()) return readFileSync(statusFile, "utf8").trim() || "task exited during setup";
		await sleep(delay);
	}
}

/** The host pid of the task's PID-namespace init: the cgroup member whose parent is unshare. */
function nsInitPid(cg: TaskCgroup, unsharePid: number): number | undefined {
	for (const pid of cg.pids()) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
			if (ppid === unsharePid) return pid;
		} catch {
			// exited
		}
	}
	return undefined;
}

export function execDriver(opts: ExecDriverOptions = {}): TaskDriver {
	const euid = opts.euid ?? (() => process.geteuid?.() ?? -1);
	const cgVersion = opts.cgroupVersion ?? (() => detectCgroupVersion(opts.cgroupRoot ?? CGROUP_ROOT));
	const chrootEnv = opts.chrootEnv && Object.keys(opts.chrootEnv).length > 0 ? opts.chrootEnv : DEFAULT_CHROOT_ENV;
	let tools: LaunchTools | string | undefined;
	const getTools = () => (tools ??= findLaunchTools());

	function health(): DriverFingerprint {
		const down = (detected: boolean, why: string): DriverFingerprint => ({
			detected,
			healthy: false,
			healthDescription: why,
			attributes: {},
		});
		if (process.platform !== "linux") return down(false, "exec driver unsupported on client OS");
		if (euid() !== 0) return down(false, "Driver must run as root");
		if (cgVersion() === undefined) return down(true, "Failed to discover cgroup mount point");
		const t = getTools();
		if (typeof t === "string") return down(true, t);
		try {
			decodeExecPluginConfig(opts.pluginConfig);
		} catch (e) {
			return down(true, (e as Error).message);
		}
		return { detected: true, healthy: true, healthDescription: "Healthy", attributes: { "driver.exec": "true" } };
	}

	const sup = opts.supervisor;
	return {
		name: "exec",
		fsIsolation: "chroot",
		capturesLogs: sup !== undefined,
		fingerprint: health,
		async start(cfg: TaskStartConfig): Promise<TaskHandle> {
			const h = health();
			if (!h.healthy) throw new Error(`exec driver is not usable: ${h.healthDescription}`);
			if (sup) {
				// The supervisor being unreachable is passing: the restart policy tries again.
				await sup.connect().catch((e: Error) => {
					throw new RecoverableStartError(`node supervisor unavailable: ${e.message}`);
				});
			}
			const t = getTools() as LaunchTools;
			const version = cgVersion() as CgroupVersion;
			const supported = supportedCaps();
			const plugin = decodeExecPluginConfig(opts.pluginConfig, supported);
			const dc = decodeExecConfig(cfg.task.Config, supported);
			const userName = cfg.user || "nobody";
			const user = lookupPasswd(userName);
			const caps = calculateCaps({ allowCaps: plugin.allowCaps, capAdd: dc.capAdd, capDrop: dc.capDrop, supported });

			const mounts = chrootMounts(chrootEnv);
			chrootTool(mounts, "umount");
			for (const m of mounts) prepareMountpoint(cfg.taskDir, m.dest, m.isDir);
			for (const d of ["/alloc", "/proc", "/dev", "/sys"]) prepareMountpoint(cfg.taskDir, d, true);
			const bin = lookupTaskBin(cfg.taskDir, mounts, dc.command);
			makeExecutable(cfg.taskDir, bin.hostPath);

			const allocID = basename(cfg.allocDir);
			const cg = new TaskCgroup({
				version,
				scope: `${allocID}.${cfg.task.Name}`,
				root: opts.cgroupRoot,
				parent: opts.cgroupParent,
			});
			// A previous run of the task (restart, or an agent that died) may have left its cgroup.
			await cg.destroy();
			const res = cfg.task.Resources;
			const mem = memoryLimits(res?.MemoryMB ?? 0, res?.MemoryMaxMB ?? 0);
			cg.create({ memoryBytes: mem.hard, memoryReserveBytes: mem.reserve, cpuShares: res?.CPU ?? 0 });

			const statusDir = mkdtempSync(join(tmpdir(), "nomad-ts-exec-"));
			const statusFile = join(statusDir, "status");
			writeFileSync(statusFile, "", { flag: "wx", mode: 0o600 });
			const devTemplate = join(statusDir, "dev");
			mkdirSync(devTemplate);
			buildDevTemplate(devTemplate);
			const cleanupStatus = () => rmSync(statusDir, { recursive: true, force: true });
			const plan: LaunchPlan = {
				taskDir: cfg.taskDir,
				sharedAllocDir: join(cfg.allocDir, "alloc"),
				mounts,
				cgroupProcs: cg.procsFiles(),
				pidMode: dc.pidMode || plugin.defaultPidMode,
				ipcMode: dc.ipcMode || plugin.defaultIpcMode,
				statusFile,
				devTemplate,
				workDir: dc.workDir || "/",
				// Run from inside the new root: the host's root is gone by then.
				setprivPath: chrootTool(mounts, "setpriv"),
				envPath: chrootTool(mounts, "env"),
				uid: user.uid,
				gid: user.gid,
				caps,
				rootCaps: LEGACY_ROOT_CAPS.filter((c) => supported.includes(c)),
				command: bin.taskPath,
				args: dc.args,
				env: { ...cfg.env, USER: userName, LOGNAME: userName, HOME: user.home },
			};
			let launch: ReturnType<typeof launchCommand>;
			let inner: TaskHandle;
			try {
				launch = launchCommand(plan, t);
				inner = sup
					? sup.handle(
							"exec",
							await sup.start({
								id: `${allocID}/${cfg.task.Name}/${randomUUID().slice(0, 8)}`,
								command: launch.command,
								args: launch.args,
								cwd: cfg.taskDir,
								env: launch.env,
								logs: cfg.logs ?? null,
							}),
						)
					: await spawnTask({
							command: launch.command,
							args: launch.args,
							cwd: cfg.taskDir,
							env: launch.env,
							stdoutPath: cfg.stdoutPath,
							stderrPath: cfg.stderrPath,
						});
			} catch (e) {
				cleanupStatus();
				await cg.destroy();
				throw new Error(`failed to launch command with executor: ${(e as Error).message}`);
			}
			let exited = false;
			const innerDone = inner.wait().then((r) => {
				exited = true;
				return r;
			});
			const setup = await awaitSetup(statusFile, () => exited);
			if (setup !== "ok") {
				inner.signal("SIGKILL");
				await innerDone;
				cleanupStatus();
				await cg.destroy();
				throw new Error(`failed to launch command with executor: ${setup}`);
			}
			cleanupStatus();
			return taskHandle(inner, cg, plan.pidMode === "private");
		},
		async recover(h: TaskHandleState): Promise<TaskHandle | undefined> {
			if (!sup || h.driver !== "exec") return undefined;
			await sup.connect();
			const t = (await sup.list()).find((x) => x.id === h.taskId);
			if (!t || t.pid !== h.pid) return undefined;
			// Supervisor task ids are "<alloc ID>/<task>/<nonce>": the cgroup scope follows from them.
			const [allocID, task] = h.taskId.split("/");
			const version = cgVersion();
			if (!allocID || !task || version === undefined) return undefined;
			const cg = new TaskCgroup({
				version,
				scope: `${allocID}.${task}`,
				root: opts.cgroupRoot,
				parent: opts.cgroupParent,
			});
			const inner = sup.handle("exec", t);
			// pid_mode is not persisted: a task in its own PID namespace shows an init other than unshare.
			const privatePid = (nsInitPid(cg, inner.pid) ?? inner.pid) !== inner.pid;
			return taskHandle(inner, cg, privatePid);
		},
	};
}
