// Turns one parsed config file (HCL via hcl2json, or JSON) into a "patch": an object shaped like
// AgentConfig holding only the keys the file sets, with values checked and converted (durations to
// nanoseconds, log levels canonicalised). Unknown keys go to `warn`; bad values throw ConfigError.
//
// Both shapes of a block are accepted, as Nomad's HCL1 decoder does: `server { ... }` arrives from
// hcl2json as [{...}] and JSON configs write {"server": {...}} or {"server": [{...}]}.

import { parseDuration } from "../../lib/duration.ts";
import { parseLogLevel } from "../../lib/logger.ts";
import { keyError, show } from "./errors.ts";
import type { Field, Schema } from "./schema.ts";

export type Patch = Record<string, unknown>;

export interface DecodeCtx {
	file: string;
	warn: (msg: string) => void;
	/** key path -> the source that set it last, for messages about the merged result */
	origins?: Map<string, string>;
}

type Ctx = DecodeCtx;

export function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A block's value: one object, or a list of objects (repeated blocks) merged in order. */
function blockObjects(ctx: Ctx, path: string, v: unknown): Record<string, unknown>[] {
	if (isObject(v)) return [v];
	if (Array.isArray(v) && v.every(isObject)) return v;
	throw keyError(ctx.file, path, `expected a block, got ${show(v)}`);
}

/** Merges a list of objects shallowly (for free-form and map values written as blocks). */
function flattenObjects(ctx: Ctx, path: string, v: unknown): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const o of blockObjects(ctx, path, v)) Object.assign(out, o);
	return out;
}

export function decodeBlock(ctx: Ctx, schema: Schema, value: unknown, path: string): Patch {
	const patch: Patch = {};
	for (const obj of blockObjects(ctx, path, value)) {
		for (const [key, raw] of Object.entries(obj)) {
			const keyPath = path ? `${path}.${key}` : key;
			const field = schema[key];
			if (!field) {
				ctx.warn(`${ctx.file}: unknown configuration key "${keyPath}" (ignored)`);
				continue;
			}
			ctx.origins?.set(keyPath, ctx.file);
			decodeField(ctx, field, key, raw, keyPath, patch);
		}
	}
	return patch;
}

function decodeField(ctx: Ctx, f: Field, key: string, raw: unknown, path: string, patch: Patch): void {
	switch (f.t) {
		case "ignore":
			if (f.note) ctx.warn(`${ctx.file}: ${path}: ${f.note}`);
			return;
		case "extra": {
			const bag = (patch.extra ?? {}) as Record<string, unknown>;
			// a block written once arrives as [{...}]: keep it as the object it is
			bag[key] = Array.isArray(raw) && raw.length > 0 && raw.every(isObject) ? Object.assign({}, ...raw) : raw;
			patch.extra = bag;
			return;
		}
		case "block": {
			const sub = decodeBlock(ctx, f.fields, raw, path);
			const prev = patch[f.to];
			patch[f.to] = isObject(prev) ? { ...prev, ...sub } : sub;
			return;
		}
		case "labeled": {
			const list = (patch[f.to] ?? []) as Patch[];
			for (const [name, body] of labeledEntries(ctx, path, raw)) {
				ctx.origins?.set(`${path}.${name}`, ctx.file);
				const item = decodeBlock(ctx, f.fields, body, `${path}.${name}`);
				item.name = name;
				list.push(item);
			}
			patch[f.to] = list;
			return;
		}
		case "named": {
			const list = (patch[f.to] ?? []) as Patch[];
			for (const o of blockObjects(ctx, path, raw)) list.push({ ...o });
			patch[f.to] = list;
			return;
		}
		case "object":
			patch[f.to] = flattenObjects(ctx, path, raw);
			return;
		case "map": {
			const prev = (patch[f.to] ?? {}) as Record<string, string>;
			patch[f.to] = { ...prev, ...decodeMap(ctx, path, raw, f.checkKey) };
			return;
		}
		case "list":
			patch[f.to] = decodeList(ctx, path, raw);
			return;
		default: {
			const v = decodeScalar(ctx, f, raw, path);
			if (v !== undefined) patch[f.to] = v;
		}
	}
}

/** `key "<name>" { ... }`: {name: body | [body]} or a list of such objects (JSON). */
function labeledEntries(ctx: Ctx, path: string, raw: unknown): [string, unknown][] {
	const out: [string, unknown][] = [];
	for (const o of blockObjects(ctx, path, raw)) {
		for (const [name, body] of Object.entries(o)) out.push([name, body]);
	}
	return out;
}

function decodeMap(
	ctx: Ctx,
	path: string,
	raw: unknown,
	checkKey?: (k: string) => string | undefined,
): Record<string, string> {
	const out: Record<string, string> = {};
	if (!isObject(raw) && !(Array.isArray(raw) && raw.every(isObject))) {
		throw keyError(ctx.file, path, `expected a map of strings, got ${show(raw)}`);
	}
	for (const [k, v] of Object.entries(flattenObjects(ctx, path, raw))) {
		const s = scalarString(v);
		if (s === undefined) throw keyError(ctx.file, `${path}.${k}`, `expected a string, got ${show(v)}`);
		const bad = checkKey?.(k);
		if (bad) throw keyError(ctx.file, `${path}.${k}`, bad);
		out[k] = s;
	}
	return out;
}

function decodeList(ctx: Ctx, path: string, raw: unknown): string[] {
	if (!Array.isArray(raw)) throw keyError(ctx.file, path, `expected a list of strings, got ${show(raw)}`);
	return raw.map((v, i) => {
		const s = scalarString(v);
		if (s === undefined) throw keyError(ctx.file, `${path}[${i}]`, `expected a string, got ${show(v)}`);
		return s;
	});
}

/** HCL1 decodes numbers and booleans into string fields as their text. */
function scalarString(v: unknown): string | undefined {
	if (typeof v === "string") return v;
	if (typeof v === "number" || typeof v === "boolean") return String(v);
	return undefined;
}

function toNumber(v: unknown): number | undefined {
	if (typeof v === "number" && Number.isFinite(v)) return v;
	// HCL1 accepts numbers written as strings for numeric fields
	if (typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
	return undefined;
}

function decodeScalar(ctx: Ctx, f: Field, raw: unknown, path: string): unknown {
	const fail = (msg: string): never => {
		throw keyError(ctx.file, path, msg);
	};
	switch (f.t) {
		case "str": {
			const s = scalarString(raw);
			if (s === undefined) return fail(`expected a string, got ${show(raw)}`);
			if (s === "") return undefined; // as Nomad's merge: empty strings never override
			const bad = f.check?.(s);
			if (bad) fail(bad);
			return s;
		}
		case "bool":
			if (typeof raw === "boolean") return raw;
			if (raw === "true" || raw === "false") return raw === "true";
			return fail(`expected true or false, got ${show(raw)}`);
		case "int":
		case "float": {
			const n = toNumber(raw);
			if (n === undefined) return fail(`expected a number, got ${show(raw)}`);
			if (f.t === "int" && !Number.isInteger(n)) fail(`expected a whole number, got ${show(raw)}`);
			if (f.min !== undefined && n < f.min) {
				fail(f.min === 0 ? `must not be negative, got ${n}` : `must be at least ${f.min}, got ${n}`);
			}
			if (f.max !== undefined && n > f.max) fail(`must be at most ${f.max}, got ${n}`);
			if (f.t === "int") {
				const bad = f.check?.(n);
				if (bad) fail(bad);
			}
			return n;
		}
		case "dur":
			return decodeDuration(raw, fail);
		case "bytes":
			return decodeBytes(raw, fail);
		case "level": {
			const s = scalarString(raw);
			const lvl = s === undefined ? undefined : parseLogLevel(s);
			if (!lvl) return fail(`invalid log level ${show(raw)}; valid levels are TRACE, DEBUG, INFO, WARN, ERROR, OFF`);
			return lvl.toUpperCase();
		}
		default:
			return fail("internal error: unexpected field kind");
	}
}

/** Go duration strings ("10s", "1h30m"); a bare 0 is also fine, as time.ParseDuration("0") is. */
function decodeDuration(raw: unknown, fail: (msg: string) => never): number {
	if (raw === 0 || raw === "0") return 0;
	if (typeof raw !== "string") return fail(`expected a duration string like "10s", got ${show(raw)}`);
	let ns: number;
	try {
		ns = parseDuration(raw.trim());
	} catch {
		return fail(`invalid duration ${show(raw)}, expected a Go duration like "30s" or "1h"`);
	}
	if (ns < 0) fail(`must not be negative, got ${show(raw)}`);
	return ns;
}

const BYTE_UNITS: Record<string, number> = {
	"": 1,
	b: 1,
	k: 1e3,
	kb: 1e3,
	m: 1e6,
	mb: 1e6,
	g: 1e9,
	gb: 1e9,
	t: 1e12,
	tb: 1e12,
	ki: 1024,
	kib: 1024,
	mi: 1024 ** 2,
	mib: 1024 ** 2,
	gi: 1024 ** 3,
	gib: 1024 ** 3,
	ti: 1024 ** 4,
	tib: 1024 ** 4,
};

/** go-humanize ParseBytes: "1M" = 1,000,000, "1MiB" = 1,048,576, plain numbers are bytes. */
function decodeBytes(raw: unknown, fail: (msg: string) => never): number {
	if (typeof raw === "number" && Number.isInteger(raw) && raw >= 0) return raw;
	const m = typeof raw === "string" ? /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(raw) : null;
	const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
	if (!m || unit === undefined) return fail(`invalid size ${show(raw)}, expected e.g. "1M" or "512KiB"`);
	return Math.round(Number(m[1]) * unit);
}
