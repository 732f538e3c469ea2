// Collection functions of jobspec2's function table (go-cty stdlib semantics).
import { convert, unify } from "./convert.ts";
import { graphemes, param } from "./fn_strings.ts";
import { ArgError, type FunctionDef, FunctionError } from "./scope.ts";
import {
	bool,
	compareStrings,
	DYNAMIC,
	elementsOf,
	entriesOf,
	friendlyName,
	isSequence,
	list,
	listOf,
	mapVal,
	NUMBER,
	num,
	object,
	STRING,
	set,
	str,
	type Type,
	tuple,
	type Value,
	valueEquals,
} from "./values.ts";

const any = (name: string, allowNull = false) => param(name, DYNAMIC, allowNull);

/** A list of the given elements typed by unifying them (tuple when they cannot be unified). */
function seqLike(elems: Value[], asList: boolean): Value {
	if (!asList) return tuple(elems);
	const et = elems.length > 0 ? unify(elems.map((e) => e.t)) : DYNAMIC;
	if (!et) return tuple(elems);
	return list(
		et,
		elems.map((e) => convert(e, et)),
	);
}

function intArg(v: Value, index: number, what: string): number {
	const n = v.v as number;
	if (!Number.isInteger(n)) throw new ArgError(index, `invalid ${what}: value must be a whole number`);
	return n;
}

function requireSeq(v: Value, index: number, msg: string): Value[] {
	if (!isSequence(v.t)) throw new ArgError(index, msg);
	return elementsOf(v);
}

function flatten(v: Value, out: Value[]): void {
	for (const x of elementsOf(v)) {
		if (x.v !== null && isSequence(x.t)) flatten(x, out);
		else out.push(x);
	}
}

function setArgs(args: Value[]): { et: Type; sets: Value[][] } {
	args.forEach((a, i) => {
		if (!(a.t.k === "set" || a.t.k === "list" || a.t.k === "tuple"))
			throw new ArgError(i, "a set or a list is required");
	});
	const et = unify(args.flatMap((a) => elementsOf(a).map((x) => x.t))) ?? DYNAMIC;
	return { et, sets: args.map((a) => elementsOf(a).map((x) => convert(x, et))) };
}

export const collectionFunctions: Record<string, FunctionDef> = {
	chunklist: {
		params: [param("list", listOf(DYNAMIC)), param("size", NUMBER)],
		impl: ([l, size]) => {
			const n = size.v as number;
			if (n < 0) throw new ArgError(1, "the size argument must be positive");
			const elems = elementsOf(l);
			const et = l.t.k === "list" ? l.t.e : DYNAMIC;
			if (n === 0) return list(listOf(et), [l]);
			const out: Value[] = [];
			for (let i = 0; i < elems.length; i += n) out.push(list(et, elems.slice(i, i + n)));
			return list(listOf(et), out);
		},
	},
	coalesce: {
		params: [],
		varParam: any("vals", true),
		impl: (args) => {
			const ty = unify(args.map((a) => a.t));
			if (!ty) throw new FunctionError("all arguments must have the same type");
			for (const a of args) {
				if (a.v === null) continue;
				const c = convert(a, ty);
				if (c.t.k === "string" && c.v === "") continue;
				return c;
			}
			throw new FunctionError("no non-null, non-empty-string arguments");
		},
	},
	coalescelist: {
		params: [],
		varParam: any("vals", true),
		impl: (args) => {
			if (args.length === 0) throw new FunctionError("at least one argument is required");
			for (const a of args)
				if (a.v !== null && a.t.k !== "list" && a.t.k !== "tuple")
					throw new FunctionError("coalescelist arguments must be lists or tuples");
			for (const a of args) if (a.v !== null && elementsOf(a).length > 0) return a;
			throw new FunctionError("no non-null arguments");
		},
	},
	compact: {
		params: [param("list", listOf(STRING))],
		impl: ([l]) =>
			list(
				STRING,
				elementsOf(l).filter((x) => x.v !== null && x.v !== ""),
			),
	},
	concat: {
		params: [],
		varParam: any("seqs"),
		impl: (args) => {
			if (args.length === 0) throw new FunctionError("at least one argument is required");
			const out: Value[] = [];
			args.forEach((a, i) => {
				if (a.t.k !== "list" && a.t.k !== "tuple")
					throw new ArgError(i, `all arguments must be lists or tuples; got ${friendlyName(a.t)}`);
				out.push(...elementsOf(a));
			});
			return seqLike(
				out,
				args.every((a) => a.t.k === "list"),
			);
		},
	},
	contains: {
		params: [any("list"), any("value")],
		impl: ([l, v]) => {
			if (!isSequence(l.t)) throw new FunctionError("argument must be list, tuple, or set");
			return bool(elementsOf(l).some((x) => valueEquals(x, v)));
		},
	},
	distinct: {
		params: [param("list", listOf(DYNAMIC))],
		impl: ([l]) => {
			const out: Value[] = [];
			for (const x of elementsOf(l)) if (!out.some((y) => valueEquals(x, y))) out.push(x);
			return { t: l.t, v: out };
		},
	},
	element: {
		params: [any("list"), param("index", NUMBER)],
		impl: ([l, i]) => {
			const elems = requireSeq(l, 0, `cannot read elements from ${friendlyName(l.t)}`);
			if (l.t.k === "set") throw new ArgError(0, `cannot read elements from ${friendlyName(l.t)}`);
			const idx = intArg(i, 1, "index");
			if (elems.length === 0) throw new FunctionError("cannot use element function with an empty list");
			if (idx < 0) throw new FunctionError("cannot use element function with a negative index");
			return elems[idx % elems.length];
		},
	},
	flatten: {
		params: [any("list")],
		impl: ([l]) => {
			if (!isSequence(l.t)) throw new FunctionError("can only flatten lists, sets and tuples");
			const out: Value[] = [];
			flatten(l, out);
			return tuple(out);
		},
	},
	index: {
		params: [any("list"), any("value")],
		impl: ([l, v]) => {
			if (!(l.t.k === "list" || l.t.k === "tuple")) throw new ArgError(0, "argument must be a list or tuple");
			const i = elementsOf(l).findIndex((x) => valueEquals(x, v));
			if (i < 0) throw new FunctionError("item not found");
			return num(i);
		},
	},
	keys: {
		params: [any("inputMap")],
		impl: ([m]) => {
			if (m.t.k !== "map" && m.t.k !== "object") throw new ArgError(0, "must have map or object type");
			const ks = entriesOf(m).map(([k]) => str(k));
			return m.t.k === "map" ? list(STRING, ks) : tuple(ks);
		},
	},
	length: {
		params: [any("value")],
		impl: ([v]) => {
			if (v.t.k === "string") return num(graphemes(v.v as string).length);
			if (Array.isArray(v.v)) return num(v.v.length);
			if (v.v instanceof Map) return num(v.v.size);
			throw new ArgError(0, "value must be a string, collection, or structural type");
		},
	},
	lookup: {
		params: [any("inputMap"), param("key", STRING), any("default", true)],
		impl: ([m, k, def]) => {
			const key = k.v as string;
			if (m.t.k === "object") {
				const x = (m.v as Map<string, Value>).get(key);
				return x ?? def;
			}
			if (m.t.k === "map") {
				const x = (m.v as Map<string, Value>).get(key);
				if (x) return x;
				try {
					return convert(def, m.t.e);
				} catch {
					throw new ArgError(2, "the default value must have the same type as the map elements");
				}
			}
			throw new ArgError(0, "lookup() requires a map as the first argument");
		},
	},
	merge: {
		params: [],
		varParam: any("maps", true),
		impl: (args) => {
			const out = new Map<string, Value>();
			let allMaps = args.length > 0;
			for (const a of args) {
				if (a.v === null) continue;
				if (a.t.k !== "map" && a.t.k !== "object")
					throw new FunctionError(`arguments must be maps or objects, got "${friendlyName(a.t)}"`);
				if (a.t.k !== "map") allMaps = false;
				for (const [k, x] of entriesOf(a)) out.set(k, x);
			}
			if (allMaps) {
				const et = unify([...out.values()].map((x) => x.t));
				if (et) return mapVal(et, new Map([...out].map(([k, x]) => [k, convert(x, et)])));
			}
			return object(out);
		},
	},
	range: {
		params: [],
		varParam: param("params", NUMBER),
		impl: (args) => {
			let start = 0;
			let end: number;
			let step = 1;
			if (args.length === 1) end = args[0].v as number;
			else if (args.length === 2) [start, end] = args.map((a) => a.v as number);
			else if (args.length === 3) [start, end, step] = args.map((a) => a.v as number);
			else throw new FunctionError("must have one, two, or three arguments");
			if (step === 0) throw new ArgError(2, "step must not be zero");
			if (step < 0 && end > start) throw new ArgError(1, "end must be less than start when step is negative");
			if (step > 0 && end < start) throw new ArgError(1, "end must be greater than start when step is positive");
			const out: Value[] = [];
			for (let v = start; step > 0 ? v < end : v > end; v += step) {
				if (out.length >= 1024)
					throw new FunctionError(
						"more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
					);
				out.push(num(v));
			}
			return list(NUMBER, out);
		},
	},
	setintersection: {
		params: [any("first_set")],
		varParam: any("other_sets"),
		impl: (args) => {
			const { et, sets } = setArgs(args);
			return set(
				et,
				sets[0].filter((x) => sets.every((s) => s.some((y) => valueEquals(x, y)))),
			);
		},
	},
	setproduct: {
		params: [],
		varParam: any("sets"),
		impl: (args) => {
			if (args.length < 2) throw new FunctionError("at least two arguments are required");
			let acc: Value[][] = [[]];
			for (const a of args) {
				const elems = requireSeq(a, 0, "a set or a list is required");
				acc = acc.flatMap((prefix) => elems.map((x) => [...prefix, x]));
			}
			const rows = acc.map((r) => tuple(r));
			const asSet = args.some((a) => a.t.k === "set");
			const rt = unify(rows.map((r) => r.t)) ?? DYNAMIC;
			const conv = rows.map((r) => convert(r, rt));
			return asSet ? set(rt, conv) : list(rt, conv);
		},
	},
	setunion: {
		params: [any("first_set")],
		varParam: any("other_sets"),
		impl: (args) => {
			const { et, sets } = setArgs(args);
			return set(et, sets.flat());
		},
	},
	slice: {
		params: [any("list"), param("start_index", NUMBER), param("end_index", NUMBER)],
		impl: ([l, s, e]) => {
			if (l.t.k === "set")
				throw new ArgError(
					0,
					"cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
				);
			const elems = requireSeq(l, 0, "must be a list or tuple value");
			const a = intArg(s, 1, "start index");
			const b = intArg(e, 2, "end index");
			if (a < 0) throw new ArgError(1, "start index must not be less than zero");
			if (a > elems.length) throw new ArgError(1, "start index must not be greater than the length of the list");
			if (b < 0) throw new ArgError(2, "end index must not be less than zero");
			if (b > elems.length) throw new ArgError(2, "end index must not be greater than the length of the list");
			if (a > b) throw new ArgError(1, "start index must not be greater than end index");
			const out = elems.slice(a, b);
			return l.t.k === "list" ? { t: l.t, v: out } : tuple(out);
		},
	},
	sort: {
		params: [param("list", listOf(STRING))],
		impl: ([l]) => {
			const elems = elementsOf(l);
			elems.forEach((x, i) => {
				if (x.v === null) throw new FunctionError(`given list element ${i} is null; a null string cannot be sorted`);
			});
			return list(
				STRING,
				[...elems].sort((a, b) => compareStrings(a.v as string, b.v as string)),
			);
		},
	},
	values: {
		params: [any("mapping")],
		impl: ([m]) => {
			if (m.t.k !== "map" && m.t.k !== "object")
				throw new FunctionError("values() requires a map as the first argument");
			const vs = entriesOf(m).map(([, x]) => x);
			return m.t.k === "map" ? { t: listOf(m.t.e), v: vs } : tuple(vs);
		},
	},
	zipmap: {
		params: [param("keys", listOf(STRING)), any("values")],
		impl: ([ks, vs]) => {
			if (!(vs.t.k === "list" || vs.t.k === "tuple"))
				throw new FunctionError("values argument must be a list or tuple value");
			const keys = elementsOf(ks);
			const vals = elementsOf(vs);
			if (keys.length !== vals.length)
				throw new FunctionError(`number of keys (${keys.length}) does not match number of values (${vals.length})`);
			const m = new Map<string, Value>();
			keys.forEach((k, i) => {
				if (k.v === null) throw new FunctionError(`keys list has null value at index ${i}`);
				m.set(k.v as string, vals[i]);
			});
			return vs.t.k === "list" ? mapVal(vs.t.e, m) : object(m);
		},
	},
};
