// Variable references in expressions: which traversals an expression reads (for validation
// rules), and jobspec2's rule for references to unknown root variables.
import type { Expr, TemplatePart } from "./ast.ts";
import { str, type Value } from "./values.ts";

/** Traversals an expression reads from its context (hcl Expression.Variables), minus for-loop names. */
export function referencedTraversals(e: Expr): Extract<Expr, { k: "traversal" }>[] {
	const out: Extract<Expr, { k: "traversal" }>[] = [];
	const parts = (ps: TemplatePart[], b: Set<string>): void => {
		for (const p of ps) {
			if (p.k === "interp") visit(p.expr, b);
			else if (p.k === "if") {
				visit(p.cond, b);
				parts(p.whenTrue, b);
				parts(p.whenFalse, b);
			} else if (p.k === "for") {
				visit(p.collection, b);
				parts(p.body, new Set([...b, p.valVar, ...(p.keyVar ? [p.keyVar] : [])]));
			}
		}
	};
	const visit = (x: Expr | undefined, b: Set<string>): void => {
		if (!x) return;
		switch (x.k) {
			case "traversal":
				if (!b.has(x.root)) out.push(x);
				return;
			case "template":
				parts(x.parts, b);
				return;
			case "wrap":
			case "parens":
				visit(x.expr, b);
				return;
			case "relative":
				visit(x.source, b);
				return;
			case "index":
				visit(x.collection, b);
				visit(x.key, b);
				return;
			case "splat":
				visit(x.source, b);
				visit(x.each, b);
				return;
			case "call":
				for (const a of x.args) visit(a, b);
				return;
			case "tuple":
				for (const a of x.items) visit(a, b);
				return;
			case "object":
				for (const item of x.items) {
					if (item.forceNonLiteral || item.key.k !== "traversal") visit(item.key, b);
					visit(item.value, b);
				}
				return;
			case "conditional":
				visit(x.cond, b);
				visit(x.yes, b);
				visit(x.no, b);
				return;
			case "binary":
				visit(x.left, b);
				visit(x.right, b);
				return;
			case "unary":
				visit(x.operand, b);
				return;
			case "for": {
				visit(x.collection, b);
				const inner = new Set([...b, x.valVar, ...(x.keyVar ? [x.keyVar] : [])]);
				visit(x.keyExpr, inner);
				visit(x.valExpr, inner);
				visit(x.cond, inner);
				return;
			}
			default:
				return;
		}
	};
	visit(e, new Set());
	return out;
}

/**
 * jobspec2's UndefinedVariable handler: a reference to an unknown root variable (attr.*, node.*,
 * NOMAD_*, env["..."], ...) evaluates to its own source text wrapped in "${...}", so runtime
 * interpolations survive parsing verbatim.
 */
export function undefinedVariable(t: Extract<Expr, { k: "traversal" }>): Value {
	const body = t.src;
	const start = t.range.start.offset;
	const end = t.range.end.offset;
	let v = body.slice(start, end);
	let bracketed = false;
	for (let i = start - 1; i >= 1; i--) {
		if (body[i] === "{" && body[i - 1] === "$") {
			bracketed = true;
			v = body.slice(i - 1, start) + v;
			break;
		}
		if (body[i] !== " ") break;
	}
	if (bracketed) {
		for (let i = end + 1; i < body.length; i++) {
			if (body[i] === "}") v += body.slice(end, i);
			else if (body[i] !== " ") {
				v += "}";
				break;
			}
		}
	} else v = `\${${v}}`;
	return str(v);
}
