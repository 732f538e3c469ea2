// A task's environment as Nomad's client builds it (client/taskenv): the NOMAD_* variables, the
// host's environment for drivers without filesystem isolation, then the task's `env` block
// interpolated against the node (${node.*}, ${attr.*}, ${meta.*}) and what came before it.
import { isIPv6 } from "node:net";
import type { Allocation } from "../../api/types/alloc.ts";
import type { Job, Task } from "../../api/types/job.ts";
import { formatIDs } from "../fingerprint/idset.ts";

export interface EnvNode {
	ID: string;
	Name: string;
	Datacenter: string;
	Attributes: Record<string, string>;
	Meta: Record<string, string> | null;
	NodeClass?: string;
	NodePool?: string;
}

export interface TaskEnvInput {
	alloc: Allocation;
	job: Job;
	task: Task;
	node: EnvNode;
	region: string;
	/** Host paths (raw_exec has no filesystem isolation). */
	allocDir: string;
	taskLocalDir: string;
	secretsDir: string;
	/** The agent's environment, passed through for drivers without filesystem isolation. */
	hostEnv?: Record<string, string | undefined>;
}

export interface TaskEnv {
	env: Record<string, string>;
	/** node.*, attr.*, meta.* values for interpolation. */
	nodeAttrs: Record<string, string>;
}

const CLEANED_PREFIXES = ["NOMAD_ADDR_", "NOMAD_IP_", "NOMAD_PORT_", "NOMAD_HOST_PORT_", "NOMAD_META_"];

/** helper.CleanEnvVar: anything but [A-Za-z_.] (and digits after the first byte) becomes `_`. */
export function cleanEnvVar(s: string): string {
	let out = "";
	for (let i = 0; i < s.length; i++) {
		const c = s[i] as string;
		const ok = c === "_" || c === "." || /[a-zA-Z]/.test(c) || (i > 0 && /[0-9]/.test(c));
		out += ok ? c : "_";
	}
	return out;
}

const INTERP_RE = /\$\{(?:([a-zA-Z0-9_\-.]+)|env\[\s*"([^"]*)"\s*\])\}/g;

/**
 * Replaces ${key} with the first of `maps` that has key (hargs.ReplaceEnv) and ${env["X"]} with the
 * environment variable X; unknown references are left as written.
 */
export function interpolate(s: string, ...maps: Record<string, string>[]): string {
	return s.replace(INTERP_RE, (whole, key: string | undefined, envKey: string | undefined) => {
		if (envKey !== undefined) {
			for (const m of maps.slice(1)) if (envKey in m) return m[envKey] as string;
			return whole;
		}
		for (const m of maps) if (key !== undefined && key in m) return m[key] as string;
		return whole;
	});
}

/** Interpolates every string inside a driver config (lists and maps included). */
export function interpolateDeep<T>(v: T, nodeAttrs: Record<string, string>, env: Record<string, string>): T {
	if (typeof v === "string") return interpolate(v, nodeAttrs, env) as T;
	if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, nodeAttrs, env)) as T;
	if (v !== null && typeof v === "object") {
		const out: Record<string, unknown> = {};
		for (const [k, x] of Object.entries(v)) out[k] = interpolateDeep(x, nodeAttrs, env);
		return out as T;
	}
	return v;
}

/** Job meta < group meta < task meta (Job.CombinedTaskMeta). */
function combinedMeta(job: Job, group: string, task: Task): Record<string, string> {
	const tg = job.TaskGroups.find((g) => g.Name === group);
	return { ...(job.Meta ?? {}), ...(tg?.Meta ?? {}), ...(task.Meta ?? {}) };
}

/** The index in "<job>.<group>[<index>]" (Allocation.Index). */
export function allocIndex(name: string): number {
	const m = /\[(\d+)\]$/.exec(name);
	return m ? Number(m[1]) : -1;
}

function joinHostPort(ip: string, port: string): string {
	return isIPv6(ip) || ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function nodeAttributes(node: EnvNode, region: string): Record<string, string> {
	const attrs: Record<string, string> = {
		"node.unique.id": node.ID,
		"node.unique.name": node.Name,
		"node.class": node.NodeClass ?? "",
		"node.datacenter": node.Datacenter,
		"node.pool": node.NodePool ?? "",
		"node.region": region,
	};
	for (const [k, v] of Object.entries(node.Attributes)) attrs[`attr.${k}`] = v;
	for (const [k, v] of Object.entries(node.Meta ?? {})) attrs[`meta.${k}`] = v;
	return attrs;
}

export function buildTaskEnv(input: TaskEnvInput): TaskEnv {
	const { alloc, job, task, node } = input;
	const env: Record<string, string> = {};
	env.NOMAD_ALLOC_DIR = input.allocDir;
	env.NOMAD_TASK_DIR = input.taskLocalDir;
	env.NOMAD_SECRETS_DIR = input.secretsDir;

	const res = alloc.AllocatedResources?.Tasks?.[task.Name];
	if (res) {
		if (res.Memory.MemoryMB) env.NOMAD_MEMORY_LIMIT = String(res.Memory.MemoryMB);
		if (res.Memory.MemoryMaxMB) env.NOMAD_MEMORY_MAX_LIMIT = String(res.Memory.MemoryMaxMB);
		if (res.Cpu.CpuShares) env.NOMAD_CPU_LIMIT = String(res.Cpu.CpuShares);
		// As Nomad: an empty core set formats as " " and is still set.
		env.NOMAD_CPU_CORES = formatIDs(res.Cpu.ReservedCores ?? []);
	}
	if (alloc.ID) {
		env.NOMAD_ALLOC_ID = alloc.ID;
		env.NOMAD_SHORT_ALLOC_ID = alloc.ID.slice(0, 8);
	}
	if (alloc.Name) env.NOMAD_ALLOC_NAME = alloc.Name;
	if (alloc.TaskGroup) env.NOMAD_GROUP_NAME = alloc.TaskGroup;
	const idx = allocIndex(alloc.Name);
	if (idx !== -1) env.NOMAD_ALLOC_INDEX = String(idx);
	if (task.Name) env.NOMAD_TASK_NAME = task.Name;
	if (job.ID) env.NOMAD_JOB_ID = job.ID;
	if (job.Name) env.NOMAD_JOB_NAME = job.Name;
	if (job.ParentID) env.NOMAD_JOB_PARENT_ID = job.ParentID;
	if (node.Datacenter) env.NOMAD_DC = node.Datacenter;
	if (alloc.Namespace) env.NOMAD_NAMESPACE = alloc.Namespace;
	if (input.region) env.NOMAD_REGION = input.region;

	addNetworkEnv(env, alloc, task.Name);

	const nodeAttrs = nodeAttributes(node, input.region);

	for (const [k, v] of Object.entries(combinedMeta(job, alloc.TaskGroup, task))) {
		env[interpolate(`NOMAD_META_${k.toUpperCase()}`, nodeAttrs, env)] = interpolate(v, nodeAttrs, env);
		env[interpolate(`NOMAD_META_${k}`, nodeAttrs, env)] = interpolate(v, nodeAttrs, env);
	}

	// Host environment: never overrides what Nomad set.
	for (const [k, v] of Object.entries(input.hostEnv ?? {})) {
		if (v !== undefined && !(k in env)) env[k] = interpolate(v, nodeAttrs, env);
	}

	// The task's env block overrides the host's.
	for (const [k, v] of Object.entries(task.Env ?? {})) env[k] = interpolate(v, nodeAttrs, env);

	const cleaned: Record<string, string> = {};
	for (const [k, v] of Object.entries(env)) {
		cleaned[CLEANED_PREFIXES.some((p) => k.startsWith(p)) ? cleanEnvVar(k) : k] = v;
	}
	return { env: cleaned, nodeAttrs };
}

interface PortLike {
	Label: string;
	Value?: number;
	To?: number;
}

/**
 * Port variables, in Nomad's order (later writes win): the task's own task-level networks, then
 * the ports of the group's other tasks (NOMAD_{ADDR,IP,PORT}_<task>_<label>, host values), the
 * group network's ports, and the allocated host ports (addr/ip/port mapped to `to`/host port).
 */
function addNetworkEnv(env: Record<string, string>, alloc: Allocation, taskName: string): void {
	const res = alloc.AllocatedResources;
	if (!res) return;
	for (const n of res.Tasks?.[taskName]?.Networks ?? []) {
		const ip = n.IP ?? "";
		for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])] as PortLike[]) {
			const port = String(p.Value ?? 0);
			env[`NOMAD_IP_${p.Label}`] = ip;
			env[`${ip.includes(":") ? "NOMAD_IPv6_" : "NOMAD_IPv4_"}${p.Label}`] = ip;
			env[`NOMAD_HOST_PORT_${p.Label}`] = port;
			env[`NOMAD_ADDR_${p.Label}`] = joinHostPort(ip, port);
			env[`NOMAD_PORT_${p.Label}`] = port;
		}
	}
	for (const [other, tr] of Object.entries(res.Tasks ?? {})) {
		if (other === taskName) continue;
		for (const n of tr.Networks ?? []) {
			const ip = n.IP ?? "";
			for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])] as PortLike[]) {
				const port = String(p.Value ?? 0);
				env[`NOMAD_ADDR_${other}_${p.Label}`] = joinHostPort(ip, port);
				env[`NOMAD_IP_${other}_${p.Label}`] = ip;
				env[`NOMAD_PORT_${other}_${p.Label}`] = port;
			}
		}
	}
	for (const n of res.Shared?.Networks ?? []) {
		for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])] as PortLike[]) {
			env[`NOMAD_PORT_${p.Label}`] = String((p.To ?? 0) > 0 ? p.To : (p.Value ?? 0));
			env[`NOMAD_HOST_PORT_${p.Label}`] = String(p.Value ?? 0);
		}
	}
	for (const p of res.Shared?.Ports ?? []) {
		const port = String(p.Value);
		const mapped = p.To > 0 ? String(p.To) : port;
		env[`NOMAD_ADDR_${p.Label}`] = joinHostPort(p.HostIP, port);
		env[`NOMAD_HOST_ADDR_${p.Label}`] = joinHostPort(p.HostIP, port);
		env[`NOMAD_IP_${p.Label}`] = p.HostIP;
		env[`NOMAD_HOST_IP_${p.Label}`] = p.HostIP;
		env[`NOMAD_PORT_${p.Label}`] = mapped;
		env[`NOMAD_ALLOC_PORT_${p.Label}`] = mapped;
		env[`NOMAD_HOST_PORT_${p.Label}`] = port;
	}
}
