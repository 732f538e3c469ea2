// yamlencode/yamldecode. Encoding follows go-cty-yaml's output (block style, double-quoted
// strings and keys). Decoding supports the commonly used subset of YAML: block mappings and
// sequences, flow collections, plain/quoted scalars, literal and folded block scalars.
import { elementsOf, entriesOf, fromNative, numberToString, type Value } from "./values.ts";

function quote(text: string): string {
	let out = '"';
	for (const ch of text) {
		const c = ch.codePointAt(0) as number;
		if (ch === '"') out += '\\"';
		else if (ch === "\\") out += "\\\\";
		else if (ch === "\n") out += "\\n";
		else if (ch === "\t") out += "\\t";
		else if (ch === "\r") out += "\\r";
		else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
		else out += ch;
	}
	return `${out}"`;
}

function scalar(v: Value): string | undefined {
	if (v.v === null) return "null";
	if (v.t.k === "string") return quote(v.v as string);
	if (v.t.k === "number") return numberToString(v.v as number);
	if (v.t.k === "bool") return v.v ? "true" : "false";
	if (Array.isArray(v.v) && v.v.length === 0) return "[]";
	if (v.v instanceof Map && v.v.size === 0) return "{}";
	return undefined;
}

/** Block-style lines for a value, relative to the current indentation. */
function emit(v: Value): string[] {
	const s = scalar(v);
	if (s !== undefined) return [s];
	const lines: string[] = [];
	if (Array.isArray(v.v)) {
		for (const x of elementsOf(v)) {
			const [first, ...rest] = emit(x);
			lines.push(`- ${first}`, ...rest.map((l) => `  ${l}`));
		}
		return lines;
	}
	for (const [k, x] of entriesOf(v)) {
		const xs = scalar(x);
		if (xs !== undefined) {
			lines.push(`${quote(k)}: ${xs}`);
			continue;
		}
		lines.push(`${quote(k)}:`);
		const nested = Array.isArray(x.v) ? "" : "  ";
		for (const l of emit(x)) lines.push(nested + l);
	}
	return lines;
}

export function yamlEncode(v: Value): string {
	return `${emit(v).join("\n")}\n`;
}

// ---- decoding ----

interface Line {
	indent: number;
	text: string;
	no: number;
}

function stripComment(text: string): string {
	let q: string | null = null;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (q) {
			if (c === q && text[i - 1] !== "\\") q = null;
		} else if (c === '"' || c === "'") q = c;
		else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) return text.slice(0, i).trimEnd();
	}
	return text.trimEnd();
}

function resolvePlain(text: string): unknown {
	const t = text.trim();
	if (t === "" || t === "~" || /^(null|Null|NULL)$/.test(t)) return null;
	if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y)$/.test(t)) return true;
	if (/^(false|False|FALSE|no|No|NO|off|Off|OFF|n|N)$/.test(t)) return false;
	if (/^[-+]?(0|[1-9][0-9_]*)$/.test(t)) return Number(t.replace(/_/g, ""));
	if (/^0x[0-9a-fA-F_]+$/.test(t)) return Number.parseInt(t.slice(2).replace(/_/g, ""), 16);
	if (/^0o?[0-7_]+$/.test(t)) return Number.parseInt(t.replace(/^0o?/, "").replace(/_/g, ""), 8);
	if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(t)) return Number(t.replace(/_/g, ""));
	if (/^[-+]?\.(inf|Inf|INF)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
	return t;
}

function unquote(t: string): string {
	if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
	return JSON.parse(t.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1").replace(/\t/g, "\\t"));
}

/** A flow-style value: [a, b], {k: v}, quoted or plain scalar. */
function parseFlow(text: string): unknown {
	let i = 0;
	const ws = () => {
		while (/\s/.test(text[i] ?? "")) i++;
	};
	const value = (stops: string): unknown => {
		ws();
		const c = text[i];
		if (c === "[") {
			i++;
			const out: unknown[] = [];
			for (;;) {
				ws();
				if (text[i] === "]") break;
				out.push(value(",]"));
				ws();
				if (text[i] === ",") i++;
				else if (text[i] !== "]") throw new Error("did not find expected ',' or ']'");
			}
			i++;
			return out;
		}
		if (c === "{") {
			i++;
			const out: Record<string, unknown> = {};
			for (;;) {
				ws();
				if (text[i] === "}") break;
				const k = value(":,}");
				ws();
				let v: unknown = null;
				if (text[i] === ":") {
					i++;
					v = value(",}");
				}
				out[String(k)] = v;
				ws();
				if (text[i] === ",") i++;
				else if (text[i] !== "}") throw new Error("did not find expected ',' or '}'");
			}
			i++;
			return out;
		}
		if (c === '"' || c === "'") {
			let j = i + 1;
			while (j < text.length && !(text[j] === c && (c === "'" ? text[j + 1] !== "'" : text[j - 1] !== "\\")))
				j += c === "'" && text[j] === "'" ? 2 : 1;
			const q = text.slice(i, j + 1);
			i = j + 1;
			return unquote(q);
		}
		let j = i;
		while (j < text.length && !stops.includes(text[j])) j++;
		const raw = text.slice(i, j);
		i = j;
		return resolvePlain(raw);
	};
	const v = value("");
	ws();
	if (i < text.length) throw new Error(`unexpected trailing content: ${text.slice(i)}`);
	return v;
}

function splitKey(text: string): [string, string] | undefined {
	const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},][^#]*?)\s*:(?:\s+(.*)|$)/.exec(text);
	if (!m) return undefined;
	const key = m[1].startsWith('"') || m[1].startsWith("'") ? unquote(m[1]) : m[1];
	return [key, m[2] ?? ""];
}

class Decoder {
	private readonly lines: Line[];
	private i = 0;

	constructor(src: string) {
		this.lines = [];
		src.split(/\r?\n/).forEach((raw, no) => {
			if (/^(---|\.\.\.)(\s|$)/.test(raw)) return;
			this.lines.push({ indent: raw.length - raw.trimStart().length, text: raw.trimStart(), no: no + 1 });
		});
	}

	private skipBlank(): void {
		while (this.i < this.lines.length && stripComment(this.lines[this.i].text) === "") this.i++;
	}

	document(): unknown {
		this.skipBlank();
		if (this.i >= this.lines.length) return null;
		const v = this.node(this.lines[this.i].indent);
		this.skipBlank();
		if (this.i < this.lines.length) throw new Error(`yaml: line ${this.lines[this.i].no}: did not find expected key`);
		return v;
	}

	private node(indent: number): unknown {
		this.skipBlank();
		const line = this.lines[this.i];
		const text = stripComment(line.text);
		if (text === "-" || text.startsWith("- ")) return this.sequence(line.indent);
		if (splitKey(text)) return this.mapping(line.indent);
		this.i++;
		let joined = text;
		while (
			this.i < this.lines.length &&
			this.lines[this.i].indent > indent &&
			stripComment(this.lines[this.i].text) !== ""
		) {
			joined += ` ${stripComment(this.lines[this.i].text)}`;
			this.i++;
		}
		return parseFlow(joined);
	}

	private inline(text: string, parentIndent: number): unknown {
		if (text === "") {
			this.skipBlank();
			const next = this.lines[this.i];
			if (!next || next.indent < parentIndent || (next.indent === parentIndent && !next.text.startsWith("-")))
				return null;
			if (next.indent === parentIndent && next.text.startsWith("-")) return this.sequence(next.indent);
			return this.node(next.indent);
		}
		const block = /^([|>])([+-]?)\s*$/.exec(text);
		if (block) return this.blockScalar(block[1], block[2], parentIndent);
		return parseFlow(text);
	}

	private blockScalar(style: string, chomp: string, parentIndent: number): string {
		const body: string[] = [];
		let indent = -1;
		while (this.i < this.lines.length) {
			const l = this.lines[this.i];
			if (l.text !== "" && l.indent <= parentIndent) break;
			if (l.text !== "" && indent < 0) indent = l.indent;
			body.push(l.text === "" ? "" : " ".repeat(l.indent - indent) + l.text);
			this.i++;
		}
		while (body.length > 0 && body[body.length - 1] === "" && chomp !== "+") body.pop();
		let text = style === "|" ? body.join("\n") : body.join("\n").replace(/([^\n])\n(?=[^\n ])/g, "$1 ");
		if (chomp !== "-" && body.length > 0) text += "\n";
		return text;
	}

	private sequence(indent: number): unknown[] {
		const out: unknown[] = [];
		for (;;) {
			this.skipBlank();
			const line = this.lines[this.i];
			if (!line || line.indent !== indent) break;
			const text = stripComment(line.text);
			if (!(text === "-" || text.startsWith("- "))) break;
			const rest = text.slice(1).trimStart();
			if (rest === "") {
				this.i++;
				out.push(this.inline("", indent));
			} else if (splitKey(rest) && !rest.startsWith("[") && !rest.startsWith("{")) {
				const itemIndent = indent + (text.length - rest.length);
				this.lines[this.i] = { ...line, indent: itemIndent, text: rest };
				out.push(this.mapping(itemIndent));
			} else if (rest.startsWith("- ")) {
				const itemIndent = indent + (text.length - rest.length);
				this.lines[this.i] = { ...line, indent: itemIndent, text: rest };
				out.push(this.sequence(itemIndent));
			} else {
				this.i++;
				out.push(this.inline(rest, indent));
			}
		}
		return out;
	}

	private mapping(indent: number): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		for (;;) {
			this.skipBlank();
			const line = this.lines[this.i];
			if (!line || line.indent !== indent) break;
			const kv = splitKey(stripComment(line.text));
			if (!kv) throw new Error(`yaml: line ${line.no}: could not find expected ':'`);
			this.i++;
			out[kv[0]] = this.inline(kv[1], indent);
		}
		return out;
	}
}

export function yamlDecode(src: string): Value {
	return fromNative(new Decoder(src).document());
}
