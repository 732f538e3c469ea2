// api.Task → structs.Task with the api package's defaults (api Task.Canonicalize followed by
// ApiTaskToStructsTask): resources, kill timeout, logs, artifacts, templates, vault, volume mounts,
// restart policy merged over the group's, scaling policies, identities, actions and schedule.
import { posix } from "node:path";
import type { Resources, RestartPolicy, Task, TaskArtifact, Template } from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import type { ApiRestart, ApiScaling } from "./apiDecode.ts";
import type { ApiResources, ApiTask } from "./apiDecodeJob.ts";
import {
	affinitiesToStructs,
	constraintsToStructs,
	emptyToNull,
	identityToStructs,
	networksToStructs,
	type ServiceOwner,
	servicesToStructs,
} from "./convertParts.ts";
import type { Action, ScalingPolicy, Secret, Vault, VolumeMount, WorkloadIdentity } from "./types.ts";

/** api Resources.Canonicalize + ApiResourcesToStructs (DiskMB is not carried over). */
export function resourcesToStructs(r: ApiResources | undefined): Resources {
	const res = r ?? ({} as Partial<ApiResources>);
	let cpu = res.CPU;
	let cores = res.Cores;
	if (cores === undefined) {
		cores = 0;
		if (cpu === undefined) cpu = 100;
	}
	return {
		CPU: cpu ?? 0,
		Cores: cores,
		MemoryMB: res.MemoryMB ?? 300,
		MemoryMaxMB: res.MemoryMaxMB ?? 0,
		DiskMB: 0,
		IOPS: res.IOPS ?? 0,
		Networks: networksToStructs(res.Networks),
		Devices: res.Devices?.length
			? res.Devices.map((d) => ({
					Name: d.Name ?? "",
					Count: d.Count ?? 1,
					Constraints: constraintsToStructs(d.Constraints),
					Affinities: affinitiesToStructs(d.Affinities),
				}))
			: null,
		NUMA: res.NUMA
			? { Affinity: res.NUMA.Affinity || "none", Devices: res.NUMA.Devices?.length ? [...res.NUMA.Devices] : null }
			: null,
		SecretsMB: res.SecretsMB ?? 0,
	};
}

/** The base policy with the set fields of `r` (api RestartPolicy.Merge). */
export const restartToStructs = (r: ApiRestart | undefined, base: RestartPolicy): RestartPolicy => ({
	Attempts: r?.Attempts ?? base.Attempts,
	Interval: r?.Interval ?? base.Interval,
	Delay: r?.Delay ?? base.Delay,
	Mode: (r?.Mode ?? base.Mode) as RestartPolicy["Mode"],
	RenderTemplates: r?.RenderTemplates ?? base.RenderTemplates,
});

/** ApiScalingPolicyToStructs: Max unset is -1 (caught by validation), Min unset is `count`. */
export function scalingToStructs(
	p: ApiScaling,
	count: number,
	target: { ns: string; job: string; group: string; task?: string },
): ScalingPolicy {
	const t: Record<string, string> = { Namespace: target.ns, Job: target.job, Group: target.group };
	if (target.task !== undefined) t.Task = target.task;
	return {
		ID: "",
		Type: p.Type || "horizontal",
		Target: t,
		Policy: p.Policy ?? null,
		Min: p.Min ?? count,
		Max: p.Max ?? -1,
		Enabled: p.Enabled ?? true,
		CreateIndex: 0,
		ModifyIndex: 0,
	};
}

function artifactsToStructs(as: ApiTask["Artifacts"]): TaskArtifact[] | null {
	if (!as || as.length === 0) return null;
	return as.map((a) => {
		const mode = a.GetterMode ?? "any";
		const source = a.GetterSource ?? "";
		const dest = a.RelativeDest ?? (mode === "file" ? posix.join("local", posix.basename(source)) : "local/");
		return {
			GetterSource: source,
			GetterOptions: emptyToNull(a.GetterOptions),
			GetterHeaders: emptyToNull(a.GetterHeaders),
			GetterMode: mode,
			GetterInsecure: a.GetterInsecure ?? false,
			RelativeDest: dest,
			Chown: a.Chown ?? false,
		};
	});
}

function templatesToStructs(ts: ApiTask["Templates"]): Template[] | null {
	if (!ts || ts.length === 0) return null;
	return ts.map((t) => {
		const mode = t.ChangeMode ?? "restart";
		const cs = t.ChangeScript;
		return {
			SourcePath: t.SourcePath ?? "",
			DestPath: t.DestPath ?? "",
			EmbeddedTmpl: t.EmbeddedTmpl ?? "",
			ChangeMode: mode,
			ChangeSignal: t.ChangeSignal === undefined ? (mode === "signal" ? "SIGHUP" : "") : t.ChangeSignal.toUpperCase(),
			ChangeScript: cs
				? {
						Command: cs.Command ?? "",
						Args: cs.Args ?? [],
						Timeout: cs.Timeout ?? 5 * SECOND,
						FailOnError: cs.FailOnError ?? false,
						RunOnFirstRender: cs.RunOnFirstRender ?? false,
					}
				: null,
			Once: t.Once ?? false,
			Splay: t.Splay ?? 5 * SECOND,
			Perms: t.Perms ?? "0644",
			Uid: t.Uid ?? null,
			Gid: t.Gid ?? null,
			LeftDelim: t.LeftDelim ?? "{{",
			RightDelim: t.RightDelim ?? "}}",
			Envvars: t.Envvars ?? false,
			VaultGrace: t.VaultGrace ?? 0,
			Wait: t.Wait ? { Min: t.Wait.Min ?? null, Max: t.Wait.Max ?? null } : null,
			ErrMissingKey: t.ErrMissingKey ?? false,
		};
	});
}

function vaultToStructs(v: NonNullable<ApiTask["Vault"]>, jobVaultNamespace: string): Vault {
	const ns = v.Namespace ?? "";
	return {
		Role: v.Role ?? "",
		Namespace: ns === "" && jobVaultNamespace !== "" ? jobVaultNamespace : ns,
		Cluster: v.Cluster || "default",
		Env: v.Env ?? true,
		DisableFile: v.DisableFile ?? false,
		ChangeMode: v.ChangeMode ?? "restart",
		ChangeSignal: v.ChangeSignal ?? "SIGHUP",
		AllowTokenExpiration: v.AllowTokenExpiration ?? false,
	};
}

function volumeMountsToStructs(vms: ApiTask["VolumeMounts"]): VolumeMount[] | null {
	if (vms === undefined) return null;
	return vms
		.filter((m) => m.Volume !== undefined)
		.map((m) => ({
			Volume: m.Volume ?? "",
			Destination: m.Destination ?? "",
			ReadOnly: m.ReadOnly ?? false,
			PropagationMode: m.PropagationMode ?? "private",
			SELinuxLabel: m.SELinuxLabel ?? "",
		}));
}

export interface TaskContext extends ServiceOwner {
	namespace: string;
	jobID: string;
	jobVaultNamespace: string;
	groupRestart: RestartPolicy;
}

export function taskToStructs(t: ApiTask, ctx: TaskContext): Task {
	const name = t.Name ?? "";
	const log = t.LogConfig;
	const secrets: Secret[] | null = t.Secrets?.length
		? t.Secrets.map((s) => ({
				Name: s.Name ?? "",
				Provider: s.Provider ?? "",
				Path: s.Path ?? "",
				Config: emptyToNull(s.Config),
				Env: emptyToNull(s.Env),
			}))
		: null;
	const identities: WorkloadIdentity[] | null = t.Identities?.length ? t.Identities.map(identityToStructs) : null;
	const actions: Action[] | null = t.Actions?.length
		? t.Actions.map((a) => ({ Name: a.Name ?? "", Command: a.Command ?? "", Args: a.Args ? [...a.Args] : null }))
		: null;
	const csi = t.CSIPluginConfig;
	const task: Task = {
		Name: name,
		Driver: t.Driver ?? "",
		User: t.User ?? "",
		Config: t.Config ?? null,
		Env: t.Env ?? null,
		Services: servicesToStructs(t.Services, { ...ctx, taskName: name }),
		Vault: t.Vault ? vaultToStructs(t.Vault, ctx.jobVaultNamespace) : null,
		Secrets: secrets,
		Consul: t.Consul
			? {
					Namespace: t.Consul.Namespace ?? "",
					Cluster: t.Consul.Cluster || "default",
					Partition: t.Consul.Partition ?? "",
				}
			: null,
		Templates: templatesToStructs(t.Templates),
		Constraints: constraintsToStructs(t.Constraints),
		Affinities: affinitiesToStructs(t.Affinities),
		Resources: resourcesToStructs(t.Resources),
		RestartPolicy: t.RestartPolicy ? restartToStructs(t.RestartPolicy, ctx.groupRestart) : { ...ctx.groupRestart },
		DispatchPayload: t.DispatchPayload ? { File: t.DispatchPayload.File ?? "" } : null,
		Lifecycle: t.Lifecycle
			? { Hook: (t.Lifecycle.Hook ?? "") as "prestart", Sidecar: t.Lifecycle.Sidecar ?? false }
			: null,
		Meta: t.Meta ?? null,
		KillTimeout: t.KillTimeout ?? 5 * SECOND,
		LogConfig: {
			MaxFiles: log ? (log.MaxFiles ?? 10) : 10,
			MaxFileSizeMB: log ? (log.MaxFileSizeMB ?? 10) : 10,
			Disabled: log?.Disabled ?? false,
		},
		Artifacts: artifactsToStructs(t.Artifacts),
		Leader: t.Leader ?? false,
		ShutdownDelay: t.ShutdownDelay ?? 0,
		VolumeMounts: volumeMountsToStructs(t.VolumeMounts),
		ScalingPolicies: t.ScalingPolicies?.length
			? t.ScalingPolicies.map((p) =>
					scalingToStructs(p, 0, { ns: ctx.namespace, job: ctx.jobID, group: ctx.groupName, task: name }),
				)
			: null,
		KillSignal: t.KillSignal ?? "",
		Kind: t.Kind ?? "",
		CSIPluginConfig: csi
			? {
					ID: csi.ID ?? "",
					Type: csi.Type ?? "",
					MountDir: csi.MountDir || "/csi",
					StagePublishBaseDir: csi.StagePublishBaseDir || "/local/csi",
					HealthTimeout: csi.HealthTimeout || 30 * SECOND,
				}
			: null,
		Identity: t.Identity ? identityToStructs(t.Identity) : null,
		Identities: identities,
		Actions: actions,
		Schedule: t.Schedule?.Cron
			? {
					Cron: {
						Start: t.Schedule.Cron.Start ?? "",
						End: t.Schedule.Cron.End ?? "",
						Timezone: t.Schedule.Cron.Timezone ?? "",
					},
				}
			: null,
	};
	return task;
}
