// Template syntax inside quoted strings and heredocs: literal text with escapes, ${...}
// interpolations, %{if}/%{for} directives, "~" strip markers and flush-heredoc indentation.
import type { Expr, TemplatePart } from "./ast.ts";
import type { Range } from "./diagnostics.ts";

/** What the template scanner needs from the expression parser. */
export interface TemplateHost {
	readonly src: string;
	pos: number;
	range(start: number, end: number): Range;
	fail(message: string, at?: number): never;
	/** Parses an expression (newlines ignored) starting at pos, leaving pos after it. */
	parseInnerExpression(): Expr;
	skipAll(): void;
	ident(): string | undefined;
}

type Token =
	| { k: "text"; text: string; start: number; end: number; lineStart: boolean }
	| { k: "interp"; expr: Expr; start: number; end: number }
	| { k: "if"; cond: Expr; start: number; end: number }
	| { k: "else"; start: number; end: number }
	| { k: "endif"; start: number; end: number }
	| { k: "for"; keyVar?: string; valVar: string; collection: Expr; start: number; end: number }
	| { k: "endfor"; start: number; end: number };

export interface TemplateResult {
	expr: Expr;
	end: number;
}

/** Parses a quoted template; pos is at the opening quote. */
export function parseQuoted(h: TemplateHost): TemplateResult {
	const open = h.pos;
	h.pos++;
	const tokens = scan(h, "quoted", "");
	return { expr: build(h, tokens, open, h.pos, false), end: h.pos };
}

/** Parses a heredoc; pos is at "<<". */
export function parseHeredoc(h: TemplateHost): TemplateResult {
	const open = h.pos;
	h.pos += 2;
	const flush = h.src[h.pos] === "-";
	if (flush) h.pos++;
	const marker = h.ident();
	if (!marker) h.fail("Invalid heredoc marker; the heredoc marker must be an identifier", h.pos);
	if (h.src.startsWith("\r\n", h.pos)) h.pos += 2;
	else if (h.src[h.pos] === "\n") h.pos++;
	else h.fail("Invalid multi-line string; A heredoc marker must be followed by a newline.", h.pos);
	const tokens = scan(h, "heredoc", marker);
	if (flush) flushIndentation(tokens);
	return { expr: build(h, tokens, open, h.pos, true), end: h.pos };
}

/** Parses a whole string as a template (HCL JSON string values, template-only contexts). */
export function parseStandalone(h: TemplateHost): Expr {
	const start = h.pos;
	const tokens = scan(h, "bare", "");
	return build(h, tokens, start, h.pos, false);
}

function scan(h: TemplateHost, mode: "quoted" | "heredoc" | "bare", marker: string): Token[] {
	const src = h.src;
	const tokens: Token[] = [];
	let text = "";
	let textStart = h.pos;
	let atLineStart = true;
	let lineStartOfText = true;
	let ltrimNext = false;

	const flushText = () => {
		if (text === "" && textStart === h.pos) return;
		let t = text.normalize("NFC");
		if (ltrimNext) t = t.replace(/^\s+/u, "");
		ltrimNext = false;
		tokens.push({ k: "text", text: t, start: textStart, end: h.pos, lineStart: lineStartOfText });
		text = "";
	};
	const trimPrev = () => {
		const prev = tokens[tokens.length - 1];
		if (prev?.k === "text") prev.text = prev.text.replace(/\s+$/u, "");
	};

	for (;;) {
		if (mode === "heredoc" && atLineStart) {
			const m = /^[ \t]*([\p{ID_Start}_][\p{ID_Continue}-]*)[ \t]*(\r?\n|$)/u.exec(
				src.slice(h.pos, h.pos + marker.length + 200),
			);
			if (m && m[1] === marker) {
				flushText();
				h.pos += m[0].length - m[2].length;
				return tokens;
			}
		}
		atLineStart = false;
		if (h.pos >= src.length) {
			if (mode === "bare") {
				flushText();
				return tokens;
			}
			h.fail("Unterminated template string; No closing marker was found for the string.", h.pos);
		}
		const c = src[h.pos];
		if (mode === "quoted" && c === '"') {
			flushText();
			h.pos++;
			return tokens;
		}
		if (mode === "quoted" && c === "\n")
			h.fail("Invalid multi-line string; Quoted strings may not be split over multiple lines.", h.pos);
		if ((c === "$" || c === "%") && src[h.pos + 1] === "{") {
			flushText();
			const start = h.pos;
			h.pos += 2;
			if (src[h.pos] === "~") {
				h.pos++;
				trimPrev();
			}
			if (c === "$") {
				h.skipAll();
				const expr = h.parseInnerExpression();
				ltrimNext = closeSequence(h);
				tokens.push({ k: "interp", expr, start, end: h.pos });
			} else {
				const tok = directive(h, start);
				ltrimNext = closeSequence(h);
				tok.end = h.pos;
				tokens.push(tok);
			}
			textStart = h.pos;
			lineStartOfText = false;
			continue;
		}
		if ((c === "$" || c === "%") && src[h.pos + 1] === c && src[h.pos + 2] === "{") {
			text += `${c}{`;
			h.pos += 3;
			continue;
		}
		if (c === "\\" && mode !== "heredoc") {
			text += readEscape(h);
			continue;
		}
		if (c === "\n" && mode === "heredoc") {
			text += "\n";
			h.pos++;
			flushText();
			textStart = h.pos;
			lineStartOfText = true;
			atLineStart = true;
			continue;
		}
		const cp = src.codePointAt(h.pos) as number;
		const ch = String.fromCodePoint(cp);
		text += ch;
		h.pos += ch.length;
	}
}

function closeSequence(h: TemplateHost): boolean {
	h.skipAll();
	let strip = false;
	if (h.src[h.pos] === "~") {
		strip = true;
		h.pos++;
	}
	if (h.src[h.pos] !== "}")
		h.fail(
			"Extra characters after interpolation expression; Expected a closing brace to end the interpolation expression.",
			h.pos,
		);
	h.pos++;
	return strip;
}

function directive(h: TemplateHost, start: number): Token {
	h.skipAll();
	const kw = h.ident();
	h.skipAll();
	switch (kw) {
		case "if":
			return { k: "if", cond: h.parseInnerExpression(), start, end: 0 };
		case "else":
			return { k: "else", start, end: 0 };
		case "endif":
			return { k: "endif", start, end: 0 };
		case "endfor":
			return { k: "endfor", start, end: 0 };
		case "for": {
			const first = h.ident();
			if (!first) h.fail("Invalid 'for' directive; For directive requires variable name after 'for'.", h.pos);
			h.skipAll();
			let keyVar: string | undefined;
			let valVar = first;
			if (h.src[h.pos] === ",") {
				h.pos++;
				h.skipAll();
				keyVar = first;
				valVar = h.ident() ?? h.fail("Invalid 'for' directive; a second variable name is required.", h.pos);
				h.skipAll();
			}
			if (h.ident() !== "in")
				h.fail("Invalid 'for' directive; For directive requires 'in' keyword after names.", h.pos);
			h.skipAll();
			return { k: "for", keyVar, valVar, collection: h.parseInnerExpression(), start, end: 0 };
		}
		default:
			return h.fail(
				`Invalid template directive; A template directive keyword ("if", "for", etc) is expected at the beginning of a %{ sequence.`,
				start,
			);
	}
}

function readEscape(h: TemplateHost): string {
	const src = h.src;
	const n = src[h.pos + 1];
	h.pos += 2;
	switch (n) {
		case "n":
			return "\n";
		case "r":
			return "\r";
		case "t":
			return "\t";
		case '"':
			return '"';
		case "\\":
			return "\\";
		case "u":
		case "U": {
			const len = n === "u" ? 4 : 8;
			const hex = src.slice(h.pos, h.pos + len);
			if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len)
				h.fail("Invalid escape sequence; The \\u escape sequence must be followed by hex digits.", h.pos - 2);
			h.pos += len;
			return String.fromCodePoint(Number.parseInt(hex, 16));
		}
		default:
			return h.fail(`Invalid escape sequence; The symbol "${n}" is not a valid escape sequence selector.`, h.pos - 2);
	}
}

/** flushHeredocTemplateParts: remove the common leading whitespace of every line. */
function flushIndentation(tokens: Token[]): void {
	let min = Number.MAX_SAFE_INTEGER;
	const adjust: Extract<Token, { k: "text" }>[] = [];
	let newline = true;
	for (const t of tokens) {
		if (newline) {
			newline = false;
			let spaces = 0;
			if (t.k === "text") {
				const trimmed = t.text.replace(/^\s+/u, "");
				if (trimmed.length === 0 && t.text.endsWith("\n")) spaces = Number.MAX_SAFE_INTEGER;
				else {
					spaces = [...t.text.slice(0, t.text.length - trimmed.length)].length;
					adjust.push(t);
				}
			}
			if (spaces < min) min = spaces;
		}
		if (t.k === "text" && t.text.endsWith("\n")) newline = true;
	}
	if (min === Number.MAX_SAFE_INTEGER) return;
	for (const t of adjust) t.text = [...t.text].slice(min).join("");
}

function build(h: TemplateHost, tokens: Token[], start: number, end: number, heredoc: boolean): Expr {
	const range = h.range(start, end);
	if (tokens.length === 1 && tokens[0].k === "interp") return { k: "wrap", expr: tokens[0].expr, range };
	let i = 0;
	const parse = (stop: string[]): TemplatePart[] => {
		const parts: TemplatePart[] = [];
		while (i < tokens.length) {
			const t = tokens[i];
			if (stop.includes(t.k)) return parts;
			i++;
			switch (t.k) {
				case "text": {
					const last = parts[parts.length - 1];
					if (last?.k === "text") {
						last.text += t.text;
						last.range = { ...last.range, end: h.range(t.end, t.end).end };
					} else parts.push({ k: "text", text: t.text, range: h.range(t.start, t.end) });
					break;
				}
				case "interp":
					parts.push({ k: "interp", expr: t.expr, range: h.range(t.start, t.end) });
					break;
				case "if": {
					const thenParts = parse(["else", "endif"]);
					let elseParts: TemplatePart[] = [];
					if (tokens[i]?.k === "else") {
						i++;
						elseParts = parse(["endif"]);
					}
					if (tokens[i]?.k !== "endif")
						h.fail("Unterminated template string; no corresponding %{ endif } for this %{ if }", t.start);
					const close = tokens[i++];
					parts.push({
						k: "if",
						cond: t.cond,
						whenTrue: thenParts,
						whenFalse: elseParts,
						range: h.range(t.start, close.end),
					});
					break;
				}
				case "for": {
					const body = parse(["endfor"]);
					if (tokens[i]?.k !== "endfor")
						h.fail("Unterminated template string; no corresponding %{ endfor } for this %{ for }", t.start);
					const close = tokens[i++];
					parts.push({
						k: "for",
						keyVar: t.keyVar,
						valVar: t.valVar,
						collection: t.collection,
						body,
						range: h.range(t.start, close.end),
					});
					break;
				}
				default:
					h.fail(`Unexpected "${t.k}" directive; The control directives within this template are unbalanced.`, t.start);
			}
		}
		return parts;
	};
	const parts = parse([]);
	if (i < tokens.length)
		h.fail("Unexpected end of template; The control directives within this template are unbalanced.", tokens[i].start);
	if (parts.length === 0 && !heredoc) parts.push({ k: "text", text: "", range });
	return { k: "template", parts, range };
}
