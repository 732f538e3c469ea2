// Time zones for periodic jobs, from the ICU data in Node (Intl): a zone's UTC offset at an
// instant, and the instants its offset changes (DST transitions), probed rather than read from
// tzdata. Nomad's names: "" and "UTC" are UTC, "Local" the agent's zone.

export type Zone = string | undefined;
export const UTC = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: Zone): Intl.DateTimeFormat {
	const key = zone ?? "";
	let f = formatters.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat("en-US", {
			timeZone: zone,
			hourCycle: "h23",
			year: "numeric",
			month: "numeric",
			day: "numeric",
			hour: "numeric",
			minute: "numeric",
			second: "numeric",
			era: "short",
		});
		formatters.set(key, f);
	}
	return f;
}

/** Offset (ms) of the zone at instant ms: wall = instant + offset. */
export function zoneOffset(zone: Zone, ms: number): number {
	if (zone === UTC) return 0;
	const whole = Math.floor(ms / 1000) * 1000;
	const p: Record<string, string> = {};
	for (const part of formatter(zone).formatToParts(whole)) p[part.type] = part.value;
	let year = Number(p.year);
	if (p.era === "BC" || p.era === "B") year = 1 - year;
	const wall = Date.UTC(year, Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
	return wall - whole;
}

const PROBE_STEP = 7 * 86_400_000;
const transitionCache = new Map<string, number[]>();

/** Instants (ms) in UTC year y at which the zone's offset changes (probed weekly, then bisected). */
function transitionsInYear(zone: Zone, y: number): number[] {
	const key = `${zone ?? ""}\u0000${y}`;
	const cached = transitionCache.get(key);
	if (cached) return cached;
	const out: number[] = [];
	const end = Date.UTC(y + 1, 0, 1);
	let a = Date.UTC(y, 0, 1);
	let offA = zoneOffset(zone, a);
	while (a < end) {
		const b = Math.min(a + PROBE_STEP, end);
		const offB = zoneOffset(zone, b);
		// bisect every change inside (a, b]; usually none, at most one in practice
		while (offA !== offB) {
			let lo = a / 1000;
			let hi = b / 1000;
			while (hi - lo > 1) {
				const mid = Math.floor((lo + hi) / 2);
				if (zoneOffset(zone, mid * 1000) === offA) lo = mid;
				else hi = mid;
			}
			a = hi * 1000;
			offA = zoneOffset(zone, a);
			if (a < end) out.push(a);
		}
		a = b;
		offA = offB;
	}
	transitionCache.set(key, out);
	return out;
}

/** First offset change T with a < T <= b, or null. */
export function firstTransition(zone: Zone, a: number, b: number): number | null {
	if (zone === UTC) return null;
	const y0 = new Date(a).getUTCFullYear();
	const y1 = Math.min(new Date(b).getUTCFullYear(), 2101);
	for (let y = y0; y <= y1; y++) {
		for (const t of transitionsInYear(zone, y)) {
			if (t > a && t <= b) return t;
			if (t > b) return null;
		}
	}
	return null;
}

/**
 * Resolves a Nomad TimeZone to a zone for computations: "" and "UTC" are UTC, "Local" the
 * process zone; an unknown zone falls back to UTC (as Nomad's GetLocation does).
 */
export function resolveZone(tz: string): Zone {
	if (tz === "" || tz === "UTC") return UTC;
	if (tz === "Local") return undefined;
	return timeZoneError(tz) === null ? tz : UTC;
}

/** null when Go's time.LoadLocation would accept the name, else its error text. */
export function timeZoneError(tz: string): string | null {
	if (tz === "" || tz === "UTC" || tz === "Local") return null;
	if (tz.includes("..") || tz.startsWith("/") || tz.startsWith("\\")) return "time: invalid location name";
	const unknown = `unknown time zone ${tz}`;
	// ICU also takes raw offsets ("+05:00"), which are not zone names.
	if (/^[+-]\d/.test(tz)) return unknown;
	let resolved: string;
	try {
		resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
	} catch {
		return unknown;
	}
	// ICU matches names case-insensitively; zoneinfo files do not.
	if (resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) return unknown;
	return null;
}
