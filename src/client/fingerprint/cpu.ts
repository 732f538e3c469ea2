// CPU fingerprint: Nomad's numalib topology scan (Sysfs → Smbios → Cgroups → Fallback → config)
// and the cpu.* / numa.* attributes plus NodeResources.Cpu/Processors derived from it.
import { formatIDs, parseIDs } from "./idset.ts";
import type { SystemSource } from "./source.ts";

const SYS = "/sys/devices/system";

/** Used per core when neither sysfs, dmidecode nor /proc/cpuinfo report a speed (e.g. many ARM
 * VMs). Nomad would report 0 MHz (and log an error) there, leaving the node unschedulable; we
 * prefer a conservative guess. Operators should set cpu_total_compute on such machines. */
export const DEFAULT_CORE_MHZ = 1000;

export interface Core {
	SocketID: number;
	NodeID: number;
	ID: number;
	/** true = performance core, false = efficiency core (Nomad's CoreGrade bool). */
	Grade: boolean;
	Disable: boolean;
	BaseSpeed: number;
	MaxSpeed: number;
	GuessSpeed: number;
}

export interface Topology {
	nodes: number[];
	distances: number[][];
	cores: Core[];
	busAssociativity: Record<string, number>;
	overrideTotalCompute: number;
	overrideWithholdCompute: number;
}

export interface CpuScanOptions {
	/** Logical CPU count for the generic fallback (gopsutil's count). */
	numCPU: number;
	/** Effective cpuset of Nomad's parent cgroup (numalib Cgroups1/2 scanners). */
	cgroupCpus?: string;
	/** client.cpu_total_compute (MHz). */
	totalCompute?: number;
	/** client.reserved.cpu (MHz). */
	reservedCompute?: number;
	/** client.reserved.cores. */
	reservedCores?: readonly number[];
}

const PERFORMANCE = true;
const EFFICIENCY = false;

function emptyCore(): Core {
	return { SocketID: 0, NodeID: 0, ID: 0, Grade: EFFICIENCY, Disable: false, BaseSpeed: 0, MaxSpeed: 0, GuessSpeed: 0 };
}

export function coreMHz(c: Core): number {
	if (c.BaseSpeed > 0) return c.BaseSpeed;
	if (c.MaxSpeed > 0) return c.MaxSpeed;
	return c.GuessSpeed;
}

export function totalCompute(t: Topology): number {
	if (t.overrideTotalCompute > 0) return t.overrideTotalCompute;
	return t.cores.reduce((s, c) => s + coreMHz(c), 0);
}

export function usableCompute(t: Topology): number {
	if (t.overrideTotalCompute > 0) return t.overrideTotalCompute;
	const sum = t.cores.reduce((s, c) => s + (c.Disable ? 0 : coreMHz(c)), 0);
	return Math.max(0, sum - t.overrideWithholdCompute);
}

export function usableCores(t: Topology): number[] {
	return [...new Set(t.cores.filter((c) => !c.Disable).map((c) => c.ID))].sort((a, b) => a - b);
}

function readInt(src: SystemSource, path: string): number | undefined {
	const text = src.readFile(path);
	if (text === undefined) return undefined;
	const n = Number.parseInt(text.trim(), 10);
	return Number.isFinite(n) ? n : undefined;
}

/** kHz → MHz as Go's integer division. */
const khzToMhz = (khz: number) => Math.floor(khz / 1000);

function coreSpeeds(src: SystemSource, core: number): { base: number; max: number } {
	const dir = `${SYS}/cpu/cpu${core}`;
	const driver = src.readFile(`${dir}/cpufreq/scaling_driver`)?.trim();
	let base = 0;
	if (driver === "acpi-cpufreq")
		base = readInt(src, `${dir}/acpi_cppc/nominal_freq`) ?? 0; // already MHz
	else base = khzToMhz(readInt(src, `${dir}/cpufreq/base_frequency`) ?? 0);
	const max = khzToMhz(readInt(src, `${dir}/cpufreq/cpuinfo_max_freq`) ?? 0);
	return { base, max };
}

function scanSysfs(src: SystemSource, t: Topology): { nodesKnown: boolean } {
	const nodeOnline = src.readFile(`${SYS}/node/online`);
	const nodesKnown = nodeOnline !== undefined;
	if (nodesKnown) t.nodes = parseIDs(nodeOnline);

	// NUMA distances (SLIT)
	if (t.nodes.length > 0) {
		t.distances = t.nodes.map(() => t.nodes.map(() => 0));
		for (let idx = 0; idx < t.nodes.length; idx++) {
			const row = src.readFile(`${SYS}/node/node${t.nodes[idx]}/distance`);
			if (row === undefined) break;
			row
				.trim()
				.split(/\s+/)
				.forEach((c, i) => {
					if (i < t.distances[idx].length) t.distances[idx][i] = Number.parseInt(c, 10) & 0xff;
				});
		}
	}

	// cores
	const online = src.readFile(`${SYS}/cpu/online`);
	if (online !== undefined) {
		const ids = parseIDs(online);
		t.cores = ids.map(() => emptyCore());
		if (!nodesKnown) {
			for (const id of ids) {
				if (id >= t.cores.length) continue;
				const { base, max } = coreSpeeds(src, id);
				t.cores[id] = { ...emptyCore(), ID: id, Grade: PERFORMANCE, BaseSpeed: base, MaxSpeed: max };
			}
			if (ids.length > 0) t.nodes = [0];
		} else {
			for (const node of t.nodes) {
				const list = src.readFile(`${SYS}/node/node${node}/cpulist`);
				if (list === undefined) break;
				for (const id of parseIDs(list)) {
					if (id >= t.cores.length) continue; // sysfs disagrees with itself; keep defaults
					const socket = readInt(src, `${SYS}/cpu/cpu${id}/topology/physical_package_id`) ?? 0;
					const siblings = parseIDs(src.readFile(`${SYS}/cpu/cpu${id}/topology/thread_siblings_list`) ?? "");
					const { base, max } = coreSpeeds(src, id);
					// Nomad grades a core without SMT siblings as an efficiency core.
					const grade = siblings.length > 1 ? PERFORMANCE : EFFICIENCY;
					t.cores[id] = {
						...emptyCore(),
						NodeID: node,
						SocketID: socket,
						ID: id,
						Grade: grade,
						BaseSpeed: base,
						MaxSpeed: max,
					};
				}
			}
		}
	}

	// PCI bus → NUMA node
	const pci = "/sys/bus/pci/devices";
	for (const dev of src.listDir(pci)) {
		const node = readInt(src, `${pci}/${dev}/numa_node`);
		if (node !== undefined && node >= 0) t.busAssociativity[dev] = node;
	}
	return { nodesKnown };
}

/** First "Current Speed: N MHz" of `dmidecode -t 4` becomes every core's guess speed. */
function scanSmbios(dmi: string | undefined, t: Topology): void {
	if (dmi === undefined) return;
	const m = /Current Speed:\s+(\d+)\s+MHz/.exec(dmi);
	if (!m) return;
	const mhz = Number(m[1]);
	for (const c of t.cores) c.GuessSpeed = mhz;
}

function scanCgroupCpus(cpus: string | undefined, t: Topology): void {
	if (cpus === undefined) return;
	const allowed = new Set(parseIDs(cpus));
	for (const c of t.cores) if (!allowed.has(c.ID)) c.Disable = true;
}

/** Field values of the first processor block of /proc/cpuinfo. */
export function parseCpuinfo(text: string): { modelName?: string; mhz?: number } {
	const out: { modelName?: string; mhz?: number } = {};
	for (const line of text.split("\n")) {
		if (line.trim() === "" && (out.modelName !== undefined || out.mhz !== undefined)) break;
		const i = line.indexOf(":");
		if (i < 0) continue;
		const key = line.slice(0, i).trim();
		const value = line.slice(i + 1).trim();
		if (key === "model name" && out.modelName === undefined) out.modelName = value;
		else if (key === "cpu MHz" && out.mhz === undefined) {
			const n = Number.parseFloat(value);
			if (Number.isFinite(n)) out.mhz = n;
		}
	}
	return out;
}

/** gopsutil-style generic scan: every logical CPU on node 0 at the first CPU's speed. */
function scanGeneric(src: SystemSource, numCPU: number, t: Topology): void {
	t.nodes = [0];
	t.distances = [];
	const info = parseCpuinfo(src.readFile("/proc/cpuinfo") ?? "");
	let mhz = info.mhz ?? 0;
	// gopsutil reports cpufreq's maximum instead of the momentary "cpu MHz" when it exists.
	const maxKHz = readInt(src, `${SYS}/cpu/cpu0/cpufreq/cpuinfo_max_freq`);
	if (maxKHz !== undefined) mhz = maxKHz / 1000;
	let speed = Math.trunc(mhz);
	if (speed <= 0) speed = DEFAULT_CORE_MHZ;
	t.cores = [];
	for (let i = 0; i < numCPU; i++) t.cores.push({ ...emptyCore(), ID: i, Grade: PERFORMANCE, BaseSpeed: speed });
}

function isBroken(t: Topology): boolean {
	return (
		t.nodes.length === 0 ||
		t.distances.length === 0 ||
		t.cores.length === 0 ||
		totalCompute(t) <= 0 ||
		usableCompute(t) <= 0 ||
		usableCores(t).length === 0
	);
}

/** Builds the CPU topology the way Nomad's Linux client does. */
export function scanTopology(src: SystemSource, opts: CpuScanOptions): Topology {
	const t: Topology = {
		nodes: [],
		distances: [],
		cores: [],
		busAssociativity: {},
		overrideTotalCompute: 0,
		overrideWithholdCompute: 0,
	};
	scanSysfs(src, t);
	scanSmbios(src.dmidecode(), t);
	scanCgroupCpus(opts.cgroupCpus, t);
	if (isBroken(t)) scanGeneric(src, opts.numCPU, t);
	// ConfigScanner runs last: operator overrides have the final say.
	const reserved = new Set(opts.reservedCores ?? []);
	for (const c of t.cores) if (reserved.has(c.ID)) c.Disable = true;
	t.overrideTotalCompute = opts.totalCompute ?? 0;
	t.overrideWithholdCompute = opts.reservedCompute ?? 0;
	return t;
}

/** cpu.* (except cpu.arch) and numa.* attributes. */
export function cpuAttributes(t: Topology, modelName: string | undefined): Record<string, string> {
	const a: Record<string, string> = {};
	if (modelName) a["cpu.modelname"] = modelName;

	let pSpeed = 0;
	let eSpeed = 0;
	let pCount = 0;
	let eCount = 0;
	for (const c of t.cores) {
		if (c.Grade === PERFORMANCE) {
			pSpeed = coreMHz(c);
			pCount++;
		} else {
			eSpeed = coreMHz(c);
			eCount++;
		}
	}
	if (eSpeed > 0) {
		a["cpu.frequency.efficiency"] = String(eSpeed);
		a["cpu.frequency.performance"] = String(pSpeed);
	} else if (pSpeed > 0) {
		a["cpu.frequency"] = String(pSpeed);
	}
	if (eCount > 0) {
		a["cpu.numcores.efficiency"] = String(eCount);
		a["cpu.numcores.performance"] = String(pCount);
	}
	a["cpu.numcores"] = String(t.cores.length);
	a["cpu.reservablecores"] = String(usableCores(t).length);
	a["cpu.totalcompute"] = String(totalCompute(t));
	a["cpu.usablecompute"] = String(usableCompute(t));

	const nodes = [...new Set(t.nodes)].sort((x, y) => x - y);
	a["numa.node.count"] = String(nodes.length);
	for (const n of nodes) {
		a[`numa.node${n}.cores`] = formatIDs(t.cores.filter((c) => c.NodeID === n).map((c) => c.ID));
	}
	return a;
}

/** NodeResources.Cpu (legacy view Nomad derives from the topology). */
export function cpuResources(t: Topology): { CpuShares: number; TotalCpuCores: number; ReservableCpuCores: number[] } {
	const usable = usableCores(t);
	return { CpuShares: totalCompute(t), TotalCpuCores: usable.length, ReservableCpuCores: usable };
}

const b64 = (bytes: readonly number[]) => Buffer.from(bytes.map((b) => b & 0xff)).toString("base64");

/** NodeResources.Processors as Nomad encodes it: []uint8 fields (Nodes, SLIT rows) are base64. */
export function processorsWire(t: Topology): { Topology: Record<string, unknown> } {
	return {
		Topology: {
			Nodes: t.nodes.length > 0 ? b64(t.nodes) : null,
			Distances: t.distances.length > 0 ? t.distances.map(b64) : null,
			Cores: t.cores.length > 0 ? t.cores.map((c) => ({ ...c })) : null,
			BusAssociativity: t.busAssociativity,
			OverrideTotalCompute: t.overrideTotalCompute,
			OverrideWitholdCompute: t.overrideWithholdCompute,
		},
	};
}
