import assert from "node:assert/strict";
import { test } from "node:test";
import { closest, FlagError, type FlagSpec, HelpRequested, parseFlags } from "./flags.ts";

const SPECS: FlagSpec[] = [
	{ name: "address", kind: "string" },
	{ name: "detach", kind: "bool" },
	{ name: "verbose", kind: "bool" },
	{ name: "n", kind: "int" },
	{ name: "var", kind: "list" },
];

test("Go flag syntax: -flag, --flag, -flag=value, -flag value, bools, lists", () => {
	const p = parseFlags(
		["--address", "http://x", "-detach", "-n=5", "-var", "a=1", "-var=b=2", "job.hcl", "-verbose"],
		SPECS,
	);
	assert.equal(p.values.address, "http://x");
	assert.equal(p.values.detach, true);
	assert.equal(p.values.n, 5);
	assert.deepEqual(p.values.var, ["a=1", "b=2"]);
	// Parsing stops at the first positional argument, as Go's flag package does.
	assert.equal(p.values.verbose, false);
	assert.deepEqual(p.args, ["job.hcl", "-verbose"]);
	assert.deepEqual([...p.set].sort(), ["address", "detach", "n", "var"]);
});

test("bool flags take =false but not a separate value; -- ends flags", () => {
	const p = parseFlags(["-detach=false", "true"], SPECS);
	assert.equal(p.values.detach, false);
	assert.deepEqual(p.args, ["true"]);
	assert.deepEqual(parseFlags(["--", "-detach"], SPECS).args, ["-detach"]);
	assert.deepEqual(parseFlags(["-"], SPECS).args, ["-"]);
});

test("errors name the flag and suggest a close one", () => {
	assert.throws(
		() => parseFlags(["-adress", "x"], SPECS),
		(e: Error) =>
			e instanceof FlagError && /flag provided but not defined: -adress \(did you mean -address\?\)/.test(e.message),
	);
	assert.throws(() => parseFlags(["-address"], SPECS), /flag needs an argument: -address/);
	assert.throws(() => parseFlags(["-n", "x"], SPECS), /invalid value "x" for flag -n/);
	assert.throws(() => parseFlags(["-detach=maybe"], SPECS), /invalid boolean value/);
	assert.throws(() => parseFlags(["-h"], SPECS), HelpRequested);
	assert.throws(() => parseFlags(["--help"], SPECS), HelpRequested);
});

test("closest: typos and transpositions, nothing for unrelated words", () => {
	assert.equal(closest("jbo", ["job", "node", "alloc"]), "job");
	assert.equal(closest("stauts", ["status", "stop"]), "status");
	assert.equal(closest("xyzzy", ["job", "node"]), undefined);
});
