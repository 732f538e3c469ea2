// Diffs of services (with their checks, identity and weights) and templates, which Nomad pairs up
// heuristically since they have no stable identifier (nomad/structs/diff.go).
import type { Template } from "../../api/types/index.ts";
import {
	type DiffType,
	fieldDiffs,
	flatFull,
	flatMap,
	flatPrimitive,
	keyedDiffs,
	newObject,
	type ObjectDiff,
	sortObjects,
	stringSetDiff,
} from "./diffCore.ts";
import { idDiff, presence, push } from "./diffParts.ts";
import { deepEqual } from "./specChanged.ts";
import type { ChangeScript, Service, ServiceCheck, WaitConfig } from "./types.ts";

function checkDiff(
	old: ServiceCheck | undefined,
	neu: ServiceCheck | undefined,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const objs: ObjectDiff[] = [];
	const oh = old?.Header;
	const nh = neu?.Header;
	if (!deepEqual(oh ?? null, nh ?? null)) {
		const ht: DiffType =
			Object.keys(oh ?? {}).length === 0 ? "Added" : Object.keys(nh ?? {}).length === 0 ? "Deleted" : "Edited";
		const of = ht === "Added" ? undefined : flatMap(oh);
		const nf = ht === "Deleted" ? undefined : flatMap(nh);
		objs.push(newObject(ht, "Header", fieldDiffs(of, nf, contextual)));
	}
	const crType = presence(old?.CheckRestart, neu?.CheckRestart);
	if (crType) {
		objs.push(
			newObject(
				crType,
				"CheckRestart",
				fieldDiffs(flatPrimitive(old?.CheckRestart), flatPrimitive(neu?.CheckRestart), contextual),
			),
		);
	}
	return newObject(type, "Check", fieldDiffs(flatPrimitive(old), flatPrimitive(neu), contextual), objs);
}

function weightsDiff(old: Service["Weights"], neu: Service["Weights"], contextual: boolean): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const flat = (w: Service["Weights"]): Record<string, string> | undefined => {
		if (!w) return undefined;
		const m: Record<string, string> = {};
		if (w.Passing > 0) m.Passing = String(w.Passing);
		if (w.Warning > 0) m.Warning = String(w.Warning);
		return m;
	};
	return newObject(type, "Weights", fieldDiffs(flat(old), flat(neu), contextual));
}

function serviceDiff(old: Service | undefined, neu: Service | undefined, contextual: boolean): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const objs: ObjectDiff[] = [];
	push(objs, stringSetDiff(old?.CanaryTags, neu?.CanaryTags, "CanaryTags", contextual));
	push(objs, stringSetDiff(old?.Tags, neu?.Tags, "Tags", contextual));
	objs.push(
		...sortObjects(
			keyedDiffs(
				old?.Checks,
				neu?.Checks,
				(c) => c.Name,
				(o, n) => checkDiff(o, n, contextual),
			),
		),
	);
	const connectType = presence(old?.Connect, neu?.Connect);
	if (connectType) {
		objs.push(
			newObject(
				connectType,
				"ConsulConnect",
				fieldDiffs(flatPrimitive(old?.Connect), flatPrimitive(neu?.Connect), contextual),
			),
		);
	}
	push(objs, idDiff(old?.Identity ?? null, neu?.Identity ?? null, contextual));
	push(objs, weightsDiff(old?.Weights ?? null, neu?.Weights ?? null, contextual));
	return newObject(type, "Service", fieldDiffs(flatPrimitive(old), flatPrimitive(neu), contextual), objs);
}

/** serviceDiffs: services have no identity, so they are paired by position, port and name. */
export function serviceDiffs(old: Service[] | null, neu: Service[] | null, contextual: boolean): ObjectDiff[] {
	const o = old ?? [];
	const n = neu ?? [];
	if (o.length === 1 && n.length === 1) {
		const d = serviceDiff(o[0], n[0], contextual);
		return d ? [d] : [];
	}
	const newMatches = n.map(() => -1);
	const out: ObjectDiff[] = [];
	o.forEach((svc, oi) => {
		let best = 0;
		let match = -1;
		n.forEach((s, i) => {
			if (newMatches[i] >= 0) return;
			const score = (i === oi ? 1 : 0) + (svc.PortLabel === s.PortLabel ? 2 : 0) + (svc.Name === s.Name ? 3 : 0);
			if (score > 2 && score > best) {
				best = score;
				match = i;
			}
		});
		if (match < 0) {
			const d = serviceDiff(svc, undefined, contextual);
			if (d) out.push(d);
			return;
		}
		newMatches[match] = oi;
		const d = serviceDiff(svc, n[match], contextual);
		if (d) out.push(d);
	});
	newMatches.forEach((m, i) => {
		if (m !== -1) return;
		const d = serviceDiff(undefined, n[i], contextual);
		if (d) out.push(d);
	});
	return sortObjects(out);
}

function templateDiff(
	old: Template | undefined,
	neu: Template | undefined,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const withIds = (t: Template | undefined): Record<string, string> | undefined => {
		if (!t) return undefined;
		const f = flatPrimitive(t, [], { skip: ["Uid", "Gid"] });
		if (t.Uid !== null) f.Uid = String(t.Uid);
		if (t.Gid !== null) f.Gid = String(t.Gid);
		return f;
	};
	const objs: ObjectDiff[] = [];
	const ow = old?.Wait as WaitConfig | null | undefined;
	const nw = neu?.Wait as WaitConfig | null | undefined;
	const wt = presence(ow, nw);
	if (wt) {
		// Nomad names the wait block's diff "Template".
		objs.push(
			newObject(wt, "Template", fieldDiffs(ow ? flatFull(ow) : undefined, nw ? flatFull(nw) : undefined, contextual)),
		);
	}
	const oc = old?.ChangeScript as ChangeScript | null | undefined;
	const nc = neu?.ChangeScript as ChangeScript | null | undefined;
	const ct = presence(oc, nc);
	if (ct) {
		const sub: ObjectDiff[] = [];
		push(sub, stringSetDiff(oc?.Args, nc?.Args, "Args", contextual));
		objs.push(newObject(ct, "ChangeScript", fieldDiffs(flatPrimitive(oc), flatPrimitive(nc), contextual), sub));
	}
	return newObject(type, "Template", fieldDiffs(withIds(old), withIds(neu), contextual), objs);
}

/** templateDiffs: templates are paired by destination path. */
export function templateDiffs(old: Template[] | null, neu: Template[] | null, contextual: boolean): ObjectDiff[] {
	const o = old ?? [];
	const n = neu ?? [];
	if (o.length === 1 && n.length === 1) {
		const d = templateDiff(o[0], n[0], contextual);
		return d ? [d] : [];
	}
	const newMatches = n.map(() => -1);
	const out: ObjectDiff[] = [];
	o.forEach((t, oi) => {
		const match = n.findIndex((x, i) => newMatches[i] < 0 && x.DestPath === t.DestPath);
		if (match >= 0) newMatches[match] = oi;
		const d = templateDiff(t, match >= 0 ? n[match] : undefined, contextual);
		if (d) out.push(d);
	});
	newMatches.forEach((m, i) => {
		if (m !== -1) return;
		const d = templateDiff(undefined, n[i], contextual);
		if (d) out.push(d);
	});
	return sortObjects(out);
}
