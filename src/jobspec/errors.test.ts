// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// Diagnostics: message text as Nomad's jobspec2 formats it, and the file/line/column of the error.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JobspecError, type ParseOptions, parseJobspec } from "./index.ts";

async function parseError(src: string, opts: ParseOptions = {}): Promise<JobspecError> {
	try {
		await parseJobspec(src, opts);
	} catch (e) {
		assert.ok(e instanceof JobspecError, `expected JobspecError, got ${e}`);
		return e;
	}
	assert.fail("expected the jobspec to be rejected");
}

describe("syntax errors (reported by HashiCorp's parser)", () => {
	it("invalid expression", async () => {
		const e = await parseError('job "x" {\n  a = \n}\n');
		assert.equal(
			e.message,
			"input.hcl:2,7-3,1: Invalid expression; Expected the start of an expression, but found an invalid expression token.",
		);
		assert.deepEqual([e.file, e.line, e.column], ["input.hcl", 2, 7]);
	});

	it("several syntax errors are summarised", async () => {
		const e = await parseError('variable "x" { type = string\n}\nlocals { a = 1\n}\njob "j" {}\n', {
			filename: "j.nomad.hcl",
		});
		assert.match(
			e.message,
			/^j\.nomad\.hcl:1,29-2,1: Invalid single-argument block definition; .*, and 1 other diagnostic\(s\)$/s,
		);
		assert.deepEqual([e.file, e.line, e.column], ["j.nomad.hcl", 1, 29]);
	});

	it("invalid body (TestParse_InvalidHCL)", async () => {
		const e = await parseError("invalid{hcl");
		assert.match(e.message, /^input\.hcl:1,9-12: Argument or block definition required; /);
	});

	it("attribute redefined", async () => {
		const e = await parseError('job "x" {\n  region = "a"\n  region = "b"\n}\n');
		assert.equal(
			e.message,
			'input.hcl:3,3-9: Attribute redefined; The argument "region" was already set at input.hcl:2,3-9. Each argument may be set only once.',
		);
	});
});

describe("schema errors", () => {
	it("unsupported argument, with file/line/column", async () => {
		const e = await parseError('job "x" {\n  foo = 1\n}\n', { filename: "web.nomad.hcl" });
		assert.equal(e.message, 'web.nomad.hcl:2,3-6: Unsupported argument; An argument named "foo" is not expected here.');
		assert.deepEqual([e.file, e.line, e.column], ["web.nomad.hcl", 2, 3]);
	});

	it("suggests near names", async () => {
		const e = await parseError('job "x" {\n  regoin = "a"\n  group "g" {\n    tsk "t" {}\n  }\n}\n');
		assert.equal(
			e.message,
			[
				'input.hcl:2,3-9: Unsupported argument; An argument named "regoin" is not expected here. Did you mean "region"?',
				'input.hcl:4,5-8: Unsupported block type; Blocks of type "tsk" are not expected here. Did you mean "task"?',
			].join("\n"),
		);
	});

	it("attribute written as a block and block written as an attribute", async () => {
		const e = await parseError('job "x" {\n  group = "g"\n  group "g" {\n    count {}\n  }\n}\n');
		assert.equal(
			e.message,
			[
				'input.hcl:2,3-8: Unsupported argument; An argument named "group" is not expected here. Did you mean to define a block of type "group"?',
				'input.hcl:4,5-10: Unsupported block type; Blocks of type "count" are not expected here. Did you mean to define argument "count"? If so, use the equals sign to assign it a value.',
			].join("\n"),
		);
	});

	it("consul_namespace is not a jobspec argument in jobspec2", async () => {
		const e = await parseError('job "x" {\n  consul_namespace = "a"\n}\n');
		assert.match(e.message, /Unsupported argument; An argument named "consul_namespace" is not expected here/);
	});

	it("labels: missing, extraneous", async () => {
		let e = await parseError('job "x" {\n  group {\n  }\n}\n');
		assert.equal(e.message, "input.hcl:2,9-10: Missing name for group; All group blocks must have 1 labels (name).");
		e = await parseError('job "x" {\n  group "g" {\n    task "a" "b" {}\n  }\n}\n');
		assert.equal(
			e.message,
			"input.hcl:3,14-17: Extraneous label for task; Only 1 labels (name) are expected for task blocks.",
		);
		e = await parseError('job "x" {\n  update "u" {}\n}\n');
		assert.equal(
			e.message,
			"input.hcl:2,10-13: Extraneous label for update; No labels are expected for update blocks.",
		);
	});

	it("duplicate blocks", async () => {
		let e = await parseError('job "x" {\n  group "g" {\n    update {}\n    update {}\n  }\n}\n');
		assert.equal(
			e.message,
			"input.hcl:4,5-11: Duplicate update block; Only one update block is allowed. Another was defined at input.hcl:3,5-11.",
		);
		e = await parseError('job "a" {}\njob "b" {}\n');
		assert.equal(
			e.message,
			'input.hcl:2,1-8: Duplicate job block; Only one block of type "job" is allowed. Previous definition was at input.hcl:1,1-8.',
		);
		e = await parseError('job "x" {\n  task "t" {\n    env = {"a": "b"}\n    env {\n      c = "d"\n    }\n  }\n}\n');
		assert.equal(
			e.message,
			"input.hcl:4,5-8: Duplicate env block; env may not be defined more than once. Another definition is defined at input.hcl:3,5-21.",
		);
	});

	it("missing job block and required arguments", async () => {
		let e = await parseError('variable "x" {\n  default = 1\n}\n');
		assert.equal(e.message, "Missing job block; A job block is required");
		assert.deepEqual([e.line, e.column], [0, 0]);
		e = await parseError('job "x" {\n  task "t" {\n    lifecycle {\n    }\n  }\n}\n');
		assert.equal(
			e.message,
			'input.hcl:3,15-15: Missing required argument; The argument "hook" is required, but no definition was found.',
		);
	});

	it("top-level content other than job, variable(s) and locals", async () => {
		const e = await parseError('job "x" {}\ngroup "g" {}\nfoo = 1\n');
		assert.equal(
			e.message,
			[
				'input.hcl:3,1-4: Unsupported argument; An argument named "foo" is not expected here.',
				'input.hcl:2,1-6: Unsupported block type; Blocks of type "group" are not expected here.',
			].join("\n"),
		);
	});

	it("scaling policy checks (TestParse_InvalidScalingSyntax)", async () => {
		const group = (scaling: string, task = 'scaling "cpu" {\n max = 20\n }\n') =>
			`job "example" {\n  group "g1" {\n    scaling {\n${scaling}\n    }\n    task "t1" {\n${task}    }\n  }\n}\n`;
		assert.match((await parseError(group('type = "horizontal"'))).message, /argument "max" is required/);
		assert.match(
			(await parseError(group('max = 40\ntype = "invalid_type"'))).message,
			/task group scaling policy had invalid type/,
		);
		assert.match(
			(await parseError(group("max = 40", 'scaling "not_cpu" {\nmax = 20\n}\n'))).message,
			/scaling policy name must be "cpu" or "mem"/,
		);
		assert.match(
			(await parseError(group("max = 40", 'scaling "cpu" {\nmax = 20\n}\nscaling "cpu" {\nmax = 2\n}\n'))).message,
			/Duplicate scaling "cpu" block/,
		);
		assert.match(
			(await parseError(group("max = 40", 'scaling "cpu" {\nmax = 20\ntype="invalid"\n}\n'))).message,
			/Invalid scaling policy type/,
		);
	});
});

describe("value errors", () => {
	it("type mismatches point at the value", async () => {
		const e = await parseError('job "x" {\n  group "g" {\n    count = "abc"\n  }\n}\n');
		assert.equal(e.message, "input.hcl:3,14-17: Unsuitable value type; Unsuitable value: a number is required");
		assert.deepEqual([e.line, e.column], [3, 14]);
		const e2 = await parseError('job "x" {\n  datacenters = "dc1"\n}\n');
		assert.equal(
			e2.message,
			"input.hcl:2,18-21: Unsuitable value type; Unsuitable value: list of string required, but have string",
		);
		const e3 = await parseError('job "x" {\n  region = ["a"]\n}\n');
		assert.equal(
			e3.message,
			"input.hcl:2,12-13: Unsuitable value type; Unsuitable value: string required, but have tuple",
		);
		const e4 = await parseError('job "x" {\n  all_at_once = "yes"\n}\n');
		assert.equal(e4.message, "input.hcl:2,18-21: Unsuitable value type; Unsuitable value: a bool is required");
	});

	it("durations", async () => {
		const e = await parseError('job "x" {\n  task "t" {\n    kill_timeout = "5x"\n  }\n}\n');
		assert.equal(
			e.message,
			'input.hcl:3,21-23: Unsuitable value type; Unsuitable duration value: time: unknown unit "x" in duration "5x"',
		);
		const e2 = await parseError('job "x" {\n  task "t" {\n    kill_timeout = true\n  }\n}\n');
		assert.equal(
			e2.message,
			"input.hcl:3,20-24: Unsuitable value type; Unsuitable value: expected a string but found cty.Bool",
		);
	});

	it("env written as a list (Test_TaskEnvs_Invalid)", async () => {
		const e = await parseError('job "x" {\n  task "t" {\n    env = [ "a" ]\n  }\n}\n');
		assert.equal(e.message, "input.hcl:3,11-12: Unsuitable value type; Unsuitable value: map of string required");
		const e2 = await parseError('job "x" {\n  task "t" {\n    env = { key = local.undefined_local }\n  }\n}\n');
		assert.match(e2.message, /does not have an attribute named "undefined_local"/);
	});

	it("constraint attribute types", async () => {
		const e = await parseError('job "x" {\n  constraint {\n    distinct_hosts = "maybe"\n  }\n}\n');
		assert.equal(
			e.message,
			'input.hcl:3,22-29: Incorrect attribute value type; Inappropriate value for attribute "distinct_hosts": a bool is required.',
		);
	});

	it("functions: unknown, disabled filesystem, failures", async () => {
		let e = await parseError('job "x" {\n  region = tostring(1)\n}\n');
		assert.equal(e.message, 'input.hcl:2,12-20: Call to unknown function; There is no function named "tostring".');
		e = await parseError('job "x" {\n  region = lowr("A")\n}\n');
		assert.equal(
			e.message,
			'input.hcl:2,12-16: Call to unknown function; There is no function named "lowr". Did you mean "lower"?',
		);
		e = await parseError('job "x" {\n  region = file("x.txt")\n}\n');
		assert.equal(
			e.message,
			'input.hcl:2,12-17: Error in function call; Call to function "file" failed: filesystem function disabled.',
		);
		e = await parseError('job "x" {\n  region = element([], 0)\n}\n');
		assert.equal(
			e.message,
			'input.hcl:2,12-20: Error in function call; Call to function "element" failed: cannot use element function with an empty list.',
		);
		e = await parseError('job "x" {\n  region = upper()\n}\n');
		assert.equal(
			e.message,
			'input.hcl:2,19-19: Not enough function arguments; Function "upper" expects 1 argument(s). Missing value for "str".',
		);
	});

	it("variables that are not declared and unknown attributes", async () => {
		const e = await parseError('job "x" {\n  region = var.nope\n}\n');
		assert.equal(
			e.message,
			'input.hcl:2,15-20: Unsupported attribute; This object does not have an attribute named "nope".',
		);
	});
});
