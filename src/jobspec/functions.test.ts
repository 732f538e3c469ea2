// The jobspec2 function table (expected values from the go-cty / go-cty-funcs behaviour, largely
// the examples of the Terraform/Nomad function documentation).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiagnosticsError, SourceFile } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { jobspecFunctions } from "./functions.ts";
import { parseExpressionText } from "./parseBody.ts";
import { undefinedVariable } from "./references.ts";
import { Scope } from "./scope.ts";
import { fromNative, toNative } from "./values.ts";

function call(
	src: string,
	opts: { baseDir?: string; allowFS?: boolean; vars?: Record<string, unknown> } = {},
): unknown {
	const funcs = jobspecFunctions(opts.baseDir ?? "/nonexistent", opts.allowFS ?? false);
	const vars = new Map(Object.entries(opts.vars ?? {}).map(([k, v]) => [k, fromNative(v)]));
	return toNative(
		evaluate(parseExpressionText(new SourceFile("f.hcl", src)), new Scope(vars, null, funcs, undefinedVariable)),
	);
}

function callError(src: string): string {
	try {
		call(src);
	} catch (e) {
		if (e instanceof DiagnosticsError) return `${e.diagnostics[0].summary}; ${e.diagnostics[0].detail}`;
		throw e;
	}
	assert.fail(`${src} should fail`);
}

describe("string functions", () => {
	it("case, trimming and slicing", () => {
		assert.equal(call('upper("hello")'), "HELLO");
		assert.equal(call('title("hello world-wide web")'), "Hello World-Wide Web");
		assert.equal(call('trimspace("  x \\n")'), "x");
		assert.equal(call('trim("?!hello?!", "!?")'), "hello");
		assert.equal(call('trimprefix("helloworld", "hello")'), "world");
		assert.equal(call('trimsuffix("helloworld", "world")'), "hello");
		assert.equal(call('chomp("hello\\n\\r\\n")'), "hello");
		assert.equal(call('indent(2, "a\\nb")'), "a\n  b");
		assert.equal(call('substr("hello world", 1, 4)'), "ello");
		assert.equal(call('substr("hello world", -5, -1)'), "world");
		assert.equal(call('strlen("héllo")'), 5);
		assert.equal(call('strrev("abc")'), "cba");
		assert.equal(call('reverse("abc")'), "cba");
	});

	it("join, split, replace and regex_replace", () => {
		assert.equal(call('join(", ", ["a", "b"], ["c"])'), "a, b, c");
		assert.deepEqual(call('split(",", "a,b,,c")'), ["a", "b", "", "c"]);
		assert.equal(call('replace("1 + 2 + 3", "+", "-")'), "1 - 2 - 3");
		assert.equal(call('replace("hello world", "/w.*d/", "everybody")'), "hello everybody");
		assert.equal(call('regex_replace("abc-123", "([a-z]+)-(\\\\d+)", "$2-$1")'), "123-abc");
	});

	it("format and formatlist", () => {
		assert.equal(call('format("Hello, %s!", "Ander")'), "Hello, Ander!");
		assert.equal(call('format("There are %d lights", 4)'), "There are 4 lights");
		assert.equal(
			call('format("%03d|%-4s|%4s|%.2f|%x|%X|%o|%b", 7, "a", "b", 3.14159, 255, 255, 8, 5)'),
			"007|a   |   b|3.14|ff|FF|10|101",
		);
		assert.equal(call('format("%v %v %v %#v", "s", 12, 1000000, "q")'), 's 12 1e+06 "q"');
		assert.equal(call('format("%q %t %v", "x\\"y", true, [1, "a"])'), '"x\\"y" true [1,"a"]');
		assert.equal(call('format("%[2]s %[1]s", "a", "b")'), "b a");
		assert.equal(call('format("%e", 1234.5)'), "1.234500e+03");
		assert.deepEqual(call('formatlist("%s=%s", ["a", "b"], "x")'), ["a=x", "b=x"]);
		assert.match(callError('format("%d", 1.5)'), /unsupported value for "%d" at 0: an integer is required/);
		assert.match(
			callError('format("%s %s", "a")'),
			/not enough arguments for "%s" at 3: need index 2 but have 1 total/,
		);
		assert.match(callError('format("%s", "a", "b")'), /too many arguments; only 1 used by format string/);
	});
});

describe("collection functions", () => {
	it("length, concat, merge, keys, values, lookup, element, contains", () => {
		assert.equal(call('length("héllo")'), 5);
		assert.equal(call("length({a = 1, b = 2})"), 2);
		assert.deepEqual(call('concat(["a"], ["b", "c"])'), ["a", "b", "c"]);
		assert.deepEqual(call("merge({a = 1, b = 2}, {b = 3}, null)"), { a: 1, b: 3 });
		assert.deepEqual(call("keys({b = 1, a = 2})"), ["a", "b"]);
		assert.deepEqual(call("values({b = 1, a = 2})"), [2, 1]);
		assert.equal(call('lookup({a = "x"}, "b", "dflt")'), "dflt");
		assert.equal(call('lookup({a = "x"}, "a", "dflt")'), "x");
		assert.equal(call('element(["a", "b", "c"], 4)'), "b");
		assert.equal(call('contains(["a", "b"], "b")'), true);
		assert.match(
			callError('lookup({a = 1}, "a")'),
			/Not enough function arguments; Function "lookup" expects 3 argument\(s\)\. Missing value for "default"\./,
		);
	});

	it("sequences and sets", () => {
		assert.deepEqual(call("flatten([[1, [2]], [], 3])"), [1, 2, 3]);
		assert.deepEqual(call("distinct([1, 2, 1, 3])"), [1, 2, 3]);
		assert.deepEqual(call("range(3)"), [0, 1, 2]);
		assert.deepEqual(call("range(1, 10, 3)"), [1, 4, 7]);
		assert.deepEqual(call("range(3, 0, -1)"), [3, 2, 1]);
		assert.deepEqual(call("chunklist([1, 2, 3, 4, 5], 2)"), [[1, 2], [3, 4], [5]]);
		assert.deepEqual(call('compact(["a", "", "b"])'), ["a", "b"]);
		assert.equal(call('index(["a", "b", "c"], "b")'), 1);
		assert.deepEqual(call("slice([1, 2, 3, 4], 1, 3)"), [2, 3]);
		assert.deepEqual(call('sort(["b", "c", "a"])'), ["a", "b", "c"]);
		assert.deepEqual(call('zipmap(["a", "b"], [1, 2])'), { a: 1, b: 2 });
		assert.equal(call('coalesce("", "b", "c")'), "b");
		assert.deepEqual(call('coalescelist([], ["x"])'), ["x"]);
		assert.deepEqual(call('setunion(["b", "a"], ["c", "a"])'), ["a", "b", "c"]);
		assert.deepEqual(call('setintersection(["a", "b"], ["b", "c"])'), ["b"]);
		assert.deepEqual(call('setproduct(["a", "b"], ["1"])'), [
			["a", "1"],
			["b", "1"],
		]);
		assert.match(callError("element([], 0)"), /cannot use element function with an empty list/);
	});
});

describe("encoding functions", () => {
	it("JSON with Go's escaping and sorted keys", () => {
		assert.equal(
			call('jsonencode({b = [1, "x", true], a = null, c = "<&>"})'),
			'{"a":null,"b":[1,"x",true],"c":"\\u003c\\u0026\\u003e"}',
		);
		assert.deepEqual(call('jsondecode("{\\"a\\": [1, \\"x\\"], \\"b\\": null}")'), { a: [1, "x"], b: null });
	});

	it("base64, urlencode, csvdecode", () => {
		assert.equal(call('base64encode("Hello World")'), "SGVsbG8gV29ybGQ=");
		assert.equal(call('base64decode("SGVsbG8gV29ybGQ=")'), "Hello World");
		assert.match(callError('base64decode("!!")'), /failed to decode base64 data '!!'/);
		assert.equal(call('urlencode("Hello World & Co/?")'), "Hello+World+%26+Co%2F%3F");
		assert.deepEqual(call('csvdecode("a,b\\n1,\\"x,y\\"\\n")'), [{ a: "1", b: "x,y" }]);
	});

	it("YAML", () => {
		assert.equal(
			call('yamlencode({a = "b", c = [1, 2], d = {e = true}, f = [{g = null}]})'),
			'"a": "b"\n"c":\n- 1\n- 2\n"d":\n  "e": true\n"f":\n- "g": null\n',
		);
		assert.equal(call("yamlencode([])"), "[]\n");
		assert.deepEqual(
			call('yamldecode("a: 1\\nb:\\n  - x\\n  - \\"y\\"\\nc: {d: true, e: [1, 2]}\\nf: |\\n  line1\\n  line2\\n")'),
			{
				a: 1,
				b: ["x", "y"],
				c: { d: true, e: [1, 2] },
				f: "line1\nline2\n",
			},
		);
	});
});

describe("numeric, hashing, network and time functions", () => {
	it("numbers", () => {
		assert.deepEqual(
			[
				call("abs(-3)"),
				call("ceil(1.2)"),
				call("floor(1.8)"),
				call("signum(-9)"),
				call("pow(2, 10)"),
				call("log(8, 2)"),
			],
			[3, 2, 1, -1, 1024, 3],
		);
		assert.deepEqual([call("max(1, 5, 3)"), call("min(4, 2)"), call("max([3, 9]...)")], [5, 2, 9]);
		assert.deepEqual(
			[call('parseint("ff", 16)'), call('parseint("-101", 2)'), call('parseint("FZ", 36)')],
			[255, -5, 575],
		);
		assert.match(callError('parseint("12", 2)'), /cannot parse "12" as a base 2 integer/);
	});

	it("hashes and UUIDs", () => {
		assert.equal(call('md5("hello")'), "5d41402abc4b2a76b9719d911017c592");
		assert.equal(call('sha1("hello")'), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
		assert.equal(call('sha256("hello")'), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
		assert.equal(call('uuidv5("dns", "www.terraform.io")'), "a5008fae-b28c-5ba5-96cd-82b4c53552d6");
		assert.match(String(call("uuidv4()")), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	it("CIDR", () => {
		assert.equal(call('cidrhost("10.12.112.0/20", 16)'), "10.12.112.16");
		assert.equal(call('cidrhost("10.12.112.0/20", 268)'), "10.12.113.12");
		assert.equal(call('cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)'), "fd00:fd12:3456:7890::22");
		assert.equal(call('cidrnetmask("172.16.0.0/12")'), "255.240.0.0");
		assert.equal(call('cidrsubnet("172.16.0.0/12", 4, 2)'), "172.18.0.0/16");
		assert.equal(call('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)'), "fd00:fd12:3456:7800:a200::/72");
		assert.deepEqual(call('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)'), [
			"10.1.0.0/20",
			"10.1.16.0/20",
			"10.1.32.0/24",
			"10.1.48.0/20",
		]);
	});

	it("formatdate and timeadd", () => {
		assert.equal(call('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")'), "02 Jan 2018 23:12 UTC");
		assert.equal(
			call('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")'),
			"Tuesday, 02-Jan-18 23:12:01 UTC",
		);
		assert.equal(
			call('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")'),
			"Tue, 02 Jan 2018 23:12:01 -0800",
		);
		assert.equal(call("formatdate(\"h:mmaa 'o''clock'\", \"2018-01-02T23:12:01Z\")"), "23:12pm o'clock");
		assert.equal(call('formatdate("HH:mm AA", "2018-01-02T03:04:05Z")'), "03:04 AM");
		assert.equal(call('timeadd("2017-11-22T00:00:00Z", "10m")'), "2017-11-22T00:10:00Z");
		assert.equal(call('timeadd("2017-11-22T23:30:00+01:00", "1h")'), "2017-11-23T00:30:00+01:00");
	});
});

describe("try, can, convert and the function table", () => {
	it("try/can capture evaluation errors", () => {
		assert.equal(call('try(local.nope, "fallback")', { vars: { local: {} } }), "fallback");
		assert.equal(call("can(local.nope)", { vars: { local: {} } }), false);
		assert.equal(call("can(local.x)", { vars: { local: { x: 1 } } }), true);
		assert.match(callError("try(1 + [], 2 / 0)"), /no expression succeeded:\n- Invalid operand \(at f\.hcl:1,9-11\)\n/);
		assert.deepEqual(call('convert(["a", "b"], set(string))'), ["a", "b"]);
		assert.equal(call('convert("5", number)'), 5);
	});

	it("only jobspec2's functions exist", () => {
		for (const name of ["tostring", "tonumber", "tolist", "regex", "timestamp", "templatefile"])
			assert.match(callError(`${name}("x")`), new RegExp(`There is no function named "${name}"`));
	});

	it("filesystem functions need allowFS", () => {
		const dir = mkdtempSync(join(tmpdir(), "jobspec-fn-"));
		writeFileSync(join(dir, "hello.txt"), "hi there\n");
		mkdirSync(join(dir, "sub"));
		writeFileSync(join(dir, "sub", "a.tpl"), "x");
		const opts = { baseDir: dir, allowFS: true };
		assert.equal(call('file("hello.txt")', opts), "hi there\n");
		assert.equal(call('filebase64("hello.txt")', opts), "aGkgdGhlcmUK");
		assert.equal(call('fileexists("hello.txt")', opts), true);
		assert.equal(call('fileexists("nope.txt")', opts), false);
		assert.deepEqual(call('fileset(".", "**/*.tpl")', opts), ["sub/a.tpl"]);
		assert.equal(call('basename("/a/b.txt")', opts), "b.txt");
		assert.equal(call('dirname("/a/b.txt")', opts), "/a");
		assert.match(callError('file("hello.txt")'), /Call to function "file" failed: filesystem function disabled\./);
	});
});
