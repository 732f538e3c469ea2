// Syntax check of cron expressions as hashicorp/cronexpr's Parse accepts them (5 to 7 fields,
// @yearly-style aliases, ranges, steps, L/W/# forms), with its error texts.

const FIELDS = {
	second: { max: 59, value: "0?[0-9]|[1-5][0-9]" },
	minute: { max: 59, value: "0?[0-9]|[1-5][0-9]" },
	hour: { max: 23, value: "0?[0-9]|1[0-9]|2[0-3]" },
	"day-of-month": { max: 31, value: "0?[1-9]|[12][0-9]|3[01]" },
	month: {
		max: 12,
		value:
			"0?[1-9]|1[012]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december",
	},
	"day-of-week": {
		max: 6,
		value: "0?[0-7]|sun|mon|tue|wed|thu|fri|sat|sunday|monday|tuesday|wednesday|thursday|friday|saturday",
	},
	year: { max: 2099, value: "19[789][0-9]|20[0-9]{2}" },
} as const;

type FieldName = keyof typeof FIELDS;

const ALIASES: [string, string][] = [
	["@yearly", "0 0 0 1 1 * *"],
	["@annually", "0 0 0 1 1 * *"],
	["@monthly", "0 0 0 1 * * *"],
	["@weekly", "0 0 0 * * 0 *"],
	["@daily", "0 0 0 * * * *"],
	["@hourly", "0 0 * * * * *"],
];

/** cronexpr's step parse: only 0-59 (and the years) are numbers; anything else is 0. */
const stepOf = (s: string): number => (/^(0?[0-9]|[1-5][0-9])$/.test(s) ? Number(s) : 0);

function checkField(text: string, name: FieldName): string | undefined {
	const { max, value: v } = FIELDS[name];
	const entries = text.match(/[^,]+/g);
	if (!entries) return `${name} field: missing directive`;
	for (const raw of entries) {
		const e = raw.toLowerCase();
		if (/^\*$|^\?$/.test(e) || new RegExp(`^(${v})$`).test(e) || new RegExp(`^(${v})-(${v})$`).test(e)) continue;
		const step =
			/^\*\/(\d+)$/.exec(e)?.[1] ??
			new RegExp(`^(${v})/(\\d+)$`).exec(e)?.[2] ??
			new RegExp(`^(${v})-(${v})/(\\d+)$`).exec(e)?.[3];
		if (step !== undefined) {
			const n = stepOf(step);
			if (n < 1 || n > max) return `invalid interval ${e}`;
			continue;
		}
		if (name === "day-of-month" && (/^l$|^lw$/.test(e) || new RegExp(`^(${v})w$`).test(e))) continue;
		if (name === "day-of-week" && (new RegExp(`^(${v})l$`).test(e) || new RegExp(`^(${v})#([1-5])$`).test(e))) continue;
		return `syntax error in ${name} field: '${raw}'`;
	}
	return undefined;
}

/** The error cronexpr.Parse would return, or undefined when the expression parses. */
export function cronError(line: string): string | undefined {
	let cron = line;
	for (const [alias, expansion] of ALIASES) cron = cron.split(alias).join(expansion);
	const fields = cron.match(/\S+/g) ?? [];
	if (fields.length < 5) return "missing field(s)";
	const count = Math.min(fields.length, 7);
	const names: FieldName[] = ["minute", "hour", "day-of-month", "month", "day-of-week"];
	if (count === 7) names.unshift("second");
	if (names.length < count) names.push("year");
	for (let i = 0; i < names.length; i++) {
		const err = checkField(fields[i], names[i]);
		if (err) return err;
	}
	return undefined;
}
