// CPU id lists in the kernel's "0-3,8,10-11" notation (Nomad's client/lib/idset).

/** Parses "0-3,8" into a sorted, de-duplicated list. Garbage pieces are ignored. */
export function parseIDs(text: string): number[] {
	const out = new Set<number>();
	for (const raw of text.trim().split(",")) {
		const piece = raw.trim();
		if (piece === "") continue;
		const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
		if (!m) continue;
		const lo = Number(m[1]);
		const hi = m[2] === undefined ? lo : Number(m[2]);
		for (let i = lo; i <= hi; i++) out.add(i);
	}
	return [...out].sort((a, b) => a - b);
}

/** Formats ids as compact ranges: [0,1,2,5] → "0-2,5". Empty → " " (cgroups' empty notation, as Nomad). */
export function formatIDs(ids: readonly number[]): string {
	const sorted = [...new Set(ids)].sort((a, b) => a - b);
	if (sorted.length === 0) return " ";
	const parts: string[] = [];
	let lo = sorted[0];
	let hi = sorted[0];
	const flush = () => parts.push(lo === hi ? `${lo}` : `${lo}-${hi}`);
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i] === hi + 1) {
			hi = sorted[i];
			continue;
		}
		flush();
		lo = hi = sorted[i];
	}
	flush();
	return parts.join(",");
}
