// Version parsing and constraints with hashicorp/go-version semantics (the `version` operand) and
// Nomad's helper/constraints/semver (the `semver` operand: strict versions, no pre-release special
// casing, no `~>`).

export interface Version {
	segments: number[];
	/** How many segments the string spelled out (before padding to 3). */
	si: number;
	pre: string;
	metadata: string;
	str: string;
}

const SEG = String.raw`v?([0-9]+(?:\.[0-9]+)*?)`;
const PRE_LOOSE = String.raw`(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)|(?:-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?`;
const PRE_STRICT = String.raw`(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)|(?:-([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?`;
const META = String.raw`(?:\+([0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?`;
const LOOSE_RAW = `${SEG}${PRE_LOOSE}${META}`;
const STRICT_RAW = `${SEG}${PRE_STRICT}${META}`;
const LOOSE = new RegExp(`^${LOOSE_RAW}$`);
const STRICT = new RegExp(`^${STRICT_RAW}$`);
const OPS = "(~>|>=|<=|!=|=|>|<|)";
const CONSTRAINT_LOOSE = new RegExp(String.raw`^\s*${OPS}\s*(${LOOSE_RAW})\s*$`);
const CONSTRAINT_STRICT = new RegExp(String.raw`^\s*(>=|<=|!=|=|>|<|)\s*(${STRICT_RAW})\s*$`);

function build(m: RegExpExecArray, offset: number): Version | undefined {
	const segStr = m[offset].split(".");
	const segments: number[] = [];
	for (const s of segStr) {
		const n = Number(s);
		if (!Number.isSafeInteger(n)) return undefined;
		segments.push(n);
	}
	while (segments.length < 3) segments.push(0);
	const pre = m[offset + 1] ?? m[offset + 2] ?? "";
	const metadata = m[offset + 3] ?? "";
	let str = segments.join(".");
	if (pre) str += `-${pre}`;
	if (metadata) str += `+${metadata}`;
	return { segments, si: segStr.length, pre, metadata, str };
}

/** version.NewVersion (loose). */
export function parseVersion(v: string): Version | undefined {
	const m = LOOSE.exec(v);
	return m ? build(m, 1) : undefined;
}

/** version.NewSemver (a separator is required before the pre-release). */
export function parseSemver(v: string): Version | undefined {
	const m = STRICT.exec(v);
	return m ? build(m, 1) : undefined;
}

function equalSegments(a: Version, b: Version): boolean {
	if (a.segments.length !== b.segments.length) return false;
	for (let i = 0; i < a.segments.length; i++) if (a.segments[i] !== b.segments[i]) return false;
	return true;
}

function comparePart(a: string, b: string): number {
	if (a === b) return 0;
	const an = /^[+-]?\d+$/.test(a);
	const bn = /^[+-]?\d+$/.test(b);
	if (a === "") return bn ? -1 : 1;
	if (b === "") return an ? 1 : -1;
	if (an && !bn) return -1;
	if (!an && bn) return 1;
	if (!an && !bn) return a > b ? 1 : -1;
	return Number(a) > Number(b) ? 1 : -1;
}

function comparePrereleases(a: string, b: string): number {
	if (a === b) return 0;
	const ap = a.split(".");
	const bp = b.split(".");
	const n = Math.max(ap.length, bp.length);
	for (let i = 0; i < n; i++) {
		const c = comparePart(ap[i] ?? "", bp[i] ?? "");
		if (c !== 0) return c;
	}
	return 0;
}

/** -1, 0 or 1 (Version.Compare). */
export function compareVersions(a: Version, b: Version): number {
	if (a.str === b.str) return 0;
	if (equalSegments(a, b)) {
		if (!a.pre && !b.pre) return 0;
		if (!a.pre) return 1;
		if (!b.pre) return -1;
		return comparePrereleases(a.pre, b.pre);
	}
	const n = Math.max(a.segments.length, b.segments.length);
	for (let i = 0; i < n; i++) {
		const l = a.segments[i] ?? 0;
		const r = b.segments[i] ?? 0;
		if (l < r) return -1;
		if (l > r) return 1;
	}
	return 0;
}

function prereleaseCheck(v: Version, c: Version): boolean {
	if (c.pre && v.pre) return equalSegments(v, c);
	if (!c.pre && v.pre) return false;
	return true;
}

function pessimistic(v: Version, c: Version): boolean {
	if (!prereleaseCheck(v, c) || (c.pre && !v.pre)) return false;
	if (compareVersions(v, c) < 0) return false;
	const cs = c.segments.length;
	if (cs > v.segments.length) return false;
	for (let i = 0; i < c.si - 1; i++) if (v.segments[i] !== c.segments[i]) return false;
	return !(c.segments[cs - 1] > v.segments[cs - 1]);
}

export type VersionConstraint = (v: Version) => boolean;

function single(op: string, c: Version, strict: boolean): VersionConstraint {
	const pc = strict ? () => true : (v: Version) => prereleaseCheck(v, c);
	switch (op) {
		case "":
		case "=":
			return (v) => compareVersions(v, c) === 0;
		case "!=":
			return (v) => compareVersions(v, c) !== 0;
		case ">":
			return (v) => pc(v) && compareVersions(v, c) === 1;
		case "<":
			return (v) => pc(v) && compareVersions(v, c) === -1;
		case ">=":
			return (v) => pc(v) && compareVersions(v, c) >= 0;
		case "<=":
			return (v) => pc(v) && compareVersions(v, c) <= 0;
		default:
			return (v) => pessimistic(v, c);
	}
}

function parseConstraint(s: string, strict: boolean): VersionConstraint | undefined {
	const parts: VersionConstraint[] = [];
	for (const one of s.split(",")) {
		const m = (strict ? CONSTRAINT_STRICT : CONSTRAINT_LOOSE).exec(one);
		if (!m) return undefined;
		const c = strict ? parseSemver(m[2]) : parseVersion(m[2]);
		if (!c) return undefined;
		parts.push(single(m[1], c, strict));
	}
	return (v) => {
		for (const p of parts) if (!p(v)) return false;
		return true;
	};
}

/** version.NewConstraint: comma-separated `op version` terms (=, !=, >, <, >=, <=, ~>). */
export function parseVersionConstraint(s: string): VersionConstraint | undefined {
	return parseConstraint(s, false);
}

/** Nomad's semver.NewConstraint: strict versions, plain ordering (pre-releases compare as SemVer). */
export function parseSemverConstraint(s: string): VersionConstraint | undefined {
	return parseConstraint(s, true);
}
