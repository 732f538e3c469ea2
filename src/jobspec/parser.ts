// Recursive-descent parser for HCL native syntax (config bodies and expressions). Syntax errors
// are normally caught first by hcl2json (HashiCorp's own parser, which gives the canonical
// diagnostics); this parser builds the positioned tree the evaluator and decoder work on.
import type { BinaryOp, Expr, Step } from "./ast.ts";
import { DiagnosticsError, errorDiag, type Range, type SourceFile } from "./diagnostics.ts";
import { parseObject, parseTuple } from "./parseCollections.ts";
import { parseHeredoc, parseQuoted, type TemplateHost } from "./template.ts";
import { FALSE, NULL, num, str, TRUE, type Value } from "./values.ts";

const IDENT = /[\p{ID_Start}_][\p{ID_Continue}-]*/uy;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const BINARY_LEVELS: BinaryOp[][] = [["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]];

export class Parser implements TemplateHost {
	readonly src: string;
	readonly file: SourceFile;
	pos = 0;
	/** Stack of "newlines are significant here" flags. */
	private readonly newlines: boolean[] = [];

	/** Text recorded on traversals for the undefined-variable rule (normally the source itself). */
	traversalText: string;

	constructor(file: SourceFile) {
		this.traversalText = file.text;
		this.file = file;
		this.src = file.text;
	}

	range(start: number, end: number): Range {
		return this.file.range(start, end);
	}

	fail(message: string, at = this.pos): never {
		const [summary, ...rest] = message.split("; ");
		const end = Math.min(at + 1, this.src.length);
		throw new DiagnosticsError([errorDiag(summary, rest.join("; ") || summary, this.range(at, Math.max(end, at)))]);
	}

	// ---- lexical helpers ----

	private get newlineSensitive(): boolean {
		return this.newlines.length > 0 && this.newlines[this.newlines.length - 1];
	}

	/** Skips blanks and comments; newlines too unless they are significant in the current context. */
	skip(allowNewlines = !this.newlineSensitive): void {
		const src = this.src;
		while (this.pos < src.length) {
			const c = src[this.pos];
			if (c === " " || c === "\t" || c === "\r") this.pos++;
			else if (c === "\n") {
				if (!allowNewlines) return;
				this.pos++;
			} else if (c === "#" || (c === "/" && src[this.pos + 1] === "/")) {
				while (this.pos < src.length && src[this.pos] !== "\n") this.pos++;
			} else if (c === "/" && src[this.pos + 1] === "*") {
				const close = src.indexOf("*/", this.pos + 2);
				this.pos = close < 0 ? src.length : close + 2;
			} else return;
		}
	}

	skipAll(): void {
		this.skip(true);
	}

	ident(): string | undefined {
		IDENT.lastIndex = this.pos;
		const m = IDENT.exec(this.src);
		if (!m) return undefined;
		this.pos += m[0].length;
		return m[0];
	}

	peekIdent(): string | undefined {
		IDENT.lastIndex = this.pos;
		return IDENT.exec(this.src)?.[0];
	}

	at(s: string): boolean {
		return this.src.startsWith(s, this.pos);
	}

	expect(s: string, what: string): number {
		this.skip();
		if (!this.at(s)) this.fail(`${what}; Expected "${s}".`);
		const start = this.pos;
		this.pos += s.length;
		return start;
	}

	withNewlines<T>(significant: boolean, fn: () => T): T {
		this.newlines.push(significant);
		try {
			return fn();
		} finally {
			this.newlines.pop();
		}
	}

	// ---- expressions ----

	parseExpression(): Expr {
		const cond = this.parseBinary(0);
		this.skip();
		if (!this.at("?")) return cond;
		this.pos++;
		const yes = this.withNewlines(false, () => {
			this.skip();
			return this.parseExpression();
		});
		this.expect(":", "Missing false expression in conditional");
		this.skip();
		const no = this.parseExpression();
		return { k: "conditional", cond, yes, no, range: { ...cond.range, end: no.range.end } };
	}

	parseInnerExpression(): Expr {
		return this.withNewlines(false, () => {
			this.skip();
			return this.parseExpression();
		});
	}

	private parseBinary(level: number): Expr {
		if (level >= BINARY_LEVELS.length) return this.parseUnary();
		let left = this.parseBinary(level + 1);
		for (;;) {
			const save = this.pos;
			this.skip();
			const op = BINARY_LEVELS[level].find((o) => this.at(o) && !(o === "<" && this.at("<<")));
			if (!op) {
				this.pos = save;
				return left;
			}
			this.pos += op.length;
			this.skip();
			const right = this.parseBinary(level + 1);
			left = { k: "binary", op, left, right, range: { ...left.range, end: right.range.end } };
		}
	}

	private parseUnary(): Expr {
		this.skip();
		const c = this.src[this.pos];
		if ((c === "!" && !this.at("!=")) || c === "-") {
			const start = this.pos++;
			const operand = this.parseUnary();
			return {
				k: "unary",
				op: c as "!" | "-",
				operand,
				range: { ...this.range(start, start), end: operand.range.end },
				symbolRange: this.range(start, start + 1),
			};
		}
		return this.parseTraversals(this.parseTerm());
	}

	private parseTerm(): Expr {
		this.skip();
		const start = this.pos;
		const c = this.src[this.pos];
		if (c === "(") {
			this.pos++;
			const expr = this.parseInnerExpression();
			this.withNewlines(false, () => this.expect(")", "Unbalanced parentheses"));
			return { k: "parens", expr, range: this.range(start, this.pos) };
		}
		if (c === "[") return parseTuple(this);
		if (c === "{") return parseObject(this);
		if (c === '"') return parseQuoted(this).expr;
		if (this.at("<<")) return parseHeredoc(this).expr;
		if (c !== undefined && c >= "0" && c <= "9") {
			NUMBER.lastIndex = this.pos;
			const m = NUMBER.exec(this.src) as RegExpExecArray;
			this.pos += m[0].length;
			return { k: "literal", value: num(Number(m[0])), range: this.range(start, this.pos) };
		}
		let name = this.ident();
		if (name === undefined)
			return this.fail(
				"Invalid expression; Expected the start of an expression, but found an invalid expression token.",
			);
		const nameEnd = this.pos;
		if (name === "true" || name === "false" || name === "null") {
			const value = name === "true" ? TRUE : name === "false" ? FALSE : NULL;
			return { k: "literal", value, range: this.range(start, nameEnd) };
		}
		while (this.at("::")) {
			this.pos += 2;
			name += `::${this.ident() ?? ""}`;
		}
		const save = this.pos;
		this.skip(false);
		if (this.at("(")) return this.parseCall(name, start, this.pos - 0);
		this.pos = save;
		const range = this.range(start, nameEnd);
		return { k: "traversal", root: name, rootRange: range, steps: [], range, src: this.traversalText };
	}

	private parseCall(name: string, start: number, openAt: number): Expr {
		const nameRange = this.range(start, start + name.length);
		this.pos = openAt + 1;
		const args: Expr[] = [];
		let expandFinal = false;
		this.withNewlines(false, () => {
			for (;;) {
				this.skip();
				if (this.at(")")) break;
				args.push(this.parseExpression());
				this.skip();
				if (this.at("...")) {
					this.pos += 3;
					expandFinal = true;
					this.skip();
				}
				if (this.at(",")) this.pos++;
				else if (!this.at(")"))
					this.fail(
						"Missing argument separator; A comma is required to separate each function argument from the next.",
					);
			}
		});
		this.pos++;
		return {
			k: "call",
			name,
			args,
			expandFinal,
			range: this.range(start, this.pos),
			nameRange,
			openRange: this.range(openAt, openAt + 1),
		};
	}

	// ---- traversals, indexes and splats ----

	private parseTraversals(expr: Expr): Expr {
		let ret = expr;
		for (;;) {
			const save = this.pos;
			this.skip();
			if (this.at(".") && !this.at("...")) {
				const dot = this.pos++;
				this.skip();
				if (this.at("*")) {
					this.pos++;
					return this.parseSplat(ret, dot, false);
				}
				const nstart = this.pos;
				if (/[0-9]/.test(this.src[this.pos] ?? "")) {
					while (/[0-9]/.test(this.src[this.pos] ?? "")) this.pos++;
					const key = num(Number(this.src.slice(nstart, this.pos)));
					ret = appendStep(ret, { k: "index", key, range: this.range(dot, this.pos) });
					continue;
				}
				const name = this.ident();
				if (name === undefined) this.fail("Invalid attribute name; An attribute name is required after a dot.");
				ret = appendStep(ret, { k: "attr", name, range: this.range(dot, this.pos) });
				continue;
			}
			if (this.at("[")) {
				const open = this.pos++;
				const inner = this.pos;
				this.skipAll();
				if (this.at("*")) {
					this.pos++;
					this.skipAll();
					if (this.at("]")) {
						this.pos++;
						return this.parseSplat(ret, open, true);
					}
				}
				this.pos = inner;
				const key = this.parseInnerExpression();
				this.withNewlines(false, () => this.expect("]", "Unclosed index brackets"));
				const range = this.range(open, this.pos);
				const lit = literalKey(key);
				if (lit) {
					ret = appendStep(ret, { k: "index", key: lit, range });
				} else {
					ret = {
						k: "index",
						collection: ret,
						key,
						range: { ...ret.range, end: range.end },
						openRange: this.range(open, open + 1),
					};
				}
				continue;
			}
			this.pos = save;
			return ret;
		}
	}

	private parseSplat(source: Expr, markerStart: number, full: boolean): Expr {
		const markerRange = this.range(markerStart, this.pos);
		let each: Expr = { k: "anon", range: markerRange };
		for (;;) {
			const save = this.pos;
			this.skip();
			if (this.at(".") && !this.at("...") && !this.src.startsWith(".*", this.pos)) {
				const dot = this.pos++;
				this.skip();
				const nstart = this.pos;
				if (/[0-9]/.test(this.src[this.pos] ?? "")) {
					while (/[0-9]/.test(this.src[this.pos] ?? "")) this.pos++;
					each = appendStep(each, {
						k: "index",
						key: num(Number(this.src.slice(nstart, this.pos))),
						range: this.range(dot, this.pos),
					});
					continue;
				}
				const name = this.ident();
				if (name === undefined) this.fail("Invalid attribute name; An attribute name is required after a dot.");
				each = appendStep(each, { k: "attr", name, range: this.range(dot, this.pos) });
				continue;
			}
			if (full && this.at("[") && !/^\[\s*\*/.test(this.src.slice(this.pos, this.pos + 8))) {
				const open = this.pos++;
				const key = this.parseInnerExpression();
				this.withNewlines(false, () => this.expect("]", "Unclosed index brackets"));
				const range = this.range(open, this.pos);
				const lit = literalKey(key);
				each = lit
					? appendStep(each, { k: "index", key: lit, range })
					: {
							k: "index",
							collection: each,
							key,
							range: { ...each.range, end: range.end },
							openRange: this.range(open, open + 1),
						};
				continue;
			}
			this.pos = save;
			break;
		}
		const splat: Expr = {
			k: "splat",
			source,
			each,
			range: { ...source.range, end: this.range(this.pos, this.pos).end },
			markerRange,
		};
		return this.parseTraversals(splat);
	}
}

function literalKey(e: Expr): Value | undefined {
	if (e.k === "literal") return e.value;
	if (e.k === "template" && e.parts.every((p) => p.k === "text"))
		return str(e.parts.map((p) => (p.k === "text" ? p.text : "")).join(""));
	return undefined;
}

function appendStep(e: Expr, step: Step): Expr {
	const range = { ...e.range, end: step.range.end };
	if (e.k === "traversal") return { ...e, steps: [...e.steps, step], range };
	if (e.k === "relative") return { ...e, steps: [...e.steps, step], range };
	return { k: "relative", source: e, steps: [step], range };
}
