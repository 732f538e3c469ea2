// Nomad's parse(): query parameters → QueryOptions, with Nomad's exact 400 messages. Blocking
// waits default to 5 minutes and are capped at 10 minutes (api-overview.md), plus a random jitter of
// up to wait/16 so that many watchers do not all wake at once.
import { defaultQueryOptions, type QueryOptions, type WriteRequest } from "../../api/query.ts";
import { MINUTE, parseDuration } from "../../lib/duration.ts";
import { CodedError } from "../../lib/errors.ts";
import type { RequestContext } from "./types.ts";

export const DEFAULT_BLOCKING_WAIT = 5 * MINUTE;
export const MAX_BLOCKING_WAIT = 10 * MINUTE;
export const JITTER_FRACTION = 16;

/** The time a blocking query may wait, in nanoseconds, jitter included. */
export function blockingBudget(requested: number, rand: () => number = Math.random): number {
	let wait = requested > 0 ? requested : DEFAULT_BLOCKING_WAIT;
	if (wait > MAX_BLOCKING_WAIT) wait = MAX_BLOCKING_WAIT;
	return wait + Math.floor(rand() * (wait / JITTER_FRACTION));
}

/** Go's strconv.ParseBool. */
export function parseGoBool(v: string): boolean | undefined {
	if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
	if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
	return undefined;
}

const UINT = /^\d+$/;

export function parseQueryOptions(ctx: RequestContext, agentRegion: string): QueryOptions {
	const q = ctx.query;
	const o = defaultQueryOptions(agentRegion);
	const wait = q.get("wait");
	if (wait) {
		try {
			o.MaxQueryTime = parseDuration(wait);
		} catch {
			throw new CodedError(400, "Invalid wait time");
		}
	}
	const index = q.get("index");
	if (index) {
		if (!UINT.test(index) || !Number.isSafeInteger(Number(index))) throw new CodedError(400, "Invalid index");
		o.MinQueryIndex = Number(index);
	}
	if (o.MinQueryIndex > 0) o.MaxQueryTime = blockingBudget(o.MaxQueryTime);
	if (q.has("stale")) {
		const v = q.get("stale") ?? "";
		if (v === "") o.AllowStale = true;
		else {
			const b = parseGoBool(v);
			if (b === undefined) throw new CodedError(400, "Expect `true` or `false` for `stale` query string parameter");
			o.AllowStale = b;
		}
	}
	const region = q.get("region");
	if (region) o.Region = region;
	const ns = q.get("namespace");
	if (ns) o.Namespace = ns;
	o.Prefix = q.get("prefix") ?? "";
	o.Filter = q.get("filter") ?? "";
	o.NextToken = q.get("next_token") ?? "";
	o.Reverse = q.get("reverse") === "true";
	const perPage = q.get("per_page");
	if (perPage) {
		const n = Number(perPage);
		if (!/^-?\d+$/.test(perPage) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
			throw new CodedError(400, "Expect a number for `per_page` query string parameter");
		}
		o.PerPage = Math.max(0, n);
	}
	o.AuthToken = ctx.token;
	return o;
}

export function parseWriteRequest(ctx: RequestContext, agentRegion: string): WriteRequest {
	return {
		Region: ctx.query.get("region") || agentRegion,
		Namespace: ctx.query.get("namespace") || "default",
		AuthToken: ctx.token,
		IdempotencyToken: ctx.query.get("idempotency_token") ?? "",
	};
}

/** Token from X-Nomad-Token (wins) or "Authorization: Bearer <token>". */
export function parseToken(headers: Record<string, string | string[] | undefined>): string {
	const x = headers["x-nomad-token"];
	const xv = (Array.isArray(x) ? x[0] : x)?.trim();
	if (xv) return xv;
	const auth = headers.authorization;
	const av = (Array.isArray(auth) ? auth[0] : auth)?.trim();
	if (!av) return "";
	const [scheme, value] = av.split(/\s+/, 2);
	if (scheme?.toLowerCase() === "bearer" && value) return value;
	return "";
}

/** A boolean query parameter parsed as Go's strconv.ParseBool, with Nomad's 400 on junk. */
export function boolQueryParam(ctx: RequestContext, name: string, dflt = false): boolean {
	const v = ctx.query.get(name);
	if (v === null || v === "") return dflt;
	const b = parseGoBool(v);
	if (b === undefined) {
		throw new CodedError(
			400,
			`Failed to parse value of "${name}" (${v}) as a bool: strconv.ParseBool: parsing "${v}": invalid syntax`,
		);
	}
	return b;
}
