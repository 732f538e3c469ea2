// Output helpers with the layouts of Nomad's CLI: ryanuber/columnize tables (rows of "a|b|c",
// columns aligned, joined by two spaces, empty cells shown as <none>), key = value blocks, ISO
// times and "5m12s ago" relative times.

/** Aligns "|"-separated rows into columns joined by `glue`; the last column is not padded. */
export function columnize(rows: string[], glue = "  ", empty = "<none>"): string {
	const cells = rows.map((r) => r.split("|").map((c) => (c.trim() === "" ? empty : c.trim())));
	const widths: number[] = [];
	for (const row of cells) {
		row.forEach((c, i) => {
			widths[i] = Math.max(widths[i] ?? 0, visibleLength(c));
		});
	}
	return cells
		.map((row) =>
			row
				.map((c, i) => (i === row.length - 1 ? c : c + " ".repeat((widths[i] as number) - visibleLength(c))))
				.join(glue)
				.trimEnd(),
		)
		.join("\n");
}

/** Length ignoring ANSI color sequences. */
function visibleLength(s: string): number {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what we strip
	return s.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/** Nomad's formatList: a table. */
export function formatList(rows: string[]): string {
	return columnize(rows);
}

/** Nomad's formatKV: "Key = value" lines aligned on "=". */
export function formatKV(rows: string[]): string {
	return columnize(rows, " = ");
}

/** First `n` characters (Nomad's limit(); IDs shown as 8 characters unless -verbose). */
export function limit(s: string | undefined, n: number): string {
	return (s ?? "").slice(0, n);
}

export const SHORT_ID = 8;
export const FULL_ID = 36;

/** RFC 3339 in the local zone offset as Go's "2006-01-02T15:04:05Z07:00"; "" for the epoch. */
export function formatTime(ms: number): string {
	if (!ms || ms < 1000) return "";
	const d = new Date(ms);
	const off = -d.getTimezoneOffset();
	const local = new Date(ms + off * 60_000);
	const base = local.toISOString().slice(0, 19);
	if (off === 0) return `${base}Z`;
	const sign = off > 0 ? "+" : "-";
	const abs = Math.abs(off);
	return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function formatUnixNano(ns: number | undefined): string {
	return formatTime(Math.floor((ns ?? 0) / 1e6));
}

/** Nomad's prettyTimeDiff: the two most significant units, "ago" or "from now". */
export function prettyTimeDiff(firstMs: number, secondMs: number = Date.now()): string {
	if (!firstMs) return "";
	const a = Math.round(firstMs / 1000);
	const b = Math.round(secondMs / 1000);
	const suffix = b >= a ? "ago" : "from now";
	let u = Math.abs(b - a);
	const parts: string[] = [];
	const secs = u % 60;
	if (secs > 0) parts.unshift(`${secs}s`);
	u = Math.floor(u / 60);
	const units: [number, string][] = [
		[60, "m"],
		[24, "h"],
		[30, "d"],
		[12, "mo"],
	];
	for (const [size, name] of units) {
		if (u <= 0) break;
		const v = u % size;
		if (v > 0) parts.unshift(`${v}${name}`);
		u = Math.floor(u / size);
	}
	if (u > 0) parts.unshift(`${u}y`);
	if (parts.length === 0) return `0s ${suffix}`;
	return `${parts.slice(0, 2).join("")} ${suffix}`;
}

/** Relative time of a UnixNano timestamp. */
export function agoNano(ns: number | undefined, now = Date.now()): string {
	return prettyTimeDiff(Math.floor((ns ?? 0) / 1e6), now);
}

/** Bytes in Nomad's humanize.IBytes style (e.g. 1.2 KiB). */
export function humanBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
	let v = n;
	let i = -1;
	do {
		v /= 1024;
		i++;
	} while (v >= 1024 && i < units.length - 1);
	return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
