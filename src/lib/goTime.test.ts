import assert from "node:assert/strict";
import { test } from "node:test";
import { formatRFC3339Nano, nowUnixMs } from "./goTime.ts";

test("RFC3339Nano drops trailing fraction zeros as Go does", () => {
	const sec = Date.UTC(2021, 11, 21, 19, 25, 0);
	assert.equal(formatRFC3339Nano(sec), "2021-12-21T19:25:00Z");
	assert.equal(formatRFC3339Nano(sec + 911.883), "2021-12-21T19:25:00.911883Z");
	assert.equal(formatRFC3339Nano(sec + 910), "2021-12-21T19:25:00.91Z");
	assert.equal(formatRFC3339Nano(sec + 0.001), "2021-12-21T19:25:00.000001Z");
	assert.equal(formatRFC3339Nano(sec + 999.9999), "2021-12-21T19:25:01Z");
});

test("nowUnixMs is the wall clock", () => {
	assert.ok(Math.abs(nowUnixMs() - Date.now()) < 50);
});
