// The ResourceUsage shapes both stats readers fill (Nomad's MemoryStats/CpuStats, as the API
// serves them), the empty value, and CPU-percent tracking between samples.
import type { CpuCompute } from "./hostStats.ts";

export interface MemoryStats {
	RSS: number;
	Cache: number;
	Swap: number;
	MappedFile: number;
	Usage: number;
	MaxUsage: number;
	KernelUsage: number;
	KernelMaxUsage: number;
	Measured: string[] | null;
}

export interface CpuStats {
	SystemMode: number;
	UserMode: number;
	TotalTicks: number;
	ThrottledPeriods: number;
	ThrottledTime: number;
	Percent: number;
	Measured: string[] | null;
}

export interface ResourceUsage {
	MemoryStats: MemoryStats;
	CpuStats: CpuStats;
	DeviceStats: unknown[];
}

export function emptyMemoryStats(): MemoryStats {
	return {
		RSS: 0,
		Cache: 0,
		Swap: 0,
		MappedFile: 0,
		Usage: 0,
		MaxUsage: 0,
		KernelUsage: 0,
		KernelMaxUsage: 0,
		Measured: null,
	};
}

export function emptyCpuStats(): CpuStats {
	return {
		SystemMode: 0,
		UserMode: 0,
		TotalTicks: 0,
		ThrottledPeriods: 0,
		ThrottledTime: 0,
		Percent: 0,
		Measured: null,
	};
}

export function emptyUsage(): ResourceUsage {
	return { MemoryStats: emptyMemoryStats(), CpuStats: emptyCpuStats(), DeviceStats: [] };
}

/** Nomad's cpustats.Tracker: percent of one CPU used since the previous sample (0 on the first). */
export class CpuTracker {
	private prevCpuNs = 0;
	private prevWallNs = 0;
	private readonly now: () => number;

	constructor(now: () => number = () => Number(process.hrtime.bigint())) {
		this.now = now;
	}

	/** cpuNs: cumulative CPU time in ns. */
	percent(cpuNs: number): number {
		const wall = this.now();
		if (this.prevCpuNs === 0) {
			this.prevCpuNs = cpuNs;
			this.prevWallNs = wall;
			return 0;
		}
		const dWall = wall - this.prevWallNs;
		const dCpu = cpuNs - this.prevCpuNs;
		this.prevCpuNs = cpuNs;
		this.prevWallNs = wall;
		if (dWall <= 0 || dCpu <= 0) return 0;
		return (dCpu / dWall) * 100;
	}
}

export function ticksConsumed(percent: number, c: CpuCompute): number {
	return c.numCores > 0 ? ((percent / 100) * c.totalCompute) / c.numCores : 0;
}
