// Whether a set of allocations fits a node (Nomad's structs.AllocsFit without devices/volumes):
// CPU shares, memory, disk and reserved cores against NodeResources − ReservedResources, and port
// collisions against the node's reserved host ports and each other. Task lifecycles as Nomad's
// AllocatedResources.Comparable: prestart (non-sidecar) and poststop tasks do not run alongside the
// main tasks, so the group needs the larger of the phases, not their sum.
import type {
	AllocatedResources,
	AllocatedTaskResources,
	Allocation,
	NetworkResource,
	Node,
} from "../api/types/index.ts";

export interface FitResult {
	fit: boolean;
	/** The exhausted dimension ("cpu", "memory", "disk", "cores", a port collision...), "" when it fits. */
	reason: string;
}

interface Usage {
	cpu: number;
	memory: number;
}

const CLIENT_TERMINAL = new Set(["complete", "failed", "lost"]);

function taskUsage(t: AllocatedTaskResources | undefined): Usage {
	return { cpu: t?.Cpu?.CpuShares ?? 0, memory: t?.Memory?.MemoryMB ?? 0 };
}

/** CPU (non-core), memory, disk and reserved cores one allocation needs. */
export function allocUsage(r: AllocatedResources | null | undefined): Usage & { disk: number; cores: number[] } {
	if (!r) return { cpu: 0, memory: 0, disk: 0, cores: [] };
	const main: Usage = { cpu: 0, memory: 0 };
	const pre: Usage = { cpu: 0, memory: 0 };
	const post: Usage = { cpu: 0, memory: 0 };
	const cores: number[] = [];
	let coreCpu = 0;
	for (const [name, t] of Object.entries(r.Tasks ?? {})) {
		const u = taskUsage(t);
		const reserved = t?.Cpu?.ReservedCores ?? [];
		if (reserved.length > 0) {
			// Reserved cores are not fungible across phases: always counted.
			cores.push(...reserved);
			coreCpu += u.cpu;
			u.cpu = 0;
		}
		const lc = r.TaskLifecycles?.[name];
		const add = (into: Usage) => {
			into.cpu += u.cpu;
			into.memory += u.memory;
		};
		if (!lc) add(main);
		else if (lc.Hook === "prestart") {
			add(pre);
			if (lc.Sidecar) add(main);
		} else if (lc.Hook === "poststart") add(main);
		else if (lc.Hook === "poststop") add(post);
		else add(main);
	}
	return {
		cpu: coreCpu + Math.max(main.cpu, pre.cpu, post.cpu),
		memory: Math.max(main.memory, pre.memory, post.memory),
		disk: r.Shared?.DiskMB ?? 0,
		cores,
	};
}

/** Parses Nomad's port spec ("22,80,8000-8100"). */
export function parsePortSpec(spec: string | undefined | null): number[] {
	const out: number[] = [];
	for (const part of (spec ?? "").split(",")) {
		const p = part.trim();
		if (!p) continue;
		const dash = p.indexOf("-");
		if (dash < 0) {
			const n = Number(p);
			if (Number.isInteger(n)) out.push(n);
			continue;
		}
		const lo = Number(p.slice(0, dash));
		const hi = Number(p.slice(dash + 1));
		if (Number.isInteger(lo) && Number.isInteger(hi)) for (let n = lo; n <= hi; n++) out.push(n);
	}
	return out;
}

interface PortUse {
	ip: string;
	port: number;
	ignoreCollision: boolean;
}

function networkPorts(n: NetworkResource): PortUse[] {
	const ip = n.IP ?? "";
	const out: PortUse[] = [];
	for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
		if (p.Value) out.push({ ip, port: p.Value, ignoreCollision: p.IgnoreCollision === true });
	}
	return out;
}

function allocPorts(r: AllocatedResources | null | undefined): PortUse[] {
	if (!r) return [];
	const shared = r.Shared?.Ports ?? [];
	if (shared.length > 0) {
		return shared
			.filter((p) => p.Value)
			.map((p) => ({ ip: p.HostIP ?? "", port: p.Value, ignoreCollision: p.IgnoreCollision === true }));
	}
	const out: PortUse[] = [];
	for (const n of r.Shared?.Networks ?? []) out.push(...networkPorts(n));
	for (const t of Object.values(r.Tasks ?? {})) {
		const n = t?.Networks?.[0];
		if (n) out.push(...networkPorts(n));
	}
	return out;
}

/** Whether `allocs` (the node's whole proposed set) fit `node`. Client-terminal allocs use nothing. */
export function allocsFit(node: Node, allocs: Iterable<Allocation>): FitResult {
	let cpu = 0;
	let memory = 0;
	let disk = 0;
	const coresUsed = new Set<number>();
	const nodeReservedPorts = new Set(parsePortSpec(node.ReservedResources?.Networks?.ReservedHostPorts));
	const portsByIP = new Map<string, Set<number>>();
	let portCollision = "";
	for (const a of allocs) {
		if (CLIENT_TERMINAL.has(a.ClientStatus)) continue;
		const u = allocUsage(a.AllocatedResources);
		cpu += u.cpu;
		memory += u.memory;
		disk += u.disk;
		for (const c of u.cores) {
			if (coresUsed.has(c)) return { fit: false, reason: "cores" };
			coresUsed.add(c);
		}
		if (portCollision) continue;
		for (const p of allocPorts(a.AllocatedResources)) {
			if (p.ignoreCollision) continue;
			if (nodeReservedPorts.has(p.port)) {
				portCollision = `reserved alloc port collision: port ${p.port} is reserved on the node`;
				break;
			}
			let used = portsByIP.get(p.ip);
			if (!used) {
				used = new Set();
				portsByIP.set(p.ip, used);
			}
			if (used.has(p.port)) {
				portCollision = `reserved alloc port collision: port ${p.port} already in use on ${p.ip || "node"}`;
				break;
			}
			used.add(p.port);
		}
	}
	const res = node.NodeResources;
	const reserved = node.ReservedResources;
	const availCpu = (res?.Cpu?.CpuShares ?? 0) - (reserved?.Cpu?.CpuShares ?? 0);
	const availMem = (res?.Memory?.MemoryMB ?? 0) - (reserved?.Memory?.MemoryMB ?? 0);
	const availDisk = (res?.Disk?.DiskMB ?? 0) - (reserved?.Disk?.DiskMB ?? 0);
	if (availCpu < cpu) return { fit: false, reason: "cpu" };
	if (coresUsed.size > 0) {
		const reservable = new Set(res?.Cpu?.ReservableCpuCores ?? []);
		for (const c of reserved?.Cpu?.ReservedCpuCores ?? []) reservable.delete(c);
		// As Nomad: a node that lists no reservable cores does not constrain core reservations.
		if (reservable.size > 0) for (const c of coresUsed) if (!reservable.has(c)) return { fit: false, reason: "cores" };
	}
	if (availMem < memory) return { fit: false, reason: "memory" };
	if (availDisk < disk) return { fit: false, reason: "disk" };
	if (portCollision) return { fit: false, reason: portCollision };
	return { fit: true, reason: "" };
}
