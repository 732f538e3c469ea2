// Evaluation contexts (hcl.EvalContext) and the function-definition types used by expressions.
import type { Expr } from "./ast.ts";
import type { Type, Value } from "./values.ts";

export interface Param {
	name: string;
	type: Type;
	allowNull?: boolean;
}

/** A function callable from expressions; impl throws FunctionError or ArgError. */
export interface FunctionDef {
	params: Param[];
	varParam?: Param;
	impl: (args: Value[]) => Value;
	/** For try()/can(): receives the unevaluated argument expressions. */
	lazy?: (args: Expr[], scope: Scope) => Value;
}

export class FunctionError extends Error {
	override name = "FunctionError";
}

export class ArgError extends Error {
	override name = "ArgError";
	readonly index: number;
	constructor(index: number, message: string) {
		super(message);
		this.index = index;
	}
}

export type UndefinedVariableHandler = (e: Extract<Expr, { k: "traversal" }>) => Value;

/** An hcl.EvalContext: variables, functions, and a parent. */
export class Scope {
	readonly vars: Map<string, Value>;
	readonly parent: Scope | null;
	readonly functions: Map<string, FunctionDef> | null;
	readonly undefinedVariable: UndefinedVariableHandler | null;
	/** The current element inside a splat's per-element expression. */
	anon: Value | null = null;

	constructor(
		vars: Map<string, Value>,
		parent: Scope | null = null,
		functions: Map<string, FunctionDef> | null = null,
		undefinedVariable: UndefinedVariableHandler | null = null,
	) {
		this.vars = vars;
		this.parent = parent;
		this.functions = functions ?? parent?.functions ?? null;
		this.undefinedVariable = undefinedVariable ?? parent?.undefinedVariable ?? null;
	}

	child(vars: Map<string, Value>): Scope {
		return new Scope(vars, this);
	}

	lookup(name: string): Value | undefined {
		for (let s: Scope | null = this; s; s = s.parent) {
			const v = s.vars.get(name);
			if (v) return v;
		}
		return undefined;
	}

	anonValue(): Value | null {
		for (let s: Scope | null = this; s; s = s.parent) if (s.anon) return s.anon;
		return null;
	}
}

/** hclsyntax nameSuggestion: the first candidate within edit distance 2. */
export function nameSuggestion(given: string, candidates: string[]): string {
	for (const c of candidates) if (levenshtein(given, c) < 3) return c;
	return "";
}

/** Like nameSuggestion, but the nearest candidate (Go picks an arbitrary one from a map here). */
export function closestName(given: string, candidates: string[]): string {
	let best = "";
	let bestDist = 3;
	for (const c of candidates) {
		const d = levenshtein(given, c);
		if (d < bestDist) {
			best = c;
			bestDist = d;
		}
	}
	return best;
}

function levenshtein(a: string, b: string): number {
	const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		let diag = prev[0];
		prev[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const tmp = prev[j];
			prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
			diag = tmp;
		}
	}
	return prev[b.length];
}
