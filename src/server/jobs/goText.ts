// Go's text formatting as it shows up in Nomad's messages: strconv.Quote (%q), %v of slices and
// floats, time.Duration.String and go-multierror's list format. Messages built from these compare
// byte for byte with what a Nomad server answers.
import { formatDuration } from "../../lib/duration.ts";

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
	"\u0007": "\\a",
	"\b": "\\b",
	"\f": "\\f",
	"\n": "\\n",
	"\r": "\\r",
	"\t": "\\t",
	"\u000b": "\\v",
};

/** strconv.Quote: double-quoted with Go escapes; printable Unicode is kept as is. */
export function goQuote(s: string): string {
	let out = '"';
	for (const ch of s) {
		if (ch === '"' || ch === "\\") out += `\\${ch}`;
		else if (PRINTABLE.test(ch)) out += ch;
		else if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
		else {
			const cp = ch.codePointAt(0) ?? 0;
			if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
			else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
			else out += `\\U${cp.toString(16).padStart(8, "0")}`;
		}
	}
	return `${out}"`;
}

/** %q of a []string: ["a" "b"]. */
export const goQuoteList = (xs: readonly string[]): string => `[${xs.map(goQuote).join(" ")}]`;

/** %v of a []string: [a b]. */
export const goList = (xs: readonly string[]): string => `[${xs.join(" ")}]`;

/** time.Duration.String(). */
export const goDur = (ns: number): string => formatDuration(ns);

/** %v of a float64 (strconv 'g' with the shortest precision): 8080, 1.5, 1e+06, 1e-05. */
export function goFloat(f: number): string {
	if (Number.isNaN(f)) return "NaN";
	if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
	if (f === 0) return Object.is(f, -0) ? "-0" : "0";
	const [mant, expStr] = f.toExponential().split("e");
	const exp = Number(expStr);
	// Shortest 'g' decides with precision 6: exponent form below 1e-4 and from 1e6 up.
	if (exp < -4 || exp >= 6) {
		const sign = exp < 0 ? "-" : "+";
		return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
	}
	return String(f);
}

/** go-multierror's ListFormatFunc. */
export function multiError(errs: readonly string[]): string {
	if (errs.length === 1) return `1 error occurred:\n\t* ${errs[0]}\n\n`;
	return `${errs.length} errors occurred:\n\t${errs.map((e) => `* ${e}`).join("\n\t")}\n\n`;
}
