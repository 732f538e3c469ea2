// Recursive-descent parser for HCL native syntax (config bodies and expressions). Syntax errors
// are normally caught first by hcl2json (HashiCorp's own parser, which gives the canonical
// diagnostics); this parser builds the positioned tree the evaluator and decoder work on.
import type { Attribute, BinaryOp, Block, Expr, ObjectItem, Step, SyntaxBody } from "./ast.ts";
import { DiagnosticsError, errorDiag, type Range, type SourceFile } from "./diagnostics.ts";
import { parseHeredoc, parseQuoted, parseStandalone, type TemplateHost } from "./template.ts";
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

	constructor(file: SourceFile) {
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

	private peekIdent(): string | undefined {
		IDENT.lastIndex = this.pos;
		return IDENT.exec(this.src)?.[0];
	}

	private at(s: string): boolean {
		return this.src.startsWith(s, this.pos);
	}

	private expect(s: string, what: string): number {
		this.skip();
		if (!this.at(s)) this.fail(`${what}; Expected "${s}".`);
		const start = this.pos;
		this.pos += s.length;
		return start;
	}

	private withNewlines<T>(significant: boolean, fn: () => T): T {
		this.newlines.push(significant);
		try {
			return fn();
		} finally {
			this.newlines.pop();
		}
	}

	// ---- bodies ----

	parseConfig(): SyntaxBody {
		const body = this.parseBody(false);
		return { ...body, range: this.range(0, this.src.length) };
	}

	private parseBody(braced: boolean): SyntaxBody {
		const attributes: Attribute[] = [];
		const blocks: Block[] = [];
		const start = this.pos;
		for (;;) {
			this.skipAll();
			if (this.pos >= this.src.length) {
				if (braced) this.fail("Unclosed configuration block; There is no closing brace for this block.");
				break;
			}
			if (braced && this.at("}")) break;
			const nameStart = this.pos;
			const name = this.ident();
			if (!name) this.fail("Argument or block definition required; An argument or block definition is required here.");
			const nameRange = this.range(nameStart, this.pos);
			this.skip(false);
			if (this.at("=") && !this.at("==")) {
				this.pos++;
				const expr = this.withNewlines(true, () => {
					this.skip();
					return this.parseExpression();
				});
				attributes.push({ name, expr, nameRange, range: { ...nameRange, end: expr.range.end } });
				continue;
			}
			const labels: string[] = [];
			const labelRanges: Range[] = [];
			for (;;) {
				this.skip(false);
				const ls = this.pos;
				if (this.at('"')) {
					const { expr } = parseQuoted(this);
					if (expr.k !== "template" || expr.parts.some((p) => p.k !== "text"))
						this.fail("Invalid block label; Template sequences are not allowed in block labels.", ls);
					labels.push(expr.parts.map((p) => (p.k === "text" ? p.text : "")).join(""));
				} else {
					const l = this.ident();
					if (l === undefined) break;
					labels.push(l);
				}
				labelRanges.push(this.range(ls, this.pos));
			}
			if (!this.at("{"))
				this.fail(
					'Invalid block definition; Either a quoted string block label or an opening brace ("{") is expected here.',
				);
			const open = this.pos++;
			const body = this.withNewlines(true, () => this.parseBody(true));
			const close = this.pos++;
			body.range = this.range(open, this.pos);
			blocks.push({
				type: name,
				labels,
				typeRange: nameRange,
				labelRanges,
				openBraceRange: this.range(open, open + 1),
				closeBraceRange: this.range(close, close + 1),
				body,
			});
		}
		return { attributes, blocks, range: this.range(start, this.pos) };
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
		if (c === "[") return this.parseTuple();
		if (c === "{") return this.parseObject();
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
		return { k: "traversal", root: name, rootRange: range, steps: [], range, src: this.src };
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

	private isForKeyword(): boolean {
		const save = this.pos;
		this.skipAll();
		const isFor = this.peekIdent() === "for";
		this.pos = save;
		return isFor;
	}

	private parseTuple(): Expr {
		const start = this.pos++;
		if (this.isForKeyword()) return this.parseFor(start, false);
		const items: Expr[] = [];
		this.withNewlines(false, () => {
			for (;;) {
				this.skip();
				if (this.at("]")) break;
				items.push(this.parseExpression());
				this.skip();
				if (this.at(",")) this.pos++;
				else if (!this.at("]"))
					this.fail("Missing item separator; Expected a comma to mark the beginning of the next item.");
			}
		});
		this.pos++;
		return { k: "tuple", items, range: this.range(start, this.pos), openRange: this.range(start, start + 1) };
	}

	private parseObject(): Expr {
		const start = this.pos++;
		if (this.isForKeyword()) return this.parseFor(start, true);
		const items: ObjectItem[] = [];
		this.withNewlines(true, () => {
			for (;;) {
				this.skipAll();
				if (this.at("}")) break;
				const key = this.parseExpression();
				this.skip();
				if (!this.at("=") && !this.at(":"))
					this.fail(
						'Missing key/value separator; Expected an equals sign ("=") to mark the beginning of the attribute value.',
					);
				this.pos++;
				this.skip();
				const value = this.parseExpression();
				items.push({ key, forceNonLiteral: key.k === "parens", value });
				this.skip();
				if (this.at(",")) this.pos++;
				else if (!this.at("\n") && !this.at("}"))
					this.fail(
						"Missing attribute separator; Expected a newline or comma to mark the beginning of the next attribute.",
					);
			}
		});
		this.pos++;
		return { k: "object", items, range: this.range(start, this.pos), openRange: this.range(start, start + 1) };
	}

	private parseFor(start: number, isObject: boolean): Expr {
		return this.withNewlines(false, () => {
			this.skip();
			this.pos += 3; // "for"
			this.skip();
			const first =
				this.ident() ?? this.fail("Invalid 'for' expression; For expression requires variable name after 'for'.");
			this.skip();
			let keyVar: string | undefined;
			let valVar = first;
			if (this.at(",")) {
				this.pos++;
				this.skip();
				keyVar = first;
				valVar =
					this.ident() ??
					this.fail("Invalid 'for' expression; For expression requires value variable name after comma.");
				this.skip();
			}
			if (this.ident() !== "in")
				this.fail("Invalid 'for' expression; For expression requires the 'in' keyword after its name declarations.");
			this.skip();
			const collection = this.parseExpression();
			this.expect(":", "Invalid 'for' expression");
			this.skip();
			let keyExpr: Expr | undefined;
			let valExpr = this.parseExpression();
			let group = false;
			if (isObject) {
				this.expect("=>", "Invalid 'for' expression");
				keyExpr = valExpr;
				this.skip();
				valExpr = this.parseExpression();
				this.skip();
				if (this.at("...")) {
					this.pos += 3;
					group = true;
				}
			}
			this.skip();
			let cond: Expr | undefined;
			if (this.peekIdent() === "if") {
				this.pos += 2;
				this.skip();
				cond = this.parseExpression();
			}
			this.expect(isObject ? "}" : "]", "Invalid 'for' expression");
			return {
				k: "for",
				keyVar,
				valVar,
				collection,
				keyExpr,
				valExpr,
				cond,
				group,
				range: this.range(start, this.pos),
				openRange: this.range(start, start + 1),
			} satisfies Expr;
		});
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

/** Parses a whole HCL config file. */
export function parseConfig(file: SourceFile): SyntaxBody {
	return new Parser(file).parseConfig();
}

/** Parses a standalone expression (a -var value for a complex-typed variable). */
export function parseExpressionText(file: SourceFile): Expr {
	const p = new Parser(file);
	const e = p.parseInnerExpression();
	p.skipAll();
	if (p.pos < p.src.length)
		p.fail(
			"Extra characters after expression; An expression was successfully parsed, but extra characters were found after it.",
		);
	return e;
}

/** Parses a string as a template (string values in HCL JSON syntax). */
export function parseTemplateText(file: SourceFile): Expr {
	const p = new Parser(file);
	return parseStandalone(p);
}
