// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// JSON input: HCL's JSON syntax for jobspecs and var files, and api.Job JSON (`job run -json`).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isJSONJobspec, JobspecError, parseJobspec, parseJSONJobspec } from "./index.ts";

// biome-ignore lint/suspicious/noExplicitAny: navigating decoded job JSON in assertions
type J = Record<string, any>;

describe("HCL JSON syntax", () => {
	it("parses a jobspec written in JSON", async () => {
		const src = JSON.stringify({
			variable: { image: { default: "nginx:1" } },
			job: {
				example: {
					datacenters: ["dc1"],
					meta: { team: "web" },
					constraint: [{ attribute: "${attr.kernel.name}", value: "linux" }],
					group: {
						web: {
							count: 2,
							network: { port: { http: { to: 80 } } },
							task: {
								server: {
									driver: "docker",
									config: { image: "${var.image}", ports: ["http"], labels: { a: "b" } },
									env: { ALLOC: "${NOMAD_ALLOC_ID}" },
									resources: { cpu: 200, memory: 64 },
									kill_timeout: "10s",
								},
							},
						},
					},
				},
			},
		});
		const job = (await parseJobspec(src)) as J;
		assert.equal(job.ID, "example");
		assert.deepEqual(job.Meta, { team: "web" });
		assert.deepEqual(job.Constraints, [{ LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "=" }]);
		const tg = job.TaskGroups[0];
		assert.deepEqual([tg.Name, tg.Count], ["web", 2]);
		assert.deepEqual(tg.Networks[0].DynamicPorts[0].Label, "http");
		const t = tg.Tasks[0];
		assert.deepEqual(t.Config, { image: "nginx:1", ports: ["http"], labels: { a: "b" } });
		assert.deepEqual(t.Env, { ALLOC: "${NOMAD_ALLOC_ID}" });
		assert.equal(t.KillTimeout, 10_000_000_000);
		assert.equal(t.Resources.CPU, 200);
	});

	it("reports unknown properties", async () => {
		await assert.rejects(parseJobspec('{"job": {"x": {"regoin": "a"}}}'), (e: unknown) => {
			assert.ok(e instanceof JobspecError);
			assert.equal(
				e.message,
				'input.hcl:1,16-24: Extraneous JSON object property; No argument or block type is named "regoin". Did you mean "region"?',
			);
			return true;
		});
	});
});

describe("api.Job JSON", () => {
	it('detects JSON and unwraps {"Job": ...}', () => {
		assert.equal(isJSONJobspec('  {"Job": {}}'), true);
		assert.equal(isJSONJobspec('job "x" {}'), false);
		assert.deepEqual(parseJSONJobspec('{"Job": {"ID": "a", "TaskGroups": []}}'), { ID: "a", TaskGroups: [] });
		assert.deepEqual(parseJSONJobspec('{"job": {"ID": "b"}}'), { ID: "b" });
		assert.deepEqual(parseJSONJobspec('{"ID": "c", "Name": "c"}'), { ID: "c", Name: "c" });
		assert.throws(() => parseJSONJobspec("{nope"), /^JobspecError: Failed to parse JSON job: /);
	});
});
