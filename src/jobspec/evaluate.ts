// Expression evaluation (hclsyntax Expression.Value): variables through a scope chain, Nomad's
// rule that references to unknown root variables evaluate to their own "${...}" source text,
// operators, conditionals, for-expressions, splats, templates and function calls.
import type { Expr, Step, TemplatePart } from "./ast.ts";
import { evalCall } from "./call.ts";
import { ConvertError, convert, unify } from "./convert.ts";
import { DiagnosticsError, errorDiag, type Range } from "./diagnostics.ts";
import { getAttr, index } from "./ops.ts";
import { Scope } from "./scope.ts";
import {
	BOOL,
	bool,
	DYNAMIC,
	elementsOf,
	entriesOf,
	friendlyName,
	list,
	NUMBER,
	num,
	object,
	STRING,
	str,
	type Type,
	tuple,
	type Value,
	valueEquals,
} from "./values.ts";

function fail(summary: string, detail: string, subject: Range): never {
	throw new DiagnosticsError([errorDiag(summary, detail, subject)]);
}

/** Evaluates an expression; `scope` null means no variables or functions are allowed (hcl nil ctx). */
export function evaluate(e: Expr, scope: Scope | null): Value {
	switch (e.k) {
		case "literal":
			return e.value;
		case "template":
			return str(renderParts(e.parts, scope));
		case "wrap":
			return evaluate(e.expr, scope);
		case "parens":
			return evaluate(e.expr, scope);
		case "traversal": {
			if (!scope) return fail("Variables not allowed", "Variables may not be used here.", e.rootRange);
			const root = scope.lookup(e.root);
			if (!root) {
				if (scope.undefinedVariable) return scope.undefinedVariable(e);
				return fail("Unknown variable", `There is no variable named "${e.root}".`, e.rootRange);
			}
			return applySteps(root, e.steps);
		}
		case "relative":
			return applySteps(evaluate(e.source, scope), e.steps);
		case "anon": {
			const v = scope?.anonValue();
			if (!v) return fail("Invalid splat", "The splat item is not available here.", e.range);
			return v;
		}
		case "index": {
			const coll = evaluate(e.collection, scope);
			const key = evaluate(e.key, scope);
			return index(coll, key, { ...e.openRange, end: e.range.end });
		}
		case "splat":
			return evalSplat(e, scope);
		case "call":
			return evalCall(e, scope);
		case "tuple":
			return tuple(e.items.map((x) => evaluate(x, scope)));
		case "object":
			return evalObject(e, scope);
		case "conditional":
			return evalConditional(e, scope);
		case "binary":
			return evalBinary(e, scope);
		case "unary": {
			const v = evaluate(e.operand, scope);
			const want = e.op === "!" ? BOOL : NUMBER;
			const c = operand(v, want, "unary", e.operand);
			return e.op === "!" ? bool(!c.v) : num(-(c.v as number));
		}
		case "for":
			return evalFor(e, scope);
	}
}

function applySteps(v: Value, steps: Step[]): Value {
	let cur = v;
	for (const s of steps) cur = s.k === "attr" ? getAttr(cur, s.name, s.range) : index(cur, s.key, s.range);
	return cur;
}

function evalSplat(e: Extract<Expr, { k: "splat" }>, scope: Scope | null): Value {
	let source = evaluate(e.source, scope);
	const seq = source.t.k === "tuple" || source.t.k === "list" || source.t.k === "set";
	if (source.v === null) {
		if (!seq) return tuple([]);
		fail(
			"Splat of null value",
			"Splat expressions (with the * symbol) cannot be applied to null sequences.",
			e.source.range,
		);
	}
	if (!seq) source = tuple([source]);
	const inner = (scope ?? new Scope(new Map())).child(new Map());
	const out = elementsOf(source).map((item) => {
		inner.anon = item;
		return evaluate(e.each, inner);
	});
	if (source.t.k === "tuple") return tuple(out);
	return list(out.length > 0 ? (unify(out.map((x) => x.t)) ?? DYNAMIC) : DYNAMIC, out);
}

function evalObject(e: Extract<Expr, { k: "object" }>, scope: Scope | null): Value {
	const m = new Map<string, Value>();
	for (const item of e.items) {
		let key: string;
		const k = item.key;
		if (!item.forceNonLiteral && k.k === "traversal" && k.steps.length === 0) key = k.root;
		else if (!item.forceNonLiteral && k.k === "traversal")
			return fail(
				"Ambiguous attribute key",
				"If this expression is intended to be a reference, wrap it in parentheses. If it's instead intended as a literal name containing periods, wrap it in quotes to create a string literal.",
				k.range,
			);
		else {
			const kv = evaluate(k, scope);
			if (kv.v === null) fail("Null value as key", "Can't use a null value as a key.", item.value.range);
			try {
				key = convert(kv, STRING).v as string;
			} catch (err) {
				if (err instanceof ConvertError)
					fail("Incorrect key type", `Can't use this value as a key: ${err.message}.`, k.range);
				throw err;
			}
		}
		m.set(key, evaluate(item.value, scope));
	}
	return object(m);
}

function evalConditional(e: Extract<Expr, { k: "conditional" }>, scope: Scope | null): Value {
	const attempt = (x: Expr): { v?: Value; err?: unknown } => {
		try {
			return { v: evaluate(x, scope) };
		} catch (err) {
			return { err };
		}
	};
	const yes = attempt(e.yes);
	const no = attempt(e.no);
	const c = evaluate(e.cond, scope);
	if (c.v === null)
		fail("Null condition", "The condition value is null. Conditions must either be true or false.", e.cond.range);
	let cb: Value;
	try {
		cb = convert(c, BOOL);
	} catch (err) {
		if (err instanceof ConvertError)
			fail("Incorrect condition type", "The condition expression must be of type bool.", e.cond.range);
		throw err;
	}
	const chosen = cb.v ? yes : no;
	if (chosen.err) throw chosen.err;
	const result = chosen.v as Value;
	const other = cb.v ? no.v : yes.v;
	if (!other) return result;
	const ty = unify([yes.v as Value, no.v as Value].map((x) => x.t));
	if (!ty) {
		fail(
			"Inconsistent conditional result types",
			`The true and false result expressions must have consistent types. The 'true' value is ${friendlyName((yes.v as Value).t)}, but the 'false' value is ${friendlyName((no.v as Value).t)}.`,
			e.range,
		);
	}
	try {
		return convert(result, ty);
	} catch (err) {
		if (err instanceof ConvertError)
			fail(
				"Inconsistent conditional result types",
				`The ${cb.v ? "true" : "false"} result value has the wrong type: ${err.message}.`,
				(cb.v ? e.yes : e.no).range,
			);
		throw err;
	}
}

function operand(v: Value, want: Type, side: "left" | "right" | "unary", expr: Expr): Value {
	if (v.v === null)
		fail("Invalid operand", `Unsuitable value for ${side} operand: argument must not be null.`, expr.range);
	try {
		return convert(v, want);
	} catch (err) {
		if (err instanceof ConvertError)
			fail("Invalid operand", `Unsuitable value for ${side} operand: ${err.message}.`, expr.range);
		throw err;
	}
}

function evalBinary(e: Extract<Expr, { k: "binary" }>, scope: Scope | null): Value {
	const l = evaluate(e.left, scope);
	const r = evaluate(e.right, scope);
	switch (e.op) {
		case "==":
			return bool(valueEquals(l, r));
		case "!=":
			return bool(!valueEquals(l, r));
		case "&&":
		case "||": {
			const a = operand(l, BOOL, "left", e.left).v as boolean;
			const b = operand(r, BOOL, "right", e.right).v as boolean;
			return bool(e.op === "&&" ? a && b : a || b);
		}
	}
	const a = operand(l, NUMBER, "left", e.left).v as number;
	const b = operand(r, NUMBER, "right", e.right).v as number;
	switch (e.op) {
		case "+":
			return num(a + b);
		case "-":
			return num(a - b);
		case "*":
			return num(a * b);
		case "/":
			if (b === 0) fail("Operation failed", "Error during operation: can't divide by zero.", e.range);
			return num(a / b);
		case "%":
			if (b === 0) fail("Operation failed", "Error during operation: can't use modulo by zero.", e.range);
			return num(a % b);
		case "<":
			return bool(a < b);
		case "<=":
			return bool(a <= b);
		case ">":
			return bool(a > b);
		default:
			return bool(a >= b);
	}
}

/** Iteration pairs for a for-expression or template for-directive. */
function iterate(coll: Value, subject: Range): [Value, Value][] {
	if (coll.v === null)
		fail("Iteration over null value", "A null value cannot be used as the collection in a 'for' expression.", subject);
	switch (coll.t.k) {
		case "list":
		case "tuple":
			return elementsOf(coll).map((v, i) => [num(i), v]);
		case "set":
			return elementsOf(coll).map((v) => [v, v]);
		case "map":
		case "object":
			return entriesOf(coll).map(([k, v]) => [str(k), v]);
		default:
			return fail(
				"Iteration over non-iterable value",
				`A value of type ${friendlyName(coll.t)} cannot be used as the collection in a 'for' expression.`,
				subject,
			);
	}
}

function forCondition(cond: Expr, scope: Scope): boolean {
	const c = evaluate(cond, scope);
	if (c.v === null) fail("Condition is null", "The value of the 'if' clause must not be null.", cond.range);
	try {
		return convert(c, BOOL).v as boolean;
	} catch (err) {
		if (err instanceof ConvertError)
			fail("Invalid 'for' condition", `The 'if' clause value is invalid: ${err.message}.`, cond.range);
		throw err;
	}
}

function evalFor(e: Extract<Expr, { k: "for" }>, scope: Scope | null): Value {
	const coll = evaluate(e.collection, scope);
	const pairs = iterate(coll, e.collection.range);
	const base = scope ?? new Scope(new Map());
	if (!e.keyExpr) {
		const out: Value[] = [];
		for (const [k, v] of pairs) {
			const s = iterScope(base, e.keyVar, e.valVar, k, v);
			if (e.cond && !forCondition(e.cond, s)) continue;
			out.push(evaluate(e.valExpr, s));
		}
		return tuple(out);
	}
	const m = new Map<string, Value>();
	const groups = new Map<string, Value[]>();
	for (const [k, v] of pairs) {
		const s = iterScope(base, e.keyVar, e.valVar, k, v);
		if (e.cond && !forCondition(e.cond, s)) continue;
		const kv = evaluate(e.keyExpr, s);
		if (kv.v === null)
			fail("Invalid object key", "Key expression in 'for' expression must not produce a null value.", e.keyExpr.range);
		let key: string;
		try {
			key = convert(kv, STRING).v as string;
		} catch (err) {
			if (err instanceof ConvertError)
				fail("Invalid object key", `The key expression produced an invalid result: ${err.message}.`, e.keyExpr.range);
			throw err;
		}
		const val = evaluate(e.valExpr, s);
		if (e.group) {
			const g = groups.get(key) ?? [];
			g.push(val);
			groups.set(key, g);
		} else {
			if (m.has(key))
				fail(
					"Duplicate object key",
					`Two different items produced the key "${key}" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
					e.keyExpr.range,
				);
			m.set(key, val);
		}
	}
	if (e.group) for (const [k, g] of groups) m.set(k, tuple(g));
	return object(m);
}

function iterScope(base: Scope, keyVar: string | undefined, valVar: string, k: Value, v: Value): Scope {
	const vars = new Map<string, Value>();
	if (keyVar) vars.set(keyVar, k);
	vars.set(valVar, v);
	return base.child(vars);
}

function renderParts(parts: TemplatePart[], scope: Scope | null): string {
	let out = "";
	for (const p of parts) {
		switch (p.k) {
			case "text":
				out += p.text;
				break;
			case "interp": {
				const v = evaluate(p.expr, scope);
				if (v.v === null)
					fail(
						"Invalid template interpolation value",
						"The expression result is null. Cannot include a null value in a string template.",
						p.expr.range,
					);
				try {
					out += convert(v, STRING).v as string;
				} catch (err) {
					if (err instanceof ConvertError)
						fail(
							"Invalid template interpolation value",
							`Cannot include the given value in a string template: ${err.message}.`,
							p.expr.range,
						);
					throw err;
				}
				break;
			}
			case "if": {
				const c = evaluate(p.cond, scope);
				if (c.v === null)
					fail("Null condition", "The condition value is null. Conditions must either be true or false.", p.cond.range);
				let b: boolean;
				try {
					b = convert(c, BOOL).v as boolean;
				} catch {
					fail("Incorrect condition type", "The condition expression must be of type bool.", p.cond.range);
				}
				out += renderParts(b ? p.whenTrue : p.whenFalse, scope);
				break;
			}
			case "for": {
				const base = scope ?? new Scope(new Map());
				for (const [k, v] of iterate(evaluate(p.collection, scope), p.collection.range))
					out += renderParts(p.body, iterScope(base, p.keyVar, p.valVar, k, v));
				break;
			}
		}
	}
	return out;
}
