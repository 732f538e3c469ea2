import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation } from "../api/types/index.ts";
import { AllocNameIndex } from "./nameIndex.ts";
import { allocIndexFromName, fnv64, formatRFC3339Nano, glob, parseRFC3339 } from "./util.ts";

test("glob: only * is special", () => {
	assert.ok(glob("*", "anything"));
	assert.ok(glob("dc1", "dc1"));
	assert.ok(!glob("dc1", "dc10"));
	assert.ok(glob("us-*", "us-east-1"));
	assert.ok(!glob("us-*", "eu-west-1"));
	assert.ok(glob("*-1", "us-east-1"));
	assert.ok(glob("us-*-1", "us-east-1"));
	assert.ok(!glob("us-*-2", "us-east-1"));
	assert.ok(glob("*east*", "us-east-1"));
	assert.ok(!glob("dc?", "dc1"), "? is literal");
	assert.ok(glob("", ""));
	assert.ok(!glob("", "dc1"));
});

test("RFC3339Nano formatting and parsing round-trip", () => {
	assert.equal(formatRFC3339Nano(1_704_067_200_000_000_000), "2024-01-01T00:00:00Z");
	assert.equal(formatRFC3339Nano(1_704_067_200_500_000_000), "2024-01-01T00:00:00.5Z");
	assert.equal(formatRFC3339Nano(1_000_123_000), "1970-01-01T00:00:01.000123Z");
	assert.equal(parseRFC3339("2024-01-01T00:00:00.5Z"), 1_704_067_200_500_000_000);
	assert.equal(parseRFC3339("2024-01-01T01:00:00+01:00"), 1_704_067_200_000_000_000);
	assert.equal(parseRFC3339("0001-01-01T00:00:00Z"), undefined, "Go's zero time");
	assert.equal(parseRFC3339(null), undefined);
	assert.equal(parseRFC3339("yesterday"), undefined);
});

test("fnv64 is FNV-1a 64", () => {
	assert.equal(fnv64(""), "14695981039346656037");
	assert.equal(fnv64("a"), "12638187200555641996");
	assert.equal(fnv64("foobar"), "9625390261332436968");
});

test("alloc index from name", () => {
	assert.equal(allocIndexFromName("job.web[12]", "job", "web"), 12);
	assert.equal(allocIndexFromName("job.web[x]", "job", "web"), 0);
	assert.equal(allocIndexFromName("j", "job", "web"), 0);
});

const a = (name: string, id = name): Allocation => ({ ID: id, Name: name, JobID: "j", TaskGroup: "g" }) as Allocation;

test("AllocNameIndex: next fills holes below count, highest removes from the top", () => {
	const idx = new AllocNameIndex("j", "g", 5, [a("j.g[0]"), a("j.g[2]"), a("j.g[4]")]);
	assert.deepEqual(idx.next(2), ["j.g[1]", "j.g[3]"]);
	assert.deepEqual(idx.next(2), ["j.g[0]", "j.g[1]"], "overlapping names once the free ones are used");
	const down = new AllocNameIndex("j", "g", 3, [a("j.g[0]"), a("j.g[1]"), a("j.g[2]"), a("j.g[3]"), a("j.g[7]")]);
	assert.deepEqual([...down.highest(2)], ["j.g[7]", "j.g[3]"]);
	assert.deepEqual([...down.highest(5)], ["j.g[2]", "j.g[1]", "j.g[0]"]);
});

test("AllocNameIndex tracks duplicates", () => {
	const idx = new AllocNameIndex("j", "g", 3, [a("j.g[1]", "x"), a("j.g[1]", "y")]);
	assert.ok(idx.isDuplicate(1));
	assert.ok(!idx.isDuplicate(0));
	idx.unsetIndex(1);
	assert.ok(!idx.isDuplicate(1));
	assert.deepEqual(idx.next(2), ["j.g[0]", "j.g[2]"], "index 1 still taken by the remaining holder");
});
