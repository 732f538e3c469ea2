import assert from "node:assert/strict";
import { test } from "node:test";
import { goQuote } from "./errors.ts";
import { GoNumError, parseGoBool, parseGoFloat, parseGoInt, UnquoteError, unquote } from "./strconv.ts";

test("unquote: Go double-quoted escapes", () => {
	assert.equal(unquote('"plain"'), "plain");
	assert.equal(unquote(String.raw`"\a\b\f\n\r\t\v\\"`), "\x07\b\f\n\r\t\v\\");
	assert.equal(unquote(String.raw`"\x41\101\u00e9\U0001F600"`), "AAé😀");
	assert.equal(unquote(String.raw`"\xe2\x82\xac"`), "€", "byte escapes are assembled as UTF-8");
	assert.equal(unquote('"日本"'), "日本");
	for (const bad of [
		String.raw`"\q"`,
		String.raw`"\'"`,
		String.raw`"\x4"`,
		String.raw`"\400"`,
		String.raw`"\12"`,
		String.raw`"\ud800"`,
		String.raw`"\U00110000"`,
		'"a\nb"',
		'"trailing\\"',
	]) {
		assert.throws(() => unquote(bad), UnquoteError, bad);
	}
});

test("unquote: backtick strings are raw but lose carriage returns", () => {
	assert.equal(unquote("`a\\nb`"), "a\\nb");
	assert.equal(unquote("`multi\r\nline`"), "multi\nline");
});

test("parseGoInt mirrors strconv.ParseInt(s, 0, 64)", () => {
	const ok: [string, bigint][] = [
		["0", 0n],
		["-0", 0n],
		["42", 42n],
		["+42", 42n],
		["-42", -42n],
		["0x2A", 42n],
		["0X2a", 42n],
		["0o52", 42n],
		["052", 42n],
		["0b101010", 42n],
		["1_000", 1000n],
		["0x_2A", 42n],
		["9223372036854775807", 9223372036854775807n],
		["-9223372036854775808", -9223372036854775808n],
	];
	for (const [s, want] of ok) assert.equal(parseGoInt(s), want, s);
	for (const bad of ["", "-", "abc", "1.5", "08", "0x", "1__0", "_1", "1_", "0x1g", " 1", "1e3"]) {
		assert.throws(
			() => parseGoInt(bad),
			(e) => e instanceof GoNumError && e.kind === "syntax",
			bad,
		);
	}
	assert.throws(() => parseGoInt("9223372036854775808"), {
		message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
	});
	assert.throws(() => parseGoInt("abc"), { message: 'strconv.ParseInt: parsing "abc": invalid syntax' });
});

test("parseGoFloat mirrors strconv.ParseFloat(s, 64)", () => {
	const ok: [string, number][] = [
		["1", 1],
		["1.5", 1.5],
		[".5", 0.5],
		["1.", 1],
		["-2.5e3", -2500],
		["1E-2", 0.01],
		["1_000.5", 1000.5],
		["0x1p-2", 0.25],
		["0x1.8p1", 3],
		["inf", Infinity],
		["-Infinity", -Infinity],
	];
	for (const [s, want] of ok) assert.equal(parseGoFloat(s), want, s);
	assert.ok(Number.isNaN(parseGoFloat("NaN")));
	for (const bad of ["", ".", "e5", "1e", "abc", "0x1.8", "1_e5", "--1", "+nan"]) {
		assert.throws(
			() => parseGoFloat(bad),
			(e) => e instanceof GoNumError && e.kind === "syntax",
			bad,
		);
	}
	assert.throws(() => parseGoFloat("1e400"), { message: 'strconv.ParseFloat: parsing "1e400": value out of range' });
});

test("parseGoBool accepts exactly Go's spellings", () => {
	for (const s of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(s), true, s);
	for (const s of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseGoBool(s), false, s);
	for (const s of ["yes", "tRUE", "", "2"]) assert.throws(() => parseGoBool(s), GoNumError, s);
});

test("goQuote matches strconv.Quote", () => {
	assert.equal(goQuote("plain"), '"plain"');
	assert.equal(goQuote('say "hi"\\'), String.raw`"say \"hi\"\\"`);
	assert.equal(goQuote("tab\tnl\n\x00\x7f"), String.raw`"tab\tnl\n\x00\x7f"`);
	assert.equal(goQuote("é€😀"), '"é€😀"');
	assert.equal(goQuote("\u200b"), String.raw`"\u200b"`);
});
