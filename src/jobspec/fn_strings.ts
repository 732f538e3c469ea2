// String functions of jobspec2's function table (go-cty stdlib semantics).
import { convert } from "./convert.ts";
import { jsonEncode } from "./fn_encoding.ts";
import { ArgError, type FunctionDef, FunctionError, type Param } from "./scope.ts";
import {
	DYNAMIC,
	elementsOf,
	listOf,
	list as listVal,
	NUMBER,
	numberToString,
	STRING,
	str,
	type Type,
	type Value,
} from "./values.ts";

export const param = (name: string, type: Type, allowNull = false): Param => ({ name, type, allowNull });
const s = (name = "str") => param(name, STRING);

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
export const graphemes = (text: string): string[] => Array.from(segmenter.segment(text), (x) => x.segment);

const strFn = (names: string[], impl: (...a: string[]) => string): FunctionDef => ({
	params: names.map((n) => s(n)),
	impl: (args) => str(impl(...args.map((a) => a.v as string))),
});

/** Go regexp (RE2) syntax → JavaScript: named groups are written (?P<name>...) in Go. */
export function goRegExp(pattern: string, flags = "u"): RegExp {
	let p = pattern.replace(/\(\?P</g, "(?<");
	let f = flags;
	const m = /^\(\?([imsU]+)\)/.exec(p);
	if (m) {
		p = p.slice(m[0].length);
		for (const c of m[1]) if ("ims".includes(c) && !f.includes(c)) f += c;
	}
	p = p.replace(/\\z/g, "$(?![\\s\\S])").replace(/\\A/g, "^(?<![\\s\\S])");
	try {
		return new RegExp(p, f);
	} catch (e) {
		throw new ArgError(0, `error parsing pattern: ${(e as Error).message}`);
	}
}

/** Go regexp replacement templates use $1, ${1}, $name, ${name}. */
function goReplacement(repl: string): string {
	return repl.replace(/\$(\$|\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_m, all: string, braced?: string, bare?: string) => {
		if (all === "$") return "$$";
		const name = braced ?? bare ?? "";
		return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
	});
}

function goTitle(text: string): string {
	let prev = " ";
	let out = "";
	for (const ch of text) {
		const sep = /[\s]/u.test(prev) || (/[\x20-\x7e]/.test(prev) && !/[A-Za-z0-9_]/.test(prev)) || /\p{Zs}/u.test(prev);
		out += sep ? ch.toUpperCase() : ch;
		prev = ch;
	}
	return out;
}

function trimCutset(text: string, cutset: string, left: boolean, right: boolean): string {
	const set = new Set(cutset);
	const chars = [...text];
	let a = 0;
	let b = chars.length;
	if (left) while (a < b && set.has(chars[a])) a++;
	if (right) while (b > a && set.has(chars[b - 1])) b--;
	return chars.slice(a, b).join("");
}

// ---- format / formatlist ----

const VERB = /%([+\-# 0]*)(?:\[(\d+)\])?(\d+)?(?:\.(\d*))?([a-zA-Z%])/y;

export function formatString(format: string, args: Value[]): string {
	let out = "";
	let argNum = 0;
	let used = 0;
	let i = 0;
	while (i < format.length) {
		const pct = format.indexOf("%", i);
		if (pct < 0) {
			out += format.slice(i);
			break;
		}
		out += format.slice(i, pct);
		VERB.lastIndex = pct;
		const m = VERB.exec(format);
		if (!m) throw new FunctionError(`invalid format string starting at offset ${pct}`);
		i = pct + m[0].length;
		const [raw, flags, idx, width, prec, verb] = m;
		if (verb === "%") {
			out += "%";
			continue;
		}
		if (idx) argNum = Number(idx) - 1;
		if (argNum >= args.length)
			throw new FunctionError(
				`not enough arguments for "${raw}" at ${pct}: need index ${argNum + 1} but have ${args.length} total`,
			);
		const arg = args[argNum++];
		used = Math.max(used, argNum);
		out += formatVerb(
			raw,
			pct,
			flags,
			width === undefined ? -1 : Number(width),
			prec === undefined ? -1 : Number(prec || "0"),
			verb,
			arg,
		);
	}
	if (used < args.length) throw new FunctionError(`too many arguments; only ${used} used by format string`);
	return out;
}

function pad(text: string, flags: string, width: number): string {
	const len = graphemes(text).length;
	if (width < 0 || len >= width) return text;
	const fill = (flags.includes("0") && !flags.includes("-") ? "0" : " ").repeat(width - len);
	if (flags.includes("-")) return text + fill;
	if (fill[0] === "0" && /^[+-]/.test(text)) return text[0] + fill + text.slice(1);
	return fill + text;
}

function formatVerb(
	raw: string,
	at: number,
	flags: string,
	width: number,
	prec: number,
	verb: string,
	arg: Value,
): string {
	const bad = (msg: string): never => {
		throw new FunctionError(`unsupported value for "${raw}" at ${at}: ${msg}`);
	};
	if (verb !== "v" && arg.v === null) bad("null value cannot be formatted");
	const conv = (t: Type): Value => {
		try {
			return convert(arg, t);
		} catch (e) {
			return bad((e as Error).message);
		}
	};
	switch (verb) {
		case "v":
			if (!flags.includes("#") && arg.v !== null) {
				if (arg.t.k === "string") return pad(arg.v as string, flags, width);
				if (arg.t.k === "number") return pad(formatG(arg.v as number), flags, width);
			}
			return pad(jsonEncode(arg), flags, width);
		case "t":
			return conv({ k: "bool" }).v ? "true" : "false";
		case "s":
		case "q": {
			let text = conv(STRING).v as string;
			if (prec > 0) text = graphemes(text).slice(0, prec).join("");
			return pad(verb === "q" ? jsonEncode(str(text)) : text, flags, width);
		}
		case "b":
		case "d":
		case "o":
		case "x":
		case "X": {
			const n = conv(NUMBER).v as number;
			if (!Number.isInteger(n)) bad("an integer is required");
			const radix = verb === "b" ? 2 : verb === "o" ? 8 : verb === "d" ? 10 : 16;
			let digits = BigInt(Math.abs(n)).toString(radix);
			if (verb === "X") digits = digits.toUpperCase();
			if (prec >= 0) digits = digits.padStart(prec, "0");
			if (flags.includes("#") && verb !== "d")
				digits = (verb === "o" ? "0" : verb === "b" ? "0b" : verb === "x" ? "0x" : "0X") + digits;
			const sign = n < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
			return pad(sign + digits, flags, width);
		}
		case "e":
		case "E":
		case "f":
		case "g":
		case "G": {
			const n = conv(NUMBER).v as number;
			let text: string;
			if (verb === "f") text = n.toFixed(prec < 0 ? 6 : prec);
			else if (verb === "e" || verb === "E") text = goExp(n.toExponential(prec < 0 ? 6 : prec));
			else text = prec < 0 ? formatG(n) : goExp(n.toPrecision(prec === 0 ? 1 : prec));
			if (verb === "E" || verb === "G") text = text.toUpperCase();
			if (n >= 0 && flags.includes("+")) text = `+${text}`;
			return pad(text, flags, width);
		}
		default:
			throw new FunctionError(`unsupported format verb "${verb}" in "${raw}" at offset ${at}`);
	}
}

/** Go writes exponents with at least two digits ("1e+06"). */
function goExp(text: string): string {
	return text.replace(/e([+-])(\d)$/, "e$10$2");
}

/** big.Float.Text('g', -1): shortest digits, exponent form when the exponent is < -4 or >= 6. */
function formatG(n: number): string {
	if (n === 0) return "0";
	if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
	const e = n.toExponential();
	const [mant, expText] = e.split("e");
	const exp = Number(expText);
	if (exp < -4 || exp >= 6) return goExp(`${mant}e${exp < 0 ? "-" : "+"}${Math.abs(exp)}`);
	return numberToString(n);
}

function formatList(args: Value[]): Value {
	const format = args[0].v as string;
	const rest = args.slice(1);
	let n = -1;
	rest.forEach((a, i) => {
		if (a.v !== null && (a.t.k === "list" || a.t.k === "tuple" || a.t.k === "set")) {
			const len = elementsOf(a).length;
			if (n >= 0 && len !== n)
				throw new ArgError(
					i + 1,
					`argument ${i + 1} has length ${len}, which is inconsistent with argument 1 of length ${n}`,
				);
			n = len;
		}
	});
	if (n < 0) n = 1;
	const out: Value[] = [];
	for (let i = 0; i < n; i++) {
		const iterArgs = rest.map((a) => (a.v !== null && Array.isArray(a.v) ? a.v[i] : a));
		out.push(str(formatString(format, iterArgs)));
	}
	return listVal(STRING, out);
}

export const stringFunctions: Record<string, FunctionDef> = {
	chomp: strFn(["str"], (x) => x.replace(/(?:\r\n?|\n)*$/, "")),
	format: {
		params: [s("format")],
		varParam: param("args", DYNAMIC, true),
		impl: (a) => str(formatString(a[0].v as string, a.slice(1))),
	},
	formatlist: { params: [s("format")], varParam: param("args", DYNAMIC, true), impl: formatList },
	indent: {
		params: [param("spaces", NUMBER), s()],
		impl: (a) => {
			const lines = (a[1].v as string).split("\n");
			const pre = " ".repeat(Math.max(0, Math.trunc(a[0].v as number)));
			return str(lines.map((l, i) => (i === 0 ? l : pre + l)).join("\n"));
		},
	},
	join: {
		params: [s("separator")],
		varParam: param("lists", listOf(STRING)),
		impl: (a) => {
			if (a.length < 2) throw new FunctionError("at least one list is required");
			const parts: string[] = [];
			a.slice(1).forEach((l, li) => {
				elementsOf(l).forEach((x, ei) => {
					if (x.v === null)
						throw new ArgError(
							li + 1,
							a.length > 2
								? `element ${ei} of list ${li + 1} is null; cannot concatenate null values`
								: `element ${ei} is null; cannot concatenate null values`,
						);
					parts.push(x.v as string);
				});
			});
			return str(parts.join(a[0].v as string));
		},
	},
	lower: strFn(["str"], (x) => x.toLowerCase()),
	upper: strFn(["str"], (x) => x.toUpperCase()),
	replace: strFn(["str", "substr", "replace"], (x, sub, repl) => {
		if (sub.length > 1 && sub.startsWith("/") && sub.endsWith("/")) {
			const re = goRegExp(sub.slice(1, -1), "gu");
			return x.replace(re, goReplacement(repl));
		}
		return x.split(sub).join(repl);
	}),
	regex_replace: strFn(["str", "pattern", "replace"], (x, pattern, repl) => {
		const re = goRegExp(pattern, "gu");
		return x.replace(re, goReplacement(repl));
	}),
	split: {
		params: [s("separator"), s()],
		impl: (a) => {
			const sep = a[0].v as string;
			const text = a[1].v as string;
			const parts = sep === "" ? [...text] : text.split(sep);
			return listVal(STRING, parts.map(str));
		},
	},
	strlen: { params: [s()], impl: (a) => ({ t: NUMBER, v: graphemes(a[0].v as string).length }) },
	strrev: strFn(["str"], (x) => graphemes(x).reverse().join("")),
	reverse: strFn(["str"], (x) => graphemes(x).reverse().join("")),
	substr: {
		params: [s(), param("offset", NUMBER), param("length", NUMBER)],
		impl: (a) => {
			const g = graphemes(a[0].v as string);
			let offset = Math.trunc(a[1].v as number);
			let len = Math.trunc(a[2].v as number);
			if (offset < 0) {
				offset = g.length + offset;
				if (offset < 0) throw new ArgError(1, "offset cannot be larger than the length of the string");
			}
			if (offset > g.length) throw new ArgError(1, "offset cannot be larger than the length of the string");
			if (len < 0) len = g.length - offset;
			return str(g.slice(offset, offset + len).join(""));
		},
	},
	title: strFn(["str"], goTitle),
	trim: strFn(["str", "cutset"], (x, cut) => trimCutset(x, cut, true, true)),
	trimprefix: strFn(["str", "prefix"], (x, p) => (x.startsWith(p) ? x.slice(p.length) : x)),
	trimsuffix: strFn(["str", "suffix"], (x, p) => (p !== "" && x.endsWith(p) ? x.slice(0, -p.length) : x)),
	trimspace: strFn(["str"], (x) => x.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, "")),
};
