// Constraint targets and operands (feasible.go resolveTarget / checkConstraint).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import type { Affinity, Constraint, Node } from "../api/types/index.ts";
import { parseSemverConstraint, parseVersion, parseVersionConstraint, type VersionConstraint } from "./version.ts";

/** What a target resolved to; `found` false means the attribute/meta key is missing. */
export interface Resolved {
	value: string;
	found: boolean;
}

const MISSING: Resolved = { value: "", found: false };

/** Interpolates `${attr.x}`, `${meta.x}`, `${node.unique.id}`... against a node; literals pass through. */
export function resolveTarget(target: string, node: Node): Resolved {
	if (!target.startsWith("${")) return { value: target, found: true };
	switch (target) {
		case "${node.unique.id}":
			return { value: node.ID, found: true };
		case "${node.datacenter}":
			return { value: node.Datacenter, found: true };
		case "${node.unique.name}":
			return { value: node.Name, found: true };
		case "${node.class}":
			return { value: node.NodeClass, found: true };
		case "${node.pool}":
			return { value: node.NodePool, found: true };
	}
	if (target.startsWith("${attr.")) {
		const key = trimTarget(target, 7);
		const v = node.Attributes?.[key];
		return v === undefined ? MISSING : { value: v, found: true };
	}
	if (target.startsWith("${meta.")) {
		const key = trimTarget(target, 7);
		const v = node.Meta?.[key];
		return v === undefined ? MISSING : { value: v, found: true };
	}
	return MISSING;
}

function trimTarget(t: string, prefix: number): string {
	return t.endsWith("}") ? t.slice(prefix, -1) : t.slice(prefix);
}

/** Constraint.String(): the key used in AllocMetric.ConstraintFiltered. */
export function constraintString(c: Constraint): string {
	return `${c.LTarget} ${c.Operand} ${c.RTarget}`;
}

/** Targets that make feasibility node-specific, so computed-class caching cannot be used. */
export function targetEscapes(target: string): boolean {
	return (
		target.startsWith("${unique.") ||
		target.startsWith("${node.unique.") ||
		target.startsWith("${attr.unique.") ||
		target.startsWith("${meta.unique.")
	);
}

export function constraintsEscape(cs: readonly Constraint[] | null | undefined): boolean {
	if (!cs) return false;
	for (const c of cs) if (targetEscapes(c.LTarget) || targetEscapes(c.RTarget)) return true;
	return false;
}

// Compiled regexps and version constraints are pure functions of their source text, so they are
// cached for the life of the process (bounded).
const CACHE_MAX = 4096;
const reCache = new Map<string, RegExp | null>();
const verCache = new Map<string, VersionConstraint | null>();
const semverCache = new Map<string, VersionConstraint | null>();

function cached<T>(cache: Map<string, T | null>, key: string, make: () => T | undefined): T | undefined {
	let v = cache.get(key);
	if (v === undefined) {
		if (cache.size >= CACHE_MAX) cache.clear();
		v = make() ?? null;
		cache.set(key, v);
	}
	return v ?? undefined;
}

/** Go RE2 → JS: a leading `(?flags)` group becomes JS flags; anything JS rejects fails the check. */
function compileRegexp(src: string): RegExp | undefined {
	let flags = "";
	let body = src;
	const m = /^\(\?([imsU]+)\)/.exec(src);
	if (m) {
		body = src.slice(m[0].length);
		for (const f of m[1]) if (f !== "U" && !flags.includes(f)) flags += f;
	}
	try {
		return new RegExp(body, flags);
	} catch {
		return undefined;
	}
}

function orderCompare(op: string, l: string, r: string): boolean {
	let a: number | string = l;
	let b: number | string = r;
	const li = /^[+-]?\d+$/.test(l) && /^[+-]?\d+$/.test(r);
	if (li) {
		a = Number(l);
		b = Number(r);
	} else {
		const lf = parseGoFloat(l);
		const rf = parseGoFloat(r);
		if (lf !== undefined && rf !== undefined) {
			a = lf;
			b = rf;
		}
	}
	switch (op) {
		case "<":
			return a < b;
		case "<=":
			return a <= b;
		case ">":
			return a > b;
		case ">=":
			return a >= b;
	}
	return false;
}

/** strconv.ParseFloat for the common decimal/exponent/inf/nan spellings. */
function parseGoFloat(s: string): number | undefined {
	if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
	if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
	if (/^nan$/i.test(s)) return Number.NaN;
	return undefined;
}

function splitSet(s: string): string[] {
	return s.split(",").map((x) => x.trim());
}

function setContainsAll(l: string, r: string): boolean {
	const have = new Set(splitSet(l));
	for (const x of splitSet(r)) if (!have.has(x)) return false;
	return true;
}

function setContainsAny(l: string, r: string): boolean {
	const have = new Set(splitSet(l));
	for (const x of splitSet(r)) if (have.has(x)) return true;
	return false;
}

function versionMatch(l: string, r: string, semver: boolean): boolean {
	const v = parseVersion(l);
	if (!v) return false;
	const c = semver
		? cached(semverCache, r, () => parseSemverConstraint(r))
		: cached(verCache, r, () => parseVersionConstraint(r));
	return c ? c(v) : false;
}

/** checkConstraint: whether `l <operand> r` holds. distinct_* operands are handled elsewhere (true here). */
export function checkOperand(operand: string, l: Resolved, r: Resolved): boolean {
	switch (operand) {
		case "distinct_hosts":
		case "distinct_property":
			return true;
		case "=":
		case "==":
		case "is":
			return l.found && r.found && l.value === r.value;
		case "!=":
		case "not":
			return l.value !== r.value;
		case "<":
		case "<=":
		case ">":
		case ">=":
			return l.found && r.found && orderCompare(operand, l.value, r.value);
		case "is_set":
			return l.found;
		case "is_not_set":
			return !l.found;
		case "version":
			return l.found && r.found && versionMatch(l.value, r.value, false);
		case "semver":
			return l.found && r.found && versionMatch(l.value, r.value, true);
		case "regexp": {
			if (!l.found || !r.found) return false;
			const re = cached(reCache, r.value, () => compileRegexp(r.value));
			return re ? re.test(l.value) : false;
		}
		case "set_contains":
		case "set_contains_all":
			return l.found && r.found && setContainsAll(l.value, r.value);
		case "set_contains_any":
			return l.found && r.found && setContainsAny(l.value, r.value);
		default:
			return false;
	}
}

export function meetsConstraint(c: Constraint | Affinity, node: Node): boolean {
	return checkOperand(c.Operand, resolveTarget(c.LTarget, node), resolveTarget(c.RTarget, node));
}
