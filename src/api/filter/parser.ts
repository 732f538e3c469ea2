// The go-bexpr v0.1.16 grammar (grammar/grammar.peg, the version Nomad pins), rule for rule, on top
// of the pigeon-compatible PEG interpreter in peg.ts. Keeping the rules identical is what makes
// keywords contextual (`not == 1` compares a field named "not"), whitespace requirements exact
// (`a == 1and b == 2` is an error, `a==1` is fine) and error messages byte-for-byte go-bexpr's.

import type { CollectionBinding, Expression, MatchOperator, Selector } from "./ast.ts";
import { selectorString } from "./ast.ts";
import { FilterError, type FilterErrorDetail, goQuote } from "./errors.ts";
import {
	act,
	alt,
	and,
	anyChar,
	chain,
	cls,
	type Expr,
	fail,
	lit,
	not,
	opt,
	PegParser,
	pigeonPosition,
	plus,
	prefixed,
	type Rule,
	ref,
	seq,
	star,
} from "./peg.ts";
import { unquote } from "./strconv.ts";

const l = (s: string): Expr => lit(s, goQuote(s));
const _ = ref("_");
const ows = opt(_);
const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const POINTER_CHAR = /^[\p{L}\p{N}\-_.~:|]$/u;

type Values = readonly unknown[];

const binary =
	(type: "and" | "or") =>
	(left: unknown, right: unknown): Expression => ({ type, left: left as Expression, right: right as Expression });

/** Selector / op / value, in whichever order the rule matched them. */
const match =
	(order: "sel-op-val" | "sel-op" | "val-op-sel") =>
	(v: unknown): Expression => {
		const [a, operator, b] = v as Values;
		const selector = (order === "val-op-sel" ? b : a) as Selector;
		const value = order === "sel-op" ? null : ((order === "val-op-sel" ? a : b) as string);
		return { type: "match", operator: operator as MatchOperator, selector, value };
	};

/** A keyword operator such as `_ "not" _ "in" _`; operators followed by a value also eat trailing space. */
const keywordOp = (op: MatchOperator, trailing: boolean, ...words: string[]): Expr =>
	act(seq(...words.flatMap((w) => [_, l(w)]), ...(trailing ? [_] : [])), () => op);

const collectionOp = (op: "any" | "all"): Expr => act(seq(l(op), _), () => op);

const binding = (mode: CollectionBinding["mode"], pick: (v: Values) => Omit<CollectionBinding, "mode">) =>
	act(seq(ref("Identifier"), ows, l(","), ows, ref("Identifier")), (v) => ({ mode, ...pick(v as Values) }));

export const RULES: Readonly<Record<string, Rule>> = {
	Input: {
		x: alt(
			act(seq(ows, l("("), ows, ref("OrExpression"), ows, l(")"), ows, ref("EOF")), (v) => (v as Values)[3]),
			act(seq(ows, ref("OrExpression"), ows, ref("EOF")), (v) => (v as Values)[1]),
		),
	},
	// OrExpression <- AndExpression _ "or" _ OrExpression / AndExpression / CollectionExpression
	OrExpression: { x: chain(ref("AndExpression"), seq(_, l("or"), _), binary("or"), ref("CollectionExpression")) },
	// AndExpression <- NotExpression _ "and" _ AndExpression / NotExpression
	AndExpression: { x: chain(ref("NotExpression"), seq(_, l("and"), _), binary("and")) },
	// NotExpression <- "not" _ NotExpression / ParenthesizedExpression; `not not x` collapses to `x`.
	NotExpression: {
		x: prefixed(seq(l("not"), _), ref("ParenthesizedExpression"), (v) => {
			const operand = v as Expression;
			return operand.type === "not" ? operand.operand : { type: "not", operand };
		}),
	},
	CollectionExpression: {
		x: act(
			seq(
				alt(ref("CollectionOpAny"), ref("CollectionOpAll")),
				ref("Selector"),
				_,
				l("as"),
				_,
				ref("CollectionIdentifiers"),
				ows,
				l("{"),
				ows,
				ref("OrExpression"),
				ows,
				l("}"),
			),
			(v) => {
				const [op, selector, , , , bind, , , , inner] = v as Values;
				return { type: "collection", op, selector, binding: bind, inner } as Expression;
			},
		),
	},
	CollectionIdentifiers: {
		display: '"collection-identifiers"',
		x: alt(
			binding("index-value", (v) => ({ index: v[0] as string, value: v[4] as string })),
			act(seq(ref("Identifier"), ows, l(","), ows, l("_")), (v) => ({ mode: "index", index: (v as Values)[0] })),
			act(seq(l("_"), ows, l(","), ows, ref("Identifier")), (v) => ({ mode: "value", value: (v as Values)[4] })),
			act(ref("Identifier"), (v) => ({ mode: "default", default: v })),
		),
	},
	CollectionOpAny: { x: collectionOp("any") },
	CollectionOpAll: { x: collectionOp("all") },
	ParenthesizedExpression: {
		display: '"grouping"',
		x: alt(
			act(seq(l("("), ows, ref("OrExpression"), ows, l(")")), (v) => (v as Values)[2]),
			ref("MatchExpression"),
			seq(l("("), ows, ref("OrExpression"), ows, not(l(")")), fail("Unmatched parentheses")),
		),
	},
	MatchExpression: {
		display: '"match"',
		x: alt(ref("MatchSelectorOpValue"), ref("MatchSelectorOp"), ref("MatchValueOpSelector")),
	},
	MatchSelectorOpValue: {
		display: '"match"',
		x: act(
			seq(
				ref("Selector"),
				alt(
					...[
						"MatchEqual",
						"MatchNotEqual",
						"MatchContains",
						"MatchNotContains",
						"MatchMatches",
						"MatchNotMatches",
					].map(ref),
				),
				ref("Value"),
			),
			match("sel-op-val"),
		),
	},
	MatchSelectorOp: {
		display: '"match"',
		x: act(
			seq(ref("Selector"), alt(...["MatchIsEmpty", "MatchIsNotEmpty", "MatchIsNil", "MatchIsNotNil"].map(ref))),
			match("sel-op"),
		),
	},
	MatchValueOpSelector: {
		display: '"match"',
		x: alt(
			act(seq(ref("Value"), alt(ref("MatchIn"), ref("MatchNotIn")), ref("Selector")), match("val-op-sel")),
			seq(ref("Value"), alt(ref("MatchIn"), ref("MatchNotIn")), not(ref("Selector")), fail("Invalid selector")),
		),
	},
	MatchEqual: { x: act(seq(ows, l("=="), ows), () => "==") },
	MatchNotEqual: { x: act(seq(ows, l("!="), ows), () => "!=") },
	MatchIsEmpty: { x: keywordOp("is empty", false, "is", "empty") },
	MatchIsNotEmpty: { x: keywordOp("is not empty", false, "is", "not", "empty") },
	MatchIn: { x: keywordOp("in", true, "in") },
	MatchNotIn: { x: keywordOp("not in", true, "not", "in") },
	MatchContains: { x: keywordOp("in", true, "contains") },
	MatchNotContains: { x: keywordOp("not in", true, "not", "contains") },
	MatchMatches: { x: keywordOp("matches", true, "matches") },
	MatchNotMatches: { x: keywordOp("not matches", true, "not", "matches") },
	MatchIsNil: { x: keywordOp("is nil", false, "is", "nil") },
	MatchIsNotNil: { x: keywordOp("is not nil", false, "is", "not", "nil") },
	Selector: {
		display: '"selector"',
		x: alt(
			act(seq(ref("Identifier"), star(ref("SelectorOrIndex"))), (v): Selector => {
				const [first, rest] = v as [string, string[]];
				return { kind: "bexpr", path: [first, ...rest] };
			}),
			act(seq(l('"'), star(ref("JsonPointerSegment")), l('"')), (v): Selector => {
				// pointerstructure.Parse("/" + segments): "~1" then "~0" unescaped; no segments means [""].
				const segs = (v as Values)[1] as string[];
				const parts = segs.length === 0 ? [""] : segs;
				return { kind: "pointer", path: parts.map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~")) };
			}),
		),
	},
	JsonPointerSegment: {
		x: act(seq(l("/"), plus(cls("[\\pL\\pN-_.~:|]", (c) => POINTER_CHAR.test(String.fromCodePoint(c))))), (_v, ctx) =>
			ctx.text.slice(1),
		),
	},
	Identifier: {
		x: act(
			seq(
				cls("[a-zA-Z]", isAsciiLetter),
				star(cls("[a-zA-Z0-9_/]", (c) => isAsciiLetter(c) || isDigit(c) || c === 95 || c === 47)),
			),
			(_v, ctx) => ctx.text,
		),
	},
	SelectorOrIndex: {
		x: alt(
			act(seq(l("."), ref("Identifier")), (v) => (v as Values)[1]),
			ref("IndexExpression"),
			act(seq(l("."), plus(cls("[0-9]", isDigit))), (_v, ctx) => ctx.text.slice(1)),
		),
	},
	IndexExpression: {
		display: '"index"',
		x: alt(
			act(seq(l("["), ows, ref("StringLiteral"), ows, l("]")), (v) => (v as Values)[2]),
			seq(l("["), ows, not(ref("StringLiteral")), fail("Invalid index")),
			seq(l("["), ows, ref("StringLiteral"), ows, not(l("]")), fail("Unclosed index expression")),
		),
	},
	Value: {
		display: '"value"',
		x: alt(
			// go-bexpr turns a selector-shaped value back into text with Selector.String(). For the quoted
			// JSON Pointer form that loses the leading "/" (`Path == "/a/b"` would compare against "a/b");
			// we deliberately keep the literal text instead.
			act(ref("Selector"), (v, ctx) =>
				(v as Selector).kind === "pointer" ? unquote(ctx.text) : selectorString(v as Selector),
			),
			ref("NumberLiteral"),
			ref("StringLiteral"),
		),
	},
	NumberLiteral: {
		display: '"number"',
		x: alt(
			act(seq(opt(l("-")), ref("IntegerOrFloat"), and(ref("AfterNumbers"))), (_v, ctx) => ctx.text),
			seq(opt(l("-")), ref("IntegerOrFloat"), not(ref("AfterNumbers")), fail("Invalid number literal")),
		),
	},
	AfterNumbers: { x: and(alt(_, ref("EOF"), l(")"))) },
	IntegerOrFloat: {
		x: seq(
			alt(
				l("0"),
				seq(
					cls("[1-9]", (c) => c >= 49 && c <= 57),
					star(cls("[0-9]", isDigit)),
				),
			),
			opt(seq(l("."), plus(cls("[0-9]", isDigit)))),
		),
	},
	StringLiteral: {
		display: '"string"',
		x: alt(
			act(
				alt(seq(l("`"), star(ref("RawStringChar")), l("`")), seq(l('"'), star(ref("DoubleStringChar")), l('"'))),
				(_v, ctx) => {
					try {
						return unquote(ctx.text);
					} catch (err) {
						ctx.error((err as Error).message);
						return "";
					}
				},
			),
			seq(
				alt(seq(l("`"), star(ref("RawStringChar"))), seq(l('"'), star(ref("DoubleStringChar")))),
				ref("EOF"),
				fail("Unterminated string literal"),
			),
		),
	},
	RawStringChar: { x: seq(not(l("`")), anyChar) },
	DoubleStringChar: { x: seq(not(l('"')), anyChar) },
	_: { display: '"whitespace"', x: plus(cls("[ \\t\\r\\n]", (c) => c === 32 || c === 9 || c === 13 || c === 10)) },
	EOF: { x: not(anyChar) },
};

/**
 * Parse a filter expression into a syntax tree. Throws FilterError with go-bexpr's message, e.g.
 * `1:12 (11): rule "string": Unterminated string literal` or
 * `1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF`.
 */
export function parseFilter(expression: string): Expression {
	let result: ReturnType<PegParser["parse"]>;
	try {
		result = new PegParser(RULES, expression).parse("Input");
	} catch (err) {
		if (err instanceof RangeError) throw new FilterError("filter expression is nested too deeply");
		throw err;
	}
	if (result.ok) return result.value as Expression;
	const details: FilterErrorDetail[] = result.errors.map((e) => {
		const pos = pigeonPosition(expression, e.index);
		return { ...pos, index: e.index, rule: e.rule, reason: e.reason };
	});
	const message = details
		.map((d) => `${d.line}:${d.column} (${d.offset}): ${d.rule === undefined ? "" : `${d.rule}: `}${d.reason}`)
		.join("\n");
	throw new FilterError(message, details);
}
