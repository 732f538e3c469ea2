import assert from "node:assert/strict";
import { test } from "node:test";
import { compileGoRegexp, GoRegexpError } from "./regexp.ts";

const matches = (pattern: string, s: string) => compileGoRegexp(pattern).test(s);

test("plain RE2 patterns behave as in Go (unanchored search)", () => {
	assert.equal(matches("^web-[0-9]+$", "web-12"), true);
	assert.equal(matches("b", "abc"), true);
	assert.equal(matches("(foz|foo)@example.com", "foo@example.com"), true);
	assert.equal(matches("^a{2,3}$", "aaa"), true);
	assert.equal(matches("^a{2}$", "aaa"), false);
});

test("inline flags at the start become JS flags", () => {
	assert.equal(matches("(?i)^RUNNING$", "running"), true);
	assert.equal(matches("(?m)^b$", "a\nb\nc"), true);
	assert.equal(matches("^b$", "a\nb\nc"), false);
	assert.equal(matches("(?s)a.b", "a\nb"), true);
	assert.equal(matches("a.b", "a\nb"), false);
	assert.equal(matches("a.b", "a\rb"), true, "Go's . only excludes \\n");
	assert.equal(matches("(?i:AB)c", "abc"), true);
	assert.throws(() => compileGoRegexp("(?U)a+"), GoRegexpError);
});

test("RE2 spellings JS lacks are translated", () => {
	assert.equal(matches("(?P<name>x)", "x"), true);
	assert.equal(matches(String.raw`\Aab\z`, "ab"), true);
	assert.equal(matches(String.raw`\Aab\z`, "ab\n"), false);
	assert.equal(matches(String.raw`\Q1.5+\E`, "1.5+"), true);
	assert.equal(matches(String.raw`\Q1.5+\E`, "105+"), false);
	assert.equal(matches(String.raw`^\pL+$`, "héllo"), true);
	assert.equal(matches(String.raw`^\p{Greek}+$`, "αβγ"), true);
	assert.equal(matches(String.raw`^\PN$`, "x"), true);
	assert.equal(matches(String.raw`^\x{e9}$`, "é"), true);
	assert.equal(matches(String.raw`^\101$`, "A"), true);
	assert.equal(matches("^[[:alpha:]]+[[:digit:]]$", "abc1"), true);
	assert.equal(matches("^[^[:space:]]+$", "a b"), false);
	assert.equal(matches(String.raw`^\s$`, "\u00a0"), false, "Go's \\s is ASCII only");
	assert.equal(matches(String.raw`^\S$`, "\u00a0"), true);
	assert.equal(matches(String.raw`^a\-b\@c\#$`, "a-b@c#"), true, "escaped punctuation");
	assert.equal(matches(String.raw`^[\-\@a]+$`, "-@a"), true);
	assert.equal(matches("^[]a]+$", "]a"), true, "leading ] is literal in a class");
	assert.equal(matches("^a{,2}$", "a{,2}"), true, "{ that is not a repetition is literal");
	assert.equal(matches("^.$", "😀"), true, "matches runes, not UTF-16 units");
});

test("invalid patterns are errors", () => {
	for (const bad of ["(", "a)", "[a", "*a", String.raw`\1`, String.raw`\8`, String.raw`\y`, "[[:nope:]]", "a\\"]) {
		assert.throws(() => compileGoRegexp(bad), GoRegexpError, bad);
	}
});
