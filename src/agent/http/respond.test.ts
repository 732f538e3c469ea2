import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseEncoding, encodeJSON, wantsPretty } from "./respond.ts";

test("compression choice follows gorilla/handlers", () => {
	assert.equal(chooseEncoding("gzip, deflate", undefined), "gzip");
	assert.equal(chooseEncoding("deflate, gzip", undefined), "deflate");
	assert.equal(chooseEncoding("br, gzip", undefined), "gzip");
	assert.equal(chooseEncoding("gzip;q=1.0", undefined), undefined);
	assert.equal(chooseEncoding("gzip", "websocket"), undefined);
	assert.equal(chooseEncoding(undefined, undefined), undefined);
});

test("pretty printing: 4 spaces and a trailing newline; ?pretty=0 is compact", () => {
	assert.equal(wantsPretty(new URLSearchParams("pretty")), true);
	assert.equal(wantsPretty(new URLSearchParams("pretty=1")), true);
	assert.equal(wantsPretty(new URLSearchParams("pretty=0")), false);
	assert.equal(wantsPretty(new URLSearchParams("")), false);
	assert.equal(encodeJSON({ a: [1] }, true), '{\n    "a": [\n        1\n    ]\n}\n');
	assert.equal(encodeJSON({ a: "<&>" }, false), '{"a":"<&>"}');
});
