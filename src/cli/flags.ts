// A flag parser with Go's `flag` package semantics, as Nomad's CLI uses it: `-flag` and `--flag`
// alike, `-flag=value` or `-flag value`, bool flags take no separate value (only `-flag=false`),
// parsing stops at the first positional argument or `--`, and an unknown flag is an error.

export type FlagKind = "bool" | "string" | "int" | "list";

export interface FlagSpec {
	name: string;
	kind: FlagKind;
	usage?: string;
	default?: string | boolean | number;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface Parsed {
	values: FlagValues;
	args: string[];
	/** Names of the flags given on the command line. */
	set: Set<string>;
}

export class FlagError extends Error {}

export function parseFlags(argv: string[], specs: FlagSpec[]): Parsed {
	const byName = new Map(specs.map((s) => [s.name, s]));
	const values: FlagValues = {};
	for (const s of specs) {
		if (s.kind === "list") values[s.name] = [];
		else if (s.default !== undefined) values[s.name] = s.default;
		else if (s.kind === "bool") values[s.name] = false;
	}
	const set = new Set<string>();
	let i = 0;
	for (; i < argv.length; i++) {
		const a = argv[i] as string;
		if (a.length < 2 || a[0] !== "-") break;
		if (a === "--") {
			i++;
			break;
		}
		let body = a.slice(a[1] === "-" ? 2 : 1);
		if (body === "" || body[0] === "-" || body[0] === "=") throw new FlagError(`bad flag syntax: ${a}`);
		let value: string | undefined;
		const eq = body.indexOf("=");
		if (eq >= 0) {
			value = body.slice(eq + 1);
			body = body.slice(0, eq);
		}
		if (body === "h" || body === "help") throw new HelpRequested();
		const spec = byName.get(body);
		if (!spec) throw new FlagError(unknownFlagMessage(body, specs));
		set.add(spec.name);
		if (spec.kind === "bool") {
			if (value === undefined) values[spec.name] = true;
			else if (/^(1|t|true|T|TRUE|True)$/.test(value)) values[spec.name] = true;
			else if (/^(0|f|false|F|FALSE|False)$/.test(value)) values[spec.name] = false;
			else throw new FlagError(`invalid boolean value "${value}" for -${body}: parse error`);
			continue;
		}
		if (value === undefined) {
			if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${body}`);
			value = argv[++i] as string;
		}
		if (spec.kind === "int") {
			if (!/^[+-]?\d+$/.test(value)) throw new FlagError(`invalid value "${value}" for flag -${body}: parse error`);
			values[spec.name] = Number(value);
		} else if (spec.kind === "list") (values[spec.name] as string[]).push(value);
		else values[spec.name] = value;
	}
	return { values, args: argv.slice(i), set };
}

/** Thrown for -h / -help: the command prints its help and exits 0. */
export class HelpRequested extends Error {}

function unknownFlagMessage(name: string, specs: FlagSpec[]): string {
	const close = closest(
		name,
		specs.map((s) => s.name),
	);
	return `flag provided but not defined: -${name}${close ? ` (did you mean -${close}?)` : ""}`;
}

/** The candidate nearest to `word` by edit distance, if near enough to be a plausible typo. */
export function closest(word: string, candidates: string[]): string | undefined {
	let best: string | undefined;
	let bestD = Number.POSITIVE_INFINITY;
	for (const c of candidates) {
		const d = editDistance(word, c);
		if (d < bestD) {
			bestD = d;
			best = c;
		}
	}
	if (best === undefined) return undefined;
	if (best.startsWith(word) && word.length >= 2) return best;
	return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: edits plus adjacent transpositions ("jbo" → "job" is 1). */
function editDistance(a: string, b: string): number {
	const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
		Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
	);
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const row = d[i] as number[];
			const prev = d[i - 1] as number[];
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
				row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
		}
	}
	return (d[a.length] as number[])[b.length] as number;
}
