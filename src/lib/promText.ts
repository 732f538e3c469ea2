// Prometheus text exposition details: metric and label name sanitising, label value and HELP
// escaping, label ordering, and Go's float formatting (strconv.FormatFloat(f, 'g', -1, 64)) as
// client_golang prints sample values.

export type LabelPairs = Array<[string, string]>;

export function sanitizePromName(name: string): string {
	const s = name.replace(/[^a-zA-Z0-9_:]/g, "_");
	return /^[0-9]/.test(s) ? `_${s}` : s;
}

export function sanitizeLabelName(name: string): string {
	const s = name.replace(/[^a-zA-Z0-9_]/g, "_");
	return s === "" || /^[0-9]/.test(s) ? `_${s}` : s;
}

export function labelText(pairs: LabelPairs): string {
	if (pairs.length === 0) return "";
	return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** Text format 0.0.4: label values escape backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
	return v.replace(/[\\"\n]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "\\n"));
}

/** Text format 0.0.4: HELP text escapes backslash and line feed. */
export function escapeHelp(v: string): string {
	return v.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"));
}

/** client_golang's metric order within a family: fewer labels first, then label values in order. */
export function compareLabelPairs(a: LabelPairs, b: LabelPairs): number {
	if (a.length !== b.length) return a.length - b.length;
	for (let i = 0; i < a.length; i++) {
		const c = cmp((a[i] as [string, string])[1], (b[i] as [string, string])[1]);
		if (c !== 0) return c;
	}
	return 0;
}

export function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * expfmt writeFloat: Go's strconv.FormatFloat(f, 'g', -1, 64) — shortest round-trip digits,
 * exponent form when the decimal exponent is < -4 or >= 6 ("2.294256e+06", "1e-05"),
 * and "NaN", "+Inf", "-Inf".
 */
export function formatPromFloat(f: number): string {
	if (Number.isNaN(f)) return "NaN";
	if (f === Number.POSITIVE_INFINITY) return "+Inf";
	if (f === Number.NEGATIVE_INFINITY) return "-Inf";
	if (f === 0) return "0"; // writeFloat special-cases 0 (and so -0) before FormatFloat
	const [mant, expStr] = f.toExponential().split("e") as [string, string];
	const exp = Number(expStr);
	if (exp < -4 || exp >= 6) {
		const sign = exp < 0 ? "-" : "+";
		return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
	}
	return String(f);
}
