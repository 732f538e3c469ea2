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
import { type CronExpr, parseCron, range, sorted } from "./cronParse.ts";
import { firstTransition, resolveZone, timeZoneError, UTC, type Zone, zoneOffset } from "./zones.ts";

export { type CronExpr, CronSyntaxError, parseCron } from "./cronParse.ts";

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
