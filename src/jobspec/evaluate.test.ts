// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is HCL template syntax, not JS
// Expression syntax and evaluation: literals, templates, heredocs, operators, conditionals,
// for-expressions, splats, indexing, and HCL's diagnostics for failures.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiagnosticsError, SourceFile } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { jobspecFunctions } from "./functions.ts";
import { parseConfig, parseExpressionText } from "./parseBody.ts";
import { undefinedVariable } from "./references.ts";
import { Scope } from "./scope.ts";
import { fromNative, toNative, type Value } from "./values.ts";

const FUNCS = jobspecFunctions("/nonexistent", false);

function evalValue(src: string, vars: Record<string, unknown> = {}): Value {
	const e = parseExpressionText(new SourceFile("t.hcl", src));
	const scope = new Scope(
		new Map(Object.entries(vars).map(([k, v]) => [k, fromNative(v)])),
		null,
		FUNCS,
		undefinedVariable,
	);
	return evaluate(e, scope);
}

const ev = (src: string, vars: Record<string, unknown> = {}) => toNative(evalValue(src, vars));

function evError(src: string, vars: Record<string, unknown> = {}): string {
	try {
		evalValue(src, vars);
	} catch (e) {
		if (e instanceof DiagnosticsError) {
			const d = e.diagnostics[0];
			return `${d.subject ? `${d.subject.start.line},${d.subject.start.column}-${d.subject.end.column}: ` : ""}${d.summary}; ${d.detail}`;
		}
		throw e;
	}
	assert.fail(`expected ${src} to fail`);
}

describe("literals and templates", () => {
	it("numbers, bools, null, strings with escapes", () => {
		assert.equal(ev("42"), 42);
		assert.equal(ev("1.5e3"), 1500);
		assert.equal(ev("-7"), -7);
		assert.equal(ev("true"), true);
		assert.equal(ev("null"), null);
		assert.equal(ev('"a\\nb\\t\\"c\\"\\\\ \\u00e9 \\U0001F600"'), 'a\nb\t"c"\\ é 😀');
		assert.equal(ev('"$${x} and %%{y}"'), "${x} and %{y}");
		assert.equal(ev('"100% $ sign"'), "100% $ sign");
	});

	it("interpolation converts to string; a lone interpolation keeps its type", () => {
		assert.equal(ev('"n=${1 + 2} b=${true}"'), "n=3 b=true");
		assert.deepEqual(ev('"${[1, 2]}"'), [1, 2]);
		assert.equal(ev('"v${0.5}"'), "v0.5");
		assert.match(
			evError('"x${[1]}"'),
			/Invalid template interpolation value; Cannot include the given value in a string template: string required/,
		);
		assert.match(evError('"x${null}"'), /Invalid template interpolation value; The expression result is null\./);
	});

	it("template directives and strip markers", () => {
		assert.equal(ev('"%{ if x }yes%{ else }no%{ endif }"', { x: false }), "no");
		assert.equal(ev('"%{ for i, v in ["a", "b"] }${i}=${v};%{ endfor }"'), "0=a;1=b;");
		assert.equal(ev('"a  ${~ "b" ~}  c"'), "abc");
	});

	it("heredocs, including flush heredocs", () => {
		const body = parseConfig(
			new SourceFile(
				"t.hcl",
				'a = <<EOT\nline1\n  line2 ${1 + 1}\nEOT\nb = <<-EOT\n    x\n      y\n    EOT\nc = <<EOT\n%{ for s in ["p", "q"] ~}\n${s}\n%{ endfor ~}\nEOT\n',
			),
		);
		const values = body.attributes.map((a) => toNative(evaluate(a.expr, new Scope(new Map(), null, FUNCS))));
		assert.deepEqual(values, ["line1\n  line2 2\n", "x\n  y\n", "p\nq\n"]);
	});
});

describe("HCL specification suite", () => {
	it("heredocs (hcl specsuite/tests/expressions/heredoc)", () => {
		const src = readFileSync(join(import.meta.dirname, "testdata", "hcl-spec-heredoc.hcl"), "utf8");
		const body = parseConfig(new SourceFile("heredoc.hcl", src));
		const scope = new Scope(
			new Map([
				["bar", fromNative("Bar")],
				["space_bar", fromNative("  Bar")],
			]),
		);
		const result = Object.fromEntries(body.attributes.map((a) => [a.name, toNative(evaluate(a.expr, scope))]));
		assert.deepEqual(result, {
			normal: {
				basic: "Foo\nBar\nBaz\n",
				indented: "    Foo\n    Bar\n    Baz\n",
				indented_more: "    Foo\n      Bar\n    Baz\n",
				interp: "    Foo\n    Bar\n    Baz\n",
				newlines_between: "Foo\n\nBar\n\nBaz\n",
				indented_newlines_between: "    Foo\n\n    Bar\n\n    Baz\n",
				marker_at_suffix: "    NOT EOT\n",
			},
			flush: {
				basic: "Foo\nBar\nBaz\n",
				indented: "Foo\nBar\nBaz\n",
				indented_more: "Foo\n  Bar\nBaz\n",
				indented_less: "  Foo\nBar\n  Baz\n",
				interp: "Foo\nBar\nBaz\n",
				interp_indented_more: "Foo\n  Bar\nBaz\n",
				interp_indented_less: "  Foo\n  Bar\n  Baz\n",
				tabs: "Foo\n Bar\n Baz\n",
				unicode_spaces: `\u2003Foo (there's two "em spaces" before Foo there)\nBar\nBaz\n`,
				newlines_between: "Foo\n\nBar\n\nBaz\n",
				indented_newlines_between: "Foo\n\nBar\n\nBaz\n",
			},
		});
	});

	it("operators (hcl specsuite/tests/expressions/operators)", () => {
		assert.deepEqual(
			[
				ev('"a" == "a"'),
				ev('"1" == 1'),
				ev('"true" != true'),
				ev("1 <= 1"),
				ev("2 + 3.5"),
				ev("3.5 - 2"),
				ev("2 - 3.5"),
				ev("2 * 4.5"),
			],
			[true, false, true, true, 5.5, 1.5, -1.5, 9],
		);
		assert.deepEqual(
			[ev("1 / 10"), ev("11 % 5"), ev("false || true"), ev("!false"), ev('false ? "a" : "b"')],
			[0.1, 1, true, true, "b"],
		);
	});

	it("string literals are NFC-normalized", () => {
		assert.equal(ev('"an\u0303o"'), "a\u00f1o");
	});
});

describe("operators", () => {
	it("arithmetic, comparison and logic with HCL precedence", () => {
		assert.equal(ev("1 + 2 * 3 - 4 / 2"), 5);
		assert.equal(ev("7 % 3"), 1);
		assert.equal(ev('"5" + 1'), 6);
		assert.equal(ev("1 < 2 && !(2 >= 3) || false"), true);
		assert.equal(ev("-(2 + 3)"), -5);
	});

	it("equality compares types too", () => {
		assert.equal(ev('1 == "1"'), false);
		assert.equal(ev("[1, 2] == [1, 2]"), true);
		assert.equal(ev("{a = 1} != {a = 1}"), false);
		assert.equal(ev("null == null"), true);
	});

	it("operand errors", () => {
		assert.equal(
			evError('1 + "x"'),
			"1,5-8: Invalid operand; Unsuitable value for right operand: a number is required.",
		);
		assert.equal(evError("1 / 0"), "1,1-6: Operation failed; Error during operation: can't divide by zero.");
		assert.match(evError('"yes" && true'), /Unsuitable value for left operand: a bool is required\./);
	});

	it("conditionals unify result types and only report the chosen branch's errors", () => {
		assert.equal(ev('true ? 1 : "x"'), "1");
		assert.equal(ev("false ? local.missing : 2", { local: {} }), 2);
		assert.equal(
			evError('"maybe" ? 1 : 2'),
			"1,1-8: Incorrect condition type; The condition expression must be of type bool.",
		);
		assert.match(evError("null ? 1 : 2"), /Null condition/);
	});
});

describe("collections", () => {
	it("tuples, objects and keys", () => {
		assert.deepEqual(ev('[1, "a", [true]]'), [1, "a", [true]]);
		assert.deepEqual(ev('{ a = 1, "b.c" = 2, (x) = 3, d: 4 }', { x: "k" }), { a: 1, "b.c": 2, k: 3, d: 4 });
		assert.deepEqual(ev("{\n  a = 1\n  b = 2\n}"), { a: 1, b: 2 });
		assert.match(evError("{ a.b = 1 }"), /Ambiguous attribute key/);
	});

	it("for-expressions over lists, maps, with conditions and grouping", () => {
		assert.deepEqual(ev('[for s in ["a", "b"] : upper(s)]'), ["A", "B"]);
		assert.deepEqual(ev("[for i, v in [10, 20] : i + v if v > 10]"), [21]);
		assert.deepEqual(ev("{for k, v in {b = 2, a = 1} : v => k}"), { "1": "a", "2": "b" });
		assert.deepEqual(ev('{for s in ["a", "bb", "cc"] : length(s) => s...}'), { "1": ["a"], "2": ["bb", "cc"] });
		assert.match(
			evError('{for s in ["a", "a"] : s => s}'),
			/Duplicate object key; Two different items produced the key "a"/,
		);
		assert.match(
			evError("[for s in 5 : s]"),
			/Iteration over non-iterable value; A value of type number cannot be used/,
		);
	});

	it("index, attribute access and splats", () => {
		const vars = {
			l: [
				{ id: 1, tags: ["x"] },
				{ id: 2, tags: ["y"] },
			],
			m: { a: { b: "c" } },
			n: null,
		};
		assert.equal(ev("l[1].id", vars), 2);
		assert.equal(ev('m["a"].b', vars), "c");
		assert.equal(ev("l.0.id", vars), 1);
		assert.deepEqual(ev("l[*].id", vars), [1, 2]);
		assert.deepEqual(ev("l.*.id", vars), [1, 2]);
		assert.deepEqual(ev("l[*].tags[0]", vars), ["x", "y"]);
		assert.deepEqual(ev("m[*]", vars), [{ a: { b: "c" } }]);
		assert.deepEqual(ev("n[*]", vars), []);
		assert.equal(ev("l[length(l) - 1].id", vars), 2);
		assert.equal(
			evError("l[5]", vars).replace(/^[\d,-]+: /, ""),
			"Invalid index; The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection.",
		);
		assert.equal(
			evError("m.z", vars),
			'1,2-4: Unsupported attribute; This object does not have an attribute named "z".',
		);
		assert.match(evError("l.id", vars), /Can't access attributes on a list of objects/);
		assert.match(evError("n.x", vars), /Attempt to get attribute from null value/);
	});
});

describe("variables", () => {
	it("unknown root variables evaluate to their own ${...} text", () => {
		assert.equal(ev('"${attr.kernel.name}"'), "${attr.kernel.name}");
		assert.equal(ev("node.unique.name"), "${node.unique.name}");
		assert.equal(ev('"id-${NOMAD_ALLOC_INDEX}"'), "id-${NOMAD_ALLOC_INDEX}");
		assert.equal(ev('upper("${meta.x}")'), "${META.X}");
	});

	it("without a context, variables and functions are not allowed", () => {
		const e = parseExpressionText(new SourceFile("t.hcl", "var.x"));
		assert.throws(() => evaluate(e, null), /Variables not allowed/);
		const f = parseExpressionText(new SourceFile("t.hcl", 'upper("x")'));
		assert.throws(() => evaluate(f, null), /Function calls not allowed/);
	});
});
