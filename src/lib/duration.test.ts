import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, HOUR, MILLISECOND, MINUTE, parseDuration, SECOND } from "./duration.ts";

test("parseDuration accepts Go's grammar", () => {
	assert.equal(parseDuration("10s"), 10 * SECOND);
	assert.equal(parseDuration("5m"), 5 * MINUTE);
	assert.equal(parseDuration("1h30m"), HOUR + 30 * MINUTE);
	assert.equal(parseDuration("1.5s"), 1500 * MILLISECOND);
	assert.equal(parseDuration("-2ms"), -2 * MILLISECOND);
	assert.equal(parseDuration("0"), 0);
	assert.equal(parseDuration(".5s"), 500 * MILLISECOND);
	assert.equal(parseDuration("100us"), 100_000);
});

test("parseDuration rejects what Go rejects", () => {
	for (const bad of ["", "10", "s", "1x", "1.s.", "abc", "1h-2m", " 1s"]) {
		assert.throws(() => parseDuration(bad), /time: /, bad);
	}
});

test("formatDuration matches Go's String()", () => {
	assert.equal(formatDuration(0), "0s");
	assert.equal(formatDuration(HOUR), "1h0m0s");
	assert.equal(formatDuration(90 * SECOND), "1m30s");
	assert.equal(formatDuration(1500 * MILLISECOND), "1.5s");
	assert.equal(formatDuration(250 * MILLISECOND), "250ms");
	assert.equal(formatDuration(-5 * SECOND), "-5s");
	assert.equal(formatDuration(42), "42ns");
});
