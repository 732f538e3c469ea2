import assert from "node:assert/strict";
import { test } from "node:test";
import { formatExpression } from "./ast.ts";
import { FilterError } from "./errors.ts";
import { parseFilter } from "./parser.ts";

// Pieces of pigeon's "expected" lists: the quoted `"` and backtick literals and the whitespace class.
const DQ = String.raw`"\""`;
const BT = '"`"';
const WS = String.raw`[ \t\r\n]`;

const parsed = (input: string) => formatExpression(parseFilter(input));

function parseError(input: string): FilterError {
	try {
		parseFilter(input);
	} catch (err) {
		assert.ok(err instanceof FilterError, `expected FilterError for ${JSON.stringify(input)}, got ${err}`);
		return err;
	}
	assert.fail(`expected ${JSON.stringify(input)} not to parse`);
}

test("match operators parse like go-bexpr (contains is in, not contains is not in)", () => {
	const cases: [string, string][] = [
		["foo == 3", '{["foo"] == "3"}'],
		["foo != xyz", '{["foo"] != "xyz"}'],
		["list is empty", '{["list"] is empty}'],
		["list is not empty", '{["list"] is not empty}'],
		["foo in bar", '{["bar"] in "foo"}'],
		["foo not in bar", '{["bar"] not in "foo"}'],
		["bar contains foo", '{["bar"] in "foo"}'],
		["bar not contains foo", '{["bar"] not in "foo"}'],
		["foo matches bar", '{["foo"] matches "bar"}'],
		["foo not matches bar", '{["foo"] not matches "bar"}'],
		["foo is nil", '{["foo"] is nil}'],
		["foo is not nil", '{["foo"] is not nil}'],
		["foo/bar == 3", '{["foo/bar"] == "3"}'],
		["a==1", '{["a"] == "1"}'],
		["a!=1", '{["a"] != "1"}'],
	];
	for (const [input, want] of cases) assert.equal(parsed(input), want, input);
});

test("selectors: dotted paths, numeric parts, index expressions and JSON pointers", () => {
	const cases: [string, string][] = [
		["Meta.foo == x", '{["Meta","foo"] == "x"}'],
		['Meta["my key"] == x', '{["Meta","my key"] == "x"}'],
		["Meta[`raw key`] == x", '{["Meta","raw key"] == "x"}'],
		['Meta[ "spaced" ] == x', '{["Meta","spaced"] == "x"}'],
		['Attributes["kernel.name"] == linux', '{["Attributes","kernel.name"] == "linux"}'],
		['TaskStates["web"].State == running', '{["TaskStates","web","State"] == "running"}'],
		["TaskGroups.0.Count == 1", '{["TaskGroups","0","Count"] == "1"}'],
		['environment in foo["abc-def ghi åß∂ƒ"]', '{["foo","abc-def ghi åß∂ƒ"] in "environment"}'],
		['"/foo" == 3', '{ptr:["foo"] == "3"}'],
		[
			'"/hy-phen/under_score/pi|pe/do.t/ti~lde/co:lon" == 3',
			'{ptr:["hy-phen","under_score","pi|pe","do.t","ti~lde","co:lon"] == "3"}',
		],
		['"/a~1b~0c" == 3', '{ptr:["a/b~c"] == "3"}'],
		['"" == 3', '{ptr:[""] == "3"}'],
	];
	for (const [input, want] of cases) assert.equal(parsed(input), want, input);
});

test("values: bare words, selectors-as-text, numbers, both string forms", () => {
	const cases: [string, string][] = [
		["foo == bar", '{["foo"] == "bar"}'],
		["foo == true", '{["foo"] == "true"}'],
		['foo == "bar"', '{["foo"] == "bar"}'],
		["foo == `bar`", '{["foo"] == "bar"}'],
		['"foo" in bar', '{["bar"] in "foo"}'],
		["`foo` not in bar", '{["bar"] not in "foo"}'],
		// A selector-shaped value is Selector.String(): its parts joined with "."
		["Version == v1.2", '{["Version"] == "v1.2"}'],
		['foo == a.b["c d"]', '{["foo"] == "a.b.c d"}'],
		["foo == 0.2", '{["foo"] == "0.2"}'],
		["foo == 11.11", '{["foo"] == "11.11"}'],
		["foo == -0.2", '{["foo"] == "-0.2"}'],
		["foo == 0", '{["foo"] == "0"}'],
		// Deliberate difference: a quoted JSON-Pointer-shaped value keeps its text (go-bexpr: "a/b").
		['Path == "/a/b"', '{["Path"] == "/a/b"}'],
		['"/etc/x" in Paths', '{["Paths"] in "/etc/x"}'],
	];
	for (const [input, want] of cases) assert.equal(parsed(input), want, input);
});

test("string escapes follow Go's strconv.Unquote", () => {
	const value = (input: string) => {
		const e = parseFilter(input);
		assert.equal(e.type, "match");
		return e.value;
	};
	assert.equal(value(String.raw`a == "tab\there"`), "tab\there");
	assert.equal(value(String.raw`a == "\u00e9\x41\101\\\a"`), "éAA\\\x07");
	assert.equal(value(String.raw`a == "\xc3\xa9"`), "é", "\\x escapes are bytes");
	assert.equal(value(String.raw`a == "\U0001F600"`), "😀");
	assert.equal(value('a == `raw \\n "quoted"`'), 'raw \\n "quoted"');
	assert.equal(value("a == `cr\r\nlf`"), "cr\nlf", "Go drops \\r from raw strings");
	assert.match(parseError("a == 'single'").message, /^1:6 \(5\): no match found/, "single quotes are not strings");
	assert.equal(value('a == "it\'s"'), "it's");
	assert.equal(parsed('Meta[`a"b`] == 1'), '{["Meta","a\\"b"] == "1"}');
});

test("precedence: not > and > or, parentheses override, not not collapses", () => {
	assert.equal(
		parsed("x in foo and not str == something or list is empty"),
		'(({["foo"] in "x"} and (not {["str"] == "something"})) or {["list"] is empty})',
	);
	assert.equal(
		parsed("x in foo and not (str == something or list is empty)"),
		'({["foo"] in "x"} and (not ({["str"] == "something"} or {["list"] is empty})))',
	);
	assert.equal(parsed("a == 1 or b == 2 and c == 3"), '({["a"] == "1"} or ({["b"] == "2"} and {["c"] == "3"}))');
	assert.equal(parsed("(a == 1 or b == 2) and c == 3"), '(({["a"] == "1"} or {["b"] == "2"}) and {["c"] == "3"})');
	assert.equal(parsed("a == 1 and b == 2 and c == 3"), '({["a"] == "1"} and ({["b"] == "2"} and {["c"] == "3"}))');
	assert.equal(parsed("not not foo == 3"), '{["foo"] == "3"}');
	assert.equal(parsed("not not not foo == 3"), '(not {["foo"] == "3"})');
	assert.equal(parsed("not (not foo == 3)"), '{["foo"] == "3"}');
	assert.equal(parsed("((a == 1))"), '{["a"] == "1"}');
	assert.equal(parsed("\t\r\n  foo \t\r\n is \t\r\n not \t\r\n empty \t\r\n"), '{["foo"] is not empty}');
	assert.equal(parsed("\t\r\n not \t\r\n  foo \t\r\n in \t\r\n x \t\r\n"), '(not {["x"] in "foo"})');
});

test("keywords are contextual, as in go-bexpr's PEG", () => {
	assert.equal(parsed("not == 1"), '{["not"] == "1"}');
	assert.equal(parsed("not not == 1"), '(not {["not"] == "1"})');
	assert.equal(parsed("notfoo == 1"), '{["notfoo"] == "1"}');
	assert.equal(parsed("and == or"), '{["and"] == "or"}');
	assert.equal(parsed("a == and and b == or"), '({["a"] == "and"} and {["b"] == "or"})');
	assert.equal(parsed("in in in"), '{["in"] in "in"}');
});

test("collection expressions (any / all) with every binding form", () => {
	assert.equal(
		parsed('all group.tasks as t { t.name == "hello" }'),
		'all ["group","tasks"] as default(t,_,_) {{["t","name"] == "hello"}}',
	);
	assert.equal(parsed("any m as k, v { v == 1 }"), 'any ["m"] as index-value(_,k,v) {{["v"] == "1"}}');
	assert.equal(parsed("any m as k, _ { k == 1 }"), 'any ["m"] as index(_,k,_) {{["k"] == "1"}}');
	assert.equal(parsed("any m as _, v { v == 1 }"), 'any ["m"] as value(_,_,v) {{["v"] == "1"}}');
	assert.equal(
		parsed('all group.tasks as t { all t.test as i { i == "test" }}'),
		'all ["group","tasks"] as default(t,_,_) {all ["t","test"] as default(i,_,_) {{["i"] == "test"}}}',
	);
	assert.equal(
		parsed("a == 1 or any b as c { c == 1 }"),
		'({["a"] == "1"} or any ["b"] as default(c,_,_) {{["c"] == "1"}})',
	);
});

test("error messages are go-bexpr's, byte for byte (line:col (byte offset): ...)", () => {
	const cases: [string, string][] = [
		// These are go-bexpr v0.1.16's own grammar_test.go vectors.
		[
			'"/hy-phen/under_score/pi|pe/do.t/ti~lde/" == 3',
			String.raw`1:43 (42): no match found, expected: "in", "not" or [ \t\r\n]`,
		],
		['foo == "12x', '1:12 (11): rule "string": Unterminated string literal'],
		["foo == `12x", '1:12 (11): rule "string": Unterminated string literal'],
		["foo == 3x", '1:9 (8): rule "number": Invalid number literal'],
		["foo[3] == abc", '1:5 (4): rule "index": Invalid index'],
		['x in foo["abc"', '1:15 (14): rule "index": Unclosed index expression'],
		['foo["abc" == 3', '1:11 (10): rule "index": Unclosed index expression'],
		["x in 32", '1:6 (5): rule "match": Invalid selector'],
		["32 == 32", String.raw`1:4 (3): no match found, expected: "in", "not" or [ \t\r\n]`],
		["32 is empty", String.raw`1:4 (3): no match found, expected: "in", "not" or [ \t\r\n]`],
		["x in foo abc", String.raw`1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF`],
		[
			"x in foo and ",
			`1:14 (13): no match found, expected: "(", "-", "0", ${DQ}, ${BT}, "not", ${WS}, [1-9] or [a-zA-Z]`,
		],
		[
			"x in foo or ",
			`1:13 (12): no match found, expected: "(", "-", "0", ${DQ}, ${BT}, "all", "any", "not", ${WS}, [1-9] or [a-zA-Z]`,
		],
		[
			"x in foo or not ",
			`1:17 (16): no match found, expected: "!=", "(", "-", "0", "==", ${DQ}, ${BT}, "contains", "in", "is", "matches", "not", ${WS}, [1-9] or [a-zA-Z]`,
		],
		["(foo == 4", '1:10 (9): rule "grouping": Unmatched parentheses'],
		[
			'all group.tasks as { t.name == "hello" }',
			String.raw`1:20 (19): no match found, expected: "_", [ \t\r\n] or [a-zA-Z]`,
		],
		['all as t { t.name == "hello" }', String.raw`1:8 (7): no match found, expected: "as" or [ \t\r\n]`],
		// And some of our own.
		[String.raw`foo == "\q"`, '1:8 (7): rule "string": invalid syntax'],
		["a == 01", '1:7 (6): rule "number": Invalid number literal'],
		["a == 1and b == 2", '1:7 (6): rule "number": Invalid number literal'],
		["a == 1 and(b == 2)", String.raw`1:11 (10): no match found, expected: [ \t\r\n]`],
		["not(a == 1)", String.raw`1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \t\r\n] or [a-zA-Z0-9_/]`],
		["a === 1", `1:5 (4): no match found, expected: "-", "0", ${DQ}, ${BT}, ${WS}, [1-9] or [a-zA-Z]`],
		["a == 1 or b == 2 or", String.raw`1:20 (19): no match found, expected: [ \t\r\n]`],
		["any b as c { c == 1 } or a == 1", String.raw`1:23 (22): no match found, expected: [ \t\r\n] or EOF`],
	];
	for (const [input, want] of cases) assert.equal(parseError(input).message, want, input);
});

test("the empty expression is an error (callers skip filtering when ?filter= is empty, as Nomad does)", () => {
	assert.equal(
		parseError("").message,
		`1:1 (0): no match found, expected: "(", "-", "0", ${DQ}, ${BT}, "all", "any", "not", ${WS}, [1-9] or [a-zA-Z]`,
	);
});

test("positions: lines, rune columns, UTF-8 byte offsets; several errors join with newlines", () => {
	assert.equal(parseError('foo ==\n"12x').message, '2:5 (11): rule "string": Unterminated string literal');
	// "é" is 2 bytes: column counts runes, the offset counts bytes.
	assert.equal(
		parseError('Meta["é"] == 1 zz').message,
		String.raw`1:16 (16): no match found, expected: "and", "or", [ \t\r\n] or EOF`,
	);
	assert.match(parseError("é == 1").message, /^1:1 \(0\): no match found/, "identifiers are ASCII");
	assert.equal(
		parseError(String.raw`a == "\q" and b == 3x`).message,
		'1:6 (5): rule "string": invalid syntax\n1:21 (20): rule "number": Invalid number literal',
	);
	const err = parseError("a ==\n  1x");
	assert.deepEqual(err.details, [
		{ line: 2, column: 4, offset: 8, index: 8, rule: 'rule "number"', reason: "Invalid number literal" },
	]);
});

test("long chains and deep nesting parse without blowing the stack; absurd depth is a FilterError", () => {
	const ors = Array.from({ length: 5000 }, (_, i) => `ID == "id-${i}"`).join(" or ");
	assert.equal(parseFilter(ors).type, "or");
	assert.equal(parseFilter(`${"not ".repeat(5001)}a == 1`).type, "not");
	assert.equal(parsed(`${"(".repeat(200)}a == 1${")".repeat(200)}`), '{["a"] == "1"}');
	const deep = `${"(".repeat(100_000)}a == 1${")".repeat(100_000)}`;
	assert.throws(
		() => parseFilter(deep),
		(err) => err instanceof FilterError && /nested too deeply/.test(err.message),
	);
});
