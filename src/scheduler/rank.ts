// Bin packing (rank.go BinPackIterator + structs.ScoreFitBinPack/ScoreFitSpread): does the group
// fit on a node given the plan so far, how good is the fit, and the AllocatedResources to record.
import type { AllocatedResources, AllocatedTaskResources, NetworkResource, TaskGroup } from "../api/types/index.ts";
import type { EvalContext } from "./context.ts";
import { exhaustedNode } from "./metrics.ts";
import { assignGroupPorts, assignTaskNetwork, planGroupPorts, portsToNetwork } from "./network.ts";
import type { NodeState } from "./nodeState.ts";
import type { AllocUsage, PortUse } from "./resources.ts";

const BINPACK_MAX_FIT_SCORE = 18;

interface TaskAsk {
	name: string;
	cpu: number;
	mem: number;
	memMax: number;
	cores: number;
	lifecycle: { Hook: string; Sidecar: boolean } | null;
	network: NetworkResource | undefined;
}

/** A task group's resource ask, computed once per task group and evaluation. */
export interface GroupAsk {
	tasks: readonly TaskAsk[];
	disk: number;
	/** Lifecycle-aware cpu/memory of the new allocation when no task pins cores. */
	cpu: number;
	mem: number;
	hasCores: boolean;
	hasTaskNetworks: boolean;
	groupNetwork: NetworkResource | undefined;
}

interface Footprint {
	cpu: number;
	mem: number;
	cores: boolean;
	lifecycle: TaskAsk["lifecycle"];
}

/** Same lifecycle folding as AllocatedResources.Comparable. */
function fold(parts: readonly Footprint[]): { cpu: number; mem: number } {
	let pre = [0, 0];
	let main = [0, 0];
	let stop = [0, 0];
	let pinned = 0;
	for (const p of parts) {
		let cpu = p.cpu;
		if (p.cores) {
			pinned += cpu;
			cpu = 0;
		}
		const lc = p.lifecycle;
		if (!lc || lc.Hook === "poststart") main = [main[0] + cpu, main[1] + p.mem];
		else if (lc.Hook === "prestart") {
			pre = [pre[0] + cpu, pre[1] + p.mem];
			if (lc.Sidecar) main = [main[0] + cpu, main[1] + p.mem];
		} else if (lc.Hook === "poststop") stop = [stop[0] + cpu, stop[1] + p.mem];
	}
	return { cpu: pinned + Math.max(main[0], pre[0], stop[0]), mem: Math.max(main[1], pre[1], stop[1]) };
}

export function compileAsk(tg: TaskGroup, memoryOversubscription: boolean): GroupAsk {
	const tasks: TaskAsk[] = tg.Tasks.map((t) => {
		const r = t.Resources;
		const secrets = r?.SecretsMB ?? 0;
		let memMax = 0;
		if (memoryOversubscription) {
			if ((r?.MemoryMaxMB ?? 0) > 0) memMax = r.MemoryMaxMB + secrets;
			else if (r?.MemoryMaxMB === -1) memMax = -1;
		}
		return {
			name: t.Name,
			cpu: r?.CPU ?? 0,
			mem: (r?.MemoryMB ?? 0) + secrets,
			memMax,
			cores: r?.Cores ?? 0,
			lifecycle: t.Lifecycle ? { Hook: t.Lifecycle.Hook, Sidecar: t.Lifecycle.Sidecar } : null,
			network: r?.Networks?.[0] ?? undefined,
		};
	});
	const f = fold(tasks.map((t) => ({ cpu: t.cpu, mem: t.mem, cores: false, lifecycle: t.lifecycle })));
	return {
		tasks,
		disk: tg.EphemeralDisk?.SizeMB ?? 0,
		cpu: f.cpu,
		mem: f.mem,
		hasCores: tasks.some((t) => t.cores > 0),
		hasTaskNetworks: tasks.some((t) => t.network),
		groupNetwork: tg.Networks?.[0] ?? undefined,
	};
}

/** A node the group fits on, with what is needed to build the allocation if it wins. */
export interface FitOption {
	ns: NodeState;
	/** Normalised final score, set by the stack's scorers. */
	finalScore: number;
	/** binpack (or spread) fit normalised to [0, 1]. */
	fit: number;
	picked: ReturnType<typeof planGroupPorts> | undefined;
	cores: Map<string, number[]> | undefined;
	taskNetworks: Map<string, NetworkResource> | undefined;
	cpu: number;
}

/** ScoreFitBinPack / ScoreFitSpread on the utilisation after placing. */
export function scoreFit(ns: NodeState, cpu: number, mem: number, spread: boolean): number {
	const freeCpu = 1 - cpu / ns.capCpu;
	const freeMem = 1 - mem / ns.capMem;
	const total = 10 ** freeCpu + 10 ** freeMem;
	let score = spread ? total - 2 : 20 - total;
	if (score > 18) score = 18;
	else if (score < 0) score = 0;
	return score;
}

/** BinPackIterator for one node: undefined (and the node counted exhausted) when it does not fit. */
export function binpack(
	ctx: EvalContext,
	ns: NodeState,
	ask: GroupAsk,
	spread: boolean,
	reuse?: FitOption,
): FitOption | undefined {
	const m = ctx.metrics;
	if (ns.invalid) {
		exhaustedNode(m, ns.info.node, "network: invalid node");
		return undefined;
	}
	if (ns.collisions > 0 || ns.invalidPorts > 0) {
		exhaustedNode(m, ns.info.node, "network: port collision");
		return undefined;
	}
	let picked: FitOption["picked"];
	if (ask.groupNetwork) {
		picked = planGroupPorts(ns, ask.groupNetwork);
		if (typeof picked === "string") {
			exhaustedNode(m, ns.info.node, `network: ${picked}`);
			return undefined;
		}
	}
	let cores: Map<string, number[]> | undefined;
	let taskNetworks: Map<string, NetworkResource> | undefined;
	let cpu = ask.cpu;
	let mem = ask.mem;
	if (ask.hasTaskNetworks || ask.hasCores) {
		const taken = new Map<string, Set<number>>();
		const usedCores = new Set<number>();
		const parts: Footprint[] = [];
		for (const t of ask.tasks) {
			if (t.network) {
				const offer = assignTaskNetwork(ns, t.network, ctx.random, taken);
				if (typeof offer === "string") {
					exhaustedNode(m, ns.info.node, `network: ${offer}`);
					return undefined;
				}
				taskNetworks ??= new Map();
				taskNetworks.set(t.name, offer);
			}
			let tcpu = t.cpu;
			if (t.cores > 0) {
				const avail: number[] = [];
				for (const c of [...ns.info.cores].sort((a, b) => a - b)) {
					if (!ns.coreUsed(c) && !usedCores.has(c)) avail.push(c);
				}
				if (avail.length < t.cores) {
					exhaustedNode(m, ns.info.node, "cores");
					return undefined;
				}
				const chosen = avail.slice(0, t.cores);
				for (const c of chosen) usedCores.add(c);
				cores ??= new Map();
				cores.set(t.name, chosen);
				tcpu = t.cores * ns.info.mhzPerCore;
			}
			parts.push({ cpu: tcpu, mem: t.mem, cores: t.cores > 0, lifecycle: t.lifecycle });
		}
		const f = fold(parts);
		cpu = f.cpu;
		mem = f.mem;
	}
	// structs.AllocsFit, in its order of dimensions.
	let dim: string | undefined;
	if (ns.coreOverlaps > 0) dim = "cores";
	else if (ns.capCpu < ns.cpu + cpu) dim = "cpu";
	else if (ns.capMem < ns.mem + mem) dim = "memory";
	else if (ns.capDisk < ns.disk + ask.disk) dim = "disk";
	if (dim) {
		exhaustedNode(m, ns.info.node, dim);
		return undefined;
	}
	const fit = scoreFit(ns, ns.cpu + cpu, ns.mem + mem, spread) / BINPACK_MAX_FIT_SCORE;
	if (!reuse) return { ns, finalScore: 0, fit, picked, cores, taskNetworks, cpu };
	reuse.ns = ns;
	reuse.finalScore = 0;
	reuse.fit = fit;
	reuse.picked = picked;
	reuse.cores = cores;
	reuse.taskNetworks = taskNetworks;
	reuse.cpu = cpu;
	return reuse;
}

/** The footprint of an allocation built by materialize (what allocUsage would compute from it). */
export function builtUsage(opt: FitOption, ask: GroupAsk, res: AllocatedResources): AllocUsage {
	const ports: PortUse[] = [];
	const shared = res.Shared;
	if (shared.Ports && shared.Ports.length > 0) {
		for (const p of shared.Ports) ports.push({ ip: p.HostIP, port: p.Value, strict: !p.IgnoreCollision });
	} else {
		for (const t of Object.values(res.Tasks)) {
			const n = t.Networks?.[0];
			if (!n) continue;
			for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
				ports.push({ ip: n.IP ?? "", port: p.Value ?? 0, strict: true });
			}
		}
	}
	const cores: number[] = [];
	if (opt.cores) for (const c of opt.cores.values()) cores.push(...c);
	return { cpu: opt.cpu, mem: ask.mem, disk: ask.disk, cores, ports, invalidPort: undefined };
}

/**
 * Placements of a group without ports or reserved cores all get equal AllocatedResources: they share
 * one frozen object (rows are immutable), which saves ~300 bytes per allocation at C1M scale.
 */
const sharedResources = new WeakMap<GroupAsk, AllocatedResources>();

function deepFreeze<T>(o: T): T {
	if (o && typeof o === "object" && !Object.isFrozen(o)) {
		Object.freeze(o);
		for (const v of Object.values(o)) deepFreeze(v);
	}
	return o;
}

/** Builds the new allocation's AllocatedResources on the chosen node (draws dynamic ports). */
export function materialize(ctx: EvalContext, opt: FitOption, ask: GroupAsk, withPorts = true): AllocatedResources {
	const shareable = withPorts && !ask.hasCores && !ask.hasTaskNetworks && !ask.groupNetwork;
	if (shareable) {
		const hit = sharedResources.get(ask);
		if (hit) return hit;
		const built = deepFreeze(buildResources(ctx, opt, ask, false));
		sharedResources.set(ask, built);
		return built;
	}
	return buildResources(ctx, opt, ask, withPorts);
}

function buildResources(ctx: EvalContext, opt: FitOption, ask: GroupAsk, withPorts: boolean): AllocatedResources {
	const tasks: Record<string, AllocatedTaskResources> = {};
	const lifecycles: Record<string, { Hook: string; Sidecar: boolean } | null> = {};
	for (const t of ask.tasks) {
		const cores = opt.cores?.get(t.name);
		const net = opt.taskNetworks?.get(t.name);
		tasks[t.name] = {
			Cpu: { CpuShares: cores ? cores.length * opt.ns.info.mhzPerCore : t.cpu, ReservedCores: cores ?? null },
			Memory: { MemoryMB: t.mem, MemoryMaxMB: t.memMax },
			Networks: net ? [net] : null,
			Devices: null,
		};
		lifecycles[t.name] = t.lifecycle;
	}
	const shared: AllocatedResources["Shared"] = { Networks: null, DiskMB: ask.disk, Ports: null };
	if (withPorts && ask.groupNetwork && opt.picked && typeof opt.picked !== "string") {
		const offer = assignGroupPorts(opt.ns, opt.picked, ctx.random);
		shared.Ports = offer.length > 0 ? offer : null;
		shared.Networks = [portsToNetwork(ask.groupNetwork, offer, opt.ns.info)];
	}
	return { Tasks: tasks, TaskLifecycles: lifecycles, Shared: shared };
}
