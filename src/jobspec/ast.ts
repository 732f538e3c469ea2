// Syntax tree of HCL native syntax: bodies (attributes and blocks) and expressions, each node
// carrying its source range so diagnostics can point at it.
import type { Range } from "./diagnostics.ts";
import type { Value } from "./values.ts";

export interface Attribute {
	name: string;
	expr: Expr;
	nameRange: Range;
	/** Name through end of expression. */
	range: Range;
}

export interface Block {
	type: string;
	labels: string[];
	typeRange: Range;
	labelRanges: Range[];
	openBraceRange: Range;
	closeBraceRange: Range;
	body: SyntaxBody;
}

export interface SyntaxBody {
	attributes: Attribute[];
	blocks: Block[];
	/** From the opening brace to the closing brace (whole file for the root body). */
	range: Range;
}

/** One step of a traversal: `.name`, `[<literal>]` or the legacy `.0`. */
export type Step = { k: "attr"; name: string; range: Range } | { k: "index"; key: Value; range: Range };

export type Expr =
	| { k: "literal"; value: Value; range: Range }
	| { k: "template"; parts: TemplatePart[]; range: Range }
	/** "${expr}" alone in a template: evaluates to the expression's value unconverted. */
	| { k: "wrap"; expr: Expr; range: Range }
	/** `src` is the text of the file the traversal was parsed from (for the undefined-variable rule). */
	| { k: "traversal"; root: string; rootRange: Range; steps: Step[]; range: Range; src: string }
	| { k: "relative"; source: Expr; steps: Step[]; range: Range }
	| { k: "index"; collection: Expr; key: Expr; range: Range; openRange: Range }
	| { k: "splat"; source: Expr; each: Expr; range: Range; markerRange: Range }
	/** The placeholder for the current element inside a splat's `each` chain. */
	| { k: "anon"; range: Range }
	| { k: "call"; name: string; args: Expr[]; expandFinal: boolean; range: Range; nameRange: Range; openRange: Range }
	| { k: "tuple"; items: Expr[]; range: Range; openRange: Range }
	| { k: "object"; items: ObjectItem[]; range: Range; openRange: Range }
	| { k: "conditional"; cond: Expr; yes: Expr; no: Expr; range: Range }
	| { k: "binary"; op: BinaryOp; left: Expr; right: Expr; range: Range }
	| { k: "unary"; op: "!" | "-"; operand: Expr; range: Range; symbolRange: Range }
	| { k: "parens"; expr: Expr; range: Range }
	| {
			k: "for";
			keyVar?: string;
			valVar: string;
			collection: Expr;
			keyExpr?: Expr;
			valExpr: Expr;
			cond?: Expr;
			group: boolean;
			range: Range;
			openRange: Range;
	  };

export interface ObjectItem {
	key: Expr;
	/** The key was written as a bare identifier and so is the literal name, not a variable. */
	forceNonLiteral: boolean;
	value: Expr;
}

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";

export type TemplatePart =
	| { k: "text"; text: string; range: Range }
	| { k: "interp"; expr: Expr; range: Range }
	| { k: "if"; cond: Expr; whenTrue: TemplatePart[]; whenFalse: TemplatePart[]; range: Range }
	| { k: "for"; keyVar?: string; valVar: string; collection: Expr; body: TemplatePart[]; range: Range };

export function startRange(e: Expr): Range {
	switch (e.k) {
		case "call":
			return { filename: e.nameRange.filename, start: e.nameRange.start, end: e.openRange.end };
		case "conditional":
			return startRange(e.cond);
		case "binary":
			return startRange(e.left);
		case "index":
		case "tuple":
		case "object":
		case "for":
			return e.openRange;
		case "splat":
			return e.markerRange;
		case "unary":
			return e.symbolRange;
		case "template":
			return e.parts.length > 0 ? e.parts[0].range : e.range;
		default:
			return e.range;
	}
}
