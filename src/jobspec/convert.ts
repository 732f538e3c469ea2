// Type conversion between values (cty's convert package): which conversions exist, how they are
// performed, type unification, and the English mismatch messages HCL shows to users.
import {
	constraintName,
	DYNAMIC,
	elementsOf,
	entriesOf,
	friendlyName,
	hasDynamicTypes,
	isPrimitive,
	listOf,
	mapOf,
	nullOf,
	numberToString,
	objectOf,
	parseNumber,
	STRING,
	set,
	setOf,
	sortedMap,
	type Type,
	tupleOf,
	typeEquals,
	type Value,
} from "./values.ts";

export class ConvertError extends Error {
	override name = "ConvertError";
}

/** convert.Convert: returns the value converted to `want`, or throws ConvertError. */
export function convert(v: Value, want: Type): Value {
	if (want.k === "dynamic" || typeEquals(v.t, want)) return v;
	if (!canConvert(v.t, want)) throw new ConvertError(mismatchMessage(v.t, want));
	return doConvert(v, want);
}

/** Whether some conversion from `from` to `to` exists (it may still fail for particular values). */
export function canConvert(from: Type, to: Type): boolean {
	if (to.k === "dynamic" || from.k === "dynamic" || typeEquals(from, to)) return true;
	if (isPrimitive(to) && isPrimitive(from)) return from.k === "string" || to.k === "string";
	switch (to.k) {
		case "list":
		case "set":
			if (from.k === "list" || from.k === "set") return canConvert(from.e, to.e);
			if (from.k === "tuple") {
				if (to.e.k === "dynamic") return unify(from.es) !== undefined;
				return from.es.every((t) => canConvert(t, to.e));
			}
			return false;
		case "map":
			if (from.k === "map") return canConvert(from.e, to.e);
			if (from.k === "object") {
				const ts = [...from.attrs.values()];
				if (to.e.k === "dynamic") return unify(ts) !== undefined;
				return ts.every((t) => canConvert(t, to.e));
			}
			return false;
		case "tuple":
			if (from.k === "tuple")
				return from.es.length === to.es.length && from.es.every((t, i) => canConvert(t, to.es[i]));
			if (from.k === "list" || from.k === "set") return to.es.every((t) => canConvert(from.e, t));
			return false;
		case "object":
			if (from.k === "object") {
				for (const [name, t] of to.attrs) {
					const got = from.attrs.get(name);
					if (!got) {
						if (!to.optional?.has(name)) return false;
					} else if (!canConvert(got, t)) return false;
				}
				return true;
			}
			if (from.k === "map") return [...to.attrs.values()].every((t) => canConvert(from.e, t));
			return false;
		default:
			return false;
	}
}

function doConvert(v: Value, want: Type): Value {
	if (want.k === "dynamic" || typeEquals(v.t, want)) return v;
	if (v.v === null) return nullOf(want);
	if (isPrimitive(want)) return convertPrimitive(v, want);
	switch (want.k) {
		case "list":
		case "set": {
			let elems = elementsOf(v);
			let et = want.e;
			if (et.k === "dynamic") {
				et = v.t.k === "tuple" ? (unify(v.t.es) ?? DYNAMIC) : v.t.k === "list" || v.t.k === "set" ? v.t.e : DYNAMIC;
			}
			elems = elems.map((x) => doConvert(x, et));
			return want.k === "list" ? { t: listOf(et), v: elems } : set(et, elems);
		}
		case "map": {
			let et = want.e;
			if (et.k === "dynamic") {
				et = v.t.k === "object" ? (unify([...v.t.attrs.values()]) ?? DYNAMIC) : v.t.k === "map" ? v.t.e : DYNAMIC;
			}
			const out = new Map<string, Value>();
			for (const [k, x] of entriesOf(v)) out.set(k, doConvert(x, et));
			return { t: mapOf(et), v: sortedMap(out) };
		}
		case "tuple": {
			const elems = elementsOf(v);
			if (elems.length !== want.es.length) throw new ConvertError(`tuple required with ${want.es.length} elements`);
			const out = elems.map((x, i) => doConvert(x, want.es[i]));
			return { t: tupleOf(out.map((x) => x.t)), v: out };
		}
		case "object": {
			const src = v.v as Map<string, Value>;
			const out = new Map<string, Value>();
			const types = new Map<string, Type>();
			for (const [name, t] of want.attrs) {
				const x = src.get(name);
				if (x === undefined) {
					if (!want.optional?.has(name)) throw new ConvertError(`attribute "${name}" is required`);
					out.set(name, nullOf(t));
					types.set(name, t);
					continue;
				}
				const c = doConvert(x, t);
				out.set(name, c);
				types.set(name, c.t);
			}
			return { t: objectOf(types), v: sortedMap(out) };
		}
		default:
			throw new ConvertError(mismatchMessage(v.t, want));
	}
}

function convertPrimitive(v: Value, want: Type): Value {
	const from = v.t.k;
	if (want.k === "string") {
		if (from === "number") return { t: STRING, v: numberToString(v.v as number) };
		if (from === "bool") return { t: STRING, v: v.v ? "true" : "false" };
	}
	if (from === "string" && want.k === "number") {
		const n = parseNumber(v.v as string);
		if (n === undefined) throw new ConvertError("a number is required");
		return { t: want, v: n };
	}
	if (from === "string" && want.k === "bool") {
		const s = v.v as string;
		if (s === "true" || s === "1") return { t: want, v: true };
		if (s === "false" || s === "0") return { t: want, v: false };
		const lower = s.toLowerCase();
		if (lower === "true" || lower === "false")
			throw new ConvertError(`a bool is required; to convert from string, use lowercase "${lower}"`);
		throw new ConvertError("a bool is required");
	}
	throw new ConvertError(mismatchMessage(v.t, want));
}

/** cty convert.Unify (unsafe): a single type all the given types can convert to, if any. */
export function unify(types: readonly Type[]): Type | undefined {
	if (types.length === 0) return DYNAMIC;
	const concrete = types.filter((t) => t.k !== "dynamic");
	if (concrete.length === 0) return DYNAMIC;
	if (concrete.length !== types.length && concrete.every((t) => typeEquals(t, concrete[0]))) return concrete[0];
	if (types.some((t) => t.k === "dynamic")) return DYNAMIC;
	if (types.every((t) => typeEquals(t, types[0]))) return types[0];
	if (types.every(isPrimitive)) {
		if (types.some((t) => t.k === "string")) return STRING;
		return undefined;
	}
	const kinds = new Set(types.map((t) => t.k));
	if ([...kinds].every((k) => k === "object" || k === "map")) {
		if (kinds.size === 1 && kinds.has("object")) {
			const first = types[0] as Extract<Type, { k: "object" }>;
			const sameNames = types.every((t) => {
				const o = t as typeof first;
				return o.attrs.size === first.attrs.size && [...first.attrs.keys()].every((k) => o.attrs.has(k));
			});
			if (sameNames) {
				const attrs = new Map<string, Type>();
				for (const k of first.attrs.keys()) {
					const u = unify(types.map((t) => (t as typeof first).attrs.get(k) as Type));
					if (!u) return undefined;
					attrs.set(k, u);
				}
				return objectOf(attrs);
			}
		}
		const elems: Type[] = [];
		for (const t of types) {
			if (t.k === "map") elems.push(t.e);
			else if (t.k === "object") elems.push(...t.attrs.values());
		}
		const u = unify(elems);
		return u ? mapOf(u) : undefined;
	}
	if ([...kinds].every((k) => k === "tuple" || k === "list")) {
		if (kinds.size === 1 && kinds.has("tuple")) {
			const n = (types[0] as Extract<Type, { k: "tuple" }>).es.length;
			if (types.every((t) => (t as Extract<Type, { k: "tuple" }>).es.length === n)) {
				const es: Type[] = [];
				for (let i = 0; i < n; i++) {
					const u = unify(types.map((t) => (t as Extract<Type, { k: "tuple" }>).es[i]));
					if (!u) return undefined;
					es.push(u);
				}
				return tupleOf(es);
			}
		}
		const elems: Type[] = [];
		for (const t of types) {
			if (t.k === "list") elems.push(t.e);
			else if (t.k === "tuple") elems.push(...t.es);
		}
		const u = unify(elems);
		return u ? listOf(u) : undefined;
	}
	if (kinds.size === 1 && (kinds.has("list") || kinds.has("set") || kinds.has("map"))) {
		const u = unify(types.map((t) => (t as Extract<Type, { k: "list" }>).e));
		if (!u) return undefined;
		return kinds.has("list") ? listOf(u) : kinds.has("set") ? setOf(u) : mapOf(u);
	}
	return undefined;
}

/** convert.MismatchMessage: why a value of type `got` does not conform to `want`. */
export function mismatchMessage(got: Type, want: Type): string {
	if (got.k === "object" && want.k === "object") return mismatchObjects(got, want);
	if (got.k === "tuple" && want.k === "list" && want.e.k === "dynamic")
		return "all list elements must have the same type";
	if (got.k === "tuple" && want.k === "set" && want.e.k === "dynamic")
		return "all set elements must have the same type";
	if (got.k === "object" && want.k === "map" && want.e.k === "dynamic")
		return "all map elements must have the same type";
	const wantColl = want.k === "list" || want.k === "set" || want.k === "map";
	if ((got.k === "tuple" || got.k === "object") && wantColl) return mismatchFromStructural(got, want);
	if ((got.k === "list" || got.k === "set" || got.k === "map") && wantColl) return mismatchFromCollection(got, want);
	if (!likelyConfusing(got, want)) return `${friendlyName(want)} required, but have ${friendlyName(got)}`;
	return `${constraintName(want)} required`;
}

function mismatchObjects(got: Extract<Type, { k: "object" }>, want: Extract<Type, { k: "object" }>): string {
	const missing: string[] = [];
	let mismatch = "";
	for (const [name, wt] of want.attrs) {
		const gt = got.attrs.get(name);
		if (!gt) {
			if (!want.optional?.has(name)) missing.push(name);
			continue;
		}
		if (!mismatch && !typeEquals(gt, wt) && !canConvert(gt, wt))
			mismatch = `attribute "${name}": ${mismatchMessage(gt, wt)}`;
	}
	missing.sort();
	if (missing.length === 1) return `attribute "${missing[0]}" is required`;
	if (missing.length === 2) return `attributes "${missing[0]}" and "${missing[1]}" are required`;
	if (missing.length > 2) {
		const head = missing
			.slice(0, -1)
			.map((m) => `"${m}", `)
			.join("");
		return `attributes ${head}and "${missing[missing.length - 1]}" are required`;
	}
	return mismatch || "incorrect object attributes";
}

function mismatchFromStructural(got: Type, want: Extract<Type, { k: "list" | "set" | "map" }>): string {
	if ((want.k === "list" || want.k === "set") && got.k !== "tuple") return `${constraintName(want)} required`;
	if (want.k === "map" && got.k !== "object") return `${constraintName(want)} required`;
	if (got.k === "tuple") {
		for (let i = 0; i < got.es.length; i++) {
			const et = got.es[i];
			if (typeEquals(et, want.e) || canConvert(et, want.e)) continue;
			return `element ${i}: ${mismatchMessage(et, want.e)}`;
		}
	} else if (got.k === "object") {
		for (const [name, et] of got.attrs) {
			if (typeEquals(et, want.e) || canConvert(et, want.e)) continue;
			return `element "${name}": ${mismatchMessage(et, want.e)}`;
		}
	}
	return `all elements must be ${constraintName(want.e)}`;
}

function mismatchFromCollection(
	got: Extract<Type, { k: "list" | "set" | "map" }>,
	want: Extract<Type, { k: "list" | "set" | "map" }>,
): string {
	if ((want.k === "list" || want.k === "set") && got.k === "map") return `${constraintName(want)} required`;
	if (want.k === "map" && got.k !== "map") return `${constraintName(want)} required`;
	const noun = want.k === "list" ? "list element type" : want.k === "set" ? "set element type" : "map element type";
	return `incorrect ${noun}: ${mismatchMessage(got.e, want.e)}`;
}

function likelyConfusing(got: Type, want: Type): boolean {
	if (isPrimitive(got) !== isPrimitive(want)) return false;
	if (want.k === "string") return false;
	if ((want.k === "bool" && got.k === "number") || (got.k === "bool" && want.k === "number")) return false;
	const gotColl = got.k === "list" || got.k === "set" || got.k === "map";
	const wantColl = want.k === "list" || want.k === "set" || want.k === "map";
	if (gotColl && wantColl && !hasDynamicTypes(got.e) && hasDynamicTypes(want.e)) return false;
	if (got.k === "tuple" && want.k === "object") return false;
	return true;
}
