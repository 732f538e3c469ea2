// Diffs of task resources, networks and ports (nomad/structs/diff.go Resources.Diff,
// NetworkResource.Diff, networkResourceDiffs, portDiffs).
import type { NetworkResource, Port, Resources } from "../../api/types/index.ts";
import {
	fieldDiffs,
	flatMap,
	flatPrimitive,
	hashKey,
	keyedDiffs,
	newObject,
	type ObjectDiff,
	primitiveDiff,
	sortObjects,
} from "./diffCore.ts";
import { presence, push } from "./diffParts.ts";
import { deepEqual } from "./specChanged.ts";

const PORT_ZERO = { Label: "", Value: 0, To: 0, HostNetwork: "", IgnoreCollision: false };
const NETWORK_ZERO = { Mode: "", Device: "", CIDR: "", IP: "", Hostname: "", MBits: 0 };

function portDiffs(
	old: Port[] | undefined,
	neu: Port[] | undefined,
	dynamic: boolean,
	contextual: boolean,
): ObjectDiff[] {
	const filter = dynamic ? ["Value", "IgnoreCollision"] : [];
	const name = dynamic ? "Dynamic Port" : "Static Port";
	const flat = (p: Port | undefined) => (p ? flatPrimitive(p, filter, { zero: PORT_ZERO }) : undefined);
	return sortObjects(
		keyedDiffs(
			old,
			neu,
			(p) => p.Label ?? "",
			(o, n) => primitiveDiff(flat(o), flat(n), name, contextual),
		),
	);
}

function networkDiff(
	old: NetworkResource | undefined,
	neu: NetworkResource | undefined,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const filter = ["Device", "CIDR", "IP", "MBits"];
	const flat = (n: NetworkResource | undefined) => (n ? flatPrimitive(n, filter, { zero: NETWORK_ZERO }) : undefined);
	const objs = [
		...portDiffs(old?.ReservedPorts ?? undefined, neu?.ReservedPorts ?? undefined, false, contextual),
		...portDiffs(old?.DynamicPorts ?? undefined, neu?.DynamicPorts ?? undefined, true, contextual),
	];
	const od = old?.DNS ?? null;
	const nd = neu?.DNS ?? null;
	const dt = presence(od, nd);
	if (dt) {
		const dns = (d: typeof od) => {
			if (!d) return undefined;
			const m: Record<string, string> = {};
			if (d.Servers?.length) m.Servers = d.Servers.join(",");
			if (d.Searches?.length) m.Searches = d.Searches.join(",");
			if (d.Options?.length) m.Options = d.Options.join(",");
			return m;
		};
		objs.push(newObject(dt, "DNS", fieldDiffs(dns(od), dns(nd), contextual)));
	}
	const oc = (old?.CNI as { Args: Record<string, string> | null } | undefined)?.Args ?? {};
	const nc = (neu?.CNI as { Args: Record<string, string> | null } | undefined)?.Args ?? {};
	if (!deepEqual(oc, nc)) push(objs, primitiveDiff(flatMap(oc), flatMap(nc), "CNIConfig", contextual));
	return newObject(type, "Network", fieldDiffs(flat(old), flat(neu), contextual), objs);
}

/** networkResourceDiffs: networks are matched by content, so a change is a deletion plus an addition. */
export function networkDiffs(
	old: NetworkResource[] | null,
	neu: NetworkResource[] | null,
	contextual: boolean,
): ObjectDiff[] {
	const o = new Map((old ?? []).map((n) => [hashKey(n), n]));
	const n = new Map((neu ?? []).map((x) => [hashKey(x), x]));
	const out: ObjectDiff[] = [];
	for (const [k, v] of o) if (!n.has(k)) push(out, networkDiff(v, undefined, contextual));
	for (const [k, v] of n) if (!o.has(k)) push(out, networkDiff(undefined, v, contextual));
	return sortObjects(out);
}

export function resourcesDiff(
	old: Resources | null,
	neu: Resources | null,
	contextual: boolean,
): ObjectDiff | undefined {
	const type = presence(old, neu);
	if (!type) return undefined;
	const objs = networkDiffs(old?.Networks ?? null, neu?.Networks ?? null, contextual);
	objs.push(
		...sortObjects(
			keyedDiffs(
				old?.Devices,
				neu?.Devices,
				(d) => d.Name,
				(o, n) => {
					const t = presence(o, n);
					return t ? newObject(t, "Device", fieldDiffs(flatPrimitive(o), flatPrimitive(n), contextual)) : undefined;
				},
			),
		),
	);
	const nt = presence(old?.NUMA, neu?.NUMA);
	if (nt) objs.push(newObject(nt, "NUMA", fieldDiffs(flatPrimitive(old?.NUMA), flatPrimitive(neu?.NUMA), contextual)));
	return newObject(type, "Resources", fieldDiffs(flatPrimitive(old), flatPrimitive(neu), contextual), objs);
}
