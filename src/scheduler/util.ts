// Small shared helpers: allocation status predicates, names, globbing, time conversion, hashing.
import type { Allocation, Job, Node, TaskGroup } from "../api/types/index.ts";

/** Client statuses after which an allocation will never run again (structs.terminalAllocationStatuses). */
export function clientTerminal(a: Allocation): boolean {
	const s = a.ClientStatus;
	return s === "complete" || s === "failed" || s === "lost";
}

/** The server wants the allocation stopped (desired stop/evict). */
export function serverTerminal(a: Allocation): boolean {
	return a.DesiredStatus === "stop" || a.DesiredStatus === "evict";
}

export function terminal(a: Allocation): boolean {
	return serverTerminal(a) || clientTerminal(a);
}

export function jobStopped(job: Job | undefined | null): boolean {
	return !job || job.Stop;
}

export function lookupTaskGroup(job: Job | undefined | null, name: string): TaskGroup | undefined {
	if (!job) return undefined;
	for (const tg of job.TaskGroups) if (tg.Name === name) return tg;
	return undefined;
}

/** `<job>.<group>[<idx>]` (structs.AllocName). */
export function allocName(job: string, group: string, idx: number): string {
	return `${job}.${group}[${idx}]`;
}

/** The index from an allocation name; 0 when it cannot be parsed (structs.AllocIndexFromName). */
export function allocIndexFromName(name: string, jobID: string, group: string): number {
	const prefix = jobID.length + group.length + 2;
	if (name.length <= 3 || name.length <= prefix) return 0;
	const s = name.slice(prefix, name.length - 1);
	if (!/^[+-]?\d+$/.test(s)) return 0;
	const n = Number.parseInt(s, 10);
	return Math.max(n, 0);
}

export function allocIndex(a: Allocation): number {
	return allocIndexFromName(a.Name, a.JobID, a.TaskGroup);
}

/** Node.Ready(): ready, not draining, eligible. */
export function nodeReady(n: Node): boolean {
	return n.Status === "ready" && !n.DrainStrategy && n.SchedulingEligibility === "eligible";
}

export function isInPool(n: Node, pool: string): boolean {
	return pool === "all" || pool === "" || n.NodePool === pool;
}

export function isInAnyDC(n: Node, dcs: readonly string[]): boolean {
	for (const dc of dcs) if (glob(dc, n.Datacenter)) return true;
	return false;
}

/** ryanuber/go-glob: `*` is the only wildcard. */
export function glob(pattern: string, subj: string): boolean {
	if (pattern === "") return subj === pattern;
	if (pattern === "*") return true;
	if (!pattern.includes("*")) return subj === pattern;
	const parts = pattern.split("*");
	const leadingGlob = pattern.startsWith("*");
	const trailingGlob = pattern.endsWith("*");
	const end = parts.length - 1;
	for (let i = 0; i < end; i++) {
		const idx = subj.indexOf(parts[i]);
		if (i === 0) {
			if (!leadingGlob && idx !== 0) return false;
		} else if (idx < 0) {
			return false;
		}
		subj = subj.slice(idx + parts[i].length);
	}
	return trailingGlob || subj.endsWith(parts[end]);
}

/** Go's RFC3339Nano formatting of a UnixNano instant (UTC, trailing zeros trimmed). */
export function formatRFC3339Nano(ns: number): string {
	const ms = Math.floor(ns / 1e6);
	let sub = Math.round(ns - ms * 1e6);
	if (sub >= 1e6) sub = 999_999;
	const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.000Z
	const base = iso.slice(0, 19);
	const frac = `${iso.slice(20, 23)}${String(sub).padStart(6, "0")}`.replace(/0+$/, "");
	return frac ? `${base}.${frac}Z` : `${base}Z`;
}

/** Parses an RFC3339 time to UnixNano; undefined for null/empty/invalid or Go's zero time. */
export function parseRFC3339(s: string | null | undefined): number | undefined {
	if (!s) return undefined;
	const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
	if (!m) return undefined;
	const ms = Date.parse(`${m[1]}${m[3]}`);
	if (Number.isNaN(ms) || m[1].startsWith("0001-01-01")) return undefined;
	const frac = m[2] ? Number.parseInt(m[2].padEnd(9, "0"), 10) : 0;
	return ms * 1e6 + frac;
}

/** FNV-1a 64-bit over a string's UTF-16 code units, as an unsigned decimal string (computed classes). */
export function fnv64(s: string): string {
	let lo = 0x84222325;
	let hi = 0xcbf29ce4;
	const step = (byte: number): void => {
		lo = (lo ^ byte) >>> 0;
		// (hi:lo) *= 0x100000001b3 == (hi:lo) * 0x1b3 + ((hi:lo) << 40)
		const pl = lo * 0x1b3;
		const carry = Math.floor(pl / 0x100000000);
		const nhi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
		lo = pl >>> 0;
		hi = nhi;
	};
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		step(c & 0xff);
		if (c > 0xff) step(c >>> 8);
	}
	return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Fisher–Yates shuffle in place with the given RNG in [0, 1). */
export function shuffle<T>(items: T[], random: () => number): void {
	for (let i = items.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		const t = items[i];
		items[i] = items[j];
		items[j] = t;
	}
}

/** Structural equality for JSON-like values (maps compared by keys, nulls and missing keys distinct). */
export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
		return true;
	}
	if (Array.isArray(b)) return false;
	const ka = Object.keys(a as object);
	const kb = Object.keys(b as object);
	if (ka.length !== kb.length) return false;
	for (const k of ka) {
		if (!Object.hasOwn(b as object, k)) return false;
		if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
	}
	return true;
}
