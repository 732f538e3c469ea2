// Request bodies: read with a size limit, JSON-decoded, and keys matched case-insensitively to
// the field names a decoder expects, as Go's encoding/json does for Nomad.
import { CodedError, ErrMsg } from "../../lib/errors.ts";
import type { RequestContext } from "./types.ts";

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function readBody(ctx: RequestContext): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of ctx.req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new CodedError(413, `Request body too large (limit ${MAX_BODY_BYTES} bytes)`);
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

/** Decodes a JSON body; an empty body is Nomad's 400 "Request body is empty". */
export async function decodeBody(ctx: RequestContext): Promise<unknown> {
	const raw = await readBody(ctx);
	if (raw.length === 0) throw new CodedError(400, ErrMsg.emptyBody);
	try {
		return JSON.parse(raw.toString("utf8"));
	} catch (err) {
		throw new CodedError(400, `Failed to decode request body: ${(err as Error).message}`);
	}
}

/** Decodes an optional JSON body: empty → undefined. */
export async function decodeOptionalBody(ctx: RequestContext): Promise<unknown> {
	const raw = await readBody(ctx);
	if (raw.length === 0) return undefined;
	try {
		return JSON.parse(raw.toString("utf8"));
	} catch (err) {
		throw new CodedError(400, `Failed to decode request body: ${(err as Error).message}`);
	}
}

/** A JSON object or a 400 naming what was expected. */
export function expectObject(v: unknown, what: string): Record<string, unknown> {
	if (typeof v !== "object" || v === null || Array.isArray(v)) {
		throw new CodedError(400, `Failed to decode request body: expected ${what} object`);
	}
	return v as Record<string, unknown>;
}

/**
 * Renames keys to their canonical spelling when they match case-insensitively (Go's
 * encoding/json rule). `fields` maps canonical field names to nested field lists for objects.
 */
export type FieldSpec = { [name: string]: FieldSpec | true };

export function foldKeys(v: unknown, spec: FieldSpec): unknown {
	if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
	const byLower = new Map<string, string>();
	for (const k of Object.keys(spec)) byLower.set(k.toLowerCase(), k);
	const out: Record<string, unknown> = {};
	for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
		const canon = spec[k] !== undefined ? k : (byLower.get(k.toLowerCase()) ?? k);
		const sub = spec[canon];
		// An exact match wins over a case-insensitive one, as in encoding/json.
		if (canon !== k && Object.hasOwn(v, canon)) continue;
		out[canon] = sub && sub !== true ? foldKeys(val, sub) : val;
	}
	return out;
}
