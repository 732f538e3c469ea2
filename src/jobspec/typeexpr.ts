// Type constraint expressions (hcl ext/typeexpr): string, number, bool, any, list(T), set(T),
// map(T), tuple([...]) and object({...}).
import type { Expr } from "./ast.ts";
import { DiagnosticsError, errorDiag, type Range } from "./diagnostics.ts";
import { BOOL, DYNAMIC, listOf, mapOf, NUMBER, objectOf, STRING, setOf, type Type, tupleOf } from "./values.ts";

const INVALID = "Invalid type specification";

function fail(detail: string, at: Range): never {
	throw new DiagnosticsError([errorDiag(INVALID, detail, at)]);
}

export function typeFromExpr(e: Expr): Type {
	const expr = e.k === "parens" ? e.expr : e;
	if (expr.k === "traversal") {
		if (expr.steps.length > 0)
			fail(
				"A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
				expr.range,
			);
		switch (expr.root) {
			case "string":
				return STRING;
			case "number":
				return NUMBER;
			case "bool":
				return BOOL;
			case "any":
				return DYNAMIC;
			case "list":
			case "map":
			case "set":
				return fail(`The ${expr.root} type constructor requires one argument specifying the element type.`, expr.range);
			case "object":
				return fail(
					"The object type constructor requires one argument specifying the attribute types as a map.",
					expr.range,
				);
			case "tuple":
				return fail(
					"The tuple type constructor requires one argument specifying the element types as a list.",
					expr.range,
				);
			default:
				return fail(`The keyword "${expr.root}" is not a valid type specification.`, expr.range);
		}
	}
	if (expr.k === "call") {
		const one = (): Expr => {
			if (expr.args.length !== 1)
				fail(`The ${expr.name} type constructor requires one argument specifying the element type.`, expr.range);
			return expr.args[0];
		};
		switch (expr.name) {
			case "list":
				return listOf(typeFromExpr(one()));
			case "set":
				return setOf(typeFromExpr(one()));
			case "map":
				return mapOf(typeFromExpr(one()));
			case "tuple": {
				const arg = one();
				if (arg.k !== "tuple") fail("Tuple type constructor requires a list of element types.", arg.range);
				return tupleOf(arg.items.map(typeFromExpr));
			}
			case "object": {
				const arg = one();
				if (arg.k !== "object")
					fail(
						"Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
						arg.range,
					);
				const attrs = new Map<string, Type>();
				for (const item of arg.items) {
					let name: string | undefined;
					if (item.key.k === "traversal" && item.key.steps.length === 0) name = item.key.root;
					else if (item.key.k === "template" && item.key.parts.every((p) => p.k === "text"))
						name = item.key.parts.map((p) => (p.k === "text" ? p.text : "")).join("");
					if (name === undefined) fail("Object constructor map keys must be attribute names.", item.key.range);
					attrs.set(name, typeFromExpr(item.value));
				}
				return objectOf(attrs);
			}
			case "optional":
				return fail(
					"Optional attribute modifier is only for attribute types in an object type constraint.",
					expr.range,
				);
			default:
				return fail(`Keyword "${expr.name}" is not a valid type constructor.`, expr.nameRange);
		}
	}
	return fail(
		"A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
		expr.range,
	);
}
