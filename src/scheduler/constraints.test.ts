// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOperand, constraintString, constraintsEscape, meetsConstraint, resolveTarget } from "./constraints.ts";
import { mockNode } from "./mock.ts";

const node = mockNode({
	ID: "node-id-1",
	Name: "node-one",
	Datacenter: "dc9",
	NodeClass: "large",
	NodePool: "prod",
	Attributes: {
		"kernel.name": "linux",
		"cpu.numcores": "8",
		"os.version": "22.04",
		"nomad.version": "1.7.3-beta.1",
		"os.signals": "SIGHUP, SIGINT,SIGTERM",
		"x.float": "2.5",
	},
	Meta: { rack: "r12", tier: "gold" },
});

const c = (LTarget: string, Operand: string, RTarget: string) => meetsConstraint({ LTarget, Operand, RTarget }, node);
const F = { value: "", found: false };
const T = (value: string) => ({ value, found: true });

test("targets interpolate node fields, attributes and meta; literals pass through", () => {
	assert.deepEqual(resolveTarget("${node.unique.id}", node), T("node-id-1"));
	assert.deepEqual(resolveTarget("${node.unique.name}", node), T("node-one"));
	assert.deepEqual(resolveTarget("${node.datacenter}", node), T("dc9"));
	assert.deepEqual(resolveTarget("${node.class}", node), T("large"));
	assert.deepEqual(resolveTarget("${node.pool}", node), T("prod"));
	assert.deepEqual(resolveTarget("${attr.kernel.name}", node), T("linux"));
	assert.deepEqual(resolveTarget("${meta.rack}", node), T("r12"));
	assert.deepEqual(resolveTarget("${attr.missing}", node), F);
	assert.deepEqual(resolveTarget("${meta.missing}", node), F);
	assert.deepEqual(resolveTarget("${node.bogus}", node), F);
	assert.deepEqual(resolveTarget("linux", node), T("linux"));
});

test("equality operands: =, ==, is need both sides; !=, not compare even missing values", () => {
	for (const op of ["=", "==", "is"]) {
		assert.ok(c("${attr.kernel.name}", op, "linux"), op);
		assert.ok(!c("${attr.kernel.name}", op, "windows"), op);
		assert.ok(!c("${attr.missing}", op, ""), `${op} missing`);
	}
	for (const op of ["!=", "not"]) {
		assert.ok(c("${attr.kernel.name}", op, "windows"), op);
		assert.ok(!c("${attr.kernel.name}", op, "linux"), op);
		assert.ok(c("${attr.missing}", op, "x"), `${op}: missing is "" which differs`);
		assert.ok(!c("${attr.missing}", op, ""), `${op}: missing equals ""`);
	}
	assert.ok(c("${meta.tier}", "=", "gold"));
	assert.ok(c("${node.datacenter}", "=", "dc9"));
});

test("ordering operands: integers numerically, then floats, else lexically", () => {
	assert.ok(c("${attr.cpu.numcores}", ">", "4"));
	assert.ok(c("${attr.cpu.numcores}", ">=", "8"));
	assert.ok(!c("${attr.cpu.numcores}", "<", "8"));
	assert.ok(c("${attr.cpu.numcores}", "<", "10"), "numeric, not lexical ('8' > '10' lexically)");
	assert.ok(c("${attr.x.float}", "<", "10"), "float comparison");
	assert.ok(c("${attr.x.float}", ">", "2.25"));
	assert.ok(c("${attr.kernel.name}", ">", "darwin"), "lexical");
	assert.ok(c("${attr.kernel.name}", "<=", "linux"));
	assert.ok(!c("${attr.missing}", "<", "5"));
	assert.ok(checkOperand("<", T("a10"), T("a9")), "lexical when not numeric");
});

test("is_set / is_not_set", () => {
	assert.ok(c("${attr.kernel.name}", "is_set", ""));
	assert.ok(!c("${attr.missing}", "is_set", ""));
	assert.ok(c("${attr.missing}", "is_not_set", ""));
	assert.ok(!c("${meta.rack}", "is_not_set", ""));
});

test("regexp matches anywhere unless anchored; invalid patterns never match", () => {
	assert.ok(c("${attr.kernel.name}", "regexp", "^lin"));
	assert.ok(c("${meta.rack}", "regexp", "r1[0-9]"));
	assert.ok(!c("${meta.rack}", "regexp", "^r2"));
	assert.ok(c("${attr.kernel.name}", "regexp", "(?i)LINUX"));
	assert.ok(!c("${attr.kernel.name}", "regexp", "(unclosed"));
	assert.ok(!c("${attr.missing}", "regexp", ".*"));
});

test("set_contains / set_contains_all / set_contains_any trim items", () => {
	assert.ok(c("${attr.os.signals}", "set_contains", "SIGINT"));
	assert.ok(c("${attr.os.signals}", "set_contains", "SIGTERM, SIGHUP"));
	assert.ok(!c("${attr.os.signals}", "set_contains", "SIGHUP,SIGUSR1"));
	assert.ok(c("${attr.os.signals}", "set_contains_all", "SIGHUP,SIGINT"));
	assert.ok(c("${attr.os.signals}", "set_contains_any", "SIGUSR1, SIGTERM"));
	assert.ok(!c("${attr.os.signals}", "set_contains_any", "SIGUSR1,SIGUSR2"));
	assert.ok(!c("${attr.missing}", "set_contains_any", "a"));
});

test("version uses go-version semantics (pre-releases only match pre-release constraints)", () => {
	assert.ok(c("${attr.os.version}", "version", ">= 20.04"));
	assert.ok(c("${attr.os.version}", "version", "> 20, < 23"));
	assert.ok(!c("${attr.os.version}", "version", "~> 21.0"));
	assert.ok(c("${attr.os.version}", "version", "~> 22.0"));
	assert.ok(!c("${attr.nomad.version}", "version", ">= 1.7.0"), "pre-release vs release constraint");
	assert.ok(c("${attr.nomad.version}", "version", ">= 1.7.3-alpha"), "same core, pre-release constraint");
	assert.ok(!c("${attr.kernel.name}", "version", ">= 1"), "unparseable version");
	assert.ok(!c("${attr.os.version}", "version", "garbage"), "unparseable constraint");
});

test("semver orders pre-releases like SemVer", () => {
	assert.ok(c("${attr.nomad.version}", "semver", ">= 1.7.0"), "1.7.3-beta.1 >= 1.7.0");
	assert.ok(c("${attr.nomad.version}", "semver", "< 1.7.3"));
	assert.ok(!c("${attr.nomad.version}", "semver", "~> 1.7"), "no pessimistic operator in semver");
	assert.ok(c("${attr.os.version}", "semver", "= 22.4.0"), "leading zeros parse numerically");
});

test("distinct_* operands pass feasibility (they are enforced by the stack); unknown operands fail", () => {
	assert.ok(c("", "distinct_hosts", ""));
	assert.ok(c("${meta.rack}", "distinct_property", "2"));
	assert.ok(!c("${meta.rack}", "bogus", "r12"));
});

test("constraint strings and escaping", () => {
	assert.equal(
		constraintString({ LTarget: "${attr.kernel.name}", Operand: "=", RTarget: "linux" }),
		"${attr.kernel.name} = linux",
	);
	assert.ok(constraintsEscape([{ LTarget: "${node.unique.id}", Operand: "=", RTarget: "x" }]));
	assert.ok(constraintsEscape([{ LTarget: "x", Operand: "=", RTarget: "${attr.unique.hostname}" }]));
	assert.ok(constraintsEscape([{ LTarget: "${meta.unique.x}", Operand: "is_set", RTarget: "" }]));
	assert.ok(!constraintsEscape([{ LTarget: "${attr.kernel.name}", Operand: "=", RTarget: "linux" }]));
	assert.ok(!constraintsEscape(null));
});
