// Dispatching a parameterized job (Nomad's Job.Dispatch): request validation with Nomad's
// messages and the derived child job. State lookups (job not found, idempotency) and the
// JobRegister/eval write are the caller's.
//
// Status codes: Nomad raises these validation errors as plain RPC errors, which its HTTP layer
// answers with 500 (not 400); only the body-decoding errors (bad base64, wrong Meta types) are 400.

import { goQuote } from "../../api/filter/errors.ts";
import type { Job, JobStatus } from "../../api/types/job.ts";
import { CodedError } from "../../lib/errors.ts";
import { isParameterized } from "./periodicDispatcher.ts";

export const DISPATCH_LAUNCH_SUFFIX = "/dispatch-";
/** Maximum decoded payload size (DispatchPayloadSizeLimit). */
export const DISPATCH_PAYLOAD_SIZE_LIMIT = 16 * 1024;
export const JOB_MIN_PRIORITY = 1;
export const JOB_DEFAULT_MAX_PRIORITY = 100;

export interface DispatchRequest {
	/** base64 (std, padded), as Go's []byte JSON */
	Payload?: string;
	Meta?: Record<string, string> | null;
	IdPrefixTemplate?: string;
	IdempotencyToken?: string;
	/** 0/absent = the parent's priority */
	Priority?: number;
}

export interface DispatchOptions {
	/** server `job_max_priority` (default 100) */
	jobMaxPriority?: number;
}

/** Nomad's messages for a missing/unknown parent, for the caller's lookups. */
export const DispatchMessages = {
	missingJobID: "missing parameterized job ID",
	notFound: "parameterized job not found",
} as const;

/** `<parent>/dispatch-[<prefix>-]<unix seconds>-<8 hex>` (structs.DispatchedID). */
export function dispatchedID(parentID: string, idPrefixTemplate: string, now: Date, randomHex8: string): string {
	const unix = Math.floor(now.getTime() / 1000);
	const prefix = idPrefixTemplate ? `${idPrefixTemplate}-` : "";
	return `${parentID}${DISPATCH_LAUNCH_SUFFIX}${prefix}${unix}-${randomHex8}`;
}

const B64_CHARS = /[A-Za-z0-9+/]/;

/**
 * Decodes std padded base64 like Go's encoding/json does for []byte (CR/LF ignored); throws
 * CodedError(400, "illegal base64 data at input byte N").
 */
export function decodeBase64Strict(s: string): Buffer {
	const clean = s.replace(/[\r\n]/g, "");
	const bad = (i: number): CodedError => new CodedError(400, `illegal base64 data at input byte ${i}`);
	let pad = 0;
	for (let i = 0; i < clean.length; i++) {
		const ch = clean[i];
		if (ch === "=") {
			// padding only in the last two places of the final quantum
			if (i < clean.length - 2 || i % 4 < 2) throw bad(i);
			pad++;
			continue;
		}
		if (pad > 0 || !B64_CHARS.test(ch)) throw bad(i);
	}
	if (clean.length % 4 !== 0) throw bad(clean.length - (clean.length % 4));
	return Buffer.from(clean, "base64");
}

const goJsonType = (v: unknown): string =>
	v === null
		? "null"
		: Array.isArray(v)
			? "array"
			: typeof v === "boolean"
				? "bool"
				: typeof v === "number"
					? "number"
					: typeof v;

const goList = (keys: Iterable<string>): string => `[${[...keys].sort().join(" ")}]`;

/**
 * Validates a dispatch request against the parameterized parent and builds the child job
 * (ID, ParentID, Name, Dispatched, Payload, merged Meta, Priority, idempotency token, SubmitTime).
 * Like Nomad, the child keeps ParameterizedJob (and Periodic: a periodic parameterized job's
 * dispatched child is itself periodic and gets no eval). Throws CodedError with Nomad's text.
 */
export function dispatchChild(
	parent: Job,
	req: DispatchRequest,
	now: Date,
	randomHex8: string,
	opts: DispatchOptions = {},
): Job {
	// body decoding happens first in Nomad (HTTP layer, 400)
	const payload = req.Payload ? decodeBase64Strict(req.Payload) : Buffer.alloc(0);
	const meta = req.Meta ?? {};
	for (const v of Object.values(meta) as unknown[]) {
		if (typeof v !== "string") {
			throw new CodedError(
				400,
				`json: cannot unmarshal ${goJsonType(v)} into Go struct field JobDispatchRequest.Meta of type string`,
			);
		}
	}

	const fail = (msg: string): CodedError => new CodedError(500, msg);
	if (!isParameterized(parent)) throw fail(`Specified job ${goQuote(parent.ID)} is not a parameterized job`);
	if (parent.Stop) throw fail(`Specified job ${goQuote(parent.ID)} is stopped`);
	const priority = req.Priority ? req.Priority : parent.Priority;

	const cfg = parent.ParameterizedJob;
	const mode = cfg.Payload || "optional";
	if (mode === "required" && payload.length === 0) {
		throw fail("Payload is not provided but required by parameterized job");
	}
	if (mode === "forbidden" && payload.length !== 0) throw fail("Payload provided but forbidden by parameterized job");
	if (payload.length > DISPATCH_PAYLOAD_SIZE_LIMIT) {
		throw fail(`Payload exceeds maximum size; ${payload.length} > ${DISPATCH_PAYLOAD_SIZE_LIMIT}`);
	}

	const required = new Set(cfg.MetaRequired ?? []);
	const optional = new Set(cfg.MetaOptional ?? []);
	const unpermitted = Object.keys(meta).filter((k) => !required.has(k) && !optional.has(k));
	if (unpermitted.length) throw fail(`Dispatch request included unpermitted metadata keys: ${goList(unpermitted)}`);
	const missing = [...required].filter((k) => !Object.hasOwn(meta, k));
	if (missing.length) throw fail(`Dispatch did not provide required meta keys: ${goList(missing)}`);

	const maxPriority = opts.jobMaxPriority ?? JOB_DEFAULT_MAX_PRIORITY;
	if (!Number.isInteger(priority) || priority < JOB_MIN_PRIORITY || priority > maxPriority) {
		throw fail(`dispatch job priority must be between [${JOB_MIN_PRIORITY}, ${maxPriority}]`);
	}

	const child = structuredClone(parent);
	child.ID = dispatchedID(parent.ID, req.IdPrefixTemplate ?? "", now, randomHex8);
	child.ParentID = parent.ID;
	child.Name = child.ID;
	child.SubmitTime = now.getTime() * 1e6;
	child.Dispatched = true;
	child.Status = "" as JobStatus;
	child.StatusDescription = "";
	child.DispatchIdempotencyToken = req.IdempotencyToken ?? "";
	child.Priority = priority;
	if (Object.keys(meta).length) child.Meta = { ...(parent.Meta ?? {}), ...meta };
	// Nomad stores the payload snappy-compressed and GET decodes it: an empty one reads back null.
	child.Payload = payload.length ? payload.toString("base64") : null;
	return child;
}

/**
 * Nomad's CheckIdempotencyToken: among existing jobs (e.g. the parent's ID-prefix scan), the
 * dispatched child of `parentID` carrying `token`. A retried dispatch returns it instead of
 * creating another child.
 */
export function findIdempotentDispatch(jobs: Iterable<Job>, parentID: string, token: string): Job | undefined {
	if (!token) return undefined;
	for (const j of jobs) {
		if (j.ParentID === parentID && j.DispatchIdempotencyToken === token) return j;
	}
	return undefined;
}
