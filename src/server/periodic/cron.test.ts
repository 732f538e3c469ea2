import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { PeriodicConfig } from "../../api/types/job.ts";
import { cronNext, matchingDays, nextLaunch, nextLaunchOrThrow, parseCron, validatePeriodic } from "./cron.ts";
import { timeZoneError, zoneOffset } from "./zones.ts";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const utc = (s: string): number => Date.parse(s);
const next = (spec: string, from: string, tz?: string): string | null =>
	iso(cronNext(parseCron(spec), utc(from), tz ?? "UTC"));

const periodic = (over: Partial<PeriodicConfig>): PeriodicConfig => ({
	Enabled: true,
	Spec: "",
	Specs: null,
	SpecType: "cron",
	ProhibitOverlap: false,
	TimeZone: "",
	...over,
});

test("basic 5-field specs, strictly after the second of `after`", () => {
	assert.equal(next("*/15 * * * *", "2025-01-01T10:07:30Z"), "2025-01-01T10:15:00.000Z");
	assert.equal(next("*/15 * * * *", "2025-01-01T10:15:00Z"), "2025-01-01T10:30:00.000Z");
	assert.equal(next("*/15 * * * *", "2025-01-01T10:14:59.500Z"), "2025-01-01T10:15:00.000Z");
	assert.equal(next("0 0 * * *", "2025-12-31T23:59:59Z"), "2026-01-01T00:00:00.000Z");
	assert.equal(next("5,10 3-4 * * *", "2025-01-01T04:10:00Z"), "2025-01-02T03:05:00.000Z");
	assert.equal(next("1-10/3 * * * *", "2025-01-01T00:04:00Z"), "2025-01-01T00:07:00.000Z");
	assert.equal(next("58/1 * * * *", "2025-01-01T00:58:00Z"), "2025-01-01T00:59:00.000Z");
	assert.equal(next("0 0 29 2 *", "2025-03-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
	assert.equal(next("0 0 31 * *", "2025-04-01T00:00:00Z"), "2025-05-31T00:00:00.000Z");
});

test("6 fields end with a year, 7 fields start with seconds", () => {
	assert.equal(next("0 0 1 1 * 2030", "2025-06-01T00:00:00Z"), "2030-01-01T00:00:00.000Z");
	assert.equal(next("* * * * * 1980", "2025-06-01T00:00:00Z"), null);
	assert.equal(next("0 12 * * * 2025-2026", "2026-12-31T12:00:00Z"), null);
	assert.equal(next("*/10 * * * * * *", "2025-01-01T10:00:05Z"), "2025-01-01T10:00:10.000Z");
	assert.equal(next("30 0 0 1 1 * 2027", "2025-01-01T00:00:00Z"), "2027-01-01T00:00:30.000Z");
	// beyond 7 fields: ignored
	assert.equal(next("0 0 0 1 1 * 2027 junk", "2025-01-01T00:00:00Z"), "2027-01-01T00:00:00.000Z");
});

test("aliases, names, L / W / # and the dom-or-dow rule", () => {
	assert.equal(next("@hourly", "2025-01-01T10:07:30Z"), "2025-01-01T11:00:00.000Z");
	assert.equal(next("@daily", "2025-01-01T10:07:30Z"), "2025-01-02T00:00:00.000Z");
	assert.equal(next("@weekly", "2025-01-01T10:07:30Z"), "2025-01-05T00:00:00.000Z"); // Sunday
	assert.equal(next("@monthly", "2025-01-01T10:07:30Z"), "2025-02-01T00:00:00.000Z");
	assert.equal(next("@yearly", "2025-01-01T10:07:30Z"), "2026-01-01T00:00:00.000Z");
	assert.equal(next("@annually", "2025-01-01T10:07:30Z"), "2026-01-01T00:00:00.000Z");
	assert.equal(next("0 9 * JAN-Mar mon-FRI", "2025-03-28T10:00:00Z"), "2025-03-31T09:00:00.000Z");
	assert.equal(next("0 9 * * Sunday", "2025-01-01T00:00:00Z"), "2025-01-05T09:00:00.000Z");
	assert.equal(next("0 9 * * 7", "2025-01-01T00:00:00Z"), "2025-01-05T09:00:00.000Z");
	assert.equal(next("0 9 * december *", "2025-01-01T00:00:00Z"), "2025-12-01T09:00:00.000Z");
	// Feb 2025: 28th is a Friday, 15th a Saturday; Mar 1st is a Saturday
	assert.equal(next("0 0 L * *", "2025-02-01T00:00:00Z"), "2025-02-28T00:00:00.000Z");
	assert.equal(next("0 0 LW * *", "2025-05-01T00:00:00Z"), "2025-05-30T00:00:00.000Z"); // May 31 is Sat
	assert.equal(next("0 0 15W * *", "2025-02-01T00:00:00Z"), "2025-02-14T00:00:00.000Z");
	assert.equal(next("0 0 1W * *", "2025-02-15T00:00:00Z"), "2025-03-03T00:00:00.000Z");
	assert.equal(next("0 0 * * 5L", "2025-01-01T00:00:00Z"), "2025-01-31T00:00:00.000Z");
	assert.equal(next("0 0 * * 5#3", "2025-01-01T00:00:00Z"), "2025-01-17T00:00:00.000Z");
	assert.equal(next("0 0 * * 1#5", "2025-01-01T00:00:00Z"), "2025-03-31T00:00:00.000Z");
	// both restricted: either matches (Jan 3 2025 is a Friday, before the 13th)
	assert.equal(next("0 0 13 * 5", "2025-01-01T00:00:00Z"), "2025-01-03T00:00:00.000Z");
	assert.equal(next("0 0 13 * *", "2025-01-01T00:00:00Z"), "2025-01-13T00:00:00.000Z");
	assert.equal(next("0 0 ? * 5", "2025-01-01T00:00:00Z"), "2025-01-03T00:00:00.000Z");
	// a span ending in 7 stops at Saturday (cronexpr quirk): no Sundays (Jan 2025: 5, 12, 19, 26)
	const noSundays = Array.from({ length: 31 }, (_, i) => i + 1).filter((d) => ![5, 12, 19, 26].includes(d));
	assert.deepEqual(matchingDays(parseCron("0 0 * * 1-7"), 2025, 1), noSundays);
	assert.equal(matchingDays(parseCron("0 0 * * 0-7"), 2025, 1).length, 31);
});

test("time zones: America/New_York across both DST changes", () => {
	const ny = "America/New_York";
	// 2025-03-09 02:00 EST -> 03:00 EDT: 02:30 does not exist that day and is skipped
	assert.equal(next("30 2 * * *", "2025-03-08T12:00:00Z", ny), "2025-03-10T06:30:00.000Z");
	assert.equal(next("30 2 * * *", "2025-03-07T12:00:00Z", ny), "2025-03-08T07:30:00.000Z");
	// hourly across spring forward: 01:00 EST then 03:00 EDT, one real hour apart
	assert.equal(next("0 * * * *", "2025-03-09T06:00:00Z", ny), "2025-03-09T07:00:00.000Z");
	// 9am local before and after the change
	assert.equal(next("0 9 * * *", "2025-03-08T15:00:00Z", ny), "2025-03-09T13:00:00.000Z");
	assert.equal(next("0 9 * * *", "2025-03-07T15:00:00Z", ny), "2025-03-08T14:00:00.000Z");
	// 2025-11-02 02:00 EDT -> 01:00 EST: 01:30 happens twice and both match
	assert.equal(next("30 1 * * *", "2025-11-01T12:00:00Z", ny), "2025-11-02T05:30:00.000Z");
	assert.equal(next("30 1 * * *", "2025-11-02T05:30:00Z", ny), "2025-11-02T06:30:00.000Z");
	assert.equal(next("30 1 * * *", "2025-11-02T06:30:00Z", ny), "2025-11-03T06:30:00.000Z");
	// a minute list straddling the repeat is taken in real-time order
	assert.equal(next("10,50 1 * * *", "2025-11-02T05:30:00Z", ny), "2025-11-02T05:50:00.000Z");
	assert.equal(next("10,50 1 * * *", "2025-11-02T05:50:00Z", ny), "2025-11-02T06:10:00.000Z");
	assert.equal(next("0 9 * * *", "2025-11-01T14:00:00Z", ny), "2025-11-02T14:00:00.000Z");
	// zones without DST and southern hemisphere
	assert.equal(next("0 9 * * *", "2025-01-01T00:00:00Z", "Asia/Kolkata"), "2025-01-01T03:30:00.000Z");
	// Sydney leaves DST on 2025-04-06 (03:00 AEDT -> 02:00 AEST)
	assert.equal(next("0 9 * * *", "2025-04-04T00:00:00Z", "Australia/Sydney"), "2025-04-04T22:00:00.000Z");
	assert.equal(next("0 9 * * *", "2025-04-05T00:00:00Z", "Australia/Sydney"), "2025-04-05T23:00:00.000Z");
	assert.equal(zoneOffset(ny, utc("2025-07-01T00:00:00Z")), -4 * 3600_000);
	assert.equal(zoneOffset(ny, utc("2025-01-01T00:00:00Z")), -5 * 3600_000);
});

test("nextLaunch: Spec, else the earliest of Specs, in the TimeZone; null when none", () => {
	const after = new Date("2025-01-01T10:07:00Z");
	assert.equal(nextLaunch(periodic({ Spec: "0 12 * * *" }), after)?.toISOString(), "2025-01-01T12:00:00.000Z");
	assert.equal(
		nextLaunch(periodic({ Specs: ["0 12 * * *", "30 10 * * *", "0 0 1 1 * 2020"] }), after)?.toISOString(),
		"2025-01-01T10:30:00.000Z",
	);
	assert.equal(
		nextLaunch(periodic({ Specs: ["0 12 * * *"], TimeZone: "America/New_York" }), after)?.toISOString(),
		"2025-01-01T17:00:00.000Z",
	);
	// Spec wins over Specs (validation forbids both)
	assert.equal(
		nextLaunch(periodic({ Spec: "0 12 * * *", Specs: ["30 10 * * *"] }), after)?.toISOString(),
		"2025-01-01T12:00:00.000Z",
	);
	assert.equal(nextLaunch(periodic({ Specs: [] }), after), null);
	assert.equal(nextLaunch(periodic({ Spec: "0 0 1 1 * 2020" }), after), null);
	assert.equal(nextLaunch(periodic({ Spec: "bogus" }), after), null);
	assert.throws(() => nextLaunchOrThrow(periodic({ Spec: "bogus" }), after), /failed parsing cron expression: bogus/);
	// unknown zones fall back to UTC (as Nomad's GetLocation)
	assert.equal(
		nextLaunch(periodic({ Spec: "0 12 * * *", TimeZone: "Mars/Olympus" }), after)?.toISOString(),
		"2025-01-01T12:00:00.000Z",
	);
	// Nomad's test spec type: comma-separated unix seconds
	const s = Math.floor(after.getTime() / 1000);
	const testSpec = periodic({ SpecType: "_internal_test" as "cron", Spec: `${s - 5},${s + 5},${s + 10}` });
	assert.equal(nextLaunch(testSpec, after)?.getTime(), (s + 5) * 1000);
	assert.equal(nextLaunch(testSpec, new Date((s + 10) * 1000)), null);
});

test("parse errors carry cronexpr's messages", () => {
	const err = (spec: string): string => {
		try {
			parseCron(spec);
			return "ok";
		} catch (e) {
			return (e as Error).message;
		}
	};
	assert.equal(err("* * * *"), "missing field(s)");
	assert.equal(err("x * * * *"), "syntax error in minute field: 'x'");
	assert.equal(err("60 * * * *"), "syntax error in minute field: '60'");
	assert.equal(err("* 24 * * *"), "syntax error in hour field: '24'");
	assert.equal(err("* * 0 * *"), "syntax error in day-of-month field: '0'");
	assert.equal(err("* * * 13 *"), "syntax error in month field: '13'");
	assert.equal(err("* * * * 8"), "syntax error in day-of-week field: '8'");
	assert.equal(err("* * * * MON#6"), "syntax error in day-of-week field: 'MON#6'");
	assert.equal(err("*/0 * * * *"), "invalid interval */0");
	assert.equal(err("*/60 * * * *"), "invalid interval */60");
	assert.equal(err("* * * * * 1969"), "syntax error in year field: '1969'");
	assert.equal(err(", * * * *"), "minute field: missing directive");
	assert.equal(err("*,x * * * *"), "ok"); // a wildcard first short-circuits, as cronexpr does
	assert.equal(err("0 0 L,15W * 5L,1#2"), "ok");
});

test("validatePeriodic: Nomad's messages", () => {
	assert.deepEqual(validatePeriodic(periodic({ Enabled: false, Spec: "garbage" })), []);
	assert.deepEqual(validatePeriodic(periodic({ Spec: "*/5 * * * *", TimeZone: "America/New_York" })), []);
	assert.deepEqual(validatePeriodic(periodic({ Specs: ["0 1 * * *", "0 2 * * *"] })), []);
	assert.deepEqual(validatePeriodic(periodic({})), ["Must specify a spec"]);
	assert.deepEqual(validatePeriodic(periodic({ Spec: "* * * * *", Specs: ["* * * * *"] })), [
		"Only cron or crons may be used",
	]);
	assert.deepEqual(validatePeriodic(periodic({ Spec: "bad" })), ['Invalid cron spec "bad": missing field(s)']);
	assert.deepEqual(validatePeriodic(periodic({ Specs: ["* * * * *", "61 * * * *"] })), [
		"Invalid cron spec \"61 * * * *\": syntax error in minute field: '61'",
	]);
	assert.deepEqual(validatePeriodic(periodic({ Spec: "* * * * *", TimeZone: "Mars/Olympus" })), [
		'Invalid time zone "Mars/Olympus": unknown time zone Mars/Olympus',
	]);
	assert.deepEqual(validatePeriodic(periodic({ Spec: "* * * * *", SpecType: "rrule" as "cron" })), [
		'Unknown periodic specification type "rrule"',
	]);
	assert.equal(timeZoneError("America/New_York"), null);
	assert.equal(timeZoneError("Local"), null);
	assert.equal(timeZoneError("UTC"), null);
	assert.equal(timeZoneError("Etc/GMT+5"), null);
	assert.equal(timeZoneError("america/new_york"), "unknown time zone america/new_york");
	assert.equal(timeZoneError("+05:00"), "unknown time zone +05:00");
	assert.equal(timeZoneError("../etc/passwd"), "time: invalid location name");
});

// Oracle: walk instants minute by minute and compare local wall fields with simple field sets.
interface Simple {
	minutes: number[];
	hours: number[];
	doms: number[] | null;
	dows: number[] | null;
}
const specOf = (s: Simple): string =>
	[s.minutes.join(","), s.hours.join(","), s.doms ? s.doms.join(",") : "*", "*", s.dows ? s.dows.join(",") : "*"].join(
		" ",
	);
function bruteNext(s: Simple, after: number, zone: string, horizonMs: number): number | null {
	let t = Math.floor(after / 60_000) * 60_000 + 60_000;
	for (; t <= after + horizonMs; t += 60_000) {
		const w = new Date(t + zoneOffset(zone, t));
		if (!s.minutes.includes(w.getUTCMinutes()) || !s.hours.includes(w.getUTCHours())) continue;
		const domOk = s.doms?.includes(w.getUTCDate());
		const dowOk = s.dows?.includes(w.getUTCDay());
		const dayOk = !s.doms && !s.dows ? true : !!domOk || !!dowOk;
		if (dayOk) return t;
	}
	return null;
}

test("property: matches a brute-force walk (UTC, New York, Sydney) around DST changes", () => {
	const uniq = (a: number[]): number[] => [...new Set(a)].sort((x, y) => x - y);
	const simple = fc.record({
		minutes: fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 }).map(uniq),
		hours: fc.array(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 6 }).map(uniq),
		doms: fc.option(fc.array(fc.integer({ min: 1, max: 31 }), { minLength: 1, maxLength: 8 }).map(uniq)),
		dows: fc.option(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }).map(uniq)),
	});
	const anchors = [
		utc("2025-03-08T00:00:00Z"),
		utc("2025-11-01T00:00:00Z"),
		utc("2025-04-05T00:00:00Z"),
		utc("2025-10-04T00:00:00Z"),
	];
	const horizon = 4 * 86_400_000;
	fc.assert(
		fc.property(
			simple,
			fc.constantFrom("UTC", "America/New_York", "Australia/Sydney"),
			fc.constantFrom(...anchors),
			fc.integer({ min: 0, max: 2 * 86_400 }),
			(s, zone, anchor, offsetSec) => {
				const after = anchor + offsetSec * 1000;
				const got = cronNext(parseCron(specOf(s)), after, zone);
				const want = bruteNext(s, after, zone, horizon);
				if (want === null) assert.ok(got === null || got > after + horizon, `${specOf(s)} ${zone}`);
				else assert.equal(iso(got), iso(want), `${specOf(s)} ${zone} after ${iso(after)}`);
			},
		),
		{ numRuns: 60 },
	);
});
