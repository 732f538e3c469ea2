// Resource accounting: what an allocation uses (AllocatedResources.Comparable), the aggregate usage
// of a node (NodeUsage, maintainable incrementally) and the exact fit check (structs.AllocsFit).
// What a node offers lives in nodeInfo.ts.
import type { Allocation, NetworkResource, Node } from "../api/types/index.ts";
import { MAX_VALID_PORT, type NodeInfo, nodeInfo, reservedFor } from "./nodeInfo.ts";
import { clientTerminal } from "./util.ts";

export {
	cachedNodeInfo,
	computeNodeClass,
	DEFAULT_MAX_DYNAMIC_PORT,
	DEFAULT_MIN_DYNAMIC_PORT,
	type HostAddress,
	MAX_VALID_PORT,
	type NodeInfo,
	nodeInfo,
	parsePortRanges,
	reservedFor,
	type TaskNetwork,
} from "./nodeInfo.ts";

export interface PortUse {
	ip: string;
	port: number;
	/** false for IgnoreCollision ports: they occupy the port but never collide. */
	strict: boolean;
}

/**
 * The comparable footprint of one allocation. It depends on its AllocatedResources alone, so it is
 * cached per AllocatedResources object of committed allocations (rows are immutable), which the
 * allocations of one group ask share: a few cache entries, not one per allocation in the state (a
 * million-entry WeakMap made each full collection of a C1M-sized state pause for seconds).
 */
export interface AllocUsage {
	cpu: number;
	mem: number;
	disk: number;
	cores: readonly number[];
	ports: readonly PortUse[];
	/** An out-of-range port makes the allocation collide everywhere ("invalid port N"). */
	invalidPort: number | undefined;
}

const EMPTY_USAGE: AllocUsage = { cpu: 0, mem: 0, disk: 0, cores: [], ports: [], invalidPort: undefined };
const usageCache = new WeakMap<object, AllocUsage>();

function netPorts(n: NetworkResource, out: PortUse[]): void {
	const ip = n.IP ?? "";
	for (const p of n.ReservedPorts ?? []) out.push({ ip, port: p.Value ?? 0, strict: true });
	for (const p of n.DynamicPorts ?? []) out.push({ ip, port: p.Value ?? 0, strict: true });
}

/**
 * AllocatedResources.Comparable(): lifecycle-aware cpu/memory, shared disk, the ports it holds.
 * Cached for committed allocations (state rows are immutable); plan-local ones are recomputed.
 */
export function allocUsage(a: Allocation): AllocUsage {
	const ar = a.AllocatedResources;
	if (!ar) return EMPTY_USAGE;
	let u = usageCache.get(ar);
	if (u) return u;
	let preCpu = 0;
	let preMem = 0;
	let mainCpu = 0;
	let mainMem = 0;
	let stopCpu = 0;
	let stopMem = 0;
	let pinnedCpu = 0;
	const cores: number[] = [];
	for (const [name, t] of Object.entries(ar.Tasks ?? {})) {
		let cpu = t.Cpu?.CpuShares ?? 0;
		const mem = t.Memory?.MemoryMB ?? 0;
		const rc = t.Cpu?.ReservedCores;
		if (rc && rc.length > 0) {
			// Reserved cores are not fungible across lifecycles.
			pinnedCpu += cpu;
			cpu = 0;
			for (const c of rc) cores.push(c);
		}
		const lc = ar.TaskLifecycles?.[name];
		if (!lc) {
			mainCpu += cpu;
			mainMem += mem;
		} else if (lc.Hook === "prestart") {
			preCpu += cpu;
			preMem += mem;
			if (lc.Sidecar) {
				mainCpu += cpu;
				mainMem += mem;
			}
		} else if (lc.Hook === "poststart") {
			mainCpu += cpu;
			mainMem += mem;
		} else if (lc.Hook === "poststop") {
			stopCpu += cpu;
			stopMem += mem;
		}
	}
	const ports: PortUse[] = [];
	const shared = ar.Shared;
	if (shared?.Ports && shared.Ports.length > 0) {
		for (const p of shared.Ports) ports.push({ ip: p.HostIP ?? "", port: p.Value, strict: !p.IgnoreCollision });
	} else {
		for (const n of shared?.Networks ?? []) netPorts(n, ports);
		for (const t of Object.values(ar.Tasks ?? {})) {
			const n = t.Networks?.[0];
			if (n) netPorts(n, ports);
		}
	}
	let invalidPort: number | undefined;
	for (const p of ports) if (p.port < 0 || p.port >= MAX_VALID_PORT) invalidPort ??= p.port;
	u = {
		cpu: pinnedCpu + Math.max(mainCpu, preCpu, stopCpu),
		mem: Math.max(mainMem, preMem, stopMem),
		disk: shared?.DiskMB ?? 0,
		cores,
		ports,
		invalidPort,
	};
	if (a.CreateIndex > 0) usageCache.set(ar, u);
	return u;
}

/**
 * The summed footprint of the non-client-terminal allocations on one node. Mutable with add/remove
 * so a state store can keep one per node (copy with clone() before changing a snapshot's copy).
 * Port holders are counted per (ip, port); `collisions` counts extra strict holders.
 */
export class NodeUsage {
	cpu = 0;
	mem = 0;
	disk = 0;
	count = 0;
	invalidPorts = 0;
	collisions = 0;
	coreOverlaps = 0;
	cores: Map<number, number> | undefined;
	strict = new Map<string, Map<number, number>>();
	soft: Map<string, Map<number, number>> | undefined;
	/** Memo of reservedHitCount for one NodeInfo (cleared on change). */
	reservedMemo: { info: NodeInfo; hits: number } | undefined;

	static of(allocs: Iterable<Allocation>): NodeUsage {
		const u = new NodeUsage();
		for (const a of allocs) if (!clientTerminal(a)) u.add(a);
		return u;
	}

	clone(): NodeUsage {
		const c = new NodeUsage();
		c.cpu = this.cpu;
		c.mem = this.mem;
		c.disk = this.disk;
		c.count = this.count;
		c.invalidPorts = this.invalidPorts;
		c.collisions = this.collisions;
		c.coreOverlaps = this.coreOverlaps;
		if (this.cores) c.cores = new Map(this.cores);
		for (const [ip, m] of this.strict) c.strict.set(ip, new Map(m));
		if (this.soft) {
			c.soft = new Map();
			for (const [ip, m] of this.soft) c.soft.set(ip, new Map(m));
		}
		return c;
	}

	/** Adds an allocation's footprint (callers skip client-terminal allocations). */
	add(a: Allocation): void {
		this.apply(allocUsage(a), 1);
	}

	remove(a: Allocation): void {
		this.apply(allocUsage(a), -1);
	}

	apply(u: AllocUsage, sign: 1 | -1): void {
		this.reservedMemo = undefined;
		this.cpu += sign * u.cpu;
		this.mem += sign * u.mem;
		this.disk += sign * u.disk;
		this.count += sign;
		if (u.invalidPort !== undefined) this.invalidPorts += sign;
		if (u.cores.length > 0) {
			this.cores ??= new Map();
			for (const c of u.cores) {
				const before = this.cores.get(c) ?? 0;
				const after = before + sign;
				if (sign > 0 && before >= 1) this.coreOverlaps++;
				if (sign < 0 && after >= 1) this.coreOverlaps--;
				if (after === 0) this.cores.delete(c);
				else this.cores.set(c, after);
			}
		}
		for (const p of u.ports) {
			if (p.port < 0 || p.port >= MAX_VALID_PORT) continue;
			if (!p.strict && !this.soft) this.soft = new Map();
			const table = p.strict ? this.strict : (this.soft as Map<string, Map<number, number>>);
			let m = table.get(p.ip);
			if (!m) {
				m = new Map();
				table.set(p.ip, m);
			}
			const before = m.get(p.port) ?? 0;
			const after = before + sign;
			if (p.strict) {
				if (sign > 0 && before >= 1) this.collisions++;
				if (sign < 0 && after >= 1) this.collisions--;
			}
			if (after === 0) m.delete(p.port);
			else m.set(p.port, after);
		}
	}

	/** Holders of (ip, port), strict and IgnoreCollision ones. */
	holders(ip: string, port: number): number {
		return (this.strict.get(ip)?.get(port) ?? 0) + (this.soft?.get(ip)?.get(port) ?? 0);
	}

	strictHolders(ip: string, port: number): number {
		return this.strict.get(ip)?.get(port) ?? 0;
	}
}

export interface FitResult {
	fit: boolean;
	dimension?: string;
}

const FIT: FitResult = { fit: true };

/** Strict allocation ports that sit on a node-reserved port. */
function reservedHits(info: NodeInfo, usage: NodeUsage): { ip: string; port: number } | undefined {
	for (const [ip, m] of usage.strict) {
		const res = reservedFor(info, ip);
		if (res.size === 0) continue;
		for (const p of m.keys()) if (res.has(p)) return { ip, port: p };
	}
	return undefined;
}

/** Reproduces NetworkIndex.AddAllocs' first collision message for the fit dimension. */
function collisionReason(info: NodeInfo, allocs: readonly Allocation[]): string {
	const used = new Map<string, Set<number>>();
	for (const a of allocs) {
		if (clientTerminal(a)) continue;
		const u = allocUsage(a);
		if (u.invalidPort !== undefined)
			return `collision when reserving port for alloc ${a.ID}: [invalid port ${u.invalidPort}]`;
		const reasons: string[] = [];
		for (const p of u.ports) {
			let s = used.get(p.ip);
			if (!s) {
				s = new Set(reservedFor(info, p.ip));
				used.set(p.ip, s);
			}
			if (s.has(p.port)) {
				if (p.strict) reasons.push(`port ${p.port} already in use`);
			} else s.add(p.port);
		}
		if (reasons.length > 0) return `collision when reserving port for alloc ${a.ID}: [${reasons.join(" ")}]`;
	}
	return "port collision";
}

/** The comparisons of structs.AllocsFit, given a node's info and a usage total. */
export function checkFit(info: NodeInfo, u: NodeUsage): FitResult {
	if (u.coreOverlaps > 0) return { fit: false, dimension: "cores" };
	if (info.cpu < u.cpu) return { fit: false, dimension: "cpu" };
	if (info.cores.size > 0 && u.cores) {
		for (const c of u.cores.keys()) if (!info.cores.has(c)) return { fit: false, dimension: "cores" };
	}
	if (info.mem < u.mem) return { fit: false, dimension: "memory" };
	if (info.disk < u.disk) return { fit: false, dimension: "disk" };
	if (info.reservedError) return { fit: false, dimension: `reserved node port collision: ${info.reservedError}` };
	return FIT;
}

/**
 * structs.AllocsFit for the plan applier: do these allocations (existing + proposed; client-terminal
 * ones are ignored) fit on the node? Dimensions: "cores", "cpu", "memory", "disk",
 * "reserved node port collision: ...", "reserved alloc port collision: ...".
 */
export function allocsFit(node: Node, allocs: readonly Allocation[]): FitResult {
	const info = nodeInfo(node);
	const maxAllocs = (node as { NodeMaxAllocs?: number }).NodeMaxAllocs;
	if (maxAllocs && maxAllocs < allocs.length) return { fit: false, dimension: "max allocation exceeded" };
	const u = NodeUsage.of(allocs);
	const r = checkFit(info, u);
	if (!r.fit) return r;
	if (u.invalidPorts > 0 || u.collisions > 0 || reservedHits(info, u)) {
		return { fit: false, dimension: `reserved alloc port collision: ${collisionReason(info, allocs)}` };
	}
	return FIT;
}

/**
 * For a state store keeping NodeUsage per node (copy-on-write): the node's usage after an
 * allocation row changed from `before` to `after` (either may be undefined). Returns a new object;
 * `prev` is not modified. Client-terminal allocations do not count.
 */
export function nextNodeUsage(
	prev: NodeUsage | undefined,
	before: Allocation | undefined,
	after: Allocation | undefined,
): NodeUsage {
	const u = prev ? prev.clone() : new NodeUsage();
	if (before && !clientTerminal(before)) u.remove(before);
	if (after && !clientTerminal(after)) u.add(after);
	return u;
}

/**
 * The plan applier's fit check from a maintained NodeUsage instead of the node's allocation list:
 * `usage` minus the allocations the plan stops or replaces (`remove`, as stored), plus the plan's
 * allocations (`add`). Same result as allocsFit over (non-client-terminal existing − remove + add).
 */
export function fitsWithUsage(
	node: Node,
	usage: NodeUsage,
	remove: readonly Allocation[],
	add: readonly Allocation[],
): FitResult {
	const info = nodeInfo(node);
	const u = usage.clone();
	for (const a of remove) if (!clientTerminal(a)) u.remove(a);
	for (const a of add) if (!clientTerminal(a)) u.add(a);
	const r = checkFit(info, u);
	if (!r.fit) return r;
	if (u.invalidPorts > 0 || u.collisions > 0 || reservedHits(info, u)) {
		return { fit: false, dimension: `reserved alloc port collision: ${collisionReason(info, add)}` };
	}
	return FIT;
}
