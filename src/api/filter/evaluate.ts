// Evaluates a parsed filter against a JSON-shaped value with go-bexpr v0.1.16's semantics
// (evaluate.go + mitchellh/pointerstructure), adapted from Go reflection to JSON values:
//   object -> Go map (keyed by field name),  array -> Go []interface{},
//   string / boolean -> string / bool,  integral number -> int64, other number -> float64,
//   null -> a nil map/slice (traversing it finds no keys, `is empty` and `is nil` are true).
// go-bexpr errors become FilterEvaluationError with go-bexpr's message.

import type { CollectionExpression, Expression, MatchExpression, MatchOperator } from "./ast.ts";
import { selectorString } from "./ast.ts";
import { FilterEvaluationError, goQuote } from "./errors.ts";
import { compileGoRegexp } from "./regexp.ts";
import { type GoNumError, parseGoBool, parseGoFloat, parseGoInt } from "./strconv.ts";

/** A collection binding: either an alias for a path (`as v` over a list) or a known value (index / key). */
interface Local {
	readonly name: string;
	readonly path?: readonly string[];
	readonly value?: string | number;
}

type Lookup = { readonly present: true; readonly value: unknown } | { readonly present: false };

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Own, defined keys: a key holding `undefined` is treated as absent (it would not be in the JSON). */
function has(o: Obj, key: string): boolean {
	return Object.hasOwn(o, key) && o[key] !== undefined;
}

function definedKeys(o: Obj): string[] {
	return Object.keys(o).filter((k) => o[k] !== undefined);
}

/** reflect.Kind name of a JSON value, as go-bexpr prints it in messages. */
function kindOf(v: unknown): string {
	if (v === null || v === undefined) return "invalid";
	if (Array.isArray(v)) return "slice";
	switch (typeof v) {
		case "string":
			return "string";
		case "boolean":
			return "bool";
		case "number":
			return Number.isInteger(v) ? "int" : "float64";
		case "bigint":
			return "int";
		case "object":
			return "map";
		default:
			return typeof v;
	}
}

/** reflect.Type name, for the `matches` error. */
function typeOf(v: unknown): string {
	if (v === null || v === undefined) return "<nil>";
	if (Array.isArray(v)) return "[]interface {}";
	return isObject(v) ? "map[string]interface {}" : kindOf(v);
}

/** pointerstructure's Pointer.String(). */
function pointerString(parts: readonly string[]): string {
	return parts.length === 0 ? "" : `/${parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
}

function fail(message: string): never {
	throw new FilterEvaluationError(message);
}

/** mapstructure's weak string->int decoding for slice indexes ("" is 0, base prefixes allowed). */
function sliceIndex(part: string): number | undefined {
	try {
		return Number(parseGoInt(part === "" ? "0" : part));
	} catch {
		return undefined;
	}
}

/**
 * pointerstructure.Get plus go-bexpr's getValue: a key missing from the object that holds the last
 * path element means "not present" (the operator's not-present disposition decides); everything
 * else that cannot be resolved is an error, including a missing top-level field.
 */
function lookup(datum: unknown, path: readonly string[], locals: readonly Local[]): Lookup {
	let parts = path;
	for (let i = locals.length - 1; i >= 0 && parts.length > 0; i--) {
		const lv = locals[i];
		if (parts[0] !== lv.name) continue;
		if (lv.path === undefined) {
			if (parts.length > 1) {
				const t = typeof lv.value === "number" ? "int" : "string";
				fail(`${pointerString([lv.name])} references a ${t} so ${pointerString(parts)} is invalid`);
			}
			return { present: true, value: lv.value };
		}
		parts = [...lv.path, ...parts.slice(1)];
	}
	const ptr = pointerString(parts);
	let cur = datum;
	for (let i = 0; i < parts.length; i++) {
		const part = parts[i];
		if (cur === null || cur === undefined || isObject(cur)) {
			if (cur != null && has(cur, part)) {
				cur = cur[part];
				continue;
			}
			if (i === parts.length - 1 && parts.length >= 2) return { present: false };
			fail(`error finding value in datum: ${ptr} at part ${i}: couldn't find key ${goQuote(part)}`);
		} else if (Array.isArray(cur)) {
			const idx = sliceIndex(part);
			if (idx === undefined) {
				fail(`error finding value in datum: ${ptr} at part ${i}: couldn't convert value ${goQuote(part)} to type int`);
			}
			if (idx < 0 || idx >= cur.length) {
				fail(
					`error finding value in datum: ${ptr} at part ${i}: index ${idx} is out of range (length = ${cur.length})`,
				);
			}
			cur = cur[idx];
		} else {
			fail(`error finding value in datum: ${ptr}: at part ${i}, invalid value kind: ${kindOf(cur)}`);
		}
	}
	return { present: true, value: cur };
}

/** go-bexpr's NotPresentDisposition: what an operator yields for a missing map key. */
const NOT_PRESENT: Readonly<Record<MatchOperator, boolean>> = {
	"==": false,
	"!=": true,
	in: false,
	"not in": true,
	"is empty": true,
	"is not empty": false,
	matches: false,
	"not matches": true,
	"is nil": true,
	"is not nil": false,
};

/**
 * Coerce the raw value to a number for comparison with a numeric field. Integral field values use
 * strconv.ParseInt(raw, 0, 64) (so "0x10" and "1_000" work); when that is a syntax error, or the
 * field value is not integral, ParseFloat is used, since JSON cannot tell `1` of a float field
 * from an int field. The error reported is ParseInt's for integral values, ParseFloat's otherwise.
 */
function coerceNumber(raw: string, field: number | bigint): number | bigint {
	if (typeof field === "bigint" || Number.isInteger(field)) {
		try {
			return parseGoInt(raw);
		} catch (intErr) {
			if ((intErr as GoNumError).kind !== "syntax") throw intErr;
			try {
				return parseGoFloat(raw);
			} catch {
				throw intErr;
			}
		}
	}
	return parseGoFloat(raw);
}

function numberEquals(want: number | bigint, field: number | bigint): boolean {
	if (typeof want === "bigint" && (typeof field === "bigint" || Number.isInteger(field))) return want === BigInt(field);
	return Number(want) === Number(field);
}

/** getMatchExprValue: coerce the raw value to the field's kind (string kinds take it as is). */
function coerceTo(raw: string, field: unknown): unknown {
	if (typeof field === "boolean") return parseGoBool(raw);
	if (typeof field === "number" || typeof field === "bigint") return coerceNumber(raw, field);
	return raw;
}

function coerceOrFail(raw: string, field: unknown): unknown {
	try {
		return coerceTo(raw, field);
	} catch (err) {
		return fail(`error getting match value in expression: ${(err as Error).message}`);
	}
}

function primitiveEquals(want: unknown, field: unknown): boolean {
	if (typeof field === "number" || typeof field === "bigint") return numberEquals(want as number | bigint, field);
	return want === field;
}

const isPrimitive = (v: unknown) => ["string", "boolean", "number", "bigint"].includes(typeof v);

function doEqual(raw: string, field: unknown): boolean {
	if (!isPrimitive(field)) fail("unable to find suitable primitive comparison function for matching");
	return primitiveEquals(coerceOrFail(raw, field), field);
}

function doIn(expr: MatchExpression, raw: string, field: unknown): boolean {
	coerceOrFail(raw, field); // go-bexpr coerces to the field's own kind first, so `"x" in Count` fails here
	if (field === null || field === undefined) return false;
	if (isObject(field)) return has(field, raw);
	if (Array.isArray(field)) {
		for (const item of field) {
			if (!isPrimitive(item)) fail(`unable to find suitable primitive comparison function for "in" comparison`);
			let want: unknown;
			try {
				want = coerceTo(raw, item);
			} catch (err) {
				// Mixed-type lists: a value that is not even the element's type just does not match it.
				if ((err as GoNumError).kind === "syntax") continue;
				fail("error getting interface slice match value in expression");
			}
			if (primitiveEquals(want, item)) return true;
		}
		return false;
	}
	if (typeof field === "string") return field.includes(raw);
	return fail(
		`cannot perform in/contains operations on type ${kindOf(field)} for selector: ${goQuote(selectorString(expr.selector))}`,
	);
}

function doIsEmpty(expr: MatchExpression, field: unknown): boolean {
	if (field === null || field === undefined) return true;
	if (typeof field === "string" || Array.isArray(field)) return field.length === 0;
	if (isObject(field)) return definedKeys(field).length === 0;
	return fail(
		`cannot perform is-empty operations on type ${kindOf(field)} for selector: ${goQuote(selectorString(expr.selector))}`,
	);
}

function doIsNil(expr: MatchExpression, field: unknown): boolean {
	if (field === null || field === undefined) return true;
	if (typeof field === "object") return false;
	return fail(
		`cannot perform is-nil operations on type ${kindOf(field)} for selector: ${goQuote(selectorString(expr.selector))}`,
	);
}

const regexCache = new WeakMap<MatchExpression, RegExp | Error>();

function doMatches(expr: MatchExpression, raw: string, field: unknown): boolean {
	if (typeof field !== "string") fail(`value of type ${typeOf(field)} is not convertible to []byte`);
	let re = regexCache.get(expr);
	if (re === undefined) {
		try {
			re = compileGoRegexp(raw);
		} catch (err) {
			re = new Error(`failed to compile regular expression ${goQuote(raw)}: ${(err as Error).message}`);
		}
		regexCache.set(expr, re);
	}
	if (re instanceof Error) fail(re.message);
	return re.test(field);
}

function evaluateMatch(expr: MatchExpression, datum: unknown, locals: readonly Local[]): boolean {
	const found = lookup(datum, expr.selector.path, locals);
	if (!found.present) return NOT_PRESENT[expr.operator];
	const v = found.value;
	const raw = expr.value ?? "";
	switch (expr.operator) {
		case "==":
			return doEqual(raw, v);
		case "!=":
			return !doEqual(raw, v);
		case "in":
			return doIn(expr, raw, v);
		case "not in":
			return !doIn(expr, raw, v);
		case "is empty":
			return doIsEmpty(expr, v);
		case "is not empty":
			return !doIsEmpty(expr, v);
		case "matches":
			return doMatches(expr, raw, v);
		case "not matches":
			return !doMatches(expr, raw, v);
		case "is nil":
			return doIsNil(expr, v);
		case "is not nil":
			return !doIsNil(expr, v);
	}
}

function evaluateCollection(expr: CollectionExpression, datum: unknown, locals: readonly Local[]): boolean {
	const found = lookup(datum, expr.selector.path, locals);
	const all = expr.op === "all";
	if (!found.present) return all;
	const v = found.value;
	if (!(v === null || typeof v === "object")) fail(`${selectorString(expr.selector)} is not a list or a map`);
	const b = expr.binding;
	const keys = isObject(v) ? definedKeys(v) : undefined;
	const length = Array.isArray(v) ? v.length : (keys?.length ?? 0);
	for (let i = 0; i < length; i++) {
		if (b.mode === "index-value" && b.index === b.value) {
			fail(`${goQuote(b.index ?? "")} cannot be used as a placeholder for both the index and the value`);
		}
		const inner: Local[] = [...locals];
		if (keys) {
			const key = keys[i];
			if (b.default) inner.push({ name: b.default, value: key });
			if (b.index) inner.push({ name: b.index, value: key });
			if (b.value) inner.push({ name: b.value, path: [...expr.selector.path, key] });
		} else {
			const path = [...expr.selector.path, String(i)];
			if (b.index) inner.push({ name: b.index, value: i });
			if (b.default) inner.push({ name: b.default, path });
			if (b.value) inner.push({ name: b.value, path });
		}
		const result = evaluate(expr.inner, datum, inner);
		if (result !== all) return result;
	}
	return all;
}

/** Evaluate a parsed expression; throws FilterEvaluationError where go-bexpr's Evaluate errors. */
export function evaluate(expr: Expression, datum: unknown, locals: readonly Local[] = []): boolean {
	let e = expr;
	// and/or trees lean right (`a or (b or (c ...))`), so walk the right spine in a loop.
	while (e.type === "and" || e.type === "or") {
		const left = evaluate(e.left, datum, locals);
		if (left === (e.type === "or")) return left; // short-circuit, as go-bexpr does
		e = e.right;
	}
	switch (e.type) {
		case "not":
			return !evaluate(e.operand, datum, locals);
		case "match":
			return evaluateMatch(e, datum, locals);
		case "collection":
			return evaluateCollection(e, datum, locals);
	}
}
