import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";

import { file, load, loadError, SERVER, tempRoot } from "./testFixtures.ts";

describe("validation", () => {
	test("neither server nor client", async () => {
		assert.equal(await loadError({ dataDir: "/d" }), "Must specify either server, client or dev mode for the agent.");
	});

	test("server without data_dir", async () => {
		assert.equal(await loadError({ server: true }), 'Must specify "data_dir" config option or "data-dir" CLI flag');
	});

	test("client without data_dir needs all of its directories", async () => {
		assert.equal(
			await loadError({ client: true }),
			"Must specify the state, alloc-dir, alloc-mounts-dir and plugin-dir if data-dir is omitted.",
		);
		const p = await file(
			"c.hcl",
			'plugin_dir = "/p"\nclient {\n  enabled = true\n  state_dir = "/s"\n  alloc_dir = "/a"\n  alloc_mounts_dir = "/m"\n}\n',
		);
		assert.equal((await load({ configPaths: [p] })).c.dataDir, "");
	});

	test("relative directories are rejected", async () => {
		const p = await file("rel.hcl", 'data_dir = "var/nomad"\nserver { enabled = true }\n');
		assert.equal(
			await loadError({ configPaths: [p] }),
			`${p}: data_dir: must be given as an absolute path, got "var/nomad"`,
		);
	});

	test("-bootstrap-expect without server mode", async () => {
		assert.match(
			await loadError({ client: true, dataDir: "/d", bootstrapExpect: 3 }),
			/Bootstrap requires server mode to be enabled/,
		);
	});

	test("bootstrap warnings", async () => {
		const one = await load({ server: true, dataDir: "/d", bootstrapExpect: 1 });
		assert.ok(one.warnings.some((w) => w.includes("Bootstrap mode enabled")));
		const two = await load({ server: true, dataDir: "/d", bootstrapExpect: 2 });
		assert.ok(two.warnings.some((w) => w.includes("odd number")));
	});

	test("an empty enabled_schedulers list means all of them", async () => {
		const p = await file("sched.hcl", `${SERVER}server {\n  enabled_schedulers = []\n}\n`);
		const { c } = await load({ configPaths: [p] });
		assert.deepEqual(c.server.enabledSchedulers, ["service", "batch", "system", "sysbatch", "_core"]);
		const q = await file("sched2.hcl", `${SERVER}server {\n  enabled_schedulers = ["batch"]\n}\n`);
		assert.deepEqual((await load({ configPaths: [q] })).c.server.enabledSchedulers, ["batch", "_core"]);
	});

	test("job_default_priority must stay below job_max_priority", async () => {
		const p = await file("prio.hcl", `${SERVER}server {\n  job_default_priority = 100\n}\n`);
		assert.match(
			await loadError({ configPaths: [p] }),
			new RegExp(`^${p}: server.job_default_priority: cannot be 100`),
		);
	});

	test("dynamic port range", async () => {
		const p = await file("ports.hcl", `${SERVER}client {\n  min_dynamic_port = 30000\n  max_dynamic_port = 20000\n}\n`);
		assert.match(await loadError({ configPaths: [p] }), /client.min_dynamic_port: invalid dynamic port range/);
	});

	test("host_volume without a path", async () => {
		const p = await file("hv.hcl", `${SERVER}client {\n  host_volume "x" {\n    read_only = true\n  }\n}\n`);
		assert.equal(
			await loadError({ configPaths: [p] }),
			`${p}: client.host_volume.x.path: missing path in host_volume config`,
		);
	});

	test("telemetry in-memory interval above retention", async () => {
		const p = await file(
			"tel.hcl",
			`${SERVER}telemetry {\n  in_memory_collection_interval = "2m"\n  in_memory_retention_period = "1m"\n}\n`,
		);
		assert.match(
			await loadError({ configPaths: [p] }),
			new RegExp(`^${p}: telemetry.in_memory_collection_interval: cannot be greater`),
		);
	});

	test("a loopback bind outside -dev needs an explicit advertise address", async () => {
		const p = await file("lo.hcl", `${SERVER}bind_addr = "127.0.0.1"\n`);
		assert.match(
			await loadError({ configPaths: [p] }),
			new RegExp(`^${p}: advertise.http: defaulting advertise to localhost`),
		);
		const q = await file(
			"lo2.hcl",
			`${SERVER}bind_addr = "127.0.0.1"\nadvertise {\n  http = "10.0.0.1"\n  rpc = "10.0.0.1:9999"\n  serf = "10.0.0.1"\n}\n`,
		);
		const { c } = await load({ configPaths: [q] });
		assert.deepEqual(c.advertise, { http: "10.0.0.1:4646", rpc: "10.0.0.1:9999", serf: "10.0.0.1:4648" });
	});

	test("missing config file", async () => {
		const p = join(tempRoot(), "does-not-exist.hcl");
		const msg = await loadError({ configPaths: [p] });
		assert.equal(msg, `${p}: cannot load configuration: no such file or directory`);
	});

	test("a file with a bad value stops loading and names file and key", async () => {
		const p = await file("bad.hcl", 'server {\n  bootstrap_expect = "x"\n}\n');
		assert.equal(await loadError({ configPaths: [p] }), `${p}: server.bootstrap_expect: expected a number, got "x"`);
	});
});
