import assert from "node:assert/strict";
import { test } from "node:test";
import type { Job, ParameterizedJobConfig } from "../../api/types/job.ts";
import { CodedError } from "../../lib/errors.ts";
import {
	DISPATCH_PAYLOAD_SIZE_LIMIT,
	type DispatchRequest,
	decodeBase64Strict,
	dispatchChild,
	dispatchedID,
	findIdempotentDispatch,
} from "./dispatch.ts";
import { testJob } from "./testJob.ts";

const NOW = new Date("2025-01-01T10:30:07.900Z");
const UNIX = Math.floor(NOW.getTime() / 1000);
const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

function paramJob(cfg: Partial<ParameterizedJobConfig> = {}, over: Partial<Job> = {}): Job {
	return testJob({
		ID: "render",
		Name: "render",
		ParameterizedJob: { Payload: "optional", MetaRequired: null, MetaOptional: null, ...cfg },
		...over,
	});
}

test("dispatch validation table (Nomad's messages and status codes)", () => {
	const cases: { name: string; parent: Job; req: DispatchRequest; code: number; msg: string; max?: number }[] = [
		{
			name: "not parameterized",
			parent: testJob({ ID: "plain" }),
			req: {},
			code: 500,
			msg: 'Specified job "plain" is not a parameterized job',
		},
		{
			name: "a dispatched child is not parameterized",
			parent: paramJob({}, { ID: "render/dispatch-1-aaaaaaaa", Dispatched: true }),
			req: {},
			code: 500,
			msg: 'Specified job "render/dispatch-1-aaaaaaaa" is not a parameterized job',
		},
		{
			name: "stopped",
			parent: paramJob({}, { Stop: true }),
			req: {},
			code: 500,
			msg: 'Specified job "render" is stopped',
		},
		{
			name: "payload required",
			parent: paramJob({ Payload: "required" }),
			req: {},
			code: 500,
			msg: "Payload is not provided but required by parameterized job",
		},
		{
			name: "empty payload counts as none",
			parent: paramJob({ Payload: "required" }),
			req: { Payload: "" },
			code: 500,
			msg: "Payload is not provided but required by parameterized job",
		},
		{
			name: "payload forbidden",
			parent: paramJob({ Payload: "forbidden" }),
			req: { Payload: b64("x") },
			code: 500,
			msg: "Payload provided but forbidden by parameterized job",
		},
		{
			name: "payload too large",
			parent: paramJob(),
			req: { Payload: b64(Buffer.alloc(DISPATCH_PAYLOAD_SIZE_LIMIT + 1, 1)) },
			code: 500,
			msg: "Payload exceeds maximum size; 16385 > 16384",
		},
		{
			name: "unexpected meta keys",
			parent: paramJob({ MetaRequired: ["a"], MetaOptional: ["b"] }),
			req: { Meta: { a: "1", zz: "2", c: "3" } },
			code: 500,
			msg: "Dispatch request included unpermitted metadata keys: [c zz]",
		},
		{
			name: "missing required meta",
			parent: paramJob({ MetaRequired: ["region", "color"], MetaOptional: ["b"] }),
			req: { Meta: { b: "1" } },
			code: 500,
			msg: "Dispatch did not provide required meta keys: [color region]",
		},
		{
			name: "missing required meta, no meta at all",
			parent: paramJob({ MetaRequired: ["region"] }),
			req: { Meta: null },
			code: 500,
			msg: "Dispatch did not provide required meta keys: [region]",
		},
		{
			name: "priority out of range",
			parent: paramJob(),
			req: { Priority: 101 },
			code: 500,
			msg: "dispatch job priority must be between [1, 100]",
		},
		{
			name: "priority above the configured max",
			parent: paramJob(),
			req: { Priority: 80 },
			code: 500,
			msg: "dispatch job priority must be between [1, 70]",
			max: 70,
		},
		{
			name: "bad base64 (a body decoding error)",
			parent: paramJob(),
			req: { Payload: "ab$d" },
			code: 400,
			msg: "illegal base64 data at input byte 2",
		},
		{
			name: "non-string meta (a body decoding error)",
			parent: paramJob({ MetaOptional: ["n"] }),
			req: { Meta: { n: 5 as unknown as string } },
			code: 400,
			msg: "json: cannot unmarshal number into Go struct field JobDispatchRequest.Meta of type string",
		},
	];
	for (const c of cases) {
		assert.throws(
			() => dispatchChild(c.parent, c.req, NOW, "0123abcd", { jobMaxPriority: c.max }),
			(err: unknown) => {
				assert.ok(err instanceof CodedError, c.name);
				assert.equal(err.message, c.msg, c.name);
				assert.equal(err.code, c.code, c.name);
				return true;
			},
			c.name,
		);
	}
	// the accepted side of the same rules
	assert.ok(dispatchChild(paramJob({ Payload: "required" }), { Payload: b64("x") }, NOW, "0123abcd"));
	assert.ok(dispatchChild(paramJob({ Payload: "forbidden" }), { Payload: "" }, NOW, "0123abcd"));
	assert.ok(dispatchChild(paramJob(), { Payload: b64(Buffer.alloc(DISPATCH_PAYLOAD_SIZE_LIMIT, 1)) }, NOW, "0123abcd"));
	assert.ok(
		dispatchChild(paramJob({ MetaRequired: ["a"], MetaOptional: ["b"] }), { Meta: { a: "1" } }, NOW, "0123abcd"),
	);
	assert.ok(dispatchChild(paramJob(), { Priority: 100 }, NOW, "0123abcd"));
});

test("child job shape", () => {
	const parent = paramJob(
		{ Payload: "optional", MetaRequired: ["color"], MetaOptional: ["size"] },
		{ Meta: { owner: "ops", color: "default" }, Priority: 40, Version: 2 },
	);
	const child = dispatchChild(
		parent,
		{ Payload: b64("hello"), Meta: { color: "red", size: "L" }, IdempotencyToken: "tok-1" },
		NOW,
		"0123abcd",
	);
	assert.equal(child.ID, `render/dispatch-${UNIX}-0123abcd`);
	assert.equal(child.Name, child.ID);
	assert.equal(child.ParentID, "render");
	assert.equal(child.Dispatched, true);
	assert.equal(child.Status, "");
	assert.equal(child.StatusDescription, "");
	assert.equal(child.Payload, b64("hello"));
	assert.deepEqual(child.Meta, { owner: "ops", color: "red", size: "L" });
	assert.equal(child.Priority, 40); // parent's when unset
	assert.equal(child.DispatchIdempotencyToken, "tok-1");
	assert.equal(child.SubmitTime, NOW.getTime() * 1e6);
	assert.equal(child.Version, 2);
	// as in Nomad the child keeps the parameterized block; Dispatched marks it as a child
	assert.deepEqual(child.ParameterizedJob, parent.ParameterizedJob);
	assert.deepEqual(child.TaskGroups, parent.TaskGroups);
	// parent untouched (deep copy)
	assert.deepEqual(parent.Meta, { owner: "ops", color: "default" });
	child.TaskGroups[0].Name = "x";
	assert.equal(parent.TaskGroups[0].Name, "g");

	const bare = dispatchChild(
		paramJob({}, { Meta: null }),
		{ Priority: 90, IdPrefixTemplate: "nightly" },
		NOW,
		"ffff0000",
	);
	assert.equal(bare.ID, `render/dispatch-nightly-${UNIX}-ffff0000`);
	assert.equal(bare.Meta, null);
	assert.equal(bare.Payload, null);
	assert.equal(bare.Priority, 90);
	assert.equal(bare.DispatchIdempotencyToken, "");

	// a periodic parameterized job dispatches a periodic child (which then launches on its own)
	const periodicParam = paramJob(
		{},
		{
			Periodic: { Enabled: true, Spec: "@daily", Specs: null, SpecType: "cron", ProhibitOverlap: false, TimeZone: "" },
		},
	);
	assert.notEqual(dispatchChild(periodicParam, {}, NOW, "00000000").Periodic, null);
	assert.equal(dispatchedID("p", "", new Date(1_700_000_000_999), "abcdef01"), "p/dispatch-1700000000-abcdef01");
});

test("base64 and idempotency helpers", () => {
	assert.equal(decodeBase64Strict("aGVsbG8=").toString(), "hello");
	assert.equal(decodeBase64Strict("aGVs\r\nbG8=").toString(), "hello");
	assert.equal(decodeBase64Strict("").length, 0);
	for (const bad of ["aGVsbG8", "aGVsbG8==", "a=Vs", "aGVs=G8=", "aGVsbG8_"]) {
		assert.throws(() => decodeBase64Strict(bad), /illegal base64 data at input byte \d+/, bad);
	}
	const jobs = [
		testJob({ ID: "render/dispatch-1-aaaaaaaa", ParentID: "render", DispatchIdempotencyToken: "a" }),
		testJob({ ID: "render/dispatch-2-bbbbbbbb", ParentID: "render", DispatchIdempotencyToken: "b" }),
		testJob({ ID: "render-other/dispatch-3-cccccccc", ParentID: "render-other", DispatchIdempotencyToken: "b" }),
	];
	assert.equal(findIdempotentDispatch(jobs, "render", "b")?.ID, "render/dispatch-2-bbbbbbbb");
	assert.equal(findIdempotentDispatch(jobs, "render", "c"), undefined);
	assert.equal(findIdempotentDispatch(jobs, "render", ""), undefined);
});
