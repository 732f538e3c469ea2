// Error types for the filter language, plus Go's strconv.Quote (used in messages so they read the
// same as go-bexpr's).

/** One problem found while parsing; FilterError.message joins them with "\n" like pigeon's errList. */
export interface FilterErrorDetail {
	/** 1-based line, counted the way go-bexpr's (pigeon) parser does. */
	readonly line: number;
	/** 1-based column in code points; a "\n" itself sits at column 0 of the next line (pigeon quirk). */
	readonly column: number;
	/** Byte offset into the UTF-8 encoded expression (what go-bexpr prints in parentheses). */
	readonly offset: number;
	/** UTF-16 index into the JS string, for callers that want to point at the text. */
	readonly index: number;
	/** Rule that raised it, e.g. `"string"`, or undefined for "no match found". */
	readonly rule: string | undefined;
	/** Message without the position prefix, e.g. "Unterminated string literal". */
	readonly reason: string;
}

/** Thrown by compileFilter for an expression that does not parse. */
export class FilterError extends Error {
	readonly details: readonly FilterErrorDetail[];

	constructor(message: string, details: readonly FilterErrorDetail[] = []) {
		super(message);
		this.name = "FilterError";
		this.details = details;
	}
}

/**
 * Thrown by a compiled predicate when go-bexpr would return an error from Evaluate (e.g. comparing
 * a list with `==`, a value that does not coerce to the field's type, an unknown top-level field).
 * Nomad aborts the whole listing in that case.
 */
export class FilterEvaluationError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "FilterEvaluationError";
	}
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote (also what %q and %#v print for a string). */
export function goQuote(s: string): string {
	let out = '"';
	for (const ch of s) {
		const cp = ch.codePointAt(0) ?? 0;
		if (ch === '"' || ch === "\\") out += `\\${ch}`;
		else if (PRINTABLE.test(ch)) out += ch;
		else if (ch === "\x07") out += "\\a";
		else if (ch === "\b") out += "\\b";
		else if (ch === "\f") out += "\\f";
		else if (ch === "\n") out += "\\n";
		else if (ch === "\r") out += "\\r";
		else if (ch === "\t") out += "\\t";
		else if (ch === "\v") out += "\\v";
		else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
		else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
		else out += `\\U${cp.toString(16).padStart(8, "0")}`;
	}
	return `${out}"`;
}
