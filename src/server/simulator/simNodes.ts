// Simulated nodes: realistic Node objects (attributes, resources, a healthy "mock" driver) for
// the in-process cluster simulator, generated deterministically from a seed.
import type { Row } from "../state/schema.ts";

export interface SimNodeSpec {
	count: number;
	datacenter?: string;
	nodePool?: string;
	nodeClass?: string;
	/** MHz per node (default 4000) */
	cpu?: number;
	/** MB per node (default 8192) */
	memoryMB?: number;
	/** MB per node (default 100 GiB) */
	diskMB?: number;
	/** Extra attributes for node i (e.g. a rack label constraints can select on). */
	attributes?: (i: number) => Record<string, string>;
	meta?: (i: number) => Record<string, string>;
	/** Prefix for names; IDs are deterministic UUID-shaped strings from the seed and index. */
	namePrefix?: string;
}

/** A UUID-shaped ID derived from a seed and a counter (reproducible clusters). */
export function simID(seed: number, n: number): string {
	let h = (seed ^ 0x9e3779b9) >>> 0;
	const hex: string[] = [];
	for (let i = 0; i < 4; i++) {
		h = Math.imul(h ^ (n + i * 0x85ebca6b), 0xc2b2ae35) >>> 0;
		h ^= h >>> 13;
		hex.push((h >>> 0).toString(16).padStart(8, "0"));
	}
	const s = hex.join("");
	return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export function simNode(spec: SimNodeSpec, i: number, seed: number, offset = 0): Row {
	const id = simID(seed, offset + i);
	const name = `${spec.namePrefix ?? "sim"}-${offset + i}`;
	const cpu = spec.cpu ?? 4000;
	return {
		ID: id,
		SecretID: "",
		Datacenter: spec.datacenter ?? "dc1",
		Name: name,
		HTTPAddr: `127.0.0.1:${20000 + ((offset + i) % 40000)}`,
		TLSEnabled: false,
		Attributes: {
			"kernel.name": "linux",
			"os.name": "ubuntu",
			"cpu.arch": "amd64",
			"cpu.numcores": "4",
			"cpu.totalcompute": String(cpu),
			"memory.totalbytes": String((spec.memoryMB ?? 8192) * 1024 * 1024),
			"unique.hostname": name,
			"unique.network.ip-address": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
			"nomad.version": "2.0.5",
			"driver.mock": "1",
			"os.signals": "SIGINT,SIGTERM,SIGKILL,SIGHUP,SIGUSR1,SIGUSR2",
			...spec.attributes?.(i),
		},
		NodeResources: {
			Cpu: { CpuShares: cpu, TotalCpuCores: 4, ReservableCpuCores: [0, 1, 2, 3] },
			Memory: { MemoryMB: spec.memoryMB ?? 8192 },
			Disk: { DiskMB: spec.diskMB ?? 102400 },
			Networks: [{ Mode: "host", Device: "eth0", CIDR: `10.0.0.${i % 250}/32`, IP: `10.0.0.${i % 250}`, MBits: 1000 }],
			NodeNetworks: null,
			Devices: null,
			MinDynamicPort: 20000,
			MaxDynamicPort: 32000,
		},
		ReservedResources: {
			Cpu: { CpuShares: 0, ReservedCpuCores: null },
			Memory: { MemoryMB: 0 },
			Disk: { DiskMB: 0 },
			Networks: { ReservedHostPorts: "" },
		},
		Links: null,
		Meta: spec.meta?.(i) ?? null,
		NodeClass: spec.nodeClass ?? "",
		NodePool: spec.nodePool ?? "default",
		ComputedClass: "",
		DrainStrategy: null,
		SchedulingEligibility: "eligible",
		Status: "ready",
		StatusDescription: "",
		StatusUpdatedAt: 0,
		Events: null,
		Drivers: {
			mock: { Attributes: null, Detected: true, Healthy: true, HealthDescription: "Healthy", UpdateTime: null },
		},
		HostVolumes: null,
		HostNetworks: null,
		LastDrain: null,
	};
}
