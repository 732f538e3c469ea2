// A small model of go-cty's type system and values, enough to evaluate HCL expressions the way
// jobspec2 does: primitive types, the three collection kinds (list, set, map) and the two
// structural kinds (tuple, object), plus the "dynamic" pseudo-type used for untyped nulls and
// for type constraints written as `any`.

export type Type =
	| { readonly k: "string" }
	| { readonly k: "number" }
	| { readonly k: "bool" }
	| { readonly k: "dynamic" }
	| { readonly k: "list"; readonly e: Type }
	| { readonly k: "set"; readonly e: Type }
	| { readonly k: "map"; readonly e: Type }
	| { readonly k: "tuple"; readonly es: readonly Type[] }
	| { readonly k: "object"; readonly attrs: ReadonlyMap<string, Type>; readonly optional?: ReadonlySet<string> };

export const STRING: Type = { k: "string" };
export const NUMBER: Type = { k: "number" };
export const BOOL: Type = { k: "bool" };
export const DYNAMIC: Type = { k: "dynamic" };

export const listOf = (e: Type): Type => ({ k: "list", e });
export const setOf = (e: Type): Type => ({ k: "set", e });
export const mapOf = (e: Type): Type => ({ k: "map", e });
export const tupleOf = (es: readonly Type[]): Type => ({ k: "tuple", es });
export const objectOf = (attrs: ReadonlyMap<string, Type>, optional?: ReadonlySet<string>): Type =>
	optional && optional.size > 0 ? { k: "object", attrs, optional } : { k: "object", attrs };

/** Payload of a value: primitives, element arrays (list/set/tuple) or attribute maps (map/object). */
export type Raw = null | string | number | boolean | Value[] | Map<string, Value>;

export interface Value {
	readonly t: Type;
	readonly v: Raw;
}

export const NULL: Value = { t: DYNAMIC, v: null };
export const TRUE: Value = { t: BOOL, v: true };
export const FALSE: Value = { t: BOOL, v: false };

export const str = (s: string): Value => ({ t: STRING, v: s });
export const num = (n: number): Value => ({ t: NUMBER, v: n });
export const bool = (b: boolean): Value => (b ? TRUE : FALSE);
export const nullOf = (t: Type): Value => ({ t, v: null });
export const tuple = (vs: Value[]): Value => ({ t: tupleOf(vs.map((x) => x.t)), v: vs });
export const list = (e: Type, vs: Value[]): Value => ({ t: listOf(e), v: vs });
export const mapVal = (e: Type, m: Map<string, Value>): Value => ({ t: mapOf(e), v: sortedMap(m) });

export function object(m: Map<string, Value>): Value {
	const sorted = sortedMap(m);
	const attrs = new Map<string, Type>();
	for (const [k, x] of sorted) attrs.set(k, x.t);
	return { t: objectOf(attrs), v: sorted };
}

/** A set value: duplicates removed and elements ordered (strings lexically, numbers numerically). */
export function set(e: Type, vs: Value[]): Value {
	const out: Value[] = [];
	for (const x of vs) if (!out.some((y) => valueEquals(x, y))) out.push(x);
	out.sort(compareSetElements);
	return { t: setOf(e), v: out };
}

function compareSetElements(a: Value, b: Value): number {
	if (a.v === null || b.v === null) return a.v === null ? (b.v === null ? 0 : 1) : -1;
	if (typeof a.v === "number" && typeof b.v === "number") return a.v - b.v;
	if (typeof a.v === "string" && typeof b.v === "string") return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
	if (typeof a.v === "boolean" && typeof b.v === "boolean") return Number(a.v) - Number(b.v);
	return 0;
}

export function sortedMap(m: Map<string, Value>): Map<string, Value> {
	const keys = [...m.keys()].sort(compareStrings);
	const out = new Map<string, Value>();
	for (const k of keys) out.set(k, m.get(k) as Value);
	return out;
}

/** Byte-wise string order, like Go's sort.Strings on UTF-8 (code point order). */
export function compareStrings(a: string, b: string): number {
	if (a === b) return 0;
	const ai = a[Symbol.iterator]();
	const bi = b[Symbol.iterator]();
	for (;;) {
		const x = ai.next();
		const y = bi.next();
		if (x.done) return y.done ? 0 : -1;
		if (y.done) return 1;
		const cx = x.value.codePointAt(0) as number;
		const cy = y.value.codePointAt(0) as number;
		if (cx !== cy) return cx - cy;
	}
}

export const isNull = (v: Value): boolean => v.v === null;
export const isPrimitive = (t: Type): boolean => t.k === "string" || t.k === "number" || t.k === "bool";
export const isCollection = (t: Type): boolean => t.k === "list" || t.k === "set" || t.k === "map";
export const isSequence = (t: Type): boolean => t.k === "list" || t.k === "set" || t.k === "tuple";
export const isMapLike = (t: Type): boolean => t.k === "map" || t.k === "object";

export function elementsOf(v: Value): Value[] {
	return Array.isArray(v.v) ? v.v : [];
}

export function entriesOf(v: Value): [string, Value][] {
	return v.v instanceof Map ? [...v.v.entries()] : [];
}

export function asString(v: Value): string {
	return v.v as string;
}

export function asNumber(v: Value): number {
	return v.v as number;
}

export function length(v: Value): number {
	if (Array.isArray(v.v)) return v.v.length;
	if (v.v instanceof Map) return v.v.size;
	return 0;
}

export function typeEquals(a: Type, b: Type): boolean {
	if (a.k !== b.k) return false;
	switch (a.k) {
		case "list":
		case "set":
		case "map":
			return typeEquals(a.e, (b as typeof a).e);
		case "tuple": {
			const bs = (b as typeof a).es;
			return a.es.length === bs.length && a.es.every((t, i) => typeEquals(t, bs[i]));
		}
		case "object": {
			const ba = (b as typeof a).attrs;
			if (a.attrs.size !== ba.size) return false;
			for (const [k, t] of a.attrs) {
				const o = ba.get(k);
				if (!o || !typeEquals(t, o)) return false;
			}
			return true;
		}
		default:
			return true;
	}
}

export function hasDynamicTypes(t: Type): boolean {
	switch (t.k) {
		case "dynamic":
			return true;
		case "list":
		case "set":
		case "map":
			return hasDynamicTypes(t.e);
		case "tuple":
			return t.es.some(hasDynamicTypes);
		case "object":
			return [...t.attrs.values()].some(hasDynamicTypes);
		default:
			return false;
	}
}

/** cty Value.Equals: values of different types are never equal. */
export function valueEquals(a: Value, b: Value): boolean {
	if (a.v === null || b.v === null) return a.v === null && b.v === null;
	if (!typeEquals(a.t, b.t)) return false;
	if (Array.isArray(a.v)) {
		const bv = b.v as Value[];
		return a.v.length === bv.length && a.v.every((x, i) => valueEquals(x, bv[i]));
	}
	if (a.v instanceof Map) {
		const bv = b.v as Map<string, Value>;
		if (a.v.size !== bv.size) return false;
		for (const [k, x] of a.v) {
			const y = bv.get(k);
			if (!y || !valueEquals(x, y)) return false;
		}
		return true;
	}
	return a.v === b.v;
}

export function friendlyName(t: Type): string {
	switch (t.k) {
		case "dynamic":
			return "dynamic";
		case "list":
			return `list of ${friendlyName(t.e)}`;
		case "set":
			return `set of ${friendlyName(t.e)}`;
		case "map":
			return `map of ${friendlyName(t.e)}`;
		default:
			return t.k;
	}
}

/** FriendlyNameForConstraint: like friendlyName but "any type" for the dynamic pseudo-type. */
export function constraintName(t: Type): string {
	switch (t.k) {
		case "dynamic":
			return "any type";
		case "list":
			return `list of ${constraintName(t.e)}`;
		case "set":
			return `set of ${constraintName(t.e)}`;
		case "map":
			return `map of ${constraintName(t.e)}`;
		default:
			return t.k;
	}
}

/** cty's GoString of a type ("cty.String", "cty.List(cty.Number)"...), used in a few messages. */
export function goTypeString(t: Type): string {
	switch (t.k) {
		case "dynamic":
			return "cty.DynamicPseudoType";
		case "list":
			return `cty.List(${goTypeString(t.e)})`;
		case "set":
			return `cty.Set(${goTypeString(t.e)})`;
		case "map":
			return `cty.Map(${goTypeString(t.e)})`;
		case "tuple":
			return `cty.Tuple([]cty.Type{${t.es.map(goTypeString).join(", ")}})`;
		case "object":
			return `cty.Object(map[string]cty.Type{${[...t.attrs].map(([k, v]) => `"${k}":${goTypeString(v)}`).join(", ")}})`;
		default:
			return `cty.${t.k[0].toUpperCase()}${t.k.slice(1)}`;
	}
}

/** Decimal text of a number without exponent, like big.Float.Text('f', -1). */
export function numberToString(n: number): string {
	if (Number.isNaN(n)) return "NaN";
	if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
	if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
	const s = String(n);
	const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
	if (!m) return s;
	const [, sign, intPart, frac = "", expText] = m;
	const exp = Number(expText);
	const digits = intPart + frac;
	const point = intPart.length + exp;
	if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
	if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
	return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Parses a number the way cty.ParseNumberVal does (decimal, optional sign/fraction/exponent). */
export function parseNumber(s: string): number | undefined {
	if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
	if (/^[+-]?inf$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
	return undefined;
}

/** Plain JSON-ish view of a value (what jobspec2's interfaceFromCtyValue produces). */
export function toNative(v: Value): unknown {
	if (v.v === null) return null;
	if (Array.isArray(v.v)) return v.v.map(toNative);
	if (v.v instanceof Map) {
		const out: Record<string, unknown> = {};
		for (const [k, x] of v.v) out[k] = toNative(x);
		return out;
	}
	return v.v;
}

/** Value for a plain JSON value (jsondecode, JSON var files): arrays → tuples, objects → objects. */
export function fromNative(x: unknown): Value {
	if (x === null || x === undefined) return NULL;
	if (typeof x === "string") return str(x);
	if (typeof x === "number") return num(x);
	if (typeof x === "boolean") return bool(x);
	if (Array.isArray(x)) return tuple(x.map(fromNative));
	const m = new Map<string, Value>();
	for (const [k, y] of Object.entries(x as Record<string, unknown>)) m.set(k, fromNative(y));
	return object(m);
}
