// Admission mutators that add constraints implied by other parts of a job (nomad/job_endpoint_hooks.go
// jobImpliedConstraints, the consul hook's partition constraint and the implicit-identities hook):
// required signals, Vault/Consul versions, Nomad service discovery, secrets plugins, NUMA, bridge
// networking CNI plugins, transparent proxy and task schedules.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import type { Constraint, Job, Task, TaskGroup } from "../../api/types/index.ts";
import type { Consul, Secret, Service, Vault, WorkloadIdentity } from "./types.ts";

const semver = (LTarget: string, RTarget: string): Constraint => ({ LTarget, RTarget, Operand: "semver" });

const VAULT = semver("${attr.vault.version}", ">= 0.6.1");
const CONSUL_SD = semver("${attr.consul.version}", ">= 1.8.0");
const NOMAD_SD: Constraint = { LTarget: "${attr.nomad.service_discovery}", RTarget: "true", Operand: "=" };
const NOMAD_SD_CHECKS = semver("${attr.nomad.version}", ">= 1.4.0");
const NUMA_VERSION = semver("${attr.nomad.version}", ">= 1.6.3-dev");
const NUMA_KERNEL: Constraint = { LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "=" };
const CNI_MIN = ">= 0.4.0";
const CNI_BRIDGE = ["bridge", "firewall", "host-local", "loopback", "portmap"].map((p) =>
	semver(`\${attr.plugins.cni.version.${p}}`, CNI_MIN),
);
const CNI_CONSUL = semver("${attr.plugins.cni.version.consul-cni}", ">= 1.4.2");
const TPROXY = semver("${attr.nomad.version}", ">= 1.8.0-dev");
const TASK_SCHEDULE = semver("${attr.nomad.version}", ">= 1.8.0-dev");
const IMPLICIT_IDENTITY = semver("${attr.nomad.version}", ">= 1.7.0-a");

type HasConstraints = { Constraints: Constraint[] | null };

const same = (a: Constraint, b: Constraint): boolean =>
	a.LTarget === b.LTarget && a.RTarget === b.RTarget && a.Operand === b.Operand;

/** mutateConstraint: add unless an equal constraint (full) or one on the same attribute (left) exists. */
function mutate(target: HasConstraints, c: Constraint, match: "full" | "left"): void {
	const list = target.Constraints ?? [];
	const found = list.some((x) => (match === "full" ? same(x, c) : x.LTarget === c.LTarget));
	if (!found) target.Constraints = [...list, { ...c }];
}

const append = (target: HasConstraints, c: Constraint): void => {
	target.Constraints = [...(target.Constraints ?? []), c];
};

const servicesOf = (x: TaskGroup | Task): Service[] => (x.Services as Service[] | null) ?? [];
const isConsul = (s: Service): boolean => s.Provider === "consul" || s.Provider === "";

function vaultConstraint(v: Vault): Constraint {
	if (v.Cluster !== "default" && v.Cluster !== "") return semver(`\${attr.vault.${v.Cluster}.version}`, ">= 1.11.0");
	return VAULT;
}

function consulConstraint(s: Service): Constraint {
	if (s.Cluster !== "default" && s.Cluster !== "") return semver(`\${attr.consul.${s.Cluster}.version}`, ">= 1.8.0");
	return CONSUL_SD;
}

function partitionConstraint(c: Consul): Constraint {
	const lt =
		c.Cluster === "default" || c.Cluster === "" ? "${attr.consul.partition}" : `\${attr.consul.${c.Cluster}.partition}`;
	return { LTarget: lt, RTarget: c.Partition, Operand: "=" };
}

/** Case-insensitive path lookup in a pass-through (Connect) map. */
function dig(obj: unknown, ...path: string[]): unknown {
	let cur = obj;
	for (const p of path) {
		if (typeof cur !== "object" || cur === null) return undefined;
		const key = Object.keys(cur).findLast((k) => k.toLowerCase() === p.toLowerCase());
		cur = key === undefined ? undefined : (cur as Record<string, unknown>)[key];
		if (cur === null) return undefined;
	}
	return cur;
}

/** Signals a task needs the node to support (vault/template change signals, kill signal). */
function taskSignals(t: Task): string[] {
	const set = new Set<string>();
	const v = t.Vault as Vault | null;
	if (v && v.ChangeMode === "signal") set.add(v.ChangeSignal);
	if (t.KillSignal !== "") set.add(t.KillSignal);
	for (const tmpl of t.Templates ?? []) if (tmpl.ChangeMode === "signal") set.add(tmpl.ChangeSignal);
	return [...set];
}

const sortStrings = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function impliedForGroup(tg: TaskGroup, secretProviders: string[]): void {
	const tasks = tg.Tasks ?? [];
	const vaultTasks = tasks.filter((t) => t.Vault).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
	for (const t of vaultTasks) mutate(tg, vaultConstraint(t.Vault as Vault), "left");
	// Nomad adds every job-wide secrets provider to every group.
	for (const p of secretProviders) {
		mutate(tg, { LTarget: `\${attr.plugins.secrets.${p}.version}`, RTarget: "", Operand: "is_set" }, "left");
	}
	const numa = tasks.some((t) => {
		const n = t.Resources?.NUMA as { Affinity: string } | null | undefined;
		return n && n.Affinity !== "none";
	});
	if (numa) {
		mutate(tg, NUMA_VERSION, "full");
		mutate(tg, NUMA_KERNEL, "full");
	}
	const signals = new Set(tasks.flatMap(taskSignals));
	if (signals.size > 0) {
		mutate(
			tg,
			{ LTarget: "${attr.os.signals}", RTarget: sortStrings([...signals]).join(","), Operand: "set_contains" },
			"full",
		);
	}
	const all = [...servicesOf(tg), ...tasks.flatMap(servicesOf)];
	const nomad = all.filter((s) => s.Provider === "nomad");
	if (nomad.length > 0) mutate(tg, NOMAD_SD, "full");
	if (nomad.some((s) => (s.Checks?.length ?? 0) > 0)) mutate(tg, NOMAD_SD_CHECKS, "full");
	if (all.some(isConsul)) {
		for (const s of servicesOf(tg)) if (isConsul(s)) mutate(tg, consulConstraint(s), "left");
		for (const t of tasks) for (const s of servicesOf(t)) if (isConsul(s)) mutate(t, consulConstraint(s), "left");
	}
	if ((tg.Networks ?? []).some((n) => n.Mode === "bridge")) for (const c of CNI_BRIDGE) mutate(tg, c, "left");
	if (servicesOf(tg).some((s) => dig(s.Connect, "SidecarService", "Proxy", "TransparentProxy") !== undefined)) {
		mutate(tg, CNI_CONSUL, "left");
		mutate(tg, TPROXY, "left");
	}
	if (tasks.some((t) => t.Schedule)) mutate(tg, TASK_SCHEDULE, "left");
}

/** jobImplicitIdentitiesHook for a server without default Consul/Vault identities configured. */
function implicitIdentities(tg: TaskGroup): void {
	let hasIdentity = false;
	const handle = (s: Service): void => {
		if (s.Provider !== "" && s.Provider !== "consul") {
			hasIdentity ||= s.Identity !== null;
			return;
		}
		if (s.Identity) {
			const port = s.PortLabel;
			s.Identity.Name = s.TaskName
				? `consul-service_${s.TaskName}-${s.Name}-${port}`
				: `consul-service_${s.Name}-${port}`;
			s.Identity.ServiceName = s.Name;
			hasIdentity = true;
		}
	};
	for (const s of servicesOf(tg)) handle(s);
	for (const t of tg.Tasks ?? []) {
		for (const s of servicesOf(t)) handle(s);
		hasIdentity ||= ((t.Identities as WorkloadIdentity[] | null)?.length ?? 0) > 0;
	}
	if (hasIdentity) append(tg, { ...IMPLICIT_IDENTITY });
}

/**
 * Adds the constraints Nomad's admission mutators imply (returns a new job; the input is untouched).
 * Like Nomad, the partition and implicit-identity constraints are appended without de-duplication.
 */
export function addImpliedConstraints(input: Job): Job {
	const job = structuredClone(input);
	const groups = job.TaskGroups ?? [];
	// Consul hook: admin partition constraints.
	for (const tg of groups) {
		const gc = tg.Consul as Consul | null;
		if (gc?.Partition) append(tg, partitionConstraint(gc));
		for (const t of tg.Tasks ?? []) {
			const tc = t.Consul as Consul | null;
			if (tc?.Partition) append(t, partitionConstraint(tc));
		}
	}
	const providers: string[] = [];
	for (const tg of groups) {
		for (const t of tg.Tasks ?? []) {
			for (const s of (t.Secrets as Secret[] | null) ?? [])
				if (!providers.includes(s.Provider)) providers.push(s.Provider);
		}
	}
	for (const tg of groups) impliedForGroup(tg, providers);
	for (const tg of groups) implicitIdentities(tg);
	return job;
}
