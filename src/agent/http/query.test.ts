import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { test } from "node:test";
import { MINUTE, SECOND } from "../../lib/duration.ts";
import { CodedError } from "../../lib/errors.ts";
import { blockingBudget, parseQueryOptions, parseToken } from "./query.ts";
import type { RequestContext } from "./types.ts";

function ctx(search: string): RequestContext {
	return {
		req: {} as IncomingMessage,
		res: {} as ServerResponse,
		method: "GET",
		path: "/v1/x",
		rest: "",
		query: new URLSearchParams(search),
		signal: new AbortController().signal,
		token: "",
		headers: {},
	};
}

const err400 = (search: string, message: string) =>
	assert.throws(
		() => parseQueryOptions(ctx(search), "global"),
		(e: unknown) => e instanceof CodedError && e.code === 400 && e.message === message,
		search,
	);

test("query options parse as Nomad's parse()", () => {
	const q = parseQueryOptions(
		ctx("region=r1&namespace=ns&prefix=ab&filter=ID%3D%3D%22x%22&per_page=5&next_token=t&reverse=true&stale"),
		"global",
	);
	assert.equal(q.Region, "r1");
	assert.equal(q.Namespace, "ns");
	assert.equal(q.Prefix, "ab");
	assert.equal(q.Filter, 'ID=="x"');
	assert.equal(q.PerPage, 5);
	assert.equal(q.NextToken, "t");
	assert.equal(q.Reverse, true);
	assert.equal(q.AllowStale, true);
	const d = parseQueryOptions(ctx(""), "global");
	assert.equal(d.Region, "global");
	assert.equal(d.Namespace, "default");
	assert.equal(d.Reverse, false);
	assert.equal(parseQueryOptions(ctx("reverse=1"), "g").Reverse, false);
	assert.equal(parseQueryOptions(ctx("stale=false"), "g").AllowStale, false);
});

test("bad query parameters give Nomad's 400 messages", () => {
	err400("wait=10", "Invalid wait time");
	err400("wait=abc", "Invalid wait time");
	err400("index=-1", "Invalid index");
	err400("index=abc", "Invalid index");
	err400("stale=maybe", "Expect `true` or `false` for `stale` query string parameter");
	err400("per_page=x", "Expect a number for `per_page` query string parameter");
});

test("blocking budget: default 5m, capped at 10m, jitter up to wait/16", () => {
	assert.equal(
		blockingBudget(0, () => 0),
		5 * MINUTE,
	);
	assert.equal(
		blockingBudget(20 * MINUTE, () => 0),
		10 * MINUTE,
	);
	assert.equal(
		blockingBudget(16 * SECOND, () => 0.999999999),
		16 * SECOND + SECOND - 1,
	);
	const q = parseQueryOptions(ctx("index=5&wait=16s"), "g");
	assert.ok(q.MaxQueryTime >= 16 * SECOND && q.MaxQueryTime < 17 * SECOND);
	assert.equal(q.MinQueryIndex, 5);
});

test("token from X-Nomad-Token wins over Authorization: Bearer", () => {
	assert.equal(parseToken({ "x-nomad-token": " abc ", authorization: "Bearer zzz" }), "abc");
	assert.equal(parseToken({ authorization: "bearer zzz extra" }), "zzz");
	assert.equal(parseToken({ authorization: "Basic zzz" }), "");
	assert.equal(parseToken({}), "");
});
