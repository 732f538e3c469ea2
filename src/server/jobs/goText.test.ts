import assert from "node:assert/strict";
import { test } from "node:test";
import { Reader } from "./decode.ts";
import { goDur, goFloat, goQuote, goQuoteList, multiError } from "./goText.ts";

test("strconv.Quote", () => {
	assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
	assert.equal(goQuote("tab\there\n"), '"tab\\there\\n"');
	assert.equal(goQuote("nul\u0000"), '"nul\\x00"');
	assert.equal(goQuote("héllo"), '"héllo"');
	assert.equal(goQuoteList(["a", "b"]), '["a" "b"]');
});

test("%v of float64 and durations", () => {
	assert.equal(goFloat(8080), "8080");
	assert.equal(goFloat(1.5), "1.5");
	assert.equal(goFloat(123456), "123456");
	assert.equal(goFloat(1e6), "1e+06");
	assert.equal(goFloat(1234567), "1.234567e+06");
	assert.equal(goFloat(0.00001), "1e-05");
	assert.equal(goDur(90 * 60e9), "1h30m0s");
	assert.equal(goDur(5e9), "5s");
});

test("multierror list format", () => {
	assert.equal(multiError(["x"]), "1 error occurred:\n\t* x\n\n");
	assert.equal(multiError(["x", "y"]), "2 errors occurred:\n\t* x\n\t* y\n\n");
});

test("field lookup folds case like encoding/json, including the Kelvin and long-s folds", () => {
	const r = new Reader({ ſtop: true, "\u212aillSignal": "SIGTERM", name: "a", NAME: "b" }, "Job", "Job");
	assert.equal(r.bool("Stop"), true);
	assert.equal(r.str("KillSignal"), "SIGTERM");
	assert.equal(r.str("Name"), "b");
	assert.equal(r.str("Missing"), undefined);
});
