import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanPath, Router } from "./router.ts";
import type { Route } from "./types.ts";

const r = (pattern: string): Route => ({ pattern, acl: "none", handler: () => pattern });

test("cleanPath follows Go's path.Clean and keeps a trailing slash", () => {
	assert.equal(cleanPath("/v1//jobs"), "/v1/jobs");
	assert.equal(cleanPath("/v1/./job/../jobs"), "/v1/jobs");
	assert.equal(cleanPath("/v1/job/"), "/v1/job/");
	assert.equal(cleanPath("/../.."), "/");
});

test("ServeMux matching: exact, longest subtree, redirects, 404", () => {
	const router = new Router();
	for (const p of ["/v1/jobs", "/v1/job/", "/v1/node/", "/v1/node/pools", "/v1/node/pool/"]) router.add(r(p));
	const m = (p: string, s = "") => router.match(p, s);
	assert.deepEqual(m("/v1/jobs"), { kind: "route", route: router.routes()[0], rest: "" });
	const job = m("/v1/job/example/allocations");
	assert.equal(job.kind === "route" && job.rest, "example/allocations");
	const pool = m("/v1/node/pool/default");
	assert.equal(pool.kind === "route" && pool.route.pattern, "/v1/node/pool/");
	assert.equal(pool.kind === "route" && pool.rest, "default");
	assert.deepEqual(m("/v1/job", "?x=1"), { kind: "redirect", status: 301, location: "/v1/job/?x=1" });
	assert.deepEqual(m("/v1//jobs", "?a"), { kind: "redirect", status: 301, location: "/v1/jobs?a" });
	assert.deepEqual(m("/", "?region=x"), { kind: "redirect", status: 307, location: "/ui/?region=x" });
	assert.deepEqual(m("/v1/nope"), { kind: "notfound" });
	assert.throws(() => router.add(r("/v1/jobs")), /duplicate/);
});
