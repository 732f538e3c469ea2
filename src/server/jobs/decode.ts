// Reading a parsed JSON body the way Go's encoding/json fills Nomad's api structs: keys match field
// names exactly or case-insensitively (last matching key wins), unknown keys are ignored, null
// leaves a field unset, and a value of the wrong JSON type fails with Go's UnmarshalTypeError text
// ("json: cannot unmarshal string into Go struct field TaskGroup.Job.TaskGroups.Count of type int").
// Every accessor returns undefined for an absent or null value (Go's nil/zero).
import { CodedError } from "../../lib/errors.ts";

export type JsonObject = Record<string, unknown>;

/** Go's case folding for field names: ASCII/Unicode lower case plus the two special folds. */
const fold = (s: string): string =>
	s
		.replace(/\u017f/g, "s")
		.replace(/\u212a/g, "k")
		.toLowerCase();

function jsonKind(v: unknown): string {
	if (typeof v === "string") return "string";
	if (typeof v === "boolean") return "bool";
	if (typeof v === "number") return "number";
	if (Array.isArray(v)) return "array";
	return "object";
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

const INT_RANGES: Record<string, [number, number]> = {
	int: [-(2 ** 63), 2 ** 63 - 1],
	int64: [-(2 ** 63), 2 ** 63 - 1],
	"time.Duration": [-(2 ** 63), 2 ** 63 - 1],
	int8: [-128, 127],
	uint8: [0, 255],
	uint64: [0, 2 ** 64 - 1],
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class Reader {
	readonly raw: JsonObject;
	/** Go type name of the struct being filled (innermost struct in error messages). */
	readonly struct: string;
	/** Field path from the request root, e.g. "Job.TaskGroups". */
	readonly stack: string;

	constructor(raw: JsonObject, struct: string, stack: string) {
		this.raw = raw;
		this.struct = struct;
		this.stack = stack;
	}

	/** The root reader; `raw` must be a JSON object (the request's `Job`). */
	static root(raw: unknown, struct: string, parentStruct: string, field: string): Reader {
		if (!isObject(raw)) {
			throw new CodedError(
				400,
				`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${parentStruct}.${field} of type api.${struct}`,
			);
		}
		return new Reader(raw, struct, field);
	}

	fail(name: string, value: string, goType: string): never {
		const field = this.stack ? `${this.stack}.${name}` : name;
		throw new CodedError(
			400,
			`json: cannot unmarshal ${value} into Go struct field ${this.struct}.${field} of type ${goType}`,
		);
	}

	/** Folded key → value of the last key with that folding (built on first use). */
	private folded: Map<string, unknown> | undefined;

	/** The value for a field name, matching keys as encoding/json does; undefined when absent or null. */
	get(name: string): unknown {
		if (!this.folded) {
			this.folded = new Map();
			for (const [k, v] of Object.entries(this.raw)) this.folded.set(fold(k), v);
		}
		const found = this.folded.get(fold(name));
		return found === null ? undefined : found;
	}

	str(name: string): string | undefined {
		const v = this.get(name);
		if (v === undefined || typeof v === "string") return v;
		return this.fail(name, jsonKind(v), "string");
	}

	bool(name: string): boolean | undefined {
		const v = this.get(name);
		if (v === undefined || typeof v === "boolean") return v;
		return this.fail(name, jsonKind(v), "bool");
	}

	/** An integer field; goType is the Go type (int, int8, uint8, uint64, int64, time.Duration). */
	int(name: string, goType = "int"): number | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (typeof v !== "number") return this.fail(name, jsonKind(v), goType);
		const [lo, hi] = INT_RANGES[goType] ?? INT_RANGES.int;
		if (!Number.isInteger(v) || v < lo || v > hi) return this.fail(name, `number ${v}`, goType);
		return v;
	}

	dur(name: string): number | undefined {
		return this.int(name, "time.Duration");
	}

	/** []byte: a base64 string, kept encoded (that is also its wire form). */
	bytes(name: string): string | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (typeof v !== "string") return this.fail(name, jsonKind(v), "[]uint8");
		const s = v.replace(/[\r\n]/g, "");
		if (!BASE64.test(s) || s.length % 4 !== 0) {
			const bad = s.search(/[^A-Za-z0-9+/=]/);
			throw new CodedError(400, `illegal base64 data at input byte ${bad >= 0 ? bad : s.length}`);
		}
		return s;
	}

	strList(name: string): string[] | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!Array.isArray(v)) return this.fail(name, jsonKind(v), "[]string");
		return v.map((x) => {
			if (x === null) return "";
			if (typeof x !== "string") return this.fail(name, jsonKind(x), "string");
			return x;
		});
	}

	strMap(name: string): Record<string, string> | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!isObject(v)) return this.fail(name, jsonKind(v), "map[string]string");
		const out: Record<string, string> = {};
		for (const [k, x] of Object.entries(v)) {
			if (x === null) out[k] = "";
			else if (typeof x !== "string") this.fail(name, jsonKind(x), "string");
			else out[k] = x;
		}
		return out;
	}

	/** map[string][]string (HTTP check headers). */
	strListMap(name: string): Record<string, string[] | null> | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!isObject(v)) return this.fail(name, jsonKind(v), "map[string][]string");
		const out: Record<string, string[] | null> = {};
		for (const [k, x] of Object.entries(v)) {
			if (x === null) out[k] = null;
			else if (!Array.isArray(x)) this.fail(name, jsonKind(x), "[]string");
			else
				out[k] = x.map((s) => (typeof s === "string" ? s : s === null ? "" : this.fail(name, jsonKind(s), "string")));
		}
		return out;
	}

	/** map[string]interface{}: any JSON object, kept as parsed. */
	anyMap(name: string): JsonObject | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!isObject(v)) return this.fail(name, jsonKind(v), "map[string]interface {}");
		return v;
	}

	/** A nested struct (pointer or value); undefined when absent or null. */
	obj(name: string, struct: string): Reader | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!isObject(v)) return this.fail(name, jsonKind(v), `api.${struct}`);
		return new Reader(v, struct, this.stack ? `${this.stack}.${name}` : name);
	}

	/**
	 * A slice of structs. Null elements of a pointer slice are dropped (Go would store nil pointers and
	 * crash on them later); null elements of a value slice become empty structs.
	 */
	list(name: string, struct: string, pointers = true): Reader[] | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		const goType = `[]${pointers ? "*" : ""}api.${struct}`;
		if (!Array.isArray(v)) return this.fail(name, jsonKind(v), goType);
		const stack = this.stack ? `${this.stack}.${name}` : name;
		const out: Reader[] = [];
		for (const x of v) {
			if (x === null) {
				if (!pointers) out.push(new Reader({}, struct, stack));
				continue;
			}
			if (!isObject(x)) return this.fail(name, jsonKind(x), `api.${struct}`);
			out.push(new Reader(x, struct, stack));
		}
		return out;
	}

	/** map[string]*Struct. Null values are dropped. */
	objMap(name: string, struct: string): Record<string, Reader> | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (!isObject(v)) return this.fail(name, jsonKind(v), `map[string]*api.${struct}`);
		const out: Record<string, Reader> = {};
		const stack = this.stack ? `${this.stack}.${name}` : name;
		for (const [k, x] of Object.entries(v)) {
			if (x === null) continue;
			if (!isObject(x)) return this.fail(name, jsonKind(x), `api.${struct}`);
			out[k] = new Reader(x, struct, stack);
		}
		return out;
	}
}
