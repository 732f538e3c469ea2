// Go's time.Format(time.RFC3339Nano) for UTC instants: up to nine fraction digits with trailing
// zeros dropped (and no fraction at all on a whole second), "Z" for UTC.

/**
 * Formats Unix time in milliseconds; a fractional part carries microseconds (a double holds
 * today's epoch milliseconds to well under a microsecond, not to the nanosecond).
 */
export function formatRFC3339Nano(unixMs: number): string {
	let whole = Math.floor(unixMs);
	let micros = Math.round((unixMs - whole) * 1000);
	if (micros === 1000) {
		whole += 1;
		micros = 0;
	}
	const sec = Math.floor(whole / 1000);
	const base = new Date(sec * 1000).toISOString().slice(0, 19);
	const fracNs = ((whole - sec * 1000) * 1000 + micros) * 1000;
	if (fracNs === 0) return `${base}Z`;
	const digits = String(fracNs).padStart(9, "0").replace(/0+$/, "");
	return `${base}.${digits}Z`;
}

/** The current wall-clock time in Unix milliseconds, with microseconds in the fraction. */
export function nowUnixMs(): number {
	return Math.round((performance.timeOrigin + performance.now()) * 1e3) / 1e3;
}
