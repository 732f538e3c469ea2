// Host resource usage of this client (Nomad's client/hoststats): per-CPU utilisation from deltas of
// /proc/stat, memory from /proc/meminfo, disk usage of every physical mount and of the alloc dir's
// filesystem, uptime. Sampled every telemetry collection_interval; /v1/client/stats serves the latest.
import { readFileSync, statfsSync } from "node:fs";
import { cpus } from "node:os";

export interface HostCpuStats {
	CPU: string;
	User: number;
	System: number;
	Idle: number;
	TotalPercent: number;
	TotalTicks: number;
}

export interface HostMemoryStats {
	Total: number;
	Available: number;
	Used: number;
	Free: number;
}

export interface HostDiskStats {
	Device: string;
	Mountpoint: string;
	Size: number;
	Used: number;
	Available: number;
	UsedPercent: number;
	InodesUsedPercent: number;
}

export interface HostStats {
	Memory: HostMemoryStats | null;
	CPU: HostCpuStats[];
	DiskStats: HostDiskStats[];
	AllocDirStats: HostDiskStats;
	DeviceStats: unknown[];
	/** seconds */
	Uptime: number;
	/** UnixNano */
	Timestamp: number;
	CPUTicksConsumed: number;
}

/** One CPU line of /proc/stat, in clock ticks. */
export interface CpuTimes {
	cpu: string;
	user: number;
	nice: number;
	system: number;
	idle: number;
	iowait: number;
	irq: number;
	softirq: number;
	steal: number;
	guest: number;
	guestNice: number;
}

/** The per-CPU lines (cpu0, cpu1, ...) of /proc/stat; the aggregate "cpu" line is skipped. */
export function parseProcStat(text: string): CpuTimes[] {
	const out: CpuTimes[] = [];
	for (const line of text.split("\n")) {
		const m = /^(cpu\d+)\s+(.*)$/.exec(line);
		if (!m) continue;
		const f = (m[2] as string).trim().split(/\s+/).map(Number);
		const v = (i: number) => (Number.isFinite(f[i]) ? (f[i] as number) : 0);
		out.push({
			cpu: m[1] as string,
			user: v(0),
			nice: v(1),
			system: v(2),
			idle: v(3),
			iowait: v(4),
			irq: v(5),
			softirq: v(6),
			steal: v(7),
			guest: v(8),
			guestNice: v(9),
		});
	}
	return out;
}

/** gopsutil's TimesStat.Total(): guest time is already part of user/nice. */
function totalOf(t: CpuTimes): number {
	return t.user + t.system + t.idle + t.nice + t.iowait + t.irq + t.softirq + t.steal;
}

function busyOf(t: CpuTimes): number {
	return t.user + t.system + t.nice + t.iowait + t.irq + t.softirq + t.steal + t.guest + t.guestNice;
}

function guard(v: number, fallback: number): number {
	return Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Nomad's HostCpuStatsCalculator: percentages of one CPU since the previous sample (zero state first). */
export class CpuPercentCalculator {
	private prev = { idle: 0, user: 0, system: 0, busy: 0, total: 0 };

	calculate(t: CpuTimes): { idle: number; user: number; system: number; total: number } {
		const cur = { idle: t.idle, user: t.user, system: t.system, busy: busyOf(t), total: totalOf(t) };
		const dt = cur.total - this.prev.total;
		const res = {
			idle: guard(((cur.idle - this.prev.idle) / dt) * 100, 100),
			user: guard(((cur.user - this.prev.user) / dt) * 100, 0),
			system: guard(((cur.system - this.prev.system) / dt) * 100, 0),
			total: guard(((cur.busy - this.prev.busy) / dt) * 100, 0),
		};
		this.prev = cur;
		return res;
	}
}

/** gopsutil's VirtualMemory on Linux (kB values of /proc/meminfo → bytes). */
export function parseMeminfo(text: string): HostMemoryStats {
	const kv = new Map<string, number>();
	for (const line of text.split("\n")) {
		const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
		if (m) kv.set(m[1] as string, Number(m[2]) * 1024);
	}
	const g = (k: string) => kv.get(k) ?? 0;
	const total = g("MemTotal");
	const free = g("MemFree");
	const cached = g("Cached") + g("SReclaimable");
	const available = kv.has("MemAvailable") ? g("MemAvailable") : free + g("Buffers") + cached;
	return { Total: total, Available: available, Used: total - free - g("Buffers") - cached, Free: free };
}

export interface Mount {
	device: string;
	mountpoint: string;
	fstype: string;
}

/** Decodes the octal escapes (\040 for a space) of mountinfo fields. */
function unescapeMount(s: string): string {
	return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mounts from /proc/self/mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts". */
export function parseMountinfo(text: string): Mount[] {
	const out: Mount[] = [];
	for (const line of text.split("\n")) {
		const sep = line.indexOf(" - ");
		if (sep < 0) continue;
		const pre = line.slice(0, sep).split(" ");
		const post = line.slice(sep + 3).split(" ");
		if (pre.length < 5 || post.length < 2) continue;
		out.push({
			device: unescapeMount(post[1] as string),
			mountpoint: unescapeMount(pre[4] as string),
			fstype: post[0] as string,
		});
	}
	return out;
}

/** Filesystem types backed by a device (/proc/filesystems lines without "nodev"), as disk.Partitions(false). */
export function physicalFsTypes(text: string): Set<string> {
	const out = new Set<string>();
	for (const line of text.split("\n")) {
		if (line.trim() === "" || line.startsWith("nodev")) continue;
		out.add(line.trim());
	}
	out.add("zfs");
	return out;
}

/** gopsutil disk.Usage of the filesystem holding path. */
export function diskUsage(path: string, device = "", mountpoint = ""): HostDiskStats {
	const s = statfsSync(path);
	const size = s.blocks * s.bsize;
	const free = s.bavail * s.bsize;
	const used = (s.blocks - s.bfree) * s.bsize;
	const usedPct = used + free === 0 ? 0 : (used / (used + free)) * 100;
	const inodesPct = s.files === 0 ? 0 : ((s.files - s.ffree) / s.files) * 100;
	return {
		Device: device,
		Mountpoint: mountpoint,
		Size: size,
		Used: used,
		Available: free,
		UsedPercent: Number.isFinite(usedPct) ? usedPct : 0,
		InodesUsedPercent: Number.isFinite(inodesPct) ? inodesPct : 0,
	};
}

function emptyDisk(): HostDiskStats {
	return { Device: "", Mountpoint: "", Size: 0, Used: 0, Available: 0, UsedPercent: 0, InodesUsedPercent: 0 };
}

/** CPU capacity used for tick accounting: cpu.totalcompute (MHz) and the number of cores. */
export interface CpuCompute {
	totalCompute: number;
	numCores: number;
}

/** Fallback when the node fingerprint is not known yet: the sum of the cores' current MHz. */
export function defaultCompute(): CpuCompute {
	const cs = cpus();
	return { totalCompute: cs.reduce((s, c) => s + c.speed, 0), numCores: Math.max(1, cs.length) };
}

export interface HostStatsOptions {
	/** The alloc dir, whose filesystem's usage is AllocDirStats. */
	allocDir: string;
	/** ms; default 1000 */
	intervalMs?: number;
	/** CPU capacity (from the node fingerprint once known). */
	compute?: () => CpuCompute;
	/** "/proc" unless a test says otherwise. */
	procRoot?: string;
	/** Collection errors (reported once per distinct message). */
	onError?: (err: Error) => void;
}

export class HostStatsCollector {
	private readonly opts: HostStatsOptions;
	private readonly proc: string;
	private readonly calculators = new Map<string, CpuPercentCalculator>();
	private readonly badMounts = new Set<string>();
	private stats: HostStats | undefined;
	private timer: NodeJS.Timeout | undefined;
	private lastError = "";

	constructor(opts: HostStatsOptions) {
		this.opts = opts;
		this.proc = opts.procRoot ?? "/proc";
	}

	/** Takes a sample now and then one every interval (the timer does not keep the process alive). */
	start(): void {
		if (this.timer) return;
		this.collectSafe();
		this.timer = setInterval(() => this.collectSafe(), this.opts.intervalMs ?? 1000);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	/** The latest sample (one is taken if none exists yet). */
	latest(): HostStats {
		if (!this.stats) this.collect();
		return this.stats as HostStats;
	}

	private collectSafe(): void {
		try {
			this.collect();
		} catch (e) {
			const msg = (e as Error).message;
			if (msg !== this.lastError) this.opts.onError?.(e as Error);
			this.lastError = msg;
		}
	}

	/** Samples everything now and returns the new stats. */
	collect(): HostStats {
		const compute = this.opts.compute?.() ?? defaultCompute();
		const times = parseProcStat(readFileSync(`${this.proc}/stat`, "utf8"));
		let ticksConsumed = 0;
		const perCoreCompute = times.length > 0 ? compute.totalCompute / times.length : 0;
		const cpu: HostCpuStats[] = times.map((t) => {
			let calc = this.calculators.get(t.cpu);
			if (!calc) {
				calc = new CpuPercentCalculator();
				this.calculators.set(t.cpu, calc);
			}
			const p = calc.calculate(t);
			const ticks = (p.total / 100) * perCoreCompute;
			ticksConsumed += ticks;
			return { CPU: t.cpu, User: p.user, System: p.system, Idle: p.idle, TotalPercent: p.total, TotalTicks: ticks };
		});
		let memory: HostMemoryStats | null = null;
		try {
			memory = parseMeminfo(readFileSync(`${this.proc}/meminfo`, "utf8"));
		} catch {
			memory = null;
		}
		const uptime = Math.floor(Number(readFileSync(`${this.proc}/uptime`, "utf8").split(/\s+/)[0]) || 0);
		let allocDirStats: HostDiskStats;
		try {
			allocDirStats = diskUsage(this.opts.allocDir);
		} catch {
			allocDirStats = emptyDisk();
		}
		this.stats = {
			Memory: memory,
			CPU: cpu,
			DiskStats: this.collectDisks(),
			AllocDirStats: allocDirStats,
			DeviceStats: [],
			Uptime: uptime,
			Timestamp: Date.now() * 1e6,
			CPUTicksConsumed: ticksConsumed,
		};
		return this.stats;
	}

	private collectDisks(): HostDiskStats[] {
		let mounts: Mount[];
		let fsTypes: Set<string>;
		try {
			mounts = parseMountinfo(readFileSync(`${this.proc}/self/mountinfo`, "utf8"));
			fsTypes = physicalFsTypes(readFileSync(`${this.proc}/filesystems`, "utf8"));
		} catch {
			return [];
		}
		const out: HostDiskStats[] = [];
		for (const m of mounts) {
			if (m.device === "none" || !fsTypes.has(m.fstype)) continue;
			try {
				out.push(diskUsage(m.mountpoint, m.device, m.mountpoint));
				this.badMounts.delete(m.mountpoint);
			} catch (e) {
				if (!this.badMounts.has(m.mountpoint)) this.opts.onError?.(e as Error);
				this.badMounts.add(m.mountpoint);
			}
		}
		return out;
	}
}
