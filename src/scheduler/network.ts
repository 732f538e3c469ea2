// Port assignment (NetworkIndex.AssignPorts / AssignTaskNetwork) against a node's plan-aware usage.
// Checking a candidate only decides whether the ask fits; the concrete dynamic ports (which consume
// randomness) are drawn once, for the node that wins.
import type { AllocatedPortMapping, NetworkResource, Node, Port } from "../api/types/index.ts";
import { resolveTarget } from "./constraints.ts";
import type { NodeState } from "./nodeState.ts";
import { MAX_VALID_PORT, type NodeInfo, reservedFor } from "./resources.ts";

const MAX_RAND_PORT_ATTEMPTS = 20;

function hostNetworkName(p: Port, node: Node): string | undefined {
	if (!p.HostNetwork) return "default";
	const r = resolveTarget(p.HostNetwork, node);
	return r.found ? r.value : undefined;
}

interface Picked {
	reserved: { port: Port; ip: string }[];
	dynamic: { port: Port; ip: string }[];
}

function freeCount(ns: NodeState, ip: string, lo: number, hi: number, exclude: ReadonlySet<number>): number {
	let free = 0;
	for (let p = lo; p <= hi; p++) if (!ns.portUsed(ip, p) && !exclude.has(p)) free++;
	return free;
}

/**
 * Decides where a group network's ports would go on the node, or returns the error Nomad reports
 * ("reserved port collision http=80", "dynamic port selection failed", "no addresses available
 * for X network"). Dynamic ports only get an address here; values come from assignDynamic().
 */
export function planGroupPorts(ns: NodeState, ask: NetworkResource): Picked | string {
	const node = ns.info.node;
	const out: Picked = { reserved: [], dynamic: [] };
	const inOffer = new Set<number>();
	const reservedAsk = new Map<string, Set<number>>();
	for (const p of ask.ReservedPorts ?? []) {
		const hn = hostNetworkName(p, node);
		if (hn === undefined) return `invalid host network "${p.HostNetwork}" for port ${p.Label}`;
		let r = reservedAsk.get(hn);
		if (!r) {
			r = new Set();
			reservedAsk.set(hn, r);
		}
		const value = p.Value ?? 0;
		r.add(value);
		let addrErr: string | undefined;
		let chosen: string | undefined;
		for (const addr of ns.info.hostNetworks.get(hn) ?? []) {
			if (value < 0 || value >= MAX_VALID_PORT) return `invalid port ${value} (out of range)`;
			if (!p.IgnoreCollision && ns.portUsed(addr.address, value)) {
				addrErr = `reserved port collision ${p.Label}=${value}`;
				continue;
			}
			chosen = addr.address;
			break;
		}
		if (chosen === undefined) return addrErr ?? `no addresses available for ${hn} network`;
		out.reserved.push({ port: p, ip: chosen });
		inOffer.add(value);
	}
	const dynByIP = new Map<string, number>();
	const { minDynamicPort: lo, maxDynamicPort: hi } = ns.info;
	for (const p of ask.DynamicPorts ?? []) {
		const hn = hostNetworkName(p, node);
		if (hn === undefined) return `invalid host network "${p.HostNetwork}" for port ${p.Label}`;
		let chosen: string | undefined;
		let addrErr: string | undefined;
		for (const addr of ns.info.hostNetworks.get(hn) ?? []) {
			const already = dynByIP.get(addr.address) ?? 0;
			const exclude = new Set([...inOffer, ...(reservedAsk.get(hn) ?? [])]);
			const range = hi - lo + 1;
			const bound = ns.portsHeldBound(addr.address) + reservedFor(ns.info, addr.address).size + exclude.size;
			if (bound + already + 1 > range && freeCount(ns, addr.address, lo, hi, exclude) < already + 1) {
				addrErr = "dynamic port selection failed";
				continue;
			}
			chosen = addr.address;
			break;
		}
		if (chosen === undefined) return addrErr ?? `no addresses available for ${hn} network`;
		dynByIP.set(chosen, (dynByIP.get(chosen) ?? 0) + 1);
		out.dynamic.push({ port: p, ip: chosen });
	}
	return out;
}

/** getDynamicPortsStochastic, then getDynamicPortsPrecise: one free port on `ip`. */
function pickPort(
	ns: NodeState,
	ip: string,
	taken: ReadonlySet<number>,
	random: () => number,
	lo: number,
	hi: number,
): number | undefined {
	for (let i = 0; i < MAX_RAND_PORT_ATTEMPTS; i++) {
		const p = hi - lo > 0 ? lo + Math.floor(random() * (hi - lo)) : lo;
		if (!ns.portUsed(ip, p) && !taken.has(p)) return p;
	}
	const avail: number[] = [];
	for (let p = lo; p <= hi; p++) if (!ns.portUsed(ip, p) && !taken.has(p)) avail.push(p);
	if (avail.length === 0) return undefined;
	return avail[Math.floor(random() * avail.length)];
}

/** The AllocatedPorts offer for a planned group network, drawing dynamic port values. */
export function assignGroupPorts(ns: NodeState, picked: Picked, random: () => number): AllocatedPortMapping[] {
	const offer: AllocatedPortMapping[] = [];
	const takenByIP = new Map<string, Set<number>>();
	const taken = (ip: string): Set<number> => {
		let s = takenByIP.get(ip);
		if (!s) {
			s = new Set();
			takenByIP.set(ip, s);
		}
		return s;
	};
	for (const { port, ip } of picked.reserved) {
		const value = port.Value ?? 0;
		const m: AllocatedPortMapping = { Label: port.Label, Value: value, To: port.To ?? 0, HostIP: ip };
		if (port.IgnoreCollision) m.IgnoreCollision = true;
		offer.push(m);
		// Reserved asks of any address block the same number for dynamic picks (reservedIdx).
		for (const other of ns.info.hostNetworks.get(port.HostNetwork || "default") ?? []) taken(other.address).add(value);
		taken(ip).add(value);
	}
	const { minDynamicPort: lo, maxDynamicPort: hi } = ns.info;
	for (const { port, ip } of picked.dynamic) {
		const value = pickPort(ns, ip, taken(ip), random, lo, hi) ?? lo;
		taken(ip).add(value);
		const to = port.To === -1 ? value : (port.To ?? 0);
		offer.push({ Label: port.Label, Value: value, To: to, HostIP: ip });
	}
	return offer;
}

/** AllocatedPortsToNetworkResouce: the ask with dynamic values filled in and the node's host IP. */
export function portsToNetwork(
	ask: NetworkResource,
	offer: readonly AllocatedPortMapping[],
	info: NodeInfo,
): NetworkResource {
	const out: NetworkResource = { ...ask };
	if (ask.ReservedPorts) out.ReservedPorts = ask.ReservedPorts.map((p) => ({ ...p }));
	if (ask.DynamicPorts) {
		out.DynamicPorts = ask.DynamicPorts.map((p) => {
			const o = offer.find((x) => x.Label === p.Label);
			return o ? { ...p, Value: o.Value, To: o.To } : { ...p };
		});
	}
	out.IP = info.hostIP;
	return out;
}

/**
 * AssignTaskNetwork (task-level networks, deprecated in Nomad): the first node network device whose
 * address has the reserved ports free gets the ask; dynamic ports are drawn on it.
 */
export function assignTaskNetwork(
	ns: NodeState,
	ask: NetworkResource,
	random: () => number,
	extraTaken: Map<string, Set<number>>,
): NetworkResource | string {
	let err = "no networks available";
	const { minDynamicPort: lo, maxDynamicPort: hi } = ns.info;
	outer: for (const n of ns.info.taskNetworks) {
		const taken = extraTaken.get(n.ip) ?? new Set<number>();
		for (const p of ask.ReservedPorts ?? []) {
			const v = p.Value ?? 0;
			if (v < 0 || v >= MAX_VALID_PORT) {
				err = `invalid port ${v} (out of range)`;
				continue outer;
			}
			if (ns.portUsed(n.ip, v) || taken.has(v)) {
				err = `reserved port collision ${p.Label}=${v}`;
				continue outer;
			}
		}
		const want = ask.DynamicPorts?.length ?? 0;
		const exclude = new Set([...taken, ...(ask.ReservedPorts ?? []).map((p) => p.Value ?? 0)]);
		if (want > 0 && freeCount(ns, n.ip, lo, hi, exclude) < want) {
			err = "dynamic port selection failed";
			continue;
		}
		const offer: NetworkResource = {
			...ask,
			Device: n.device,
			IP: n.ip,
			ReservedPorts: ask.ReservedPorts?.map((p) => ({ ...p })) ?? null,
			DynamicPorts: ask.DynamicPorts?.map((p) => ({ ...p })) ?? null,
		};
		for (const p of offer.DynamicPorts ?? []) {
			const v = pickPort(ns, n.ip, exclude, random, lo, hi) ?? lo;
			exclude.add(v);
			p.Value = v;
			if (p.To === -1) p.To = v;
		}
		let t = extraTaken.get(n.ip);
		if (!t) {
			t = new Set();
			extraTaken.set(n.ip, t);
		}
		for (const v of exclude) t.add(v);
		return offer;
	}
	return err;
}
