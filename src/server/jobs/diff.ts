// Job.Diff (nomad/structs/diff.go): the structure Nomad returns from job plan and from
// /v1/job/:id/versions?diffs=true. Groups and tasks are matched by name; primitive fields are
// compared as Go's flatmap prints them; `contextual` also lists unchanged fields of changed objects.
import type { Job, Task, TaskGroup } from "../../api/types/index.ts";
import {
	type DiffType,
	type FieldDiff,
	fieldDiffs,
	flatMap,
	flatPrimitive,
	keyedDiffs,
	type ObjectDiff,
	orNull,
	primitiveSetDiff,
	stringSetDiff,
} from "./diffCore.ts";
import { networkDiffs, resourcesDiff } from "./diffNetwork.ts";
import {
	actionDiffs,
	disconnectDiff,
	idDiff,
	identityDiffs,
	presence,
	scalingDiff,
	secretDiffs,
	structDiff,
	volumeDiffs,
	volumeMountDiffs,
} from "./diffParts.ts";
import { serviceDiffs, templateDiffs } from "./diffService.ts";
import { deepEqual } from "./specChanged.ts";
import type {
	Action,
	Consul,
	DisconnectStrategy,
	JobUIConfig,
	ScalingPolicy,
	Secret,
	Service,
	TaskSchedule,
	Vault,
	VolumeMount,
	VolumeRequest,
	WorkloadIdentity,
} from "./types.ts";

export type { DiffType, FieldDiff, ObjectDiff } from "./diffCore.ts";

export interface TaskDiff {
	Type: DiffType;
	Name: string;
	Fields: FieldDiff[] | null;
	Objects: ObjectDiff[] | null;
	Annotations: string[] | null;
}

export interface TaskGroupDiff {
	Type: DiffType;
	Name: string;
	Fields: FieldDiff[] | null;
	Objects: ObjectDiff[] | null;
	Tasks: TaskDiff[] | null;
	/** Filled by the scheduler's plan annotations (place/update/... counts). */
	Updates: Record<string, number> | null;
}

export interface JobDiff {
	Type: DiffType;
	ID: string;
	Fields: FieldDiff[] | null;
	Objects: ObjectDiff[] | null;
	TaskGroups: TaskGroupDiff[] | null;
}

const JOB_FIELDS = [
	"Stop",
	"Region",
	"Namespace",
	"ParentID",
	"Name",
	"Type",
	"Priority",
	"AllAtOnce",
	"NodePool",
	"Dispatched",
	"DispatchIdempotencyToken",
	"Meta",
	"ConsulNamespace",
	"VaultNamespace",
];
const GROUP_FIELDS = ["Count", "Meta", "PreventRescheduleOnLost"];
const TASK_FIELDS = ["Driver", "User", "Env", "Meta", "KillTimeout", "Leader", "ShutdownDelay", "KillSignal", "Kind"];

const byName = <T extends { Name: string }>(a: T, b: T): number => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);
const constraintID = (c: { LTarget: string; Operand: string; RTarget: string }): string =>
	`${c.LTarget} ${c.Operand} ${c.RTarget}`;

export function taskDiff(old: Task | undefined, neu: Task | undefined, contextual: boolean): TaskDiff {
	const name = (neu ?? old)?.Name ?? "";
	const type: DiffType = !old ? "Added" : !neu ? "Deleted" : deepEqual(old, neu) ? "None" : "Edited";
	const fields = fieldDiffs(
		old ? flatPrimitive(old, [], { only: TASK_FIELDS }) : undefined,
		neu ? flatPrimitive(neu, [], { only: TASK_FIELDS }) : undefined,
		false,
	);
	const objs: ObjectDiff[] = [
		...primitiveSetDiff(old?.Constraints, neu?.Constraints, "Constraint", contextual, constraintID),
		...primitiveSetDiff(
			old?.Affinities,
			neu?.Affinities,
			"Affinity",
			contextual,
			(a) => `${constraintID(a)} ${a.Weight}`,
		),
	];
	const oc = (old?.Config as Record<string, unknown> | null | undefined) ?? null;
	const nc = (neu?.Config as Record<string, unknown> | null | undefined) ?? null;
	if (!deepEqual(oc, nc)) {
		const ct: DiffType =
			Object.keys(oc ?? {}).length === 0 ? "Added" : Object.keys(nc ?? {}).length === 0 ? "Deleted" : "Edited";
		objs.push({
			Type: ct,
			Name: "Config",
			Fields: orNull(fieldDiffs(flatMap(oc), flatMap(nc), contextual)),
			Objects: null,
		});
	}
	const push = (d: ObjectDiff | undefined): void => {
		if (d) objs.push(d);
	};
	push(resourcesDiff(old?.Resources ?? null, neu?.Resources ?? null, contextual));
	push(structDiff(old?.LogConfig, neu?.LogConfig, "LogConfig", contextual));
	push(structDiff(old?.DispatchPayload, neu?.DispatchPayload, "DispatchPayload", contextual));
	objs.push(...primitiveSetDiff(old?.Artifacts, neu?.Artifacts, "Artifact", contextual, (a) => a.RelativeDest));
	objs.push(
		...serviceDiffs(
			(old?.Services as Service[] | null) ?? null,
			(neu?.Services as Service[] | null) ?? null,
			contextual,
		),
	);
	const ov = (old?.Vault as Vault | null | undefined) ?? null;
	const nv = (neu?.Vault as Vault | null | undefined) ?? null;
	const vt = presence(ov, nv);
	if (vt) {
		objs.push({
			Type: vt,
			Name: "Vault",
			Fields: orNull(fieldDiffs(flatPrimitive(ov), flatPrimitive(nv), contextual)),
			Objects: null,
		});
	}
	objs.push(
		...secretDiffs((old?.Secrets as Secret[] | null) ?? null, (neu?.Secrets as Secret[] | null) ?? null, contextual),
	);
	push(structDiff(old?.Consul as Consul | null, neu?.Consul as Consul | null, "Consul", contextual));
	objs.push(...templateDiffs(old?.Templates ?? null, neu?.Templates ?? null, contextual));
	push(
		idDiff(
			(old?.Identity as WorkloadIdentity | null) ?? null,
			(neu?.Identity as WorkloadIdentity | null) ?? null,
			contextual,
		),
	);
	objs.push(
		...identityDiffs(
			(old?.Identities as WorkloadIdentity[] | null) ?? null,
			(neu?.Identities as WorkloadIdentity[] | null) ?? null,
			contextual,
		),
	);
	objs.push(
		...actionDiffs((old?.Actions as Action[] | null) ?? null, (neu?.Actions as Action[] | null) ?? null, contextual),
	);
	objs.push(
		...volumeMountDiffs(
			(old?.VolumeMounts as VolumeMount[] | null) ?? null,
			(neu?.VolumeMounts as VolumeMount[] | null) ?? null,
			contextual,
		),
	);
	const os = (old?.Schedule as TaskSchedule | null | undefined) ?? null;
	const ns = (neu?.Schedule as TaskSchedule | null | undefined) ?? null;
	if (!deepEqual(os, ns)) push(structDiff(os?.Cron, ns?.Cron, "Schedule", contextual));
	return { Type: type, Name: name, Fields: orNull(fields), Objects: orNull(objs), Annotations: null };
}

export function groupDiff(old: TaskGroup | undefined, neu: TaskGroup | undefined, contextual: boolean): TaskGroupDiff {
	const name = (neu ?? old)?.Name ?? "";
	const type: DiffType = !old ? "Added" : !neu ? "Deleted" : deepEqual(old, neu) ? "None" : "Edited";
	const flat = (tg: TaskGroup | undefined) => (tg ? flatPrimitive(tg, [], { only: GROUP_FIELDS }) : undefined);
	const of = flat(old);
	const nf = flat(neu);
	if (of && nf) {
		of.ShutdownDelay = old?.ShutdownDelay === null || old?.ShutdownDelay === undefined ? "" : String(old.ShutdownDelay);
		nf.ShutdownDelay = neu?.ShutdownDelay === null || neu?.ShutdownDelay === undefined ? "" : String(neu.ShutdownDelay);
	}
	const objs: ObjectDiff[] = [
		...primitiveSetDiff(old?.Constraints, neu?.Constraints, "Constraint", contextual, constraintID),
		...primitiveSetDiff(
			old?.Affinities,
			neu?.Affinities,
			"Affinity",
			contextual,
			(a) => `${constraintID(a)} ${a.Weight}`,
		),
	];
	const push = (d: ObjectDiff | undefined): void => {
		if (d) objs.push(d);
	};
	push(structDiff(old?.RestartPolicy, neu?.RestartPolicy, "RestartPolicy", contextual));
	push(structDiff(old?.Migrate, neu?.Migrate, "Migrate", contextual));
	push(structDiff(old?.ReschedulePolicy, neu?.ReschedulePolicy, "ReschedulePolicy", contextual));
	push(structDiff(old?.EphemeralDisk, neu?.EphemeralDisk, "EphemeralDisk", contextual));
	push(structDiff(old?.Consul, neu?.Consul, "Consul", contextual));
	push(structDiff(old?.Update, neu?.Update, "Update", contextual, ["Stagger"]));
	push(
		disconnectDiff(
			(old?.Disconnect as DisconnectStrategy | null) ?? null,
			(neu?.Disconnect as DisconnectStrategy | null) ?? null,
			contextual,
		),
	);
	objs.push(...networkDiffs(old?.Networks ?? null, neu?.Networks ?? null, contextual));
	push(
		scalingDiff(
			(old?.Scaling as ScalingPolicy | null) ?? null,
			(neu?.Scaling as ScalingPolicy | null) ?? null,
			contextual,
		),
	);
	objs.push(
		...serviceDiffs(
			(old?.Services as Service[] | null) ?? null,
			(neu?.Services as Service[] | null) ?? null,
			contextual,
		),
	);
	objs.push(
		...volumeDiffs(
			(old?.Volumes as Record<string, VolumeRequest> | null) ?? null,
			(neu?.Volumes as Record<string, VolumeRequest> | null) ?? null,
			contextual,
		),
	);
	const tasks = keyedDiffs(
		old?.Tasks,
		neu?.Tasks,
		(t) => t.Name,
		(o, n) => taskDiff(o, n, contextual),
	).sort(byName);
	return {
		Type: type,
		Name: name,
		Fields: orNull(fieldDiffs(of, nf, false)),
		Objects: orNull(objs),
		Tasks: orNull(tasks),
		Updates: null,
	};
}

function uiDiff(old: JobUIConfig | null, neu: JobUIConfig | null, contextual: boolean): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const ol = old?.Links ?? [];
	const nl = neu?.Links ?? [];
	const links: ObjectDiff[] = [];
	const empty = { Label: "", Url: "" };
	for (let i = 0; i < Math.max(ol.length, nl.length); i++) {
		const o = ol[i] ?? empty;
		const n = nl[i] ?? empty;
		if (deepEqual(o, n)) continue;
		const lt: DiffType = i >= nl.length ? "Deleted" : i >= ol.length ? "Added" : "Edited";
		links.push({
			Type: lt,
			Name: "Link",
			Fields: orNull(fieldDiffs(flatPrimitive(o), flatPrimitive(n), contextual)),
			Objects: null,
		});
	}
	return {
		Type: type,
		Name: "UI",
		Fields: orNull(fieldDiffs(flatPrimitive(old), flatPrimitive(neu), contextual)),
		Objects: orNull(links),
	};
}

/**
 * Job.Diff. `old` null diffs against nothing (everything Added). Throws when the IDs differ, as
 * Nomad refuses to diff jobs with different IDs.
 */
export function jobDiff(old: Job | null, neu: Job | null, contextual: boolean): JobDiff {
	if (!old && !neu) return { Type: "None", ID: "", Fields: null, Objects: null, TaskGroups: null };
	if (old && neu && old.ID !== neu.ID)
		throw new Error(`can not diff jobs with different IDs: "${old.ID}" and "${neu.ID}"`);
	const type: DiffType = !old ? "Added" : !neu ? "Deleted" : "None";
	const flat = (j: Job | null) => (j ? flatPrimitive(j, [], { only: JOB_FIELDS }) : undefined);
	const fields = fieldDiffs(flat(old), flat(neu), false);
	const objs: ObjectDiff[] = [];
	const dcs = stringSetDiff(old?.Datacenters, neu?.Datacenters, "Datacenters", contextual);
	if (dcs && dcs.Type !== "None") objs.push(dcs);
	objs.push(...primitiveSetDiff(old?.Constraints, neu?.Constraints, "Constraint", contextual, constraintID));
	objs.push(
		...primitiveSetDiff(
			old?.Affinities,
			neu?.Affinities,
			"Affinity",
			contextual,
			(a) => `${constraintID(a)} ${a.Weight}`,
		),
	);
	const groups = keyedDiffs(
		old?.TaskGroups,
		neu?.TaskGroups,
		(g) => g.Name,
		(o, n) => groupDiff(o, n, contextual),
	).sort(byName);
	const pt = presence(old?.Periodic, neu?.Periodic);
	if (pt) {
		const op = old?.Periodic;
		const np = neu?.Periodic;
		const sub: ObjectDiff[] = [];
		const specs = stringSetDiff(op?.Specs, np?.Specs, "Specs", contextual);
		if (specs && specs.Type !== "None") sub.push(specs);
		objs.push({
			Type: pt,
			Name: "Periodic",
			Fields: orNull(fieldDiffs(flatPrimitive(op), flatPrimitive(np), contextual)),
			Objects: orNull(sub),
		});
	}
	const pjt = presence(old?.ParameterizedJob, neu?.ParameterizedJob);
	if (pjt) {
		const op = old?.ParameterizedJob;
		const np = neu?.ParameterizedJob;
		const sub: ObjectDiff[] = [];
		const opt = stringSetDiff(op?.MetaOptional, np?.MetaOptional, "MetaOptional", contextual);
		if (opt) sub.push(opt);
		const req = stringSetDiff(op?.MetaRequired, np?.MetaRequired, "MetaRequired", contextual);
		if (req) sub.push(req);
		objs.push({
			Type: pjt,
			Name: "ParameterizedJob",
			Fields: orNull(fieldDiffs(flatPrimitive(op), flatPrimitive(np), contextual)),
			Objects: orNull(sub),
		});
	}
	const ui = uiDiff((old?.UI as JobUIConfig | null) ?? null, (neu?.UI as JobUIConfig | null) ?? null, contextual);
	if (ui) objs.push(ui);
	let finalType: DiffType = type;
	if (finalType === "None") {
		const changed =
			fields.some((f) => f.Type !== "None") ||
			objs.some((o) => o.Type !== "None") ||
			groups.some((g) => g.Type !== "None");
		if (changed) finalType = "Edited";
	}
	return {
		Type: finalType,
		ID: (neu ?? old)?.ID ?? "",
		Fields: orNull(fields),
		Objects: orNull(objs),
		TaskGroups: orNull(groups),
	};
}
