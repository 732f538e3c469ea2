// Per-task cgroups for the exec driver, v1 (one hierarchy per controller) and v2 (unified), behind
// one small class. Layout (the parent is nomad-ts's own, so a real Nomad on the same host never
// shares a directory with us):
//   v1: <root>/<controller>/<parent>/<allocID>.<task>   controllers memory, cpu, cpuacct, pids
//   v2: <root>/<parent>/<allocID>.<task>                 (parent gets +cpu +memory +pids delegated)
// Limits as Nomad's executor: memory hard limit = memory_max if set, else memory (then no soft
// limit); soft limit (v1 soft_limit_in_bytes / v2 memory.low) = memory when memory_max is set;
// cpu.shares = the task's CPU MHz (clamped to the kernel's 2..262144), v2 cpu.weight converted
// from shares as runc does. The task joins by writing its own pid ("0") into cgroup.procs.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export type CgroupVersion = 1 | 2;

export const CGROUP_ROOT = "/sys/fs/cgroup";
export const DEFAULT_CGROUP_PARENT_V1 = "nomad-ts";
export const DEFAULT_CGROUP_PARENT_V2 = "nomad-ts.slice";
/** v1 controllers a task joins: memory + cpu enforce, cpuacct + pids account. */
export const V1_CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"] as const;
const V2_CONTROLLERS = ["cpu", "memory", "pids"];

export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262_144;

export interface CgroupLimits {
	/** Hard limit in bytes; 0 = none. */
	memoryBytes: number;
	/** Soft limit / reservation in bytes; 0 = none. */
	memoryReserveBytes: number;
	cpuShares: number;
}

const MB = 1024 * 1024;

/** Nomad's memoryLimits: memory_max (MB) is the hard limit when set (-1 = unlimited), else memory. */
export function memoryLimits(memoryMB: number, memoryMaxMB: number): { hard: number; reserve: number } {
	if (memoryMaxMB === -1) return { hard: 0, reserve: memoryMB * MB };
	if (memoryMaxMB > 0) return { hard: memoryMaxMB * MB, reserve: memoryMB * MB };
	return { hard: memoryMB * MB, reserve: 0 };
}

export function clampCpuShares(mhz: number): number {
	return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, Math.round(mhz)));
}

/** runc's ConvertCPUSharesToCgroupV2Value: shares 2..262144 → weight 1..10000. */
export function cpuSharesToWeight(shares: number): number {
	if (shares === 0) return 0;
	return 1 + Math.floor(((shares - 2) * 9999) / 262_142);
}

/** The `oom_kill` counter of a v1 memory.oom_control or v2 memory.events text (0 when absent). */
export function parseOomKills(text: string): number {
	const m = /^oom_kill\s+(\d+)$/m.exec(text);
	return m ? Number(m[1]) : 0;
}

function readOr(path: string, fallback = ""): string {
	try {
		return readFileSync(path, "utf8");
	} catch {
		return fallback;
	}
}

function parsePids(text: string): number[] {
	return text
		.split("\n")
		.map((l) => Number(l.trim()))
		.filter((n) => Number.isInteger(n) && n > 0);
}

export interface TaskCgroupOptions {
	version: CgroupVersion;
	/** The task's scope name, "<allocID>.<task>". */
	scope: string;
	root?: string;
	parent?: string;
}

export class TaskCgroup {
	readonly version: CgroupVersion;
	readonly root: string;
	readonly parent: string;
	readonly scope: string;
	/** Directories the task lives in: one per v1 controller (deduplicated), or the unified one. */
	readonly dirs: string[];
	/** The directory whose cgroup.procs lists every process of the task. */
	readonly mainDir: string;

	constructor(o: TaskCgroupOptions) {
		this.version = o.version;
		this.root = o.root ?? CGROUP_ROOT;
		this.parent = o.parent ?? (o.version === 1 ? DEFAULT_CGROUP_PARENT_V1 : DEFAULT_CGROUP_PARENT_V2);
		this.scope = o.scope;
		if (o.version === 1) {
			this.dirs = V1_CONTROLLERS.map((c) => join(this.root, c, this.parent, this.scope));
			this.mainDir = this.dirs[0] as string;
		} else {
			this.mainDir = join(this.root, this.parent, this.scope);
			this.dirs = [this.mainDir];
		}
	}

	/** v1 path of a controller's directory for this task, if the controller is mounted. */
	controllerDir(controller: string): string | undefined {
		if (this.version === 2) return this.mainDir;
		if (!(V1_CONTROLLERS as readonly string[]).includes(controller)) return undefined;
		// Co-mounted controllers (cpu,cpuacct) reach the same directory through their symlinks.
		return join(this.root, controller, this.parent, this.scope);
	}

	/** For the stats reader (cgroupStats.ts): where memory and CPU accounting files are. */
	statsPaths(): { memory?: string; cpuacct?: string; cpu?: string } {
		if (this.version === 2) return { memory: this.mainDir, cpuacct: this.mainDir };
		return {
			memory: this.controllerDir("memory"),
			cpuacct: this.controllerDir("cpuacct"),
			cpu: this.controllerDir("cpu"),
		};
	}

	/** Creates the cgroups and writes the limits; throws with the failing file on error. */
	create(limits: CgroupLimits): void {
		if (this.version === 1) this.createV1(limits);
		else this.createV2(limits);
	}

	private write(dir: string, file: string, value: string, optional = false): void {
		try {
			writeFileSync(join(dir, file), value);
		} catch (e) {
			if (optional) return;
			throw new Error(`failed to write ${join(dir, file)}: ${(e as Error).message}`);
		}
	}

	private createV1(l: CgroupLimits): void {
		// cpu and cpuacct are often co-mounted (cpu,cpuacct with symlinks): one directory then.
		const seen = new Set<string>();
		const dirs: string[] = [];
		for (const c of V1_CONTROLLERS) {
			const ctrlRoot = join(this.root, c);
			if (!existsSync(ctrlRoot)) throw new Error(`cgroup controller ${c} is not mounted at ${ctrlRoot}`);
			const real = realpathSync(ctrlRoot);
			if (seen.has(real)) continue;
			seen.add(real);
			const dir = join(ctrlRoot, this.parent, this.scope);
			mkdirSync(dir, { recursive: true });
			dirs.push(dir);
		}
		this.dirs.splice(0, this.dirs.length, ...dirs);
		const mem = this.controllerDir("memory") as string;
		if (l.memoryBytes > 0) this.write(mem, "memory.limit_in_bytes", String(l.memoryBytes));
		if (l.memoryReserveBytes > 0) this.write(mem, "memory.soft_limit_in_bytes", String(l.memoryReserveBytes));
		// As Nomad (MaybeDisableMemorySwappiness): keep the task out of swap where the kernel allows.
		this.write(mem, "memory.swappiness", "0", true);
		this.write(this.controllerDir("cpu") as string, "cpu.shares", String(clampCpuShares(l.cpuShares)));
	}

	private createV2(l: CgroupLimits): void {
		const parentDir = join(this.root, this.parent);
		mkdirSync(this.mainDir, { recursive: true });
		// Delegate the controllers down to the task's cgroup (each one separately: a controller the
		// kernel lacks must not keep the others off).
		for (const dir of [this.root, parentDir]) {
			for (const c of V2_CONTROLLERS) this.write(dir, "cgroup.subtree_control", `+${c}`, true);
		}
		this.write(this.mainDir, "memory.max", l.memoryBytes > 0 ? String(l.memoryBytes) : "max");
		if (l.memoryReserveBytes > 0) this.write(this.mainDir, "memory.low", String(l.memoryReserveBytes));
		this.write(this.mainDir, "cpu.weight", String(cpuSharesToWeight(clampCpuShares(l.cpuShares))));
	}

	/** The cgroup.procs files the task writes "0" into to join (before it execs the command). */
	procsFiles(): string[] {
		return this.dirs.map((d) => join(d, "cgroup.procs"));
	}

	pids(): number[] {
		return parsePids(readOr(join(this.mainDir, "cgroup.procs")));
	}

	/** How many processes the kernel's OOM killer killed in this cgroup. */
	oomKills(): number {
		if (this.version === 2) return parseOomKills(readOr(join(this.mainDir, "memory.events")));
		const mem = this.controllerDir("memory");
		return mem ? parseOomKills(readOr(join(mem, "memory.oom_control"))) : 0;
	}

	/** SIGKILLs every process left in the cgroup until it is empty (or ~2 s passed). */
	async killAll(): Promise<void> {
		for (let i = 0; i < 200; i++) {
			const pids = this.pids();
			if (pids.length === 0) return;
			if (this.version === 2) this.write(this.mainDir, "cgroup.kill", "1", true);
			for (const pid of pids) {
				try {
					process.kill(pid, "SIGKILL");
				} catch {
					// gone already
				}
			}
			await sleep(10);
		}
	}

	/** Kills what is left, then removes the directories (retrying while exiting tasks linger). */
	async destroy(): Promise<void> {
		await this.killAll();
		for (const dir of [...this.dirs].reverse()) {
			for (let i = 0; i < 100; i++) {
				try {
					rmdirSync(dir);
					break;
				} catch (e) {
					const code = (e as NodeJS.ErrnoException).code;
					if (code === "ENOENT") break;
					if (code !== "EBUSY" || i === 99) throw e;
					await sleep(10);
				}
			}
		}
	}
}

/** The cgroup version mounted at `root`, or undefined (checks the files, not mountinfo). */
export function detectCgroupVersion(root = CGROUP_ROOT): CgroupVersion | undefined {
	if (existsSync(join(root, "cgroup.controllers"))) return 2;
	if (existsSync(join(root, "memory", "memory.limit_in_bytes"))) return 1;
	return undefined;
}
