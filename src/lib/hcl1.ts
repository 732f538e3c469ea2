// Nomad reads agent configs with HCL1; our parser (@cdktn/hcl2json) speaks HCL2, which is
// stricter. This module rewrites the HCL1-only spellings that show up in real agent configs into
// equivalent HCL2, so a file that failed to parse can be retried:
//
//   server { enabled = true, bootstrap_expect = 3 }   commas and several items on one line
//   options { "driver.raw_exec.enable" = "1" }         quoted (or dotted) keys in a block body
//
// Blocks get a newline after "{" and before "}", commas between items become newlines, and a
// label-less block whose body uses quoted keys becomes a map assignment (`options = { ... }`).
// The rewrite shifts line numbers, so callers report errors against the original text.

interface Token {
	kind: "ident" | "string" | "newline" | "punct" | "other";
	text: string;
	start: number;
	end: number;
}

function isIdentStart(c: string): boolean {
	return /[A-Za-z_]/.test(c);
}

function isIdentChar(c: string): boolean {
	return /[A-Za-z0-9_\-.]/.test(c);
}

/** Index just past the closing quote of the string starting at s[i] === '"'. */
function scanString(s: string, i: number): number {
	let j = i + 1;
	while (j < s.length) {
		const c = s[j];
		if (c === "\\") {
			j += 2;
			continue;
		}
		if (c === '"') return j + 1;
		if ((c === "$" || c === "%") && s[j + 1] === "{") {
			j = scanTemplate(s, j + 2);
			continue;
		}
		if (c === "\n") return j; // unterminated: let the real parser complain
		j++;
	}
	return j;
}

/** Skips a ${ ... } template body (already past "${"); returns the index after the "}". */
function scanTemplate(s: string, i: number): number {
	let depth = 1;
	let j = i;
	while (j < s.length && depth > 0) {
		const c = s[j];
		if (c === '"') {
			j = scanString(s, j);
			continue;
		}
		if (c === "{") depth++;
		else if (c === "}") depth--;
		j++;
	}
	return j;
}

function tokenize(s: string): Token[] {
	const out: Token[] = [];
	let i = 0;
	while (i < s.length) {
		const c = s[i];
		const start = i;
		if (c === "\n") {
			out.push({ kind: "newline", text: c, start, end: ++i });
		} else if (c === " " || c === "\t" || c === "\r") {
			i++;
		} else if (c === "#" || (c === "/" && s[i + 1] === "/")) {
			while (i < s.length && s[i] !== "\n") i++;
		} else if (c === "/" && s[i + 1] === "*") {
			const close = s.indexOf("*/", i + 2);
			const end = close < 0 ? s.length : close + 2;
			// a multi-line comment still separates lines
			if (s.slice(i, end).includes("\n")) out.push({ kind: "newline", text: "\n", start, end });
			i = end;
		} else if (c === '"') {
			i = scanString(s, i);
			out.push({ kind: "string", text: s.slice(start, i), start, end: i });
		} else if (c === "<" && s[i + 1] === "<" && /^<<-?[A-Za-z_]/.test(s.slice(i, i + 4))) {
			const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)[^\n]*\n/.exec(s.slice(i));
			if (!m) {
				i += 2;
				out.push({ kind: "other", text: "<<", start, end: i });
				continue;
			}
			const marker = m[1];
			let j = i + m[0].length;
			while (j < s.length) {
				const nl = s.indexOf("\n", j);
				const line = s.slice(j, nl < 0 ? s.length : nl);
				j = nl < 0 ? s.length : nl;
				if (line.trim() === marker) break;
				j++;
			}
			i = j;
			out.push({ kind: "other", text: s.slice(start, i), start, end: i });
		} else if (isIdentStart(c)) {
			while (i < s.length && isIdentChar(s[i])) i++;
			out.push({ kind: "ident", text: s.slice(start, i), start, end: i });
		} else if ("{}[]()=,".includes(c)) {
			out.push({ kind: "punct", text: c, start, end: ++i });
		} else {
			i++;
			out.push({ kind: "other", text: c, start, end: i });
		}
	}
	return out;
}

interface Edit {
	at: number;
	remove: number;
	insert: string;
}

class Rewriter {
	private pos = 0;
	readonly edits: Edit[] = [];
	private readonly toks: Token[];

	constructor(toks: Token[]) {
		this.toks = toks;
	}

	private peek(): Token | undefined {
		return this.toks[this.pos];
	}

	private prevKind(): Token["kind"] | undefined {
		return this.toks[this.pos - 1]?.kind;
	}

	/** Parses a body up to (not including) a closing "}" or EOF; returns whether it needs to become a map. */
	body(): boolean {
		let quotedKeys = false;
		for (;;) {
			const t = this.peek();
			if (!t) return quotedKeys;
			if (t.kind === "newline") {
				this.pos++;
				continue;
			}
			if (t.kind === "punct" && t.text === "}") return quotedKeys;
			if (t.kind === "punct" && t.text === ",") {
				// HCL1 allows commas between items of a body
				this.edits.push({ at: t.start, remove: 1, insert: "\n" });
				this.pos++;
				continue;
			}
			const header: Token[] = [];
			while (this.peek() && (this.peek()?.kind === "ident" || this.peek()?.kind === "string")) {
				header.push(this.peek() as Token);
				this.pos++;
			}
			const next = this.peek();
			if (header.length > 0 && next?.kind === "punct" && next.text === "=") {
				const key = header[0];
				if (key.kind === "string") quotedKeys = true;
				else if (key.text.includes(".")) {
					quotedKeys = true;
					this.edits.push({ at: key.start, remove: key.end - key.start, insert: JSON.stringify(key.text) });
				}
				this.pos++;
				this.expression();
				continue;
			}
			if (header.length > 0 && next?.kind === "punct" && next.text === "{") {
				this.block(header, next);
				continue;
			}
			// something we do not understand: skip a token and let the real parser judge
			this.pos++;
		}
	}

	private block(header: Token[], open: Token): void {
		this.pos++; // "{"
		if (this.peek() && this.peek()?.kind !== "newline") this.edits.push({ at: open.end, remove: 0, insert: "\n" });
		const toMap = this.body();
		const close = this.peek();
		if (!close) return;
		if (this.prevKind() !== "newline") this.edits.push({ at: close.start, remove: 0, insert: "\n" });
		this.pos++; // "}"
		if (toMap && header.length === 1) this.edits.push({ at: open.start, remove: 0, insert: "= " });
		const after = this.peek();
		if (after && after.kind !== "newline" && !(after.kind === "punct" && (after.text === "}" || after.text === ","))) {
			this.edits.push({ at: close.end, remove: 0, insert: "\n" });
		}
	}

	/** Consumes an attribute value: up to a newline, "," or "}" outside brackets. */
	private expression(): void {
		let depth = 0;
		for (;;) {
			const t = this.peek();
			if (!t) return;
			if (depth === 0) {
				if (t.kind === "newline") return;
				if (t.kind === "punct" && (t.text === "," || t.text === "}")) return;
			}
			if (t.kind === "punct" && "{[(".includes(t.text)) depth++;
			if (t.kind === "punct" && "}])".includes(t.text)) depth--;
			this.pos++;
		}
	}
}

/** Rewrites HCL1-only syntax into HCL2; returns the input unchanged when there is nothing to do. */
export function hcl1ToHcl2(src: string): string {
	const rw = new Rewriter(tokenize(src));
	rw.body();
	let out = src;
	const edits = [...rw.edits].sort((a, b) => b.at - a.at);
	for (const e of edits) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
	return out;
}
