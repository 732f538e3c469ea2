// api.Job → structs.Job as Nomad's HTTP agent does it: api Job/TaskGroup Canonicalize (client-side
// defaults; job-level update/reschedule/migrate merged into groups) then ApiJobToStructJob.
import type {
	EphemeralDisk,
	Job,
	JobType,
	MigrateStrategy,
	ParameterizedJobConfig,
	PeriodicConfig,
	ReschedulePolicy,
	RestartPolicy,
	TaskGroup,
	UpdateStrategy,
} from "../../api/types/index.ts";
import { HOUR, MINUTE, SECOND } from "../../lib/duration.ts";
import type { ApiMigrate, ApiReschedule, ApiUpdate } from "./apiDecode.ts";
import type { ApiGroup, ApiJob } from "./apiDecodeJob.ts";
import {
	affinitiesToStructs,
	constraintsToStructs,
	networksToStructs,
	servicesToStructs,
	spreadsToStructs,
} from "./convertParts.ts";
import { restartToStructs, scalingToStructs, taskToStructs } from "./convertTask.ts";
import type { DisconnectStrategy, JobUIConfig, Multiregion, VolumeRequest } from "./types.ts";

/** A decoded api struct with every field set. */
type Filled<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

const DEFAULT_UPDATE: Filled<ApiUpdate> = {
	Stagger: 30 * SECOND,
	MaxParallel: 1,
	HealthCheck: "checks",
	MinHealthyTime: 10 * SECOND,
	HealthyDeadline: 5 * MINUTE,
	ProgressDeadline: 10 * MINUTE,
	Canary: 0,
	AutoRevert: false,
	AutoPromote: false,
};

/** Fills unset fields (pointer-wise merge: `over`'s set fields win). */
const merge = <T extends object>(base: T, over: { [K in keyof T]?: unknown } | undefined): T => {
	const out = { ...base };
	if (over) for (const [k, v] of Object.entries(over)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
	return out;
};

const updateIsEmpty = (u: ApiUpdate): boolean =>
	!u.Stagger &&
	!u.MaxParallel &&
	!u.HealthCheck &&
	!u.MinHealthyTime &&
	!u.HealthyDeadline &&
	!u.ProgressDeadline &&
	!u.AutoRevert &&
	!u.AutoPromote &&
	!u.Canary;

export const serviceRestart: RestartPolicy = {
	Attempts: 2,
	Interval: 30 * MINUTE,
	Delay: 15 * SECOND,
	Mode: "fail",
	RenderTemplates: false,
};
export const batchRestart: RestartPolicy = {
	Attempts: 3,
	Interval: 24 * HOUR,
	Delay: 15 * SECOND,
	Mode: "fail",
	RenderTemplates: false,
};
export const serviceReschedule: ReschedulePolicy = {
	Attempts: 0,
	Interval: 0,
	Delay: 30 * SECOND,
	DelayFunction: "exponential",
	MaxDelay: HOUR,
	Unlimited: true,
};
export const batchReschedule: ReschedulePolicy = {
	Attempts: 1,
	Interval: 24 * HOUR,
	Delay: 5 * SECOND,
	DelayFunction: "constant",
	MaxDelay: 0,
	Unlimited: false,
};
/** api NewDefaultReschedulePolicy for any other type (all zero). */
const zeroReschedule = {
	Attempts: 0,
	Interval: 0,
	Delay: 0,
	DelayFunction: "",
	MaxDelay: 0,
	Unlimited: false,
} as unknown as ReschedulePolicy;
export const defaultMigrate: MigrateStrategy = {
	MaxParallel: 1,
	HealthCheck: "checks",
	MinHealthyTime: 10 * SECOND,
	HealthyDeadline: 5 * MINUTE,
};

function groupReschedule(jobType: string, job?: ApiReschedule, tg?: ApiReschedule): ReschedulePolicy | null {
	if (!job && !tg && (jobType === "system" || jobType === "sysbatch")) return null;
	const base = jobType === "service" ? serviceReschedule : jobType === "batch" ? batchReschedule : zeroReschedule;
	return merge(merge(base, job), tg);
}

function groupMigrate(jobType: string, job?: ApiMigrate, tg?: ApiMigrate): MigrateStrategy | null {
	if (!job && !tg && jobType !== "service") return null;
	return merge(merge(defaultMigrate, job), tg);
}

function groupUpdate(job?: Filled<ApiUpdate>, tg?: ApiUpdate): UpdateStrategy | null {
	let u: ApiUpdate | undefined;
	if (job && tg) u = merge<ApiUpdate>(job, tg);
	else if (job && !updateIsEmpty(job)) u = { ...job };
	else u = tg;
	if (!u) return null;
	const c = merge(DEFAULT_UPDATE, u);
	return {
		Stagger: c.Stagger,
		MaxParallel: c.MaxParallel,
		HealthCheck: c.HealthCheck as UpdateStrategy["HealthCheck"],
		MinHealthyTime: c.MinHealthyTime,
		HealthyDeadline: c.HealthyDeadline,
		ProgressDeadline: c.ProgressDeadline,
		AutoRevert: c.AutoRevert,
		AutoPromote: c.AutoPromote,
		Canary: c.Canary,
	};
}

interface JobContext {
	job: ApiJob;
	id: string;
	name: string;
	namespace: string;
	type: string;
	update?: Filled<ApiUpdate>;
}

function groupToStructs(g: ApiGroup, ctx: JobContext): TaskGroup {
	const { job, type } = ctx;
	const name = g.Name ?? "";
	const count = g.Count ?? (g.Scaling?.Min !== undefined ? g.Scaling.Min : 1);
	const restart = restartToStructs(
		g.RestartPolicy,
		type === "service" || type === "system" ? serviceRestart : batchRestart,
	);
	const disk: EphemeralDisk = {
		Sticky: g.EphemeralDisk?.Sticky ?? false,
		SizeMB: g.EphemeralDisk?.SizeMB ?? 300,
		Migrate: g.EphemeralDisk?.Migrate ?? false,
	};
	let volumes: Record<string, VolumeRequest> | null = null;
	if (g.Volumes && Object.keys(g.Volumes).length > 0) {
		volumes = {};
		for (const [k, v] of Object.entries(g.Volumes)) {
			// Only host and csi volumes are understood; others are dropped silently, as Nomad does.
			if (v.Type !== "host" && v.Type !== "csi") continue;
			volumes[k] = {
				Name: v.Name ?? "",
				Type: v.Type,
				Source: v.Source ?? "",
				ReadOnly: v.ReadOnly ?? false,
				Sticky: v.Sticky ?? false,
				AccessMode: v.AccessMode ?? "",
				AttachmentMode: v.AttachmentMode ?? "",
				MountOptions: v.MountOptions
					? { FSType: v.MountOptions.FSType ?? "", MountFlags: v.MountOptions.MountFlags ?? null }
					: null,
				PerAlloc: v.PerAlloc ?? false,
			};
		}
	}
	const d = g.Disconnect;
	const disconnect: DisconnectStrategy | null = d
		? {
				LostAfter: d.LostAfter ?? 0,
				StopOnClientAfter: d.StopOnClientAfter ?? null,
				Replace: d.Replace ?? true,
				Reconcile: d.Reconcile ?? "best_score",
			}
		: null;
	const owner = { jobName: ctx.name, groupName: name };
	const consulNs = job.ConsulNamespace ?? "";
	return {
		Name: name,
		Count: count,
		Update: groupUpdate(ctx.update, g.Update),
		Migrate: groupMigrate(type, job.Migrate, g.Migrate),
		Constraints: constraintsToStructs(g.Constraints),
		Scaling: g.Scaling ? scalingToStructs(g.Scaling, count, { ns: ctx.namespace, job: ctx.id, group: name }) : null,
		RestartPolicy: restart,
		Disconnect: disconnect,
		// A group without tasks keeps a nil list (validation reports it).
		Tasks: (g.Tasks?.length
			? g.Tasks.map((t) =>
					taskToStructs(t, {
						...owner,
						namespace: ctx.namespace,
						jobID: ctx.id,
						jobVaultNamespace: job.VaultNamespace ?? "",
						groupRestart: restart,
					}),
				)
			: null) as TaskGroup["Tasks"],
		EphemeralDisk: disk,
		Meta: g.Meta ?? null,
		ReschedulePolicy: groupReschedule(type, job.Reschedule, g.ReschedulePolicy),
		Affinities: affinitiesToStructs(g.Affinities),
		Spreads: spreadsToStructs(g.Spreads),
		Networks: networksToStructs(g.Networks),
		Consul: g.Consul
			? {
					Namespace: g.Consul.Namespace || consulNs,
					Cluster: g.Consul.Cluster || "default",
					Partition: g.Consul.Partition ?? "",
				}
			: null,
		Services: servicesToStructs(g.Services, owner),
		Volumes: volumes,
		ShutdownDelay: g.ShutdownDelay ?? null,
		MaxRunDuration: g.MaxRunDuration ?? null,
		// Deprecated fields: ignored by the conversion since Nomad 1.10.
		StopAfterClientDisconnect: null,
		MaxClientDisconnect: null,
		PreventRescheduleOnLost: false,
	};
}

/** Where the HTTP agent puts the job (regionForJob / namespaceForJob in job_endpoint.go). */
export interface Placement {
	/** The agent's region. */
	agentRegion: string;
	/** Region from the request (?region= or the body's Region), which wins over the job's. */
	requestRegion?: string;
	/** Namespace from the request (?namespace= or the body's Namespace), which wins over the job's. */
	requestNamespace?: string;
}

/** The job's region: request, else the job's; "global" or none means the agent's; multiregion is "global". */
function jobRegion(job: ApiJob, p: Placement): string {
	if (job.Multiregion) return "global";
	const r = p.requestRegion || job.Region || "";
	return r === "" || r === "global" ? p.agentRegion : r;
}

export function apiJobToStructsRaw(job: ApiJob, placement: Placement): Job {
	const id = job.ID ?? "";
	const name = job.Name ?? id;
	const type = job.Type ?? "service";
	const namespace = placement.requestNamespace || job.Namespace || "default";
	let update: Filled<ApiUpdate> | undefined;
	if (job.Update) update = merge(DEFAULT_UPDATE, job.Update);
	else if (type === "service" || type === "system") update = { ...DEFAULT_UPDATE };
	const p = job.Periodic;
	const periodic: PeriodicConfig | null = p
		? {
				Enabled: p.Enabled ?? true,
				Spec: p.Spec ?? "",
				Specs: p.Specs ?? [],
				SpecType: (p.SpecType ?? "cron") as "cron",
				ProhibitOverlap: p.ProhibitOverlap ?? false,
				TimeZone: p.TimeZone || "UTC",
			}
		: null;
	const pj = job.ParameterizedJob;
	const parameterized: ParameterizedJobConfig | null = pj
		? {
				Payload: (pj.Payload ?? "") as "optional",
				MetaRequired: pj.MetaRequired ?? null,
				MetaOptional: pj.MetaOptional ?? null,
			}
		: null;
	const mr = job.Multiregion;
	const multiregion: Multiregion | null = mr
		? {
				Strategy: { MaxParallel: mr.Strategy?.MaxParallel ?? 0, OnFailure: mr.Strategy?.OnFailure ?? "" },
				Regions: (mr.Regions ?? []).map((r) => ({
					Name: r.Name ?? "",
					Count: r.Count ?? 1,
					Datacenters: r.Datacenters ?? [],
					NodePool: r.NodePool ?? "",
					Meta: r.Meta ?? {},
				})),
			}
		: null;
	const ui: JobUIConfig | null = job.UI
		? {
				Description: job.UI.Description ?? "",
				Links: job.UI.Links?.length ? job.UI.Links.map((l) => ({ Label: l.Label ?? "", Url: l.URL ?? "" })) : null,
			}
		: null;
	// Only stagger and max_parallel stay at the job level; the rest lives in the groups.
	const jobUpdate: UpdateStrategy = {
		Stagger: 0,
		MaxParallel: 0,
		HealthCheck: "" as UpdateStrategy["HealthCheck"],
		MinHealthyTime: 0,
		HealthyDeadline: 0,
		ProgressDeadline: 0,
		AutoRevert: false,
		AutoPromote: false,
		Canary: 0,
	};
	if (update && update.MaxParallel > 0) {
		jobUpdate.Stagger = update.Stagger;
		jobUpdate.MaxParallel = update.MaxParallel;
	}
	const ctx: JobContext = { job, id, name, namespace, type, update };
	const groups = job.TaskGroups?.length ? job.TaskGroups.map((g) => groupToStructs(g, ctx)) : null;
	const vt = job.VersionTag;
	return {
		Stop: job.Stop ?? false,
		Region: jobRegion(job, placement),
		Namespace: namespace,
		ID: id,
		ParentID: "",
		Name: name,
		Type: type as JobType,
		Priority: job.Priority ?? 50,
		AllAtOnce: job.AllAtOnce ?? false,
		Datacenters: job.Datacenters ?? (null as unknown as string[]),
		NodePool: job.NodePool ?? "",
		Constraints: constraintsToStructs(job.Constraints),
		Affinities: affinitiesToStructs(job.Affinities),
		Spreads: spreadsToStructs(job.Spreads),
		TaskGroups: groups as TaskGroup[],
		Update: jobUpdate,
		Multiregion: multiregion,
		Periodic: periodic,
		ParameterizedJob: parameterized,
		Dispatched: false,
		DispatchIdempotencyToken: "",
		Payload: job.Payload ?? null,
		Meta: job.Meta ?? null,
		ConsulNamespace: "",
		VaultNamespace: job.VaultNamespace ?? "",
		NomadTokenID: "",
		Status: "" as Job["Status"],
		StatusDescription: "",
		Stable: false,
		Version: job.Version ?? 0,
		SubmitTime: 0,
		CreateIndex: 0,
		ModifyIndex: 0,
		JobModifyIndex: 0,
		UI: ui,
		VersionTag: vt ? { Name: vt.Name ?? "", Description: vt.Description ?? "", TaggedTime: vt.TaggedTime ?? 0 } : null,
	};
}
