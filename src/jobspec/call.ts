// Function calls in expressions (hclsyntax FunctionCallExpr): lookup, argument expansion, arity
// and type checks, and HCL's diagnostics for each failure.
import { type Expr, startRange } from "./ast.ts";
import { ConvertError, convert } from "./convert.ts";
import { DiagnosticsError, errorDiag, type Range } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { ArgError, closestName, type FunctionDef, FunctionError, type Param, type Scope } from "./scope.ts";
import { elementsOf, type Value } from "./values.ts";

function fail(summary: string, detail: string, subject: Range): never {
	throw new DiagnosticsError([errorDiag(summary, detail, subject)]);
}

export function evalCall(e: Extract<Expr, { k: "call" }>, scope: Scope | null): Value {
	if (!scope?.functions) return fail("Function calls not allowed", "Functions may not be called here.", e.range);
	const fn = scope.functions.get(e.name);
	if (!fn) {
		const suggestion = closestName(e.name, [...scope.functions.keys()]);
		return fail(
			"Call to unknown function",
			`There is no function named "${e.name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`,
			e.nameRange,
		);
	}
	if (fn.lazy) return callChecked(e, () => (fn.lazy as NonNullable<FunctionDef["lazy"]>)(e.args, scope));
	let args = e.args.map((a) => evaluate(a, scope));
	if (e.expandFinal && args.length > 0) {
		const last = args[args.length - 1];
		const lastExpr = e.args[e.args.length - 1];
		if (last.v === null)
			fail(
				"Invalid expanding argument value",
				"The expanding argument (indicated by ...) must not be null.",
				lastExpr.range,
			);
		if (!Array.isArray(last.v))
			fail(
				"Invalid expanding argument value",
				"The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
				lastExpr.range,
			);
		args = [...args.slice(0, -1), ...elementsOf(last)];
	}
	const paramCount = fn.params.length;
	if (args.length < paramCount) {
		const missing = fn.params[args.length];
		const qual = fn.varParam ? " at least" : "";
		fail(
			"Not enough function arguments",
			`Function "${e.name}" expects${qual} ${paramCount} argument(s). Missing value for "${missing.name}".`,
			{ ...e.range, start: e.range.end },
		);
	}
	if (!fn.varParam && args.length > paramCount) {
		const extra = e.args[Math.min(paramCount, e.args.length - 1)];
		fail("Too many function arguments", `Function "${e.name}" expects only ${paramCount} argument(s).`, extra.range);
	}
	const converted = args.map((a, i) => {
		const p = (i < paramCount ? fn.params[i] : fn.varParam) as Param;
		const argExpr = e.args[Math.min(i, e.args.length - 1)];
		if (a.v === null && !p.allowNull)
			fail(
				"Invalid function argument",
				`Invalid value for "${p.name}" parameter: argument must not be null.`,
				startRange(argExpr),
			);
		try {
			return convert(a, p.type);
		} catch (err) {
			if (err instanceof ConvertError)
				fail(
					"Invalid function argument",
					`Invalid value for "${p.name}" parameter: ${err.message}.`,
					startRange(argExpr),
				);
			throw err;
		}
	});
	return callChecked(e, () => fn.impl(converted), fn);
}

function callChecked(e: Extract<Expr, { k: "call" }>, fn: () => Value, def?: FunctionDef): Value {
	try {
		return fn();
	} catch (err) {
		if (err instanceof ArgError && def) {
			const p = err.index < def.params.length ? def.params[err.index] : def.varParam;
			const argExpr = e.args[Math.min(err.index, e.args.length - 1)] ?? e;
			fail(
				"Invalid function argument",
				`Invalid value for "${p?.name ?? "?"}" parameter: ${err.message}.`,
				startRange(argExpr),
			);
		}
		if (err instanceof FunctionError || err instanceof ConvertError || err instanceof ArgError)
			fail("Error in function call", `Call to function "${e.name}" failed: ${err.message}.`, startRange(e));
		throw err;
	}
}
