// The pieces of Go's strconv that go-bexpr leans on: Unquote for string literals, and
// ParseInt(s, 0, 64) / ParseFloat(s, 64) / ParseBool for coercing a value to a field's type.
// Errors carry Go's exact NumError text, e.g. `strconv.ParseInt: parsing "x": invalid syntax`.

import { goQuote } from "./errors.ts";

export class GoNumError extends Error {
	readonly kind: "syntax" | "range";

	constructor(fn: string, num: string, kind: "syntax" | "range") {
		super(`strconv.${fn}: parsing ${goQuote(num)}: ${kind === "syntax" ? "invalid syntax" : "value out of range"}`);
		this.kind = kind;
	}
}

/** Thrown by unquote; go-bexpr reports it as `rule "string": invalid syntax`. */
export class UnquoteError extends Error {
	constructor() {
		super("invalid syntax");
	}
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34 };

function hexValue(s: string): number {
	return /^[0-9a-fA-F]+$/.test(s) ? Number.parseInt(s, 16) : -1;
}

/**
 * strconv.Unquote for a `"..."` or backtick literal (the grammar guarantees the delimiters).
 * Backtick strings are raw except that carriage returns are dropped, as Go does.
 */
export function unquote(literal: string): string {
	const body = literal.slice(1, -1);
	if (literal[0] === "`") return body.replaceAll("\r", "");
	if (body.includes("\n")) throw new UnquoteError();
	if (!body.includes("\\")) return body;
	// \x and octal escapes produce raw bytes, so build UTF-8 and decode at the end.
	const bytes: number[] = [];
	const enc = new TextEncoder();
	const pushRune = (cp: number) => {
		for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
	};
	for (let i = 0; i < body.length; ) {
		const cp = body.codePointAt(i) ?? 0;
		if (cp !== 0x5c) {
			pushRune(cp);
			i += cp > 0xffff ? 2 : 1;
			continue;
		}
		const c = body[i + 1];
		if (c === undefined) throw new UnquoteError();
		if (c in SIMPLE_ESCAPES) {
			bytes.push(SIMPLE_ESCAPES[c]);
			i += 2;
		} else if (c === "x") {
			const v = hexValue(body.slice(i + 2, i + 4));
			if (v < 0 || body.length < i + 4) throw new UnquoteError();
			bytes.push(v);
			i += 4;
		} else if (c === "u" || c === "U") {
			const n = c === "u" ? 4 : 8;
			const digits = body.slice(i + 2, i + 2 + n);
			const v = digits.length === n ? hexValue(digits) : -1;
			if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new UnquoteError();
			pushRune(v);
			i += 2 + n;
		} else if (c >= "0" && c <= "7") {
			const digits = body.slice(i + 1, i + 4);
			if (!/^[0-7]{3}$/.test(digits)) throw new UnquoteError();
			const v = Number.parseInt(digits, 8);
			if (v > 255) throw new UnquoteError();
			bytes.push(v);
			i += 4;
		} else {
			throw new UnquoteError(); // includes \' which Go only allows in rune literals
		}
	}
	return new TextDecoder().decode(new Uint8Array(bytes));
}

function lower(c: string): string {
	return c.toLowerCase();
}

/** Go's underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(input: string): boolean {
	let s = input;
	let saw = "^";
	let i = 0;
	if (s[0] === "-" || s[0] === "+") s = s.slice(1);
	let hex = false;
	if (s.length >= 2 && s[0] === "0" && "box".includes(lower(s[1]))) {
		i = 2;
		saw = "0";
		hex = lower(s[1]) === "x";
	}
	for (; i < s.length; i++) {
		const c = s[i];
		if ((c >= "0" && c <= "9") || (hex && lower(c) >= "a" && lower(c) <= "f")) {
			saw = "0";
			continue;
		}
		if (c === "_") {
			if (saw !== "0") return false;
			saw = "_";
			continue;
		}
		if (saw === "_") return false;
		saw = "!";
	}
	return saw !== "_";
}

const INT64_MAX = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 0, 64): base prefixes 0b/0o/0x, a bare leading 0 means octal, underscores allowed. */
export function parseGoInt(s0: string): bigint {
	if (s0 === "") throw new GoNumError("ParseInt", s0, "syntax");
	let s = s0;
	const neg = s[0] === "-";
	if (s[0] === "+" || s[0] === "-") s = s.slice(1);
	if (s === "") throw new GoNumError("ParseInt", s0, "syntax");
	let base = 10n;
	if (s[0] === "0") {
		const p = lower(s[1] ?? "");
		if (s.length >= 3 && (p === "b" || p === "o" || p === "x")) {
			base = p === "b" ? 2n : p === "o" ? 8n : 16n;
			s = s.slice(2);
		} else {
			base = 8n;
			s = s.slice(1);
		}
	}
	let n = 0n;
	let underscores = false;
	let overflow = false;
	for (const c of s) {
		let d: bigint;
		if (c === "_") {
			underscores = true;
			continue;
		} else if (c >= "0" && c <= "9") d = BigInt(c.charCodeAt(0) - 48);
		else if (lower(c) >= "a" && lower(c) <= "z") d = BigInt(lower(c).charCodeAt(0) - 87);
		else throw new GoNumError("ParseInt", s0, "syntax");
		if (d >= base) throw new GoNumError("ParseInt", s0, "syntax");
		n = n * base + d;
		if (n > 1n << 64n) overflow = true;
	}
	if (underscores && !underscoreOK(s0.replace(/^[+-]/, ""))) throw new GoNumError("ParseInt", s0, "syntax");
	if (overflow || (neg ? n > INT64_MAX + 1n : n > INT64_MAX)) throw new GoNumError("ParseInt", s0, "range");
	return neg ? -n : n;
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;

/** strconv.ParseFloat(s, 64). */
export function parseGoFloat(s: string): number {
	const special = /^([+-]?)(inf|infinity)$/i.exec(s);
	if (special) return special[1] === "-" ? -Infinity : Infinity;
	if (/^nan$/i.test(s)) return Number.NaN;
	let value: number;
	const hex = HEX_FLOAT.exec(s);
	if (hex) {
		const int = hex[2].replaceAll("_", "");
		const frac = (hex[3] ?? "").replaceAll("_", "");
		if (int + frac === "") throw new GoNumError("ParseFloat", s, "syntax");
		const mantissa = Number.parseInt(int + frac, 16);
		const exp = Number(hex[4].replaceAll("_", "")) - 4 * frac.length;
		value = (hex[1] === "-" ? -1 : 1) * mantissa * 2 ** exp;
	} else if (DECIMAL_FLOAT.test(s) && /[0-9]/.test(s.split(/[eE]/)[0])) {
		value = Number(s.replaceAll("_", ""));
	} else {
		throw new GoNumError("ParseFloat", s, "syntax");
	}
	if (s.includes("_") && !underscoreOK(s)) throw new GoNumError("ParseFloat", s, "syntax");
	if (Number.isNaN(value)) throw new GoNumError("ParseFloat", s, "syntax");
	if (!Number.isFinite(value)) throw new GoNumError("ParseFloat", s, "range");
	return value;
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
	if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
	if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
	throw new GoNumError("ParseBool", s, "syntax");
}
