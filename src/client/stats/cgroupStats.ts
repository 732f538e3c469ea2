// Resource usage of a task that runs in its own cgroup (the exec driver), read from the cgroup's
// files as Nomad's libcontainer executor reports it: memory RSS/Cache/Swap/Usage/Max Usage/Kernel
// Usage/Kernel Max Usage (cgroup v1; v2 has no kernel-memory files) and CPU user/system time plus
// throttling. Unlike Nomad, whose Measured lists are fixed per cgroup version, a field is listed in
// Measured only when its file could be read, so Measured says which numbers are real (e.g. no
// "Swap" without swap accounting). Swap is the swap used (memory.stat "swap"), not Nomad's v1
// memsw figure (memory + swap).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CpuCompute } from "./hostStats.ts";
import {
	type CpuStats,
	CpuTracker,
	emptyCpuStats,
	emptyMemoryStats,
	type MemoryStats,
	type ResourceUsage,
	ticksConsumed,
} from "./usage.ts";

/** Nomad's lists for the libcontainer executor, in its order (the most a reading can report); v2 adds
 * "Max Usage" from memory.peak where the kernel has it. */
export const CGROUP_V1_MEASURED_MEM = [
	"RSS",
	"Cache",
	"Swap",
	"Usage",
	"Max Usage",
	"Kernel Usage",
	"Kernel Max Usage",
];
export const CGROUP_V2_MEASURED_MEM = ["RSS", "Cache", "Swap", "Usage", "Max Usage"];
export const CGROUP_MEASURED_CPU = ["System Mode", "User Mode", "Throttled Periods", "Throttled Time", "Percent"];

/** USER_HZ of cpuacct.stat. */
const CLK_TCK = 100;

/**
 * The task's cgroup directories. cgroup v1: the memory and cpuacct hierarchies (and cpu, for
 * cpu.stat's throttling, when not co-mounted with cpuacct). cgroup v2: the same unified directory
 * in both memory and cpuacct.
 */
export interface CgroupPaths {
	memory?: string;
	cpuacct?: string;
	cpu?: string;
}

export interface CgroupReading {
	MemoryStats: MemoryStats;
	/** Throttling filled in; SystemMode/UserMode/Percent/TotalTicks need two readings (CgroupStatsSampler). */
	CpuStats: CpuStats;
	/** Cumulative CPU time of the cgroup in ns, when readable. */
	cpuTimeNs: { total?: number; user?: number; system?: number };
}

function readNumber(dir: string, file: string): number | undefined {
	try {
		const v = Number(readFileSync(join(dir, file), "utf8").trim());
		return Number.isFinite(v) ? v : undefined;
	} catch {
		return undefined;
	}
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat). */
function readKeyValues(dir: string, file: string): Map<string, number> | undefined {
	let text: string;
	try {
		text = readFileSync(join(dir, file), "utf8");
	} catch {
		return undefined;
	}
	const out = new Map<string, number>();
	for (const line of text.split("\n")) {
		const [k, v] = line.trim().split(/\s+/);
		if (k && v !== undefined && Number.isFinite(Number(v))) out.set(k, Number(v));
	}
	return out;
}

function memoryStats(dir: string | undefined): MemoryStats {
	const m: MemoryStats = emptyMemoryStats();
	if (!dir) return m;
	const got = new Set<string>();
	const set = (
		field: "RSS" | "Cache" | "Swap" | "Usage" | "MaxUsage" | "KernelUsage" | "KernelMaxUsage",
		label: string,
		v: number | undefined,
	) => {
		if (v === undefined) return;
		m[field] = v;
		got.add(label);
	};
	const stat = readKeyValues(dir, "memory.stat");
	const v1Usage = readNumber(dir, "memory.usage_in_bytes");
	let order: string[];
	if (v1Usage !== undefined) {
		order = CGROUP_V1_MEASURED_MEM;
		set("RSS", "RSS", stat?.get("rss"));
		set("Cache", "Cache", stat?.get("cache"));
		m.MappedFile = stat?.get("mapped_file") ?? 0;
		let swap = stat?.get("swap");
		if (swap === undefined) {
			const memsw = readNumber(dir, "memory.memsw.usage_in_bytes");
			if (memsw !== undefined) swap = Math.max(0, memsw - v1Usage);
		}
		set("Swap", "Swap", swap);
		set("Usage", "Usage", v1Usage);
		set("MaxUsage", "Max Usage", readNumber(dir, "memory.max_usage_in_bytes"));
		set("KernelUsage", "Kernel Usage", readNumber(dir, "memory.kmem.usage_in_bytes"));
		set("KernelMaxUsage", "Kernel Max Usage", readNumber(dir, "memory.kmem.max_usage_in_bytes"));
	} else {
		order = CGROUP_V2_MEASURED_MEM;
		set("RSS", "RSS", stat?.get("anon"));
		set("Cache", "Cache", stat?.get("file"));
		m.MappedFile = stat?.get("file_mapped") ?? 0;
		set("Swap", "Swap", readNumber(dir, "memory.swap.current"));
		set("Usage", "Usage", readNumber(dir, "memory.current"));
		set("MaxUsage", "Max Usage", readNumber(dir, "memory.peak"));
	}
	m.Measured = got.size > 0 ? order.filter((l) => got.has(l)) : null;
	return m;
}

function cpuReading(paths: CgroupPaths): { cpu: CpuStats; times: CgroupReading["cpuTimeNs"] } {
	const cpu: CpuStats = emptyCpuStats();
	const times: CgroupReading["cpuTimeNs"] = {};
	const got = new Set<string>();
	const acct = paths.cpuacct;
	if (acct) {
		const v1Total = readNumber(acct, "cpuacct.usage");
		if (v1Total !== undefined) {
			times.total = v1Total;
			times.user = readNumber(acct, "cpuacct.usage_user");
			times.system = readNumber(acct, "cpuacct.usage_sys");
			if (times.user === undefined || times.system === undefined) {
				// Older kernels: only cpuacct.stat, in USER_HZ ticks.
				const st = readKeyValues(acct, "cpuacct.stat");
				const u = st?.get("user");
				const s = st?.get("system");
				times.user = u === undefined ? undefined : (u * 1e9) / CLK_TCK;
				times.system = s === undefined ? undefined : (s * 1e9) / CLK_TCK;
			}
		} else {
			// cgroup v2: cpu.stat in microseconds.
			const st = readKeyValues(acct, "cpu.stat");
			const us = (k: string) => {
				const v = st?.get(k);
				return v === undefined ? undefined : v * 1000;
			};
			times.total = us("usage_usec");
			times.user = us("user_usec");
			times.system = us("system_usec");
		}
	}
	// Throttling: v1 cpu.stat (cpu hierarchy, or cpuacct when co-mounted); v2 cpu.stat.
	for (const dir of [paths.cpu, acct]) {
		if (!dir) continue;
		const st = readKeyValues(dir, "cpu.stat");
		const periods = st?.get("nr_throttled");
		if (!st || periods === undefined) continue;
		const ns =
			st.get("throttled_time") ?? (st.has("throttled_usec") ? (st.get("throttled_usec") as number) * 1000 : undefined);
		cpu.ThrottledPeriods = periods;
		got.add("Throttled Periods");
		if (ns !== undefined) {
			cpu.ThrottledTime = ns;
			got.add("Throttled Time");
		}
		break;
	}
	if (times.system !== undefined) got.add("System Mode");
	if (times.user !== undefined) got.add("User Mode");
	if (times.total !== undefined) got.add("Percent");
	cpu.Measured = got.size > 0 ? CGROUP_MEASURED_CPU.filter((l) => got.has(l)) : null;
	return { cpu, times };
}

/** One reading of a task's cgroups (absolute numbers; CPU percentages need CgroupStatsSampler). */
export function cgroupStats(cgroupPaths: CgroupPaths): CgroupReading {
	const { cpu, times } = cpuReading(cgroupPaths);
	return { MemoryStats: memoryStats(cgroupPaths.memory), CpuStats: cpu, cpuTimeNs: times };
}

/** Turns successive readings of one task's cgroups into ResourceUsage with CPU percentages. */
export class CgroupStatsSampler {
	private readonly total: CpuTracker;
	private readonly user: CpuTracker;
	private readonly system: CpuTracker;

	constructor(now?: () => number) {
		this.total = new CpuTracker(now);
		this.user = new CpuTracker(now);
		this.system = new CpuTracker(now);
	}

	sample(paths: CgroupPaths, compute: CpuCompute): ResourceUsage {
		const r = cgroupStats(paths);
		const c = r.CpuStats;
		if (r.cpuTimeNs.total !== undefined) c.Percent = this.total.percent(r.cpuTimeNs.total);
		if (r.cpuTimeNs.user !== undefined) c.UserMode = this.user.percent(r.cpuTimeNs.user);
		if (r.cpuTimeNs.system !== undefined) c.SystemMode = this.system.percent(r.cpuTimeNs.system);
		c.TotalTicks = ticksConsumed(c.Percent, compute);
		return { MemoryStats: r.MemoryStats, CpuStats: c, DeviceStats: [] };
	}
}
