// Diffs of the blocks inside groups and tasks (nomad/structs/diff.go): identities, secrets, actions,
// volume mounts, volumes, scaling policy, disconnect strategy; shared helpers for the others.
import {
	type DiffType,
	type FieldDiff,
	fieldDiffs,
	flatFull,
	flatMap,
	flatPrimitive,
	keyedDiffs,
	newObject,
	type ObjectDiff,
	primitiveDiff,
	sortObjects,
	stringSetDiff,
} from "./diffCore.ts";
import { deepEqual } from "./specChanged.ts";
import type {
	Action,
	DisconnectStrategy,
	ScalingPolicy,
	Secret,
	VolumeMount,
	VolumeRequest,
	WorkloadIdentity,
} from "./types.ts";

/** Added / Deleted / Edited by which side is missing; undefined when both are deeply equal. */
export function presence(old: unknown, neu: unknown): DiffType | undefined {
	if (deepEqual(old ?? null, neu ?? null)) return undefined;
	return old === null || old === undefined ? "Added" : neu === null || neu === undefined ? "Deleted" : "Edited";
}

export const push = (objs: ObjectDiff[], d: ObjectDiff | undefined): void => {
	if (d) objs.push(d);
};

export function idDiff(
	old: WorkloadIdentity | null,
	neu: WorkloadIdentity | null,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const objs: ObjectDiff[] = [];
	push(objs, stringSetDiff(old?.Audience, neu?.Audience, "Audience", contextual));
	return newObject(type, "Identity", fieldDiffs(flatPrimitive(old), flatPrimitive(neu), contextual), objs);
}

export const identityDiffs = (
	old: WorkloadIdentity[] | null,
	neu: WorkloadIdentity[] | null,
	contextual: boolean,
): ObjectDiff[] =>
	sortObjects(
		keyedDiffs(
			old,
			neu,
			(w) => w.Name,
			(o, n) => idDiff(o ?? null, n ?? null, contextual),
		),
	);

export const secretDiffs = (old: Secret[] | null, neu: Secret[] | null, contextual: boolean): ObjectDiff[] =>
	sortObjects(
		keyedDiffs(
			old,
			neu,
			(s) => s.Name,
			(o, n) => {
				const type = presence(o, n);
				if (!type) return undefined;
				const flat = (s: Secret | undefined) =>
					s ? flatFull(s, ["Config", "Env"]) : flatFull({ Name: "", Provider: "", Path: "" });
				return newObject(type, "Secret", fieldDiffs(flat(o), flat(n), contextual));
			},
		),
	);

/** Diffs of two lists paired by index (actions, volume mounts). */
function indexDiffs<T>(
	old: T[] | null,
	neu: T[] | null,
	diff: (o: T | undefined, n: T | undefined) => ObjectDiff | undefined,
): ObjectDiff[] {
	const o = old ?? [];
	const n = neu ?? [];
	const out: ObjectDiff[] = [];
	for (let i = 0; i < Math.max(o.length, n.length); i++) {
		const d = diff(o[i], n[i]);
		if (d) out.push(d);
	}
	return sortObjects(out);
}

export const actionDiffs = (old: Action[] | null, neu: Action[] | null, contextual: boolean): ObjectDiff[] =>
	indexDiffs(old, neu, (o, n) => {
		const type = presence(o, n);
		if (!type) return undefined;
		const objs: ObjectDiff[] = [];
		push(objs, stringSetDiff(o?.Args, n?.Args, "Args", contextual));
		return newObject(type, "Action", fieldDiffs(flatPrimitive(o), flatPrimitive(n), contextual), objs);
	});

export const volumeMountDiffs = (
	old: VolumeMount[] | null,
	neu: VolumeMount[] | null,
	contextual: boolean,
): ObjectDiff[] =>
	indexDiffs(old, neu, (o, n) => {
		const type = presence(o, n);
		return type
			? newObject(type, "VolumeMount", fieldDiffs(flatPrimitive(o), flatPrimitive(n), contextual))
			: undefined;
	});

export function volumeDiffs(
	old: Record<string, VolumeRequest> | null,
	neu: Record<string, VolumeRequest> | null,
	contextual: boolean,
): ObjectDiff[] {
	if (deepEqual(old ?? null, neu ?? null)) return [];
	const out: ObjectDiff[] = [];
	const one = (o: VolumeRequest | undefined, n: VolumeRequest | undefined): void => {
		const type = presence(o, n);
		if (!type) return;
		const objs: ObjectDiff[] = [];
		const mt = presence(o?.MountOptions, n?.MountOptions);
		if (mt) {
			const sub: ObjectDiff[] = [];
			push(sub, stringSetDiff(o?.MountOptions?.MountFlags, n?.MountOptions?.MountFlags, "MountFlags", contextual));
			objs.push(
				newObject(
					mt,
					"MountOptions",
					fieldDiffs(flatPrimitive(o?.MountOptions), flatPrimitive(n?.MountOptions), contextual),
					sub,
				),
			);
		}
		out.push(newObject(type, "Volume", fieldDiffs(flatPrimitive(o), flatPrimitive(n), contextual), objs));
	};
	for (const [name, o] of Object.entries(old ?? {})) one(o, neu?.[name]);
	for (const [name, n] of Object.entries(neu ?? {})) if (!Object.hasOwn(old ?? {}, name)) one(undefined, n);
	return out;
}

/** scalingDiff: Nomad lists the policy's fields without context whatever `contextual` says. */
export function scalingDiff(
	old: ScalingPolicy | null,
	neu: ScalingPolicy | null,
	_contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const filter = ["CreateIndex", "ModifyIndex", "ID", "Type", "Target[Job]", "Target[Group]", "Target[Namespace]"];
	const objs: ObjectDiff[] = [];
	const op = old?.Policy ?? null;
	const np = neu?.Policy ?? null;
	if (!deepEqual(op, np)) {
		const pt: DiffType =
			Object.keys(op ?? {}).length === 0 ? "Added" : Object.keys(np ?? {}).length === 0 ? "Deleted" : "Edited";
		objs.push(newObject(pt, "Policy", fieldDiffs(flatMap(op), flatMap(np), false)));
	}
	const fields: FieldDiff[] = fieldDiffs(
		old ? flatPrimitive(old, filter) : undefined,
		neu ? flatPrimitive(neu, filter) : undefined,
		false,
	);
	return newObject(type, "Scaling", fields, sortObjects(objs));
}

export function disconnectDiff(
	old: DisconnectStrategy | null,
	neu: DisconnectStrategy | null,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	return newObject(
		type,
		"Disconnect",
		fieldDiffs(old ? flatFull(old) : undefined, neu ? flatFull(neu) : undefined, contextual),
	);
}

/** primitiveObjectDiff of two (possibly missing) structs. */
export const structDiff = (
	old: unknown,
	neu: unknown,
	name: string,
	contextual: boolean,
	filter: readonly string[] = [],
): ObjectDiff | undefined =>
	primitiveDiff(
		old ? flatPrimitive(old, filter) : undefined,
		neu ? flatPrimitive(neu, filter) : undefined,
		name,
		contextual,
	);
