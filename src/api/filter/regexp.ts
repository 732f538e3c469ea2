// go-bexpr's `matches` uses Go's regexp (RE2 syntax). This translates the RE2 features that JS
// spells differently, and compiles with the "u" flag so "." and classes work on code points like
// Go's runes. Anything JS cannot express after translation surfaces as a compile error.
//
// Translated: leading (?flags) (i, m, s; U is rejected), (?P<name>, \A, \z, \Q...\E, \pL / \p{Greek},
// \x{...}, octal \0 / \123, \a, \s / \S (Go's ASCII-only set), "." (never matches "\n" unless (?s),
// but does match "\r" and U+2028 as in Go), POSIX classes [[:alpha:]], escaped punctuation that JS's
// "u" mode refuses (\- \@ \# ...), and a "{" that is not a repetition (literal in Go).

const POSIX: Record<string, string> = {
	alnum: "0-9A-Za-z",
	alpha: "A-Za-z",
	ascii: "\\x00-\\x7F",
	blank: "\\t ",
	cntrl: "\\x00-\\x1F\\x7F",
	digit: "0-9",
	graph: "!-~",
	lower: "a-z",
	print: " -~",
	punct: "!-\\/:-@\\[-`{-~",
	space: "\\t\\n\\v\\f\\r ",
	upper: "A-Z",
	word: "0-9A-Za-z_",
	xdigit: "0-9A-Fa-f",
};

const GO_SPACE = "\\t\\n\\f\\r ";
/** Characters JS "u" mode lets you escape outside a class. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");
const KEEP_LETTER_ESCAPES = new Set("dDwWbBfnrtv");
const CATEGORY = /^(?:[CLMNPSZ][a-z]?|Any)$/;

function escapeLiteral(s: string): string {
	return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

function unicodeProperty(name: string, negated: boolean): string {
	let n = name;
	let neg = negated;
	if (n.startsWith("^")) {
		n = n.slice(1);
		neg = !neg;
	}
	const prop = n === "Any" ? "Any" : CATEGORY.test(n) ? n : `Script=${n}`;
	return `\\${neg ? "P" : "p"}{${prop}}`;
}

export class GoRegexpError extends Error {}

/** Translate one escape starting at pattern[i] === "\\"; returns [replacement, next index]. */
function translateEscape(p: string, i: number, inClass: boolean): [string, number] {
	const c = p[i + 1];
	if (c === undefined) throw new GoRegexpError("trailing backslash at end of expression");
	if (c === "p" || c === "P") {
		if (p[i + 2] === "{") {
			const end = p.indexOf("}", i + 3);
			if (end < 0) throw new GoRegexpError("invalid character class range");
			return [unicodeProperty(p.slice(i + 3, end), c === "P"), end + 1];
		}
		return [unicodeProperty(p[i + 2] ?? "", c === "P"), i + 3];
	}
	if (c === "x" && p[i + 2] === "{") {
		const end = p.indexOf("}", i + 3);
		if (end < 0) throw new GoRegexpError("invalid escape sequence");
		return [`\\u{${p.slice(i + 3, end)}}`, end + 1];
	}
	if (c >= "0" && c <= "7") {
		const m = /^[0-7]{1,3}/.exec(p.slice(i + 1)) ?? [""];
		if (c !== "0" && m[0].length === 1) throw new GoRegexpError(`invalid escape sequence: \`\\${c}\``);
		return [`\\u{${Number.parseInt(m[0], 8).toString(16)}}`, i + 1 + m[0].length];
	}
	if (c === "8" || c === "9") throw new GoRegexpError(`invalid escape sequence: \`\\${c}\``);
	if (c === "a") return ["\\x07", i + 2];
	if (c === "s") return [inClass ? GO_SPACE : `[${GO_SPACE}]`, i + 2];
	if (c === "S" && !inClass) return [`[^${GO_SPACE}]`, i + 2];
	if (!inClass && (c === "A" || c === "z")) return [c === "A" ? "(?<![\\s\\S])" : "(?![\\s\\S])", i + 2];
	if (/[A-Za-z]/.test(c)) {
		// \d \w \b ... mean the same in JS; anything else is invalid in both and left for JS to reject.
		if (KEEP_LETTER_ESCAPES.has(c) || c === "S" || c === "x") return [`\\${c}`, i + 2];
		throw new GoRegexpError(`invalid escape sequence: \`\\${c}\``);
	}
	// Escaped punctuation: keep the escape where JS "u" mode accepts it, otherwise the bare char.
	if (inClass) return ["]\\^-".includes(c) || JS_SYNTAX.has(c) ? `\\${c}` : c, i + 2];
	return [JS_SYNTAX.has(c) ? `\\${c}` : c, i + 2];
}

/** Compile a Go (RE2) regular expression into an equivalent JS RegExp, or throw. */
export function compileGoRegexp(pattern: string): RegExp {
	let flags = "u";
	let dotAll = false;
	let src = pattern;
	const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
	if (lead) {
		for (const f of lead[1]) {
			if (f === "i" || f === "m") flags += flags.includes(f) ? "" : f;
			else if (f === "s") dotAll = true;
			else throw new GoRegexpError(`invalid or unsupported Perl syntax: \`(?${lead[1]}\``);
		}
		src = src.slice(lead[0].length);
	}
	let out = "";
	let inClass = false;
	for (let i = 0; i < src.length; ) {
		const c = src[i];
		if (c === "\\" && src[i + 1] === "Q") {
			const end = src.indexOf("\\E", i + 2);
			const text = src.slice(i + 2, end < 0 ? undefined : end);
			out += inClass ? text.replace(/[\\\]^-]/g, "\\$&") : escapeLiteral(text);
			i = end < 0 ? src.length : end + 2;
		} else if (c === "\\") {
			const [rep, next] = translateEscape(src, i, inClass);
			out += rep;
			i = next;
		} else if (inClass) {
			const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
			if (posix) {
				const set = POSIX[posix[2]];
				if (set === undefined || posix[1]) throw new GoRegexpError(`invalid character class range: \`${posix[0]}\``);
				out += set;
				i += posix[0].length;
			} else {
				if (c === "]") inClass = false;
				out += c === "[" ? "\\[" : c;
				i++;
			}
		} else if (c === "[") {
			inClass = true;
			out += "[";
			i++;
			if (src[i] === "^") {
				out += "^";
				i++;
			}
			if (src[i] === "]") {
				out += "\\]"; // a leading "]" is a literal member in RE2
				i++;
			}
		} else if (c === ".") {
			out += dotAll ? "[\\s\\S]" : "[^\\n]";
			i++;
		} else if (c === "(" && src.startsWith("(?P<", i)) {
			out += "(?<";
			i += 4;
		} else if (c === "{" || c === "}") {
			const rep = c === "{" ? /^\{\d+(?:,\d*)?\}/.exec(src.slice(i)) : null;
			out += rep ? rep[0] : `\\${c}`;
			i += rep ? rep[0].length : 1;
		} else {
			out += c;
			i++;
		}
	}
	try {
		return new RegExp(out, flags);
	} catch (err) {
		throw new GoRegexpError((err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ""));
	}
}
