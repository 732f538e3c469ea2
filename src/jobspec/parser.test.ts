// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is HCL template syntax, not JS
// Syntax trees of HCL native syntax: body structure, source ranges and expression shapes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Expr } from "./ast.ts";
import { rangeString, SourceFile } from "./diagnostics.ts";
import { parseConfig, parseExpressionText } from "./parseBody.ts";

const expr = (src: string): Expr => parseExpressionText(new SourceFile("e.hcl", src));

describe("bodies", () => {
	it("attributes and blocks with labels, comments and one-line blocks", () => {
		const body = parseConfig(
			new SourceFile(
				"t.hcl",
				'# comment\njob "web" { // trailing\n  /* block\n  comment */\n  region = "global"\n  group "g" { count = 2 }\n  port http {}\n}\n',
			),
		);
		assert.equal(body.blocks.length, 1);
		const job = body.blocks[0];
		assert.deepEqual([job.type, job.labels], ["job", ["web"]]);
		assert.equal(rangeString(job.typeRange), "t.hcl:2,1-4");
		assert.equal(rangeString(job.labelRanges[0]), "t.hcl:2,5-10");
		assert.equal(rangeString(job.openBraceRange), "t.hcl:2,11-12");
		assert.equal(job.body.attributes[0].name, "region");
		assert.equal(rangeString(job.body.attributes[0].nameRange), "t.hcl:5,3-9");
		assert.equal(rangeString(job.body.attributes[0].range), "t.hcl:5,3-20");
		assert.deepEqual(
			job.body.blocks.map((b) => [b.type, b.labels, b.body.attributes.map((a) => a.name)]),
			[
				["group", ["g"], ["count"]],
				["port", ["http"], []],
			],
		);
	});

	it("expressions may span lines inside brackets, but an attribute ends at the newline", () => {
		const body = parseConfig(new SourceFile("t.hcl", 'a = [\n  1,\n  2,\n]\nb = f(\n  "x",\n)\nc = 1\n'));
		assert.deepEqual(
			body.attributes.map((a) => a.expr.k),
			["tuple", "call", "literal"],
		);
	});

	it("columns count characters, not bytes", () => {
		const body = parseConfig(new SourceFile("t.hcl", 'a = "héé" \nb = 1\n'));
		assert.equal(rangeString(body.attributes[0].range), "t.hcl:1,1-10");
	});
});

describe("expressions", () => {
	it("traversals keep literal index steps, identifiers may contain dashes", () => {
		const e = expr('attr.dev-us-east1.x[0]["k"].5');
		assert.equal(e.k, "traversal");
		if (e.k !== "traversal") return;
		assert.equal(e.root, "attr");
		assert.deepEqual(
			e.steps.map((s) => (s.k === "attr" ? s.name : s.key.v)),
			["dev-us-east1", "x", 0, "k", 5],
		);
		assert.equal(expr("a[b]").k, "index");
		assert.equal(expr("f(x)[0]").k, "relative");
	});

	it("operator precedence and associativity", () => {
		const e = expr("a || b && c == d + e * f");
		assert.equal(e.k, "binary");
		if (e.k !== "binary") return;
		assert.equal(e.op, "||");
		const right = e.right;
		assert.ok(right.k === "binary" && right.op === "&&");
		const sub = expr("10 - 3 - 2");
		assert.ok(sub.k === "binary" && sub.left.k === "binary" && sub.op === "-");
	});

	it("templates: passthrough interpolation versus concatenation", () => {
		assert.equal(expr('"${x}"').k, "wrap");
		assert.equal(expr('"a${x}"').k, "template");
		assert.equal(expr('"${x}${y}"').k, "template");
		const t = expr('"%{ if a }b%{ endif }"');
		assert.ok(t.k === "template" && t.parts[0].k === "if");
	});

	it("splats, for-expressions and object keys", () => {
		const s = expr("a[*].b.c[0]");
		assert.ok(s.k === "splat" && s.each.k === "relative" && s.each.steps.length === 3);
		const f = expr("{ for k, v in m : k => v... if v != null }");
		assert.ok(f.k === "for" && f.keyVar === "k" && f.group && f.cond);
		const o = expr('{ a = 1, (b) = 2, "c" : 3 }');
		assert.ok(o.k === "object");
		if (o.k !== "object") return;
		assert.deepEqual(
			o.items.map((i) => i.forceNonLiteral),
			[false, true, false],
		);
	});

	it("reports positioned syntax errors", () => {
		assert.throws(() => expr("1 +"), /Invalid expression/);
		assert.throws(() => expr("a b"), /Extra characters after expression/);
	});
});
