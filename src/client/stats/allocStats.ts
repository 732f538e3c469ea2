// Resource usage of an allocation's running tasks, as Nomad's basic executor measures it
// (drivers/shared/executor/procstats): every process of the task's tree (its pid and descendants,
// found by walking /proc), RSS and swap from /proc/<pid>/status, user/system CPU time from
// /proc/<pid>/stat turned into percentages by delta trackers between samples.
import { readdirSync, readFileSync } from "node:fs";
import { type CgroupPaths, CgroupStatsSampler } from "./cgroupStats.ts";
import type { CpuCompute } from "./hostStats.ts";
import { CpuTracker, emptyUsage, type ResourceUsage, ticksConsumed } from "./usage.ts";

export { type CpuStats, CpuTracker, type MemoryStats, type ResourceUsage, ticksConsumed } from "./usage.ts";

export interface TaskResourceUsage {
	ResourceUsage: ResourceUsage;
	/** UnixNano */
	Timestamp: number;
	Pids: Record<string, ResourceUsage>;
}

export interface AllocResourceUsage {
	ResourceUsage: ResourceUsage;
	Tasks: Record<string, TaskResourceUsage>;
	/** UnixNano */
	Timestamp: number;
}

export const BASIC_MEASURED_MEM = ["RSS", "Swap"];
export const BASIC_MEASURED_CPU = ["System Mode", "User Mode", "Percent"];

/** Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s on every architecture Node supports. */
const CLK_TCK = 100;

export interface ProcStat {
	pid: number;
	ppid: number;
	/** seconds */
	user: number;
	/** seconds */
	system: number;
}

/** Parses /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
export function parseProcPidStat(text: string): ProcStat | undefined {
	const close = text.lastIndexOf(")");
	if (close < 0) return undefined;
	const pid = Number.parseInt(text, 10);
	// After ") ": state(3) ppid(4) ... utime(14) stime(15)
	const f = text
		.slice(close + 2)
		.trim()
		.split(/\s+/);
	const ppid = Number(f[1]);
	const utime = Number(f[11]);
	const stime = Number(f[12]);
	if (!Number.isFinite(pid) || !Number.isFinite(ppid) || !Number.isFinite(utime) || !Number.isFinite(stime))
		return undefined;
	return { pid, ppid, user: utime / CLK_TCK, system: stime / CLK_TCK };
}

/** VmRSS and VmSwap of /proc/<pid>/status, in bytes. */
export function parseProcPidStatus(text: string): { rss: number; swap: number } {
	const kb = (k: string) => {
		const m = new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text);
		return m ? Number(m[1]) * 1024 : 0;
	};
	return { rss: kb("VmRSS"), swap: kb("VmSwap") };
}

/** The pid and all its descendants (walking the ppid links of every process in /proc). */
export function processTree(rootPid: number, procRoot = "/proc"): Set<number> {
	const family = new Set<number>([rootPid]);
	const parents = new Map<number, number>();
	let entries: string[];
	try {
		entries = readdirSync(procRoot);
	} catch {
		return family;
	}
	for (const name of entries) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const st = parseProcPidStat(readFileSync(`${procRoot}/${name}/stat`, "utf8"));
			if (st) parents.set(st.pid, st.ppid);
		} catch {
			// Exited while we looked.
		}
	}
	for (let found = true; found; ) {
		found = false;
		for (const [pid, ppid] of parents) {
			if (family.has(ppid)) {
				family.add(pid);
				parents.delete(pid);
				found = true;
			}
		}
	}
	return family;
}

interface PidTrackers {
	total: CpuTracker;
	user: CpuTracker;
	system: CpuTracker;
}

/** The stats of one task's process tree; keeps per-pid CPU trackers between samples. */
export class TaskStatsSampler {
	private readonly trackers = new Map<number, PidTrackers>();
	private readonly procRoot: string;
	private readonly now: (() => number) | undefined;
	rootPid: number | undefined;

	constructor(procRoot = "/proc", now?: () => number) {
		this.procRoot = procRoot;
		this.now = now;
	}

	sample(rootPid: number, compute: CpuCompute): TaskResourceUsage {
		if (rootPid !== this.rootPid) {
			// A restarted task is a new process tree.
			this.trackers.clear();
			this.rootPid = rootPid;
		}
		const pids = processTree(rootPid, this.procRoot);
		for (const pid of this.trackers.keys()) if (!pids.has(pid)) this.trackers.delete(pid);
		const perPid: Record<string, ResourceUsage> = {};
		const total = emptyUsage();
		total.MemoryStats.Measured = BASIC_MEASURED_MEM;
		total.CpuStats.Measured = BASIC_MEASURED_CPU;
		for (const pid of pids) {
			let st: ProcStat | undefined;
			let mem: { rss: number; swap: number };
			try {
				st = parseProcPidStat(readFileSync(`${this.procRoot}/${pid}/stat`, "utf8"));
				mem = parseProcPidStatus(readFileSync(`${this.procRoot}/${pid}/status`, "utf8"));
			} catch {
				this.trackers.delete(pid);
				continue;
			}
			if (!st) continue;
			let t = this.trackers.get(pid);
			if (!t) {
				t = { total: new CpuTracker(this.now), user: new CpuTracker(this.now), system: new CpuTracker(this.now) };
				this.trackers.set(pid, t);
			}
			const u = emptyUsage();
			u.MemoryStats.RSS = mem.rss;
			u.MemoryStats.Swap = mem.swap;
			u.MemoryStats.Measured = BASIC_MEASURED_MEM;
			u.CpuStats.SystemMode = t.system.percent(st.system * 1e9);
			u.CpuStats.UserMode = t.user.percent(st.user * 1e9);
			u.CpuStats.Percent = t.total.percent((st.user + st.system) * 1e9);
			u.CpuStats.Measured = BASIC_MEASURED_CPU;
			perPid[String(pid)] = u;
			total.MemoryStats.RSS += mem.rss;
			total.MemoryStats.Swap += mem.swap;
			total.CpuStats.SystemMode += u.CpuStats.SystemMode;
			total.CpuStats.UserMode += u.CpuStats.UserMode;
			total.CpuStats.Percent += u.CpuStats.Percent;
		}
		total.CpuStats.TotalTicks = ticksConsumed(total.CpuStats.Percent, compute);
		return { ResourceUsage: total, Timestamp: Date.now() * 1e6, Pids: perPid };
	}
}

function union(a: string[] | null, b: string[] | null): string[] | null {
	if (!a) return b ? [...b] : null;
	if (!b) return a;
	const out = [...a];
	for (const x of b) if (!out.includes(x)) out.push(x);
	return out;
}

/** Adds one task's usage into the alloc's (Nomad's ResourceUsage.Add). */
function addUsage(into: ResourceUsage, u: ResourceUsage): void {
	const m = into.MemoryStats;
	const n = u.MemoryStats;
	m.RSS += n.RSS;
	m.Cache += n.Cache;
	m.Swap += n.Swap;
	m.MappedFile += n.MappedFile;
	m.Usage += n.Usage;
	m.MaxUsage += n.MaxUsage;
	m.KernelUsage += n.KernelUsage;
	m.KernelMaxUsage += n.KernelMaxUsage;
	m.Measured = union(m.Measured, n.Measured);
	const c = into.CpuStats;
	const d = u.CpuStats;
	c.SystemMode += d.SystemMode;
	c.UserMode += d.UserMode;
	c.TotalTicks += d.TotalTicks;
	c.ThrottledPeriods += d.ThrottledPeriods;
	c.ThrottledTime += d.ThrottledTime;
	c.Percent += d.Percent;
	c.Measured = union(c.Measured, d.Measured);
	into.DeviceStats.push(...u.DeviceStats);
}

/** The stats of one allocation: a sampler per task, fed the live pid of each running task. */
export class AllocStatsCollector {
	private readonly samplers = new Map<string, TaskStatsSampler>();
	private readonly cgroupSamplers = new Map<string, CgroupStatsSampler>();
	private readonly procRoot: string;

	constructor(procRoot = "/proc") {
		this.procRoot = procRoot;
	}

	/**
	 * livePids: task name → pid of each running task. With `task`, only that task is reported
	 * (an unknown or not running task yields an error the caller maps to 404/500).
	 */
	sample(
		livePids: Record<string, number>,
		compute: CpuCompute,
		task?: string,
		cgroups: Record<string, CgroupPaths> = {},
	): AllocResourceUsage {
		for (const name of this.samplers.keys()) if (!(name in livePids)) this.samplers.delete(name);
		for (const name of this.cgroupSamplers.keys()) if (!(name in cgroups)) this.cgroupSamplers.delete(name);
		const res: AllocResourceUsage = { ResourceUsage: emptyUsage(), Tasks: {}, Timestamp: 0 };
		for (const [name, pid] of Object.entries(livePids)) {
			if (task !== undefined && name !== task) continue;
			let s = this.samplers.get(name);
			if (!s) {
				s = new TaskStatsSampler(this.procRoot);
				this.samplers.set(name, s);
			}
			const tru = s.sample(pid, compute);
			const cg = cgroups[name];
			if (cg) {
				// A task in cgroups is measured as Nomad's cgroup executor does: the totals (with cache,
				// kernel usage and throttling) from its cgroups, the per-pid breakdown from /proc.
				let cs = this.cgroupSamplers.get(name);
				if (!cs) {
					cs = new CgroupStatsSampler();
					this.cgroupSamplers.set(name, cs);
				}
				tru.ResourceUsage = cs.sample(cg, compute);
			}
			res.Tasks[name] = tru;
			addUsage(res.ResourceUsage, tru.ResourceUsage);
			if (tru.Timestamp > res.Timestamp) res.Timestamp = tru.Timestamp;
		}
		return res;
	}
}
