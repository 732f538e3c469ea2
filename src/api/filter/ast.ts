// Syntax tree produced by the parser; mirrors go-bexpr's grammar/ast.go.

/** `contains` parses to "in" and `not contains` to "not in", exactly as in go-bexpr. */
export type MatchOperator =
	| "=="
	| "!="
	| "in"
	| "not in"
	| "is empty"
	| "is not empty"
	| "matches"
	| "not matches"
	| "is nil"
	| "is not nil";

export interface Selector {
	/** "bexpr" for `a.b["c"]`, "pointer" for the quoted JSON Pointer form `"/a/b/c"`. */
	readonly kind: "bexpr" | "pointer";
	readonly path: readonly string[];
}

export interface MatchExpression {
	readonly type: "match";
	readonly operator: MatchOperator;
	readonly selector: Selector;
	/** The raw value text (go-bexpr's MatchValue.Raw); null for `is empty` / `is nil` forms. */
	readonly value: string | null;
}

export interface CollectionBinding {
	readonly mode: "default" | "index" | "value" | "index-value";
	readonly default?: string;
	readonly index?: string;
	readonly value?: string;
}

export interface CollectionExpression {
	readonly type: "collection";
	readonly op: "any" | "all";
	readonly selector: Selector;
	readonly binding: CollectionBinding;
	readonly inner: Expression;
}

export type Expression =
	| { readonly type: "and" | "or"; readonly left: Expression; readonly right: Expression }
	| { readonly type: "not"; readonly operand: Expression }
	| MatchExpression
	| CollectionExpression;

/** go-bexpr's Selector.String(): parts joined by "." (bexpr form) or "/" (pointer form). */
export function selectorString(sel: Selector): string {
	return sel.path.join(sel.kind === "bexpr" ? "." : "/");
}

/** A compact, stable rendering used by tests and for debugging. */
export function formatExpression(e: Expression): string {
	switch (e.type) {
		case "and":
		case "or":
			return `(${formatExpression(e.left)} ${e.type} ${formatExpression(e.right)})`;
		case "not":
			return `(not ${formatExpression(e.operand)})`;
		case "match": {
			const sel = `${e.selector.kind === "pointer" ? "ptr:" : ""}${JSON.stringify(e.selector.path)}`;
			return e.value === null ? `{${sel} ${e.operator}}` : `{${sel} ${e.operator} ${JSON.stringify(e.value)}}`;
		}
		case "collection": {
			const b = e.binding;
			const names = [b.default, b.index, b.value].map((n) => n ?? "_").join(",");
			return `${e.op} ${JSON.stringify(e.selector.path)} as ${b.mode}(${names}) {${formatExpression(e.inner)}}`;
		}
	}
}
