import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "@cdktn/hcl2json";
import { hcl1ToHcl2 } from "./hcl1.ts";

async function parsed(src: string): Promise<unknown> {
	return parse("t.hcl", hcl1ToHcl2(src));
}

describe("hcl1ToHcl2", () => {
	test("leaves valid HCL2 alone (apart from block line breaks)", async () => {
		const src = 'region = "r"\nserver {\n  enabled = true\n}\n';
		assert.equal(hcl1ToHcl2(src), src);
	});

	test("one-line blocks with several items and commas", async () => {
		assert.deepEqual(
			await parsed("server { enabled = true, bootstrap_expect = 3 }\nports { http = 1 } ports { rpc = 2 }\n"),
			{
				server: [{ enabled: true, bootstrap_expect: 3 }],
				ports: [{ http: 1 }, { rpc: 2 }],
			},
		);
	});

	test("quoted and dotted keys turn a block into a map", async () => {
		assert.deepEqual(
			await parsed('client {\n  options {\n    "driver.raw_exec.enable" = "1"\n  }\n  meta { rack.row = "a" }\n}\n'),
			{ client: [{ options: { "driver.raw_exec.enable": "1" }, meta: { "rack.row": "a" } }] },
		);
	});

	test("strings, comments and heredocs are not touched", async () => {
		const interp = "${f({a = 1})}";
		const src = `# a { comment, }\nx = "a, { b }"\n/* { */ y = <<EOT\nz { w, }\nEOT\nv = "${interp}"\n`;
		assert.deepEqual(await parsed(src), { x: "a, { b }", y: "z { w, }\n", v: interp });
	});

	test("nested blocks and lists spanning lines", async () => {
		assert.deepEqual(
			await parsed('plugin "docker" { config { volumes { enabled = true } } }\nservers = ["a",\n  "b"]\n'),
			{ plugin: { docker: [{ config: [{ volumes: [{ enabled: true }] }] }] }, servers: ["a", "b"] },
		);
	});
});
