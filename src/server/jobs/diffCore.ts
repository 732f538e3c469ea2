// The building blocks of Nomad's job diff (nomad/structs/diff.go and helper/flatmap): flattening
// structs to "Field" / "Map[key]" / "List[0]" string maps, field diffs, object diffs, string set
// diffs, keyed object set diffs, and Nomad's ordering of fields and objects.
import { goFloat } from "./goText.ts";

export type DiffType = "Added" | "Deleted" | "Edited" | "None";

export interface FieldDiff {
	Type: DiffType;
	Name: string;
	Old: string;
	New: string;
	Annotations: string[] | null;
}

export interface ObjectDiff {
	Type: DiffType;
	Name: string;
	Fields: FieldDiff[] | null;
	Objects: ObjectDiff[] | null;
}

export type Flat = Record<string, string>;
type Obj = Record<string, unknown>;

/** map[string]string fields: flattened as Name[key] even in primitive-only mode. */
const STRING_MAPS = new Set([
	"Meta",
	"Env",
	"CanaryMeta",
	"TaggedAddresses",
	"GetterOptions",
	"GetterHeaders",
	"Target",
	"Args",
]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface FlatOptions {
	/** Go's zero values for fields an omitempty shape leaves out. */
	zero?: Obj;
	/** Only these fields exist in the Go struct (other keys on the object are ignored). */
	only?: readonly string[];
	/** Pointer-to-primitive fields (skipped, as flatmap skips pointers inside structs). */
	skip?: readonly string[];
}

/**
 * flatmap.Flatten(struct, filter, true): the struct's own primitive fields plus its
 * map[string]string entries; pointers, slices and nested structs are skipped.
 */
export function flatPrimitive(obj: unknown, filter: readonly string[] = [], opts: FlatOptions = {}): Flat {
	const out: Flat = {};
	if (!isObj(obj)) return out;
	for (const [k, v] of Object.entries({ ...opts.zero, ...obj })) {
		if (opts.skip?.includes(k) || (opts.only && !opts.only.includes(k))) continue;
		if (typeof v === "string") out[k] = v;
		else if (typeof v === "number") out[k] = String(v);
		else if (typeof v === "boolean") out[k] = String(v);
		else if (STRING_MAPS.has(k) && isObj(v)) {
			for (const [mk, mv] of Object.entries(v)) if (typeof mv === "string") out[`${k}[${mk}]`] = mv;
		}
	}
	for (const f of filter) delete out[f];
	return out;
}

/** Flatten of an interface{} value (primitive-only off): maps as [k], slices as [i], nil as "nil". */
export function flatValue(v: unknown, prefix: string, out: Flat): void {
	if (v === null || v === undefined) out[prefix] = "nil";
	else if (typeof v === "string") out[prefix] = v;
	else if (typeof v === "boolean") out[prefix] = String(v);
	else if (typeof v === "number") out[prefix] = goFloat(v);
	else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) flatValue(v[i], `${prefix}[${i}]`, out);
	else for (const [k, x] of Object.entries(v as Obj)) flatValue(x, prefix ? `${prefix}[${k}]` : k, out);
}

/** flatmap.Flatten of a map (primitive-only off): Config, scaling Policy, check Header, CNI args. */
export function flatMap(m: unknown): Flat {
	const out: Flat = {};
	if (isObj(m)) for (const [k, v] of Object.entries(m)) flatValue(v, k, out);
	return out;
}

/**
 * flatmap.Flatten of a struct with primitive-only off: integer fields as numbers, pointer fields
 * dereferenced ("nil" when unset), `maps` fields (nil maps print nothing) as Name[key].
 */
export function flatFull(obj: unknown, maps: readonly string[] = []): Flat {
	const out: Flat = {};
	if (!isObj(obj)) return out;
	for (const [k, v] of Object.entries(obj)) {
		if (typeof v === "number") out[k] = String(v);
		else if (maps.includes(k)) {
			if (isObj(v)) for (const [mk, mv] of Object.entries(v)) flatValue(mv, `${k}[${mk}]`, out);
		} else flatValue(v, k, out);
	}
	return out;
}

export function fieldDiff(old: string, neu: string, name: string, contextual: boolean): FieldDiff | undefined {
	if (old === neu) return contextual ? { Type: "None", Name: name, Old: old, New: neu, Annotations: null } : undefined;
	const Type: DiffType = old === "" ? "Added" : neu === "" ? "Deleted" : "Edited";
	return { Type, Name: name, Old: old, New: neu, Annotations: null };
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function fieldLess(a: FieldDiff, b: FieldDiff): boolean {
	if (a.Name !== b.Name) return a.Name < b.Name;
	if (a.Old !== b.Old) return a.Old < b.Old;
	return a.New < b.New;
}

export const sortFields = (fs: FieldDiff[]): FieldDiff[] =>
	fs.sort((a, b) => cmpStr(a.Name, b.Name) || cmpStr(a.Old, b.Old) || cmpStr(a.New, b.New));

export function fieldDiffs(old: Flat | undefined, neu: Flat | undefined, contextual: boolean): FieldDiff[] {
	const o = old ?? {};
	const n = neu ?? {};
	const out: FieldDiff[] = [];
	for (const [k, v] of Object.entries(o)) {
		const d = fieldDiff(v, n[k] ?? "", k, contextual);
		if (d) out.push(d);
	}
	for (const [k, v] of Object.entries(n)) {
		if (Object.hasOwn(o, k)) continue;
		const d = fieldDiff("", v, k, contextual);
		if (d) out.push(d);
	}
	return sortFields(out);
}

const TYPE_RANK: Record<DiffType, number> = { Edited: 0, Added: 1, Deleted: 2, None: 3 };

/** ObjectDiff.Less, including its element-wise field/object comparison quirk. */
export function objectLess(a: ObjectDiff, b: ObjectDiff): boolean {
	if (a === b) return false;
	if (a.Name !== b.Name) return a.Name < b.Name;
	if (a.Type !== b.Type) return TYPE_RANK[a.Type] < TYPE_RANK[b.Type];
	const af = a.Fields ?? [];
	const bf = b.Fields ?? [];
	if (af.length !== bf.length) return af.length < bf.length;
	const ao = a.Objects ?? [];
	const bo = b.Objects ?? [];
	if (ao.length !== bo.length) return ao.length < bo.length;
	for (let i = 0; i < af.length; i++) if (fieldLess(af[i], bf[i])) return true;
	for (let i = 0; i < ao.length; i++) if (objectLess(ao[i], bo[i])) return true;
	return false;
}

export const sortObjects = (os: ObjectDiff[]): ObjectDiff[] =>
	os.sort((a, b) => (objectLess(a, b) ? -1 : objectLess(b, a) ? 1 : 0));

/** Go's nil-for-empty on the wire. */
export const orNull = <T>(xs: T[]): T[] | null => (xs.length > 0 ? xs : null);

export const newObject = (
	Type: DiffType,
	Name: string,
	fields: FieldDiff[] = [],
	objects: ObjectDiff[] = [],
): ObjectDiff => ({
	Type,
	Name,
	Fields: orNull(fields),
	Objects: orNull(objects),
});

/** Type from field changes (Edited wins, Added+Deleted is Edited); undefined when nothing changed. */
export function typeFromFields(fields: FieldDiff[]): DiffType | undefined {
	let added = false;
	let deleted = false;
	for (const f of fields) {
		if (f.Type === "Edited") return "Edited";
		if (f.Type === "Added") added = true;
		if (f.Type === "Deleted") deleted = true;
	}
	if (added && deleted) return "Edited";
	return added ? "Added" : deleted ? "Deleted" : undefined;
}

/** primitiveObjectDiff over already-flattened objects. */
export function primitiveDiff(
	old: Flat | undefined,
	neu: Flat | undefined,
	name: string,
	contextual: boolean,
): ObjectDiff | undefined {
	const o = { ...(old ?? {}) };
	const n = { ...(neu ?? {}) };
	delete o[""];
	delete n[""];
	const fields = fieldDiffs(o, n, contextual);
	const type = typeFromFields(fields);
	return type ? newObject(type, name, fields) : undefined;
}

export function stringSetDiff(
	old: readonly string[] | null | undefined,
	neu: readonly string[] | null | undefined,
	name: string,
	contextual: boolean,
): ObjectDiff | undefined {
	const o = new Set(old ?? []);
	const n = new Set(neu ?? []);
	const same = o.size === n.size && [...o].every((x) => n.has(x));
	if (same && !contextual) return undefined;
	const fields: FieldDiff[] = [];
	let added = false;
	let removed = false;
	for (const k of o) {
		if (!n.has(k)) {
			fields.push(fieldDiff(k, "", name, contextual) as FieldDiff);
			removed = true;
		} else if (contextual) fields.push(fieldDiff(k, k, name, contextual) as FieldDiff);
	}
	for (const k of n) {
		if (!o.has(k)) {
			fields.push(fieldDiff("", k, name, contextual) as FieldDiff);
			added = true;
		}
	}
	sortFields(fields);
	let type: DiffType = "None";
	if (added && removed) type = "Edited";
	else if (added) type = "Added";
	else if (removed) type = "Deleted";
	else if (fields.length === 0) return undefined;
	return newObject(type, name, fields);
}

/** Canonical text of a value (stands in for hashstructure's hash as a set key). */
export function hashKey(v: unknown): string {
	if (Array.isArray(v)) return `[${v.map(hashKey).join(",")}]`;
	if (isObj(v)) {
		return `{${Object.keys(v)
			.filter((k) => v[k] !== undefined)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${hashKey(v[k])}`)
			.join(",")}}`;
	}
	return JSON.stringify(v) ?? "null";
}

/**
 * primitiveObjectSetDiff: objects matched by `key` (DiffID, else a structural hash), each pair
 * compared by its primitive fields.
 */
export function primitiveSetDiff<T>(
	old: readonly T[] | null | undefined,
	neu: readonly T[] | null | undefined,
	name: string,
	contextual: boolean,
	key: (x: T) => string = hashKey,
	filter: readonly string[] = [],
): ObjectDiff[] {
	const set = (xs: readonly T[] | null | undefined): Map<string, T> => {
		const m = new Map<string, T>();
		for (const x of xs ?? []) m.set(key(x) || hashKey(x), x);
		return m;
	};
	const o = set(old);
	const n = set(neu);
	const out: ObjectDiff[] = [];
	for (const [k, ov] of o) {
		const d = primitiveDiff(
			flatPrimitive(ov, filter),
			n.has(k) ? flatPrimitive(n.get(k), filter) : undefined,
			name,
			contextual,
		);
		if (d) out.push(d);
	}
	for (const [k, nv] of n) {
		if (o.has(k)) continue;
		const d = primitiveDiff(undefined, flatPrimitive(nv, filter), name, contextual);
		if (d) out.push(d);
	}
	return sortObjects(out);
}

/** Matches items of two lists keyed by a name; calls `diff` for pairs, deletions and additions. */
export function keyedDiffs<T, D>(
	old: readonly T[] | null | undefined,
	neu: readonly T[] | null | undefined,
	key: (x: T) => string,
	diff: (o: T | undefined, n: T | undefined) => D | undefined,
): D[] {
	const o = new Map<string, T>();
	const n = new Map<string, T>();
	for (const x of old ?? []) o.set(key(x), x);
	for (const x of neu ?? []) n.set(key(x), x);
	const out: D[] = [];
	for (const [k, ov] of o) {
		const d = diff(ov, n.get(k));
		if (d) out.push(d);
	}
	for (const [k, nv] of n) {
		if (o.has(k)) continue;
		const d = diff(undefined, nv);
		if (d) out.push(d);
	}
	return out;
}
