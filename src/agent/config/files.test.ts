import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError } from "./errors.ts";
import { expandConfigPath, parseConfigFile, parseConfigText } from "./files.ts";

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), "nomad-ts-files-"));
});
after(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
	await assert.rejects(p, (err: unknown) => {
		assert.ok(err instanceof ConfigError, String(err));
		assert.match(err.message, re);
		return true;
	});
}

describe("format detection", () => {
	test("HCL blocks come back as lists of objects", async () => {
		const body = await parseConfigText(
			"a.hcl",
			'server {\n  enabled = true\n}\nplugin "raw_exec" {\n  config {\n    enabled = true\n  }\n}\n',
		);
		assert.deepEqual(body, { server: [{ enabled: true }], plugin: { raw_exec: [{ config: [{ enabled: true }] }] } });
	});

	test("JSON by extension or by a leading brace", async () => {
		assert.deepEqual(await parseConfigText("a.json", '{"region": "r"}'), { region: "r" });
		assert.deepEqual(await parseConfigText("agent.conf", '  \n{"region": "r"}'), { region: "r" });
		assert.deepEqual(await parseConfigText("agent", 'region = "r"\n'), { region: "r" });
	});

	test("trailing commas in JSON are tolerated, as HCL1 does", async () => {
		assert.deepEqual(await parseConfigText("a.json", '{"server": {"enabled": true,},}'), { server: { enabled: true } });
	});

	test("syntax errors name the file and position", async () => {
		await rejects(parseConfigText("bad.hcl", "server {\n  enabled = tru"), /^bad\.hcl: invalid HCL: .*bad\.hcl:1,8/);
		await rejects(parseConfigText("bad.json", '{"server": }'), /^bad\.json: invalid JSON: Unexpected token/);
	});

	test("the top level must be an object", async () => {
		await rejects(parseConfigText("a.json", "[1, 2]"), /^a\.json: the configuration must be an object/);
	});
});

describe("paths", () => {
	test("a directory expands to its .hcl/.json files in lexical order", async () => {
		const d = join(dir, "d");
		await mkdir(join(d, "nested.json"), { recursive: true });
		for (const n of ["b.json", "a.hcl", "c.txt", "#x.hcl#", ".#y.hcl", "z.hcl~", "B.hcl"])
			await writeFile(join(d, n), "");
		assert.deepEqual(
			await expandConfigPath(d),
			["B.hcl", "a.hcl", "b.json"].map((n) => join(d, n)),
		);
	});

	test("a file expands to itself; a missing path is an error naming it", async () => {
		const f = join(dir, "one.hcl");
		await writeFile(f, 'region = "x"\n');
		assert.deepEqual(await expandConfigPath(f), [f]);
		assert.deepEqual((await parseConfigFile(f)).body, { region: "x" });
		const missing = join(dir, "missing.hcl");
		await rejects(expandConfigPath(missing), new RegExp(`^${missing}: cannot load configuration: no such file`));
		await rejects(parseConfigFile(missing), new RegExp(`^${missing}: cannot load configuration: no such file`));
	});
});

test("a .hcl file holding JSON is read as JSON, as HCL1 does", async () => {
	assert.deepEqual(await parseConfigText("a.hcl", '{"region": "r"}'), { region: "r" });
});
