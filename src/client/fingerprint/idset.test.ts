import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIDs, parseIDs } from "./idset.ts";

test("parseIDs reads kernel cpu lists", () => {
	assert.deepEqual(parseIDs("0-3,8,10-11\n"), [0, 1, 2, 3, 8, 10, 11]);
	assert.deepEqual(parseIDs("5,1,1"), [1, 5]);
	assert.deepEqual(parseIDs(""), []);
	assert.deepEqual(parseIDs(" \n"), []);
});

test("formatIDs compacts ranges like Nomad's idset", () => {
	assert.equal(formatIDs([0, 1, 2, 5]), "0-2,5");
	assert.equal(formatIDs([3]), "3");
	assert.equal(formatIDs([7, 6, 1]), "1,6-7");
	assert.equal(formatIDs([]), " ");
	assert.equal(formatIDs(parseIDs("0-63")), "0-63");
});
