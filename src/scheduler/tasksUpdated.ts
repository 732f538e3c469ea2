// tasksUpdated (util.go): does a job change to a task group need new allocations (destructive),
// or can existing ones be updated in place? Returns the first difference found, or undefined.
import type { Job, NetworkResource, Resources, RestartPolicy, Task } from "../api/types/index.ts";
import { deepEqual, lookupTaskGroup } from "./util.ts";

type Rec = Record<string, unknown>;

function portMap(n: NetworkResource): string[] {
	const out: string[] = [];
	for (const p of n.ReservedPorts ?? [])
		out.push(JSON.stringify([p.Label, p.Value ?? 0, p.To ?? 0, p.HostNetwork ?? ""]));
	for (const p of n.DynamicPorts ?? []) out.push(JSON.stringify([p.Label, -1, p.To ?? 0, p.HostNetwork ?? ""]));
	return out.sort();
}

function networkUpdated(a: readonly NetworkResource[] | null | undefined, b: typeof a): string | undefined {
	const na = a ?? [];
	const nb = b ?? [];
	if (na.length !== nb.length) return "network lengths";
	for (let i = 0; i < na.length; i++) {
		const x = na[i];
		const y = nb[i];
		if ((x.Mode ?? "") !== (y.Mode ?? "")) return "network mode";
		if ((x.MBits ?? 0) !== (y.MBits ?? 0)) return "network mbits";
		if ((x.Hostname ?? "") !== (y.Hostname ?? "")) return "network hostname";
		if (!deepEqual(x.DNS ?? null, y.DNS ?? null)) return "network dns";
		if (!deepEqual(x.CNI ?? null, y.CNI ?? null)) return "network cni";
		if (!deepEqual(portMap(x), portMap(y))) return "network port map";
	}
	return undefined;
}

function resourcesUpdated(a: Resources, b: Resources): string | undefined {
	if ((a?.CPU ?? 0) !== (b?.CPU ?? 0)) return "task cpu";
	if ((a?.Cores ?? 0) !== (b?.Cores ?? 0)) return "task cores";
	if ((a?.MemoryMB ?? 0) !== (b?.MemoryMB ?? 0)) return "task memory";
	if ((a?.MemoryMaxMB ?? 0) !== (b?.MemoryMaxMB ?? 0)) return "task memory max";
	if (!deepEqual(a?.Devices ?? null, b?.Devices ?? null)) return "task devices";
	if (!deepEqual(a?.NUMA ?? null, b?.NUMA ?? null)) return "numa";
	if ((a?.SecretsMB ?? 0) !== (b?.SecretsMB ?? 0)) return "task secrets";
	return undefined;
}

function renderTemplates(p: RestartPolicy | null | undefined): boolean {
	return !!p?.RenderTemplates;
}

function consulField(c: unknown, k: string): unknown {
	return c && typeof c === "object" ? ((c as Rec)[k] ?? "") : "";
}

function consulUpdated(a: unknown, b: unknown): string | undefined {
	if (consulField(a, "Namespace") !== consulField(b, "Namespace")) return "consul namespace";
	if (a && b) {
		if (consulField(a, "Cluster") !== consulField(b, "Cluster")) return "consul cluster";
		if (consulField(a, "Partition") !== consulField(b, "Partition")) return "consul partition";
	}
	return undefined;
}

/** connectServiceUpdated: the connect plumbing of services (ordinary services update in place). */
function connectUpdated(a: unknown[] | null | undefined, b: unknown[] | null | undefined): string | undefined {
	for (const sa of (a ?? []) as Rec[]) {
		const ca = sa?.Connect as Rec | null | undefined;
		if (!ca) continue;
		const sb = ((b ?? []) as Rec[]).find((s) => s?.Name === sa.Name);
		if (!sb) continue;
		const cb = sb.Connect as Rec | null | undefined;
		if (!cb) return "connect removed";
		if (!!ca.Native !== !!cb.Native) return "connect native";
		if (!deepEqual(ca.Gateway ?? null, cb.Gateway ?? null)) return "connect gateway";
		if (!deepEqual(ca.SidecarTask ?? null, cb.SidecarTask ?? null)) return "connect sidecar task";
		const ssa = ca.SidecarService as Rec | null | undefined;
		const ssb = cb.SidecarService as Rec | null | undefined;
		if (!ssa !== !ssb) return ssa ? "connect service delete" : "connect service add";
		if (ssa && ssb && (ssa.Port ?? "") !== (ssb.Port ?? "")) return "connect port";
		if ((sa.PortLabel ?? "") !== (sb.PortLabel ?? "")) return "connect service port label";
		if ((sa.Cluster ?? "") !== (sb.Cluster ?? "")) return "connect service cluster";
	}
	return undefined;
}

function combinedMeta(job: Job, group: string, task: Task): Record<string, string> {
	const tg = lookupTaskGroup(job, group);
	return { ...(job.Meta ?? {}), ...(tg?.Meta ?? {}), ...(task.Meta ?? {}) };
}

const empty = (v: unknown): unknown => (v === undefined || (Array.isArray(v) && v.length === 0) ? null : v);

/** The first destructive difference between the group in `a` and in `b`, or undefined. */
export function tasksUpdated(a: Job, b: Job, group: string): string | undefined {
	const ga = lookupTaskGroup(a, group);
	const gb = lookupTaskGroup(b, group);
	if (!ga || !gb) return "task group";
	if (ga.Tasks.length !== gb.Tasks.length) return "number of tasks";
	if (!deepEqual(ga.EphemeralDisk ?? null, gb.EphemeralDisk ?? null)) return "ephemeral disk";
	const diff =
		networkUpdated(ga.Networks, gb.Networks) ??
		consulUpdated(ga.Consul, gb.Consul) ??
		connectUpdated(ga.Services, gb.Services);
	if (diff) return diff;
	if (!deepEqual(empty(ga.Volumes), empty(gb.Volumes))) return "volume request";
	if (renderTemplates(ga.RestartPolicy) !== renderTemplates(gb.RestartPolicy)) return "group restart render_templates";
	for (const at of ga.Tasks) {
		const bt = gb.Tasks.find((t) => t.Name === at.Name);
		if (!bt) return "task deleted";
		if (at.Driver !== bt.Driver) return "task driver";
		if ((at.User ?? "") !== (bt.User ?? "")) return "task user";
		if (!deepEqual(empty(at.Config), empty(bt.Config))) return "task config";
		if (!deepEqual(empty(at.Env), empty(bt.Env))) return "task env";
		if (!deepEqual(empty(at.Artifacts), empty(bt.Artifacts))) return "task artifacts";
		if (!deepEqual(at.Vault ?? null, bt.Vault ?? null)) return "task vault";
		if (!deepEqual(empty(at.Secrets), empty(bt.Secrets))) return "task secrets";
		const c = consulUpdated(at.Consul, bt.Consul);
		if (c) return c;
		if (!deepEqual(empty(at.Templates), empty(bt.Templates))) return "task templates";
		if (!deepEqual(at.CSIPluginConfig ?? null, bt.CSIPluginConfig ?? null)) return "task csi config";
		if (!deepEqual(empty(at.VolumeMounts), empty(bt.VolumeMounts))) return "task volume mount";
		if (!deepEqual(combinedMeta(a, group, at), combinedMeta(b, group, bt))) return "task meta";
		const n =
			networkUpdated(at.Resources?.Networks, bt.Resources?.Networks) ?? resourcesUpdated(at.Resources, bt.Resources);
		if (n) return n;
		if (!deepEqual(at.Identity ?? null, bt.Identity ?? null)) return "task identity";
		if (!deepEqual(empty(at.Identities), empty(bt.Identities))) return "task identity";
		if (!!at.LogConfig?.Disabled !== !!bt.LogConfig?.Disabled) return "task log disabled";
		if (renderTemplates(at.RestartPolicy) !== renderTemplates(bt.RestartPolicy)) return "task restart render_templates";
	}
	return undefined;
}
