// Decoding bodies into api structs the way Nomad's fork of gohcl does: the schema is implied by
// the hcl struct tags (see schema.ts), attributes are converted to the Go field type, blocks
// become nested structs, slices or labeled maps, and map-typed blocks take their attributes as
// entries. Output objects carry every Go field in declaration order, with Go zero values
// (null for nil pointers, slices and maps) where nothing was set.
import { parseDuration } from "../lib/duration.ts";
import { type Expr, startRange } from "./ast.ts";
import { type Body, type BodyAttr, type BodyBlock, type BodySchema, evalAttr } from "./body.ts";
import { ConvertError, convert } from "./convert.ts";
import { type Diagnostic, errorDiag, rangeString } from "./diagnostics.ts";
import { API_TYPES } from "./schema.ts";
import {
	BOOL,
	DYNAMIC,
	goTypeString,
	listOf,
	mapOf,
	NUMBER,
	STRING,
	type Type,
	toNative,
	type Value,
} from "./values.ts";

export type Obj = Record<string, unknown>;

export interface Field {
	go: string;
	type: string;
	hcl?: string;
	kind?: "attr" | "optional" | "block" | "label";
	omitempty: boolean;
}

const fieldCache = new Map<string, Field[]>();

export function fieldsOf(typeName: string): Field[] {
	let fields = fieldCache.get(typeName);
	if (fields) return fields;
	const spec = API_TYPES[typeName];
	if (spec === undefined) throw new Error(`jobspec: unknown api type ${typeName}`);
	fields = spec.split(", ").map((row) => {
		const [go, type, hcl, kind, omit] = row.split(" ");
		const f: Field = { go, type, omitempty: omit === "omitempty" };
		if (kind && kind !== "-") {
			f.hcl = hcl === "-" ? "" : hcl;
			f.kind = kind as Field["kind"];
		}
		return f;
	});
	fieldCache.set(typeName, fields);
	return fields;
}

export function isStructType(name: string): boolean {
	return API_TYPES[name] !== undefined;
}

/** The Go zero value of a type, as JSON. */
export function zeroOf(type: string): unknown {
	if (type.startsWith("*") || type.startsWith("[]") || type.startsWith("map[") || type === "any") return null;
	if (type === "string") return "";
	if (type === "bool") return false;
	if (isStructType(type)) return newStruct(type);
	return 0;
}

export function newStruct(typeName: string): Obj {
	const o: Obj = {};
	for (const f of fieldsOf(typeName)) if (!f.omitempty) o[f.go] = zeroOf(f.type);
	return o;
}

/** Strips slice/pointer/map wrappers: "[]*Task" → "Task", "map[string]*VolumeRequest" → "VolumeRequest". */
export function elemType(type: string): string {
	let t = type;
	for (;;) {
		if (t.startsWith("[]")) t = t.slice(2);
		else if (t.startsWith("*")) t = t.slice(1);
		else if (t.startsWith("map[string]")) t = t.slice(11);
		else return t;
	}
}

export function impliedSchema(typeName: string): BodySchema {
	const schema: BodySchema = { attributes: [], blocks: [] };
	for (const f of fieldsOf(typeName)) {
		if (f.kind === "attr" || f.kind === "optional")
			schema.attributes.push({ name: f.hcl as string, required: f.kind === "attr" && !f.type.startsWith("*") });
		else if (f.kind === "block") {
			const el = elemType(f.type);
			const labels = isStructType(el)
				? fieldsOf(el)
						.filter((x) => x.kind === "label")
						.map((x) => x.hcl as string)
				: [];
			schema.blocks.push({ type: f.hcl as string, labels });
		}
	}
	return schema;
}

const INT_RANGES: Record<string, [string, string]> = {
	int: ["-9223372036854775808", "9223372036854775807"],
	int64: ["-9223372036854775808", "9223372036854775807"],
	int32: ["-2147483648", "2147483647"],
	int16: ["-32768", "32767"],
	int8: ["-128", "127"],
	uint: ["0", "18446744073709551615"],
	uint64: ["0", "18446744073709551615"],
	uint32: ["0", "4294967295"],
	uint16: ["0", "65535"],
	uint8: ["0", "255"],
};

/** The cty type gocty would use for a Go type. */
function ctyTypeOf(type: string): Type {
	const base = type.replace(/^\*/, "");
	if (base === "string") return STRING;
	if (base === "bool") return BOOL;
	if (INT_RANGES[base] || base === "float64") return NUMBER;
	if (base.startsWith("[]")) return listOf(ctyTypeOf(base.slice(2)));
	if (base.startsWith("map[string]")) return mapOf(ctyTypeOf(base.slice(11)));
	return DYNAMIC;
}

class GoValueError extends Error {}

/** gocty.FromCtyValue: a converted value to the JSON of the Go value. */
function fromCty(v: Value, type: string): unknown {
	if (type.startsWith("*")) return v.v === null ? null : fromCty(v, type.slice(1));
	if (type.startsWith("[]")) return v.v === null ? null : (v.v as Value[]).map((x) => fromCty(x, type.slice(2)));
	if (type.startsWith("map[string]")) {
		if (v.v === null) return null;
		const out: Obj = {};
		for (const [k, x] of v.v as Map<string, Value>) out[k] = fromCty(x, type.slice(11));
		return out;
	}
	if (type === "any") return toNative(v);
	if (v.v === null) throw new GoValueError("null value is not allowed");
	const range = INT_RANGES[type];
	if (range) {
		const n = v.v as number;
		if (!Number.isInteger(n) || BigInt(n) < BigInt(range[0]) || BigInt(n) > BigInt(range[1]))
			throw new GoValueError(`value must be a whole number, between ${range[0]} and ${range[1]}`);
		return n;
	}
	return v.v;
}

/** Go's time.ParseDuration, with its "missing unit" message. */
export function goDuration(text: string): number {
	if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text) && !/^[-+]?0$/.test(text))
		throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
	return parseDuration(text);
}

function decodeDuration(a: BodyAttr, diags: Diagnostic[]): number | undefined {
	const v = evalAttr(a, diags);
	if (!v) return undefined;
	const at = startRange(a.expr);
	if (v.v === null) {
		diags.push(errorDiag("Unsuitable value", "Unsuitable duration value: nil", at));
		return undefined;
	}
	if (v.t.k === "string") {
		try {
			return goDuration(v.v as string);
		} catch (e) {
			diags.push(errorDiag("Unsuitable value type", `Unsuitable duration value: ${(e as Error).message}`, at));
			return undefined;
		}
	}
	if (v.t.k !== "number") {
		diags.push(
			errorDiag("Unsuitable value type", `Unsuitable value: expected a string but found ${goTypeString(v.t)}`, at),
		);
		return undefined;
	}
	if (!Number.isInteger(v.v)) {
		diags.push(
			errorDiag(
				"Unsuitable value type",
				`Unsuitable value: value must be a whole number, between ${INT_RANGES.int64.join(" and ")}`,
				at,
			),
		);
		return undefined;
	}
	return v.v as number;
}

/** gohcl DecodeExpression for a field of the given Go type. */
export function decodeAttr(a: BodyAttr, type: string, diags: Diagnostic[]): unknown {
	if (type === "time.Duration" || type === "*time.Duration") return decodeDuration(a, diags);
	const v = evalAttr(a, diags);
	if (!v) return undefined;
	return convertForGo(v, type, a.expr, diags);
}

export function convertForGo(v: Value, type: string, expr: Expr, diags: Diagnostic[]): unknown {
	try {
		return fromCty(convert(v, ctyTypeOf(type)), type);
	} catch (e) {
		if (e instanceof ConvertError || e instanceof GoValueError) {
			diags.push(errorDiag("Unsuitable value type", `Unsuitable value: ${e.message}`, startRange(expr)));
			return undefined;
		}
		throw e;
	}
}

export type BodyDecoder = (body: Body, obj: Obj, diags: Diagnostic[]) => void;

/** Decodes bodies into api structs; custom decoders replace the tag-driven decoding per type. */
export class Decoder {
	readonly custom = new Map<string, BodyDecoder>();

	decodeBody(body: Body, typeName: string, diags: Diagnostic[]): Obj {
		const obj = newStruct(typeName);
		this.decodeInto(body, typeName, obj, diags);
		return obj;
	}

	decodeInto(body: Body, typeName: string, obj: Obj, diags: Diagnostic[]): void {
		const custom = this.custom.get(typeName);
		if (custom) {
			custom(body, obj, diags);
			return;
		}
		this.decodeStruct(body, typeName, obj, diags);
	}

	/** The tag-driven decoding, bypassing any custom decoder for the type. */
	decodeStruct(body: Body, typeName: string, obj: Obj, diags: Diagnostic[]): void {
		const content = body.content(impliedSchema(typeName), diags);
		const fields = fieldsOf(typeName);
		for (const f of fields) {
			if (f.kind !== "attr" && f.kind !== "optional") continue;
			const a = content.attributes.get(f.hcl as string);
			if (!a) continue;
			const v = decodeAttr(a, f.type, diags);
			if (v !== undefined) obj[f.go] = v;
		}
		for (const f of fields) {
			if (f.kind !== "block") continue;
			const blocks = content.blocks.filter((b) => b.type === f.hcl);
			const isSlice = f.type.startsWith("[]");
			const isMap = f.type.replace(/^\*/, "").startsWith("map[");
			const labeledMap = isMap && blocks.length > 0 && blocks[0].labels.length === 1;
			if (blocks.length > 1 && !isSlice && !labeledMap) {
				diags.push(
					errorDiag(
						`Duplicate ${f.hcl} block`,
						`Only one ${f.hcl} block is allowed. Another was defined at ${rangeText(blocks[0])}.`,
						blocks[1].defRange,
					),
				);
				continue;
			}
			if (blocks.length === 0) continue;
			const el = elemType(f.type);
			if (isSlice) obj[f.go] = blocks.map((b) => this.decodeBlock(b, el, diags));
			else if (labeledMap) {
				const m: Obj = (obj[f.go] as Obj | null) ?? {};
				for (const b of blocks) {
					const s = this.decodeBody(b.body, el, diags);
					setLabels(s, el, b.labels);
					m[b.labels[0]] = s;
				}
				obj[f.go] = m;
			} else if (isMap) obj[f.go] = this.decodeMap(blocks[0].body, f.type.replace(/^\*?map\[string\]/, ""), diags);
			else obj[f.go] = this.decodeBlock(blocks[0], el, diags);
		}
	}

	decodeBlock(b: BodyBlock, typeName: string, diags: Diagnostic[]): Obj {
		const obj = this.decodeBody(b.body, typeName, diags);
		setLabels(obj, typeName, b.labels);
		return obj;
	}

	/** decodeBodyToMap: every attribute is an entry; `any` values are evaluated to plain JSON. */
	decodeMap(body: Body, valueType: string, diags: Diagnostic[]): Obj {
		const out: Obj = {};
		for (const a of body.justAttributes(diags)) {
			if (valueType === "any") {
				const v = evalAttr(a, diags);
				if (v) out[a.name] = toNative(v);
				continue;
			}
			const v = decodeAttr(a, valueType, diags);
			if (v !== undefined) out[a.name] = v;
		}
		return out;
	}
}

function setLabels(obj: Obj, typeName: string, labels: string[]): void {
	const labelFields = fieldsOf(typeName).filter((f) => f.kind === "label");
	labels.forEach((l, i) => {
		if (labelFields[i]) obj[labelFields[i].go] = l;
	});
}

export function rangeText(b: BodyBlock): string {
	return rangeString(b.defRange);
}
