// Cron expressions and periodic launch times, with the grammar and semantics of the cron library
// Nomad uses (hashicorp/cronexpr v1.1.3):
//   - 5 fields `min hour dom month dow`; 6 fields add a trailing YEAR (not leading seconds);
//     7 fields are `sec min hour dom month dow year`; fields past the 7th are ignored.
//   - `*`/`?`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n`, lists; month/day names (jan, january, sun,
//     sunday...), dow 7 = Sunday; dom `L`, `LW`, `15W`; dow `5L` (last Friday), `5#3` (3rd Friday);
//     `@yearly @annually @monthly @weekly @daily @hourly`. Years 1970..2099.
//   - dom and dow both restricted => a day matches if either matches (crontab rule).
//   - Next(t) is the earliest whole second strictly after t's second whose wall clock in the
//     zone matches: on a spring-forward day wall times in the gap never happen (skipped), on a
//     fall-back day a time in the repeated hour matches twice (cronexpr's DST handling does the
//     same).
// Time zones: zones.ts.
import { goQuote } from "../../api/filter/errors.ts";
import type { PeriodicConfig } from "../../api/types/job.ts";
import { firstTransition, resolveZone, timeZoneError, UTC, type Zone, zoneOffset } from "./zones.ts";

export class CronSyntaxError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "CronSyntaxError";
	}
}

/** A parsed cron expression. All lists are sorted ascending. */
export interface CronExpr {
	seconds: number[];
	minutes: number[];
	hours: number[];
	months: number[];
	years: number[];
	domRestricted: boolean;
	domDays: Set<number>;
	domWorkdays: Set<number>;
	domLast: boolean;
	domLastWorkday: boolean;
	dowRestricted: boolean;
	dowDays: Set<number>;
	/** (n-1)*7 + dow for `dow#n` */
	dowNth: Set<number>;
	/** dow for `dowL` */
	dowLast: Set<number>;
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface FieldDesc {
	name: string;
	min: number;
	max: number;
	value: string; // regexp alternation for one value
	atoi: (s: string) => number;
}

const numberTokens = new Map<string, number>();
for (let i = 0; i < 60; i++) numberTokens.set(String(i), i);
for (let i = 0; i < 10; i++) numberTokens.set(`0${i}`, i);
for (let i = 1970; i <= 2099; i++) numberTokens.set(String(i), i);
const atoi = (s: string): number => numberTokens.get(s) ?? 0;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_LONG = [
	"january",
	"february",
	"march",
	"april",
	"may",
	"june",
	"july",
	"august",
	"september",
	"october",
	"november",
	"december",
];
const monthTokens = new Map<string, number>();
for (let i = 1; i <= 12; i++) {
	monthTokens.set(String(i), i);
	monthTokens.set(MONTHS[i - 1], i);
	monthTokens.set(MONTHS_LONG[i - 1], i);
	if (i < 10) monthTokens.set(`0${i}`, i);
}
const DOWS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DOWS_LONG = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const dowTokens = new Map<string, number>();
for (let i = 0; i < 7; i++) {
	dowTokens.set(String(i), i);
	dowTokens.set(DOWS[i], i);
	dowTokens.set(DOWS_LONG[i], i);
}
dowTokens.set("7", 0);

const SECOND: FieldDesc = { name: "second", min: 0, max: 59, value: "0?[0-9]|[1-5][0-9]", atoi };
const MINUTE: FieldDesc = { ...SECOND, name: "minute" };
const HOUR: FieldDesc = { name: "hour", min: 0, max: 23, value: "0?[0-9]|1[0-9]|2[0-3]", atoi };
const DOM: FieldDesc = { name: "day-of-month", min: 1, max: 31, value: "0?[1-9]|[12][0-9]|3[01]", atoi };
const MONTH: FieldDesc = {
	name: "month",
	min: 1,
	max: 12,
	value: `0?[1-9]|1[012]|${MONTHS.join("|")}|${MONTHS_LONG.join("|")}`,
	atoi: (s) => monthTokens.get(s) ?? 0,
};
const DOW: FieldDesc = {
	name: "day-of-week",
	min: 0,
	max: 6,
	value: `0?[0-7]|${DOWS.join("|")}|${DOWS_LONG.join("|")}`,
	// "00".."07" pass the pattern but are not tokens: they read as 0 (as cronexpr does).
	atoi: (s) => dowTokens.get(s) ?? 0,
};
const YEAR: FieldDesc = { name: "year", min: 1970, max: 2099, value: "19[789][0-9]|20[0-9]{2}", atoi };

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

interface Directive {
	kind: "none" | "one" | "span" | "all";
	first: number;
	last: number;
	step: number;
	text: string;
}

interface Layouts {
	value: RegExp;
	range: RegExp;
	valueStep: RegExp;
	rangeStep: RegExp;
	lastDow: RegExp;
	nthDow: RegExp;
	workdom: RegExp;
}
const layoutCache = new Map<FieldDesc, Layouts>();
function layouts(d: FieldDesc): Layouts {
	let l = layoutCache.get(d);
	if (!l) {
		const v = d.value;
		l = {
			value: new RegExp(`^(${v})$`),
			range: new RegExp(`^(${v})-(${v})$`),
			valueStep: new RegExp(`^(${v})/(\\d+)$`),
			rangeStep: new RegExp(`^(${v})-(${v})/(\\d+)$`),
			lastDow: new RegExp(`^(${v})l$`),
			nthDow: new RegExp(`^(${v})#([1-5])$`),
			workdom: new RegExp(`^(${v})w$`),
		};
		layoutCache.set(d, l);
	}
	return l;
}

function checkStep(step: number, d: FieldDesc, text: string): void {
	if (step < 1 || step > d.max) throw new CronSyntaxError(`invalid interval ${text}`);
}

function parseDirectives(field: string, d: FieldDesc): Directive[] {
	const entries = field.match(/[^,]+/g);
	if (!entries) throw new CronSyntaxError(`${d.name} field: missing directive`);
	const l = layouts(d);
	return entries.map((text): Directive => {
		const s = text.toLowerCase();
		if (s === "*" || s === "?") return { kind: "all", first: d.min, last: d.max, step: 1, text };
		if (l.value.test(s)) return { kind: "one", first: d.atoi(s), last: 0, step: 0, text };
		let m = l.range.exec(s);
		if (m) return { kind: "span", first: d.atoi(m[1]), last: d.atoi(m[2]), step: 1, text };
		m = /^\*\/(\d+)$/.exec(s);
		if (m) {
			const step = atoi(m[1]);
			checkStep(step, d, s);
			return { kind: "span", first: d.min, last: d.max, step, text };
		}
		m = l.valueStep.exec(s);
		if (m) {
			const step = atoi(m[2]);
			checkStep(step, d, s);
			return { kind: "span", first: d.atoi(m[1]), last: d.max, step, text };
		}
		m = l.rangeStep.exec(s);
		if (m) {
			const step = atoi(m[3]);
			checkStep(step, d, s);
			return { kind: "span", first: d.atoi(m[1]), last: d.atoi(m[2]), step, text };
		}
		return { kind: "none", first: 0, last: 0, step: 0, text };
	});
}

function populate(into: Set<number>, first: number, last: number, step: number): void {
	for (let i = first; i <= last; i += step) into.add(i);
}

const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);

function genericField(field: string, d: FieldDesc): number[] {
	const values = new Set<number>();
	for (const dir of parseDirectives(field, d)) {
		switch (dir.kind) {
			case "none":
				throw new CronSyntaxError(`syntax error in ${d.name} field: '${dir.text}'`);
			case "one":
				values.add(dir.first);
				break;
			case "span":
				populate(values, dir.first, dir.last, dir.step);
				break;
			case "all":
				// a wildcard anywhere in the list (before any bad entry) means "every value"
				return range(d.min, d.max);
		}
	}
	return sorted(values);
}

const ALIASES: Record<string, string> = {
	"@yearly": "0 0 0 1 1 * *",
	"@annually": "0 0 0 1 1 * *",
	"@monthly": "0 0 0 1 * * *",
	"@weekly": "0 0 0 * * 0 *",
	"@daily": "0 0 0 * * * *",
	"@hourly": "0 0 * * * * *",
};

/** Parses a cron line; throws CronSyntaxError with cronexpr's messages. */
export function parseCron(spec: string): CronExpr {
	const line = spec.replace(/@(yearly|annually|monthly|weekly|daily|hourly)/g, (a) => ALIASES[a]);
	// Go's \S is ASCII-only: only these bytes separate fields.
	const fields = line.match(/[^\t\n\f\r ]+/g) ?? [];
	if (fields.length < 5) throw new CronSyntaxError("missing field(s)");
	const count = Math.min(fields.length, 7);
	let i = 0;
	const seconds = count === 7 ? genericField(fields[i++], SECOND) : [0];
	const minutes = genericField(fields[i++], MINUTE);
	const hours = genericField(fields[i++], HOUR);

	// day of month
	const expr: CronExpr = {
		seconds,
		minutes,
		hours,
		months: [],
		years: [],
		domRestricted: true,
		domDays: new Set(),
		domWorkdays: new Set(),
		domLast: false,
		domLastWorkday: false,
		dowRestricted: true,
		dowDays: new Set(),
		dowNth: new Set(),
		dowLast: new Set(),
	};
	const domLayouts = layouts(DOM);
	for (const dir of parseDirectives(fields[i++], DOM)) {
		if (dir.kind === "none") {
			const s = dir.text.toLowerCase();
			const w = domLayouts.workdom.exec(s);
			if (s === "l") expr.domLast = true;
			else if (s === "lw") expr.domLastWorkday = true;
			else if (w) expr.domWorkdays.add(DOM.atoi(w[1]));
			else throw new CronSyntaxError(`syntax error in day-of-month field: '${dir.text}'`);
		} else if (dir.kind === "one") expr.domDays.add(dir.first);
		else {
			populate(expr.domDays, dir.first, dir.last, dir.step);
			if (dir.kind === "all") expr.domRestricted = false;
		}
	}

	expr.months = genericField(fields[i++], MONTH);

	// day of week
	const dowLayouts = layouts(DOW);
	for (const dir of parseDirectives(fields[i++], DOW)) {
		if (dir.kind === "none") {
			const s = dir.text.toLowerCase();
			const last = dowLayouts.lastDow.exec(s);
			const nth = last ? null : dowLayouts.nthDow.exec(s);
			if (last) expr.dowLast.add(DOW.atoi(last[1]));
			else if (nth) expr.dowNth.add((atoi(nth[2]) - 1) * 7 + (DOW.atoi(nth[1]) % 7));
			else throw new CronSyntaxError(`syntax error in day-of-week field: '${dir.text}'`);
		} else if (dir.kind === "one") expr.dowDays.add(dir.first);
		else if (dir.kind === "span") {
			// A span ending in 7 reads 7 as Sunday=0; cronexpr then ends it at Saturday.
			populate(expr.dowDays, dir.first, dir.last === 0 ? 6 : dir.last, dir.step);
		} else {
			populate(expr.dowDays, dir.first, dir.last, dir.step);
			expr.dowRestricted = false;
		}
	}

	expr.years = i < count ? genericField(fields[i], YEAR) : range(YEAR.min, YEAR.max);
	return expr;
}

// ---------------------------------------------------------------------------------------------
// Matching on wall-clock time (calendar arithmetic in UTC, no zone)

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekday = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

function workdayOf(y: number, m: number, d: number, lastDay: number): number {
	const wd = weekday(y, m, d);
	if (wd === 6) return d > 1 ? d - 1 : d + 2;
	if (wd === 0) return d < lastDay ? d + 1 : d - 2;
	return d;
}

/** The days of month (1-based, sorted) matching the expression in year y, month m (1..12). */
export function matchingDays(e: CronExpr, y: number, m: number): number[] {
	const last = daysIn(y, m);
	if (!e.domRestricted && !e.dowRestricted) return range(1, last);
	const days = new Set<number>();
	if (e.domRestricted) {
		if (e.domLast) days.add(last);
		if (e.domLastWorkday) days.add(workdayOf(y, m, last, last));
		for (const d of e.domDays) if (d <= last) days.add(d);
		for (const d of e.domWorkdays) if (d <= last) days.add(workdayOf(y, m, d, last));
	}
	if (e.dowRestricted) {
		const wd1 = weekday(y, m, 1);
		for (const dow of e.dowDays) {
			for (let d = 1 + ((7 - wd1 + dow) % 7); d <= last; d += 7) days.add(d);
		}
		for (const v of e.dowNth) {
			const d = 1 + 7 * Math.floor(v / 7) + ((7 - wd1 + (v % 7)) % 7);
			if (d <= last) days.add(d);
		}
		const origin = last - 6;
		const wdo = weekday(y, m, origin);
		for (const dow of e.dowLast) days.add(origin + ((7 - wdo + dow) % 7));
	}
	return sorted(days);
}

/** Index of the first element >= v in a sorted list, or -1. */
function ceil(list: number[], v: number): number {
	for (let i = 0; i < list.length; i++) if (list[i] >= v) return i;
	return -1;
}

/**
 * Earliest wall-clock time (ms, read as UTC fields) >= `from` matching the expression, or null
 * when there is none (past the last allowed year, or an empty field).
 */
export function nextWallTime(e: CronExpr, from: number): number | null {
	if (!e.seconds.length || !e.minutes.length || !e.hours.length || !e.months.length || !e.years.length) {
		return null;
	}
	let t = new Date(Math.ceil(from / 1000) * 1000);
	const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date =>
		new Date(Date.UTC(y, mo - 1, d, h, mi, s));
	for (let guard = 0; guard < 100_000; guard++) {
		const y = t.getUTCFullYear();
		const yi = ceil(e.years, y);
		if (yi < 0) return null;
		if (e.years[yi] !== y) {
			t = at(e.years[yi], 1, 1);
			continue;
		}
		const mo = t.getUTCMonth() + 1;
		const mi = ceil(e.months, mo);
		if (mi < 0) {
			t = at(y + 1, 1, 1);
			continue;
		}
		if (e.months[mi] !== mo) {
			t = at(y, e.months[mi], 1);
			continue;
		}
		const days = matchingDays(e, y, mo);
		const d = t.getUTCDate();
		const di = ceil(days, d);
		if (di < 0) {
			t = at(y, mo + 1, 1);
			continue;
		}
		if (days[di] !== d) {
			t = at(y, mo, days[di]);
			continue;
		}
		const h = t.getUTCHours();
		const hi = ceil(e.hours, h);
		if (hi < 0) {
			t = at(y, mo, d + 1);
			continue;
		}
		if (e.hours[hi] !== h) {
			t = at(y, mo, d, e.hours[hi]);
			continue;
		}
		const m = t.getUTCMinutes();
		const mni = ceil(e.minutes, m);
		if (mni < 0) {
			t = at(y, mo, d, h + 1);
			continue;
		}
		if (e.minutes[mni] !== m) {
			t = at(y, mo, d, h, e.minutes[mni]);
			continue;
		}
		const s = t.getUTCSeconds();
		const si = ceil(e.seconds, s);
		if (si < 0) {
			t = at(y, mo, d, h, m + 1);
			continue;
		}
		return at(y, mo, d, h, m, e.seconds[si]).getTime();
	}
	return null;
}

// ---------------------------------------------------------------------------------------------
// Time zones

/** undefined = the process's local zone (Go's "Local"). */
/** Earliest instant (ms) strictly after `after`'s whole second matching `e` in `zone`. */
export function cronNext(e: CronExpr, after: number, zone: Zone = UTC): number | null {
	let t = Math.floor(after / 1000) * 1000 + 1000;
	for (let guard = 0; guard < 10_000; guard++) {
		const off = zoneOffset(zone, t);
		const wall = nextWallTime(e, t + off);
		if (wall === null) return null;
		const candidate = wall - off;
		// The offset held from t to the candidate: it is the answer. Otherwise nothing matched
		// before the change, so continue from there under the new offset.
		const change = firstTransition(zone, t, candidate);
		if (change === null) return candidate;
		t = change;
	}
	return null;
}

// ---------------------------------------------------------------------------------------------
// PeriodicConfig

const parsedCache = new Map<string, CronExpr>();
function parseCached(spec: string): CronExpr {
	let e = parsedCache.get(spec);
	if (!e) {
		e = parseCron(spec);
		if (parsedCache.size > 10_000) parsedCache.clear();
		parsedCache.set(spec, e);
	}
	return e;
}

/**
 * Like nextLaunch, but throws (Nomad's "failed parsing cron expression..." text) when a spec
 * does not parse.
 */
export function nextLaunchOrThrow(periodic: PeriodicConfig, after: Date): Date | null {
	const from = after.getTime();
	const type: string = periodic.SpecType || "cron";
	if (type === "_internal_test") {
		// Nomad's test spec: comma-separated unix seconds.
		if (!periodic.Spec) return null;
		for (const s of periodic.Spec.split(",")) {
			if (!/^[+-]?\d+$/.test(s)) return null;
			const t = Number(s) * 1000;
			if (t > from) return new Date(t);
		}
		return null;
	}
	if (type !== "cron") return null;
	const zone = resolveZone(periodic.TimeZone ?? "");
	const specs = periodic.Spec ? [periodic.Spec] : (periodic.Specs ?? []);
	let best: number | null = null;
	for (const spec of specs) {
		let expr: CronExpr;
		try {
			expr = parseCached(spec);
		} catch (err) {
			throw new Error(`failed parsing cron expression: ${spec}: ${(err as Error).message}`);
		}
		const t = cronNext(expr, from, zone);
		if (t !== null && (best === null || t < best)) best = t;
	}
	return best === null ? null : new Date(best);
}

/**
 * The earliest launch strictly after `after` (to the second) across Spec, or else Specs, in the
 * config's TimeZone; null if there is none or a spec does not parse.
 */
export function nextLaunch(periodic: PeriodicConfig, after: Date): Date | null {
	try {
		return nextLaunchOrThrow(periodic, after);
	} catch {
		return null;
	}
}

/** Nomad's PeriodicConfig.Validate messages (empty when valid or disabled). */
export function validatePeriodic(p: PeriodicConfig): string[] {
	if (!p.Enabled) return [];
	const errs: string[] = [];
	const spec0 = p.Spec ?? "";
	const specs = p.Specs ?? [];
	if (spec0 !== "" && specs.length !== 0) errs.push("Only cron or crons may be used");
	if (spec0 === "" && specs.length === 0) errs.push("Must specify a spec");
	if (p.TimeZone) {
		const tzErr = timeZoneError(p.TimeZone);
		if (tzErr) errs.push(`Invalid time zone ${goQuote(p.TimeZone)}: ${tzErr}`);
	}
	switch (p.SpecType as string) {
		case "cron":
			for (const spec of spec0 !== "" ? [spec0, ...specs] : specs) {
				try {
					parseCron(spec);
				} catch (err) {
					errs.push(`Invalid cron spec ${goQuote(spec)}: ${(err as Error).message}`);
				}
			}
			break;
		case "_internal_test":
			break;
		default:
			errs.push(`Unknown periodic specification type ${goQuote(String(p.SpecType))}`);
	}
	return errs;
}
