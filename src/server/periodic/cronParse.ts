// The cron grammar of hashicorp/cronexpr v1.1.3 (see cron.ts for the summary): fields, names,
// steps and ranges, L/W/# forms and @aliases, parsed into the sets of values each field allows.

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

export const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

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

export const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);

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
