// A small subset of Go's text/template for `-t`: {{.Field.Path}}, {{.}}, {{range PIPE}}…{{end}}
// (with {{else}}), {{if PIPE}}…{{else}}…{{end}}, {{with PIPE}}…{{end}}, (sub expressions), pipes, and the functions printf,
// len, json, join, index. Anything else is refused with an error naming what is not supported.

type Node =
	| { kind: "text"; text: string }
	| { kind: "expr"; expr: string }
	| { kind: "block"; op: "range" | "if" | "with"; expr: string; body: Node[]; alt: Node[] };

export class TemplateError extends Error {}

export function renderTemplate(src: string, data: unknown): string {
	const tokens = tokenize(src);
	let pos = 0;
	const parse = (stopAt: Set<string>): { nodes: Node[]; stop: string } => {
		const nodes: Node[] = [];
		while (pos < tokens.length) {
			const t = tokens[pos++] as { text?: string; action?: string };
			if (t.text !== undefined) {
				nodes.push({ kind: "text", text: t.text });
				continue;
			}
			const a = (t.action as string).trim();
			const word = a.split(/\s+/)[0] as string;
			if (stopAt.has(word)) return { nodes, stop: word };
			if (word === "range" || word === "if" || word === "with") {
				const body = parse(new Set(["end", "else"]));
				let alt: Node[] = [];
				if (body.stop === "else") alt = parse(new Set(["end"])).nodes;
				else if (body.stop !== "end") throw new TemplateError(`template: unexpected EOF in ${word}`);
				nodes.push({ kind: "block", op: word, expr: a.slice(word.length).trim(), body: body.nodes, alt });
			} else if (word === "end" || word === "else") {
				throw new TemplateError(`template: unexpected {{${word}}}`);
			} else nodes.push({ kind: "expr", expr: a });
		}
		return { nodes, stop: "" };
	};
	const tree = parse(new Set());
	if (tree.stop) throw new TemplateError(`template: unexpected {{${tree.stop}}}`);
	return exec(tree.nodes, data);
}

function tokenize(src: string): { text?: string; action?: string }[] {
	const out: { text?: string; action?: string }[] = [];
	let i = 0;
	while (i < src.length) {
		const open = src.indexOf("{{", i);
		if (open < 0) {
			out.push({ text: src.slice(i) });
			break;
		}
		let text = src.slice(i, open);
		const close = src.indexOf("}}", open);
		if (close < 0) throw new TemplateError("template: unclosed action");
		let action = src.slice(open + 2, close);
		if (action.startsWith("-")) {
			text = text.trimEnd();
			action = action.slice(1);
		}
		let next = close + 2;
		if (action.endsWith("-")) {
			action = action.slice(0, -1);
			while (next < src.length && /\s/.test(src[next] as string)) next++;
		}
		if (text) out.push({ text });
		if (!action.trim().startsWith("/*")) out.push({ action });
		i = next;
	}
	return out;
}

function exec(nodes: Node[], dot: unknown): string {
	let out = "";
	for (const n of nodes) {
		if (n.kind === "text") out += n.text;
		else if (n.kind === "expr") out += printValue(evalPipe(n.expr, dot));
		else {
			const v = evalPipe(n.expr, dot);
			if (n.op === "if") out += exec(truthy(v) ? n.body : n.alt, dot);
			else if (n.op === "with") out += truthy(v) ? exec(n.body, v) : exec(n.alt, dot);
			else {
				const items = Array.isArray(v)
					? v
					: v && typeof v === "object"
						? Object.keys(v)
								.sort()
								.map((k) => (v as Record<string, unknown>)[k])
						: [];
				out += items.length === 0 ? exec(n.alt, dot) : items.map((it) => exec(n.body, it)).join("");
			}
		}
	}
	return out;
}

function truthy(v: unknown): boolean {
	if (Array.isArray(v)) return v.length > 0;
	if (v && typeof v === "object") return Object.keys(v).length > 0;
	return Boolean(v);
}

function splitArgs(expr: string): string[] {
	const args: string[] = [];
	const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|\((?:[^()]|\([^()]*\))*\)|([^\s()]+)/g;
	for (const m of expr.matchAll(re)) args.push(m[0]);
	return args;
}

function evalArg(a: string, dot: unknown): unknown {
	if (a.startsWith("(")) return evalPipe(a.slice(1, -1), dot);
	if (a.startsWith('"')) return JSON.parse(a);
	if (a.startsWith("`")) return a.slice(1, -1);
	if (/^-?\d+(\.\d+)?$/.test(a)) return Number(a);
	if (a === "true" || a === "false") return a === "true";
	if (a === "nil") return null;
	if (a.startsWith(".")) {
		let v: unknown = dot;
		for (const part of a.split(".").slice(1)) {
			if (part === "") continue;
			v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
		}
		return v;
	}
	if (a.startsWith("$")) throw new TemplateError("template: variables ($) are not supported by nomad-ts -t");
	throw new TemplateError(`template: function "${a}" not defined`);
}

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
	printf: (fmt, ...rest) => sprintf(String(fmt), rest),
	len: (v) =>
		Array.isArray(v) || typeof v === "string" ? v.length : v && typeof v === "object" ? Object.keys(v).length : 0,
	json: (v) => JSON.stringify(v, null, 4),
	join: (v, sep) => (Array.isArray(v) ? v.join(String(sep)) : ""),
	index: (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[String(k)] : undefined),
};

function evalPipe(expr: string, dot: unknown): unknown {
	let value: unknown;
	let first = true;
	for (const stage of expr.split("|").map((s) => s.trim())) {
		const args = splitArgs(stage);
		const fn = FUNCS[args[0] ?? ""];
		if (fn) {
			const vals = args.slice(1).map((a) => evalArg(a, dot));
			if (!first) vals.push(value);
			value = fn(...vals);
		} else {
			if (args.length !== 1) throw new TemplateError(`template: can't evaluate "${stage}"`);
			value = evalArg(args[0] as string, dot);
		}
		first = false;
	}
	return value;
}

function printValue(v: unknown): string {
	if (v === undefined || v === null) return "<no value>";
	if (typeof v === "object") return Array.isArray(v) ? `[${v.map(printValue).join(" ")}]` : goMap(v);
	return String(v);
}

function goMap(v: object): string {
	const entries = Object.entries(v)
		.sort(([a], [b]) => (a < b ? -1 : 1))
		.map(([k, x]) => `${k}:${printValue(x)}`);
	return `map[${entries.join(" ")}]`;
}

function sprintf(fmt: string, args: unknown[]): string {
	let i = 0;
	return fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdvqfxt%])/g, (_m, flags: string, width: string, prec, verb) => {
		if (verb === "%") return "%";
		const a = args[i++];
		let s: string;
		if (verb === "d") s = String(Math.trunc(Number(a)));
		else if (verb === "f") s = Number(a).toFixed(prec === undefined ? 6 : Number(prec));
		else if (verb === "q") s = JSON.stringify(String(a));
		else if (verb === "x") s = Math.trunc(Number(a)).toString(16);
		else s = printValue(a);
		const w = Number(width || 0);
		return flags.includes("-") ? s.padEnd(w) : s.padStart(w, flags.includes("0") ? "0" : " ");
	});
}
