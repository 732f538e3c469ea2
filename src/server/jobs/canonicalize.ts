// The server's admission mutators that set defaults: structs Job/TaskGroup/Task Canonicalize
// (nomad/structs/structs.go), the canonicalizer's default priority, the node pool default and the
// vault/consul cluster defaults. Idempotent: running it twice changes nothing.
import type { Job, NetworkResource, Task, TaskGroup } from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import { batchReschedule, batchRestart, defaultMigrate, serviceReschedule, serviceRestart } from "./convertJob.ts";
import { goQuote } from "./goText.ts";
import type { DisconnectStrategy, NUMA, ScalingPolicy, Service, Vault, WorkloadIdentity } from "./types.ts";

const emptyToNull = <T extends object>(v: T | null | undefined): T | null =>
	v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0) ? null : v;

const ENV_RE = /\$\{[a-zA-Z0-9_\-.]+\}/g;

/** helper/args ReplaceEnv: ${NAME} replaced when NAME is known, left alone otherwise. */
export const replaceEnv = (s: string, env: Record<string, string>): string =>
	s.replace(ENV_RE, (m) => {
		const key = m.slice(2, -1);
		return Object.hasOwn(env, key) ? env[key] : m;
	});

function canonicalizeService(s: Service, job: string, group: string, task: string, namespace: string): void {
	s.Tags = emptyToNull(s.Tags);
	s.CanaryTags = emptyToNull(s.CanaryTags);
	s.Checks = emptyToNull(s.Checks);
	s.TaggedAddresses = emptyToNull(s.TaggedAddresses);
	if (s.TaskName === "" && task !== "group") s.TaskName = task;
	s.Name = replaceEnv(s.Name, { JOB: job, TASKGROUP: group, TASK: task, BASE: `${job}-${group}-${task}` });
	for (const c of s.Checks ?? []) {
		c.Args = emptyToNull(c.Args);
		if (c.Header && Object.keys(c.Header).length === 0) c.Header = null;
		else if (c.Header) for (const [k, v] of Object.entries(c.Header)) if (!v || v.length === 0) c.Header[k] = null;
		if (c.Name === "") c.Name = `service: ${goQuote(s.Name)} check`;
		if (c.TaskName === "" && s.TaskName !== "group") c.TaskName = s.TaskName;
		if (c.OnUpdate === "") c.OnUpdate = "require_healthy";
	}
	if (s.Provider === "") s.Provider = "consul";
	if (s.Namespace === "" && s.Provider === "consul") s.Namespace = "default";
	else if (s.Provider === "nomad") s.Namespace = namespace;
}

function canonicalizeNetworks(ns: NetworkResource[] | null): NetworkResource[] | null {
	if (!ns || ns.length === 0) return null;
	for (const n of ns) {
		for (const key of ["ReservedPorts", "DynamicPorts"] as const) {
			const ports = n[key];
			if (!ports || ports.length === 0) delete n[key];
			else for (const p of ports) if (!p.HostNetwork) p.HostNetwork = "default";
		}
	}
	return ns;
}

const defaultIdentity = (): WorkloadIdentity => ({
	Name: "default",
	Audience: ["nomadproject.io"],
	ChangeMode: "",
	ChangeSignal: "",
	Env: false,
	File: false,
	Filepath: "",
	ServiceName: "",
	TTL: 0,
	ExtraClaims: null,
});

function canonicalizeIdentity(wi: WorkloadIdentity): void {
	if (wi.Name === "") wi.Name = "default";
	if (wi.Name === "default") wi.Audience = ["nomadproject.io"];
	if (wi.ChangeSignal !== "") wi.ChangeSignal = wi.ChangeSignal.toUpperCase();
}

const scalingTarget = (p: ScalingPolicy, job: Job, tg: TaskGroup, task?: Task): void => {
	if (p.Type === "") p.Type = "horizontal";
	p.Target = { Namespace: job.Namespace, Job: job.ID, Group: tg.Name };
	if (task) p.Target.Task = task.Name;
};

function canonicalizeTask(t: Task, job: Job, tg: TaskGroup): void {
	t.Meta = emptyToNull(t.Meta);
	t.Config = emptyToNull(t.Config as Record<string, unknown> | null);
	t.Env = emptyToNull(t.Env);
	t.Constraints = emptyToNull(t.Constraints);
	t.Affinities = emptyToNull(t.Affinities);
	t.VolumeMounts = emptyToNull(t.VolumeMounts);
	for (const s of (t.Services as Service[] | null) ?? [])
		canonicalizeService(s, job.Name, tg.Name, t.Name, job.Namespace);
	if (!t.Resources) {
		t.Resources = {
			CPU: 100,
			Cores: 0,
			MemoryMB: 300,
			MemoryMaxMB: 0,
			DiskMB: 0,
			IOPS: 0,
			Networks: null,
			Devices: null,
			NUMA: null,
			SecretsMB: 0,
		};
	} else {
		t.Resources.Networks = canonicalizeNetworks(t.Resources.Networks);
		t.Resources.Devices = emptyToNull(t.Resources.Devices);
		const numa = t.Resources.NUMA as NUMA | null;
		if (numa) {
			if (numa.Affinity === "") numa.Affinity = "none";
			numa.Devices = emptyToNull(numa.Devices);
		}
	}
	if (!t.RestartPolicy) t.RestartPolicy = tg.RestartPolicy ? { ...tg.RestartPolicy } : null;
	if (t.KillTimeout === 0) t.KillTimeout = 5 * SECOND;
	for (const p of (t.ScalingPolicies as ScalingPolicy[] | null) ?? []) scalingTarget(p, job, tg, t);
	const v = t.Vault as Vault | null;
	if (v) {
		if (v.ChangeSignal !== "") v.ChangeSignal = v.ChangeSignal.toUpperCase();
		if (v.ChangeMode === "") v.ChangeMode = "restart";
		if (v.Cluster === "") v.Cluster = "default";
	}
	for (const tmpl of t.Templates ?? [])
		if (tmpl.ChangeSignal !== "") tmpl.ChangeSignal = tmpl.ChangeSignal.toUpperCase();
	const ids = t.Identities as WorkloadIdentity[] | null;
	if (ids) {
		let defaultIdx = -1;
		ids.forEach((wi, i) => {
			canonicalizeIdentity(wi);
			if (wi.Name === "default") {
				t.Identity = wi;
				defaultIdx = i;
			}
		});
		if (defaultIdx >= 0) ids.splice(defaultIdx, 1);
	}
	if (!t.Identity) t.Identity = defaultIdentity();
	else canonicalizeIdentity(t.Identity as WorkloadIdentity);
}

function canonicalizeGroup(tg: TaskGroup, job: Job): void {
	tg.Meta = emptyToNull(tg.Meta);
	tg.Constraints = emptyToNull(tg.Constraints);
	tg.Affinities = emptyToNull(tg.Affinities);
	tg.Spreads = emptyToNull(tg.Spreads);
	if (!tg.RestartPolicy) {
		if (job.Type === "service" || job.Type === "system") tg.RestartPolicy = { ...serviceRestart };
		else if (job.Type === "batch") tg.RestartPolicy = { ...batchRestart };
	}
	if (!tg.ReschedulePolicy) {
		if (job.Type === "service") tg.ReschedulePolicy = { ...serviceReschedule };
		else if (job.Type === "batch") tg.ReschedulePolicy = { ...batchReschedule };
	}
	const d = tg.Disconnect as DisconnectStrategy | null;
	if (d) {
		if (d.Replace === null) d.Replace = true;
		if (d.Reconcile === "") d.Reconcile = "best_score";
	}
	if (job.Type === "service" && !tg.Migrate) tg.Migrate = { ...defaultMigrate };
	if (!tg.EphemeralDisk) tg.EphemeralDisk = { Sticky: false, SizeMB: 300, Migrate: false };
	if (tg.Scaling) scalingTarget(tg.Scaling as ScalingPolicy, job, tg);
	for (const s of (tg.Services as Service[] | null) ?? [])
		canonicalizeService(s, job.Name, tg.Name, "group", job.Namespace);
	tg.Networks = canonicalizeNetworks(tg.Networks);
	for (const t of tg.Tasks ?? []) canonicalizeTask(t, job, tg);
}

export interface CanonicalizeOptions {
	/** `job_default_priority`, applied when the job asks for priority 0. */
	defaultPriority: number;
}

/** Server-side canonicalization of a structs.Job, in place; returns the same job. */
export function canonicalizeJob(job: Job, opts: CanonicalizeOptions): Job {
	job.Meta = emptyToNull(job.Meta);
	job.Constraints = emptyToNull(job.Constraints);
	job.Affinities = emptyToNull(job.Affinities);
	job.Spreads = emptyToNull(job.Spreads);
	if (job.Namespace === "") job.Namespace = "default";
	if (!job.Datacenters || job.Datacenters.length === 0) job.Datacenters = ["*"];
	for (const tg of job.TaskGroups ?? []) canonicalizeGroup(tg, job);
	const pj = job.ParameterizedJob;
	if (pj && (pj.Payload as string) === "") pj.Payload = "optional";
	if (job.Multiregion) {
		const m = job.Multiregion as { Strategy: unknown; Regions: unknown };
		if (!m.Strategy) m.Strategy = { MaxParallel: 0, OnFailure: "" };
		if (!m.Regions) m.Regions = [];
	}
	if (job.Priority === 0) job.Priority = opts.defaultPriority;
	if (job.NodePool === "") job.NodePool = "default";
	return job;
}
