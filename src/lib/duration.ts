// Go's time.Duration on the wire: integer nanoseconds in JSON, "1h2m3.5s" strings in query
// parameters and configuration. Parsing follows Go's time.ParseDuration grammar exactly so that
// anything Nomad's CLI or API clients send is understood the same way.

export const NANOSECOND = 1;
export const MICROSECOND = 1_000;
export const MILLISECOND = 1_000_000;
export const SECOND = 1_000_000_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

const UNITS: Record<string, number> = {
	ns: NANOSECOND,
	us: MICROSECOND,
	µs: MICROSECOND,
	μs: MICROSECOND,
	ms: MILLISECOND,
	s: SECOND,
	m: MINUTE,
	h: HOUR,
};

/** Parses a Go duration string ("300ms", "-1.5h", "2h45m") into nanoseconds; throws on bad input. */
export function parseDuration(input: string): number {
	const fail = (): never => {
		throw new Error(`time: invalid duration ${JSON.stringify(input)}`);
	};
	let s = input;
	let sign = 1;
	if (s.startsWith("-") || s.startsWith("+")) {
		if (s[0] === "-") sign = -1;
		s = s.slice(1);
	}
	if (s === "0") return 0;
	if (s === "") fail();
	let total = 0;
	const re = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
	while (s.length > 0) {
		const m = re.exec(s);
		if (!m) fail();
		const [whole, intPart, fracPart, unitName] = m as unknown as [string, string, string | undefined, string];
		if (intPart === "" && (fracPart === undefined || fracPart === "")) fail();
		const unit = UNITS[unitName];
		if (unit === undefined)
			throw new Error(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`);
		let v = Number(intPart || "0") * unit;
		if (fracPart) v += Math.round(Number(`0.${fracPart}`) * unit);
		total += v;
		s = s.slice(whole.length);
	}
	if (!Number.isFinite(total) || total > 2 ** 63) fail();
	return sign * total;
}

/** Formats nanoseconds like Go's Duration.String() ("1h0m0s", "1.5s", "250ms", "0s"). */
export function formatDuration(ns: number): string {
	if (ns === 0) return "0s";
	const neg = ns < 0;
	let u = Math.abs(Math.trunc(ns));
	let out: string;
	if (u < SECOND) {
		let unit: string;
		let div: number;
		if (u < MICROSECOND) return `${neg ? "-" : ""}${u}ns`;
		if (u < MILLISECOND) {
			unit = "µs";
			div = MICROSECOND;
		} else {
			unit = "ms";
			div = MILLISECOND;
		}
		out = `${trimFraction(u / div)}${unit}`;
	} else {
		const h = Math.floor(u / HOUR);
		u -= h * HOUR;
		const m = Math.floor(u / MINUTE);
		u -= m * MINUTE;
		const sec = trimFraction(u / SECOND);
		out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
	}
	return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
	// Go prints up to 9 fractional digits with trailing zeros removed.
	return v.toFixed(9).replace(/\.?0+$/, "");
}
