// A node's usage for one evaluation: the snapshot's NodeUsage plus what the plan being built does to
// the node (placements, stops, in-place updates), kept incrementally by the EvalContext.
import type { EvalContext } from "./context.ts";
import { type AllocUsage, MAX_VALID_PORT, type NodeInfo, NodeUsage, reservedFor } from "./resources.ts";

/** The evaluated job's proposed allocations on one node (distinct_hosts, anti-affinity). */
export interface JobNodeCount {
	total: number;
	groups: Map<string, number>;
}

const EMPTY_BASE = new NodeUsage();

/**
 * A node's usage for this evaluation: the snapshot's usage plus the plan's delta. Created cheaply
 * for every candidate; the snapshot usage is fetched on first use (load()).
 */
export class NodeState {
	readonly info: NodeInfo;
	// Hot fields copied from info so the candidate loop touches one object per node.
	readonly classId: number;
	readonly capCpu: number;
	readonly capMem: number;
	readonly capDisk: number;
	readonly invalid: boolean;
	/** This job's proposed allocations on the node (shared with the context's JobCounts). */
	job: JobNodeCount | undefined;
	base: NodeUsage = EMPTY_BASE;
	loaded = false;
	cpu = 0;
	mem = 0;
	disk = 0;
	count = 0;
	collisions = 0;
	coreOverlaps = 0;
	invalidPorts = 0;
	private strictDelta: Map<string, Map<number, number>> | undefined;
	private softDelta: Map<string, Map<number, number>> | undefined;
	private coreDelta: Map<number, number> | undefined;
	private readonly ctx: EvalContext;

	constructor(info: NodeInfo, ctx: EvalContext, job: JobNodeCount | undefined) {
		this.info = info;
		this.classId = info.classId;
		this.capCpu = info.cpu;
		this.capMem = info.mem;
		this.capDisk = info.disk;
		this.invalid = info.reservedError !== undefined;
		this.ctx = ctx;
		this.job = job;
	}

	/** Fetches the snapshot usage and replays what the plan did to the node so far. */
	load(): this {
		if (this.loaded) return this;
		this.loaded = true;
		const base = this.ctx.baseUsage(this.info.node.ID);
		this.base = base;
		this.cpu = base.cpu;
		this.mem = base.mem;
		this.disk = base.disk;
		this.count = base.count;
		this.collisions = base.collisions + reservedHitCount(this.info, base);
		this.coreOverlaps = base.coreOverlaps;
		this.invalidPorts = base.invalidPorts;
		this.ctx.replay(this);
		return this;
	}

	strictHolders(ip: string, port: number): number {
		return this.base.strictHolders(ip, port) + (this.strictDelta?.get(ip)?.get(port) ?? 0);
	}

	/** Whether a new allocation may not take (ip, port): reserved by the node or held already. */
	portUsed(ip: string, port: number): boolean {
		if (reservedFor(this.info, ip).has(port)) return true;
		return (
			this.base.holders(ip, port) +
				(this.strictDelta?.get(ip)?.get(port) ?? 0) +
				(this.softDelta?.get(ip)?.get(port) ?? 0) >
			0
		);
	}

	/** An upper bound on the ports held on `ip` (for the fast dynamic-port availability check). */
	portsHeldBound(ip: string): number {
		let n = (this.base.strict.get(ip)?.size ?? 0) + (this.base.soft?.get(ip)?.size ?? 0);
		for (const m of [this.strictDelta?.get(ip), this.softDelta?.get(ip)]) {
			if (m) for (const v of m.values()) if (v > 0) n += v;
		}
		return n;
	}

	coreUsed(c: number): boolean {
		return (this.base.cores?.get(c) ?? 0) + (this.coreDelta?.get(c) ?? 0) > 0;
	}

	apply(u: AllocUsage, sign: 1 | -1): void {
		this.cpu += sign * u.cpu;
		this.mem += sign * u.mem;
		this.disk += sign * u.disk;
		this.count += sign;
		if (u.invalidPort !== undefined) this.invalidPorts += sign;
		for (const c of u.cores) {
			this.coreDelta ??= new Map();
			const before = (this.base.cores?.get(c) ?? 0) + (this.coreDelta.get(c) ?? 0);
			if (sign > 0 && before >= 1) this.coreOverlaps++;
			if (sign < 0 && before - 1 >= 1) this.coreOverlaps--;
			this.coreDelta.set(c, (this.coreDelta.get(c) ?? 0) + sign);
		}
		for (const p of u.ports) {
			if (p.port < 0 || p.port >= MAX_VALID_PORT) continue;
			if (p.strict) {
				const reserved = reservedFor(this.info, p.ip).has(p.port) ? 1 : 0;
				const before = reserved + this.strictHolders(p.ip, p.port);
				if (sign > 0 && before >= 1) this.collisions++;
				if (sign < 0 && before - 1 >= 1) this.collisions--;
				this.strictDelta ??= new Map();
				bump(this.strictDelta, p.ip, p.port, sign);
			} else {
				this.softDelta ??= new Map();
				bump(this.softDelta, p.ip, p.port, sign);
			}
		}
	}
}

function bump(t: Map<string, Map<number, number>>, ip: string, port: number, d: number): void {
	let m = t.get(ip);
	if (!m) {
		m = new Map();
		t.set(ip, m);
	}
	const v = (m.get(port) ?? 0) + d;
	if (v === 0) m.delete(port);
	else m.set(port, v);
}

/** How many (ip, port) pairs held by allocations are also reserved by the node. */
function reservedHitCount(info: NodeInfo, u: NodeUsage): number {
	if (info.reservedPorts.size === 0 && info.reservedByIP.size === 0) return 0;
	const c = u.reservedMemo;
	if (c && c.info === info) return c.hits;
	let hits = 0;
	for (const [ip, m] of u.strict) {
		const res = reservedFor(info, ip);
		if (res.size > 0) for (const p of m.keys()) if (res.has(p)) hits++;
	}
	u.reservedMemo = { info, hits };
	return hits;
}

export interface JobNodeCount {
	total: number;
	groups: Map<string, number>;
}
