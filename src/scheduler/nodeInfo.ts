// What a node offers the scheduler (NodeResources minus NodeReservedResources, port reservations,
// host networks, dynamic port range, computed class), computed once per node object.
import type { Node } from "../api/types/index.ts";
import { fnv64 } from "./util.ts";

export const MAX_VALID_PORT = 65536;
export const DEFAULT_MIN_DYNAMIC_PORT = 20000;
export const DEFAULT_MAX_DYNAMIC_PORT = 32000;

/** structs.ParsePortRanges: "22,80,8000-8100". Throws with Go's messages. */
export function parsePortRanges(spec: string): number[] {
	if (spec === "") return [];
	const out: number[] = [];
	const num = (s: string): number => {
		if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing "${s}": invalid syntax`);
		return Number(s);
	};
	for (const raw of spec.split(",")) {
		const part = raw.trim();
		const r = part.split("-");
		if (r.length === 1) {
			if (r[0] === "") throw new Error("can't specify empty port");
			const p = num(r[0]);
			if (p === 0) throw new Error("port must be > 0");
			if (p > MAX_VALID_PORT) throw new Error(`port must be < ${MAX_VALID_PORT} but found ${p}`);
			out.push(p);
		} else if (r.length === 2) {
			const start = num(r[0]);
			const end = num(r[1]);
			if (end < start) throw new Error(`invalid range: starting value (${end}) less than ending (${start}) value`);
			if (start === 0) throw new Error("port must be > 0");
			if (end > MAX_VALID_PORT) throw new Error(`port must be < ${MAX_VALID_PORT} but found ${end}`);
			for (let p = start; p <= end; p++) out.push(p);
		} else {
			throw new Error(`can only parse single port numbers or port ranges (ex. 80,100-120,150)`);
		}
	}
	return out;
}

export interface HostAddress {
	alias: string;
	address: string;
}

export interface TaskNetwork {
	device: string;
	ip: string;
	mbits: number;
}

/** Static, per-node-object facts the scheduler needs (cached: node rows are immutable). */
export interface NodeInfo {
	node: Node;
	cpu: number;
	mem: number;
	disk: number;
	/** Cores the node can pin (reservable minus reserved); empty = cores are not tracked. */
	cores: ReadonlySet<number>;
	/** Per-core MHz, for tasks asking for whole cores. */
	mhzPerCore: number;
	/** Host ports reserved on every address, plus per-address reservations. */
	reservedPorts: ReadonlySet<number>;
	reservedByIP: ReadonlyMap<string, ReadonlySet<number>>;
	/** Set when `ReservedHostPorts` does not parse: the node cannot take any allocation. */
	reservedError: string | undefined;
	hostNetworks: ReadonlyMap<string, readonly HostAddress[]>;
	taskNetworks: readonly TaskNetwork[];
	networkModes: ReadonlySet<string>;
	minDynamicPort: number;
	maxDynamicPort: number;
	/** IP used for AllocatedResources.Shared.Networks[0].IP. */
	hostIP: string;
	/** Node.ComputedClass, or one computed here when the node has none. */
	computedClass: string;
	/** Feasibility-cache key: the computed class plus driver health, which the class hash omits. */
	classKey: string;
	/** classKey as a small process-wide integer (array-indexed eligibility). */
	classId: number;
	/** A small process-wide integer per node ID (array-indexed per-eval node state). */
	idx: number;
}

// Keyed by node ID and validated by identity: rows are immutable, a changed node is a new object.
const infoCache = new Map<string, NodeInfo>();
const classIds = new Map<string, number>();
const nodeIdxs = new Map<string, number>();

/** The NodeInfo last computed for a node ID (the current node object's, if it was looked at). */
export function cachedNodeInfo(nodeID: string): NodeInfo | undefined {
	return infoCache.get(nodeID);
}

function classIdOf(key: string): number {
	let id = classIds.get(key);
	if (id === undefined) {
		id = classIds.size;
		classIds.set(key, id);
	}
	return id;
}

interface RawNodeNetwork {
	Mode?: string;
	Addresses?: { Alias?: string; Address?: string; ReservedPorts?: string }[] | null;
}

/** A stand-in for Nomad's hashstructure-based ComputedClass (same inputs, different hash). */
export function computeNodeClass(n: Node): string {
	const pick = (m: Record<string, string> | null | undefined): [string, string][] =>
		Object.entries(m ?? {})
			.filter(([k]) => !k.startsWith("unique."))
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const devices = n.NodeResources?.Devices ?? null;
	const key = JSON.stringify([n.Datacenter, pick(n.Attributes), pick(n.Meta), n.NodeClass, n.NodePool, devices]);
	return `v1:${fnv64(key)}`;
}

/**
 * Memo slot on node rows: a non-enumerable symbol property, invisible to JSON, structuredClone,
 * Object.keys and deep-equality checks. Rows that are frozen fall back to the ID-keyed cache.
 */
const INFO = Symbol("nomad-ts.scheduler.nodeInfo");

export function nodeInfo(n: Node): NodeInfo {
	const memo = (n as unknown as Record<symbol, NodeInfo | undefined>)[INFO];
	if (memo !== undefined && memo.node === n) return memo;
	let info = infoCache.get(n.ID);
	if (info && info.node === n) return info;
	const nr = n.NodeResources;
	const rr = n.ReservedResources;
	const reservedCores = new Set(rr?.Cpu?.ReservedCpuCores ?? []);
	const cores = new Set<number>();
	for (const c of nr?.Cpu?.ReservableCpuCores ?? []) if (!reservedCores.has(c)) cores.add(c);
	const totalCores = nr?.Cpu?.TotalCpuCores ?? 0;
	let reservedError: string | undefined;
	let reserved: number[] = [];
	try {
		reserved = parsePortRanges(rr?.Networks?.ReservedHostPorts ?? "");
	} catch (e) {
		reservedError = `error parsing reserved_ports: ${(e as Error).message}`;
	}
	const reservedPorts = new Set(reserved);
	const hostNetworks = new Map<string, HostAddress[]>();
	const reservedByIP = new Map<string, Set<number>>();
	for (const raw of (nr?.NodeNetworks ?? []) as RawNodeNetwork[]) {
		for (const a of raw?.Addresses ?? []) {
			const alias = a.Alias ?? "";
			const address = a.Address ?? "";
			let list = hostNetworks.get(alias);
			if (!list) {
				list = [];
				hostNetworks.set(alias, list);
			}
			list.push({ alias, address });
			if (a.ReservedPorts) {
				try {
					const set = reservedByIP.get(address) ?? new Set(reservedPorts);
					for (const p of parsePortRanges(a.ReservedPorts)) set.add(p);
					reservedByIP.set(address, set);
				} catch (e) {
					reservedError ??= `error parsing reserved_ports for network "${alias}": ${(e as Error).message}`;
				}
			}
		}
	}
	const taskNetworks: TaskNetwork[] = [];
	const networkModes = new Set<string>();
	let hostIP = "";
	for (const nw of nr?.Networks ?? []) {
		const mode = nw.Mode || "host";
		networkModes.add(mode);
		if (mode === "host" && nw.IP) hostIP = nw.IP;
		if (nw.Device) taskNetworks.push({ device: nw.Device, ip: nw.IP ?? "", mbits: nw.MBits ?? 0 });
	}
	for (const raw of (nr?.NodeNetworks ?? []) as RawNodeNetwork[]) {
		if (raw?.Mode === "host" && raw.Addresses?.[0]?.Address) {
			hostIP = raw.Addresses[0].Address;
			break;
		}
	}
	// Clients without fingerprinted host networks: the default network is the node's host IP.
	if (!hostNetworks.has("default")) hostNetworks.set("default", [{ alias: "default", address: hostIP }]);
	const computedClass = n.ComputedClass || computeNodeClass(n);
	const drivers = Object.entries(n.Drivers ?? {})
		.filter(([, d]) => d?.Detected && d.Healthy)
		.map(([k]) => k)
		.sort()
		.join(",");
	const cpuTotal = nr?.Cpu?.CpuShares ?? 0;
	info = {
		node: n,
		cpu: cpuTotal - (rr?.Cpu?.CpuShares ?? 0),
		mem: (nr?.Memory?.MemoryMB ?? 0) - (rr?.Memory?.MemoryMB ?? 0),
		disk: (nr?.Disk?.DiskMB ?? 0) - (rr?.Disk?.DiskMB ?? 0),
		cores,
		mhzPerCore: totalCores > 0 ? Math.floor(cpuTotal / totalCores) : 0,
		reservedPorts,
		reservedByIP,
		reservedError,
		hostNetworks,
		taskNetworks,
		networkModes,
		minDynamicPort: nr?.MinDynamicPort && nr.MinDynamicPort > 0 ? nr.MinDynamicPort : DEFAULT_MIN_DYNAMIC_PORT,
		maxDynamicPort: nr?.MaxDynamicPort && nr.MaxDynamicPort > 0 ? nr.MaxDynamicPort : DEFAULT_MAX_DYNAMIC_PORT,
		hostIP,
		computedClass,
		classKey: `${computedClass}|${drivers}`,
		classId: classIdOf(`${computedClass}|${drivers}`),
		idx: info?.idx ?? nodeIdxs.get(n.ID) ?? nodeIdxs.size,
	};
	if (!nodeIdxs.has(n.ID)) nodeIdxs.set(n.ID, info.idx);
	if (Object.isExtensible(n)) Object.defineProperty(n, INFO, { value: info, writable: true, configurable: true });
	if (infoCache.size > 200_000) {
		infoCache.clear();
		nodeIdxs.clear();
	}
	infoCache.set(n.ID, info);
	return info;
}

export function reservedFor(info: NodeInfo, ip: string): ReadonlySet<number> {
	return info.reservedByIP.get(ip) ?? info.reservedPorts;
}
