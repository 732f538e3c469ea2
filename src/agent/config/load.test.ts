import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HOUR, MINUTE, SECOND } from "../../lib/duration.ts";

import { file, load, loadError, SERVER, tempRoot } from "./testFixtures.ts";

describe("defaults", () => {
	test("a minimal server config gets Nomad's defaults", async () => {
		const { c } = await load({ configPaths: [await file("a.hcl", SERVER)] });
		assert.equal(c.region, "global");
		assert.equal(c.datacenter, "dc1");
		assert.equal(c.nodeName, hostname());
		assert.equal(c.bindAddr, "0.0.0.0");
		assert.deepEqual(c.ports, { http: 4646, rpc: 4647, serf: 4648 });
		assert.equal(c.logLevel, "INFO");
		assert.equal(c.pluginDir, "/var/lib/nomad/plugins");
		assert.equal(c.devMode, false);
		assert.equal(c.server.heartbeatGrace, 10 * SECOND);
		assert.equal(c.server.minHeartbeatTtl, 10 * SECOND);
		assert.equal(c.server.maxHeartbeatsPerSecond, 50);
		assert.equal(c.server.failoverHeartbeatTtl, 5 * MINUTE);
		assert.equal(c.server.evalGcThreshold, HOUR);
		assert.equal(c.server.jobGcThreshold, 4 * HOUR);
		assert.equal(c.server.nodeGcThreshold, 24 * HOUR);
		assert.equal(c.server.deploymentGcThreshold, HOUR);
		assert.equal(c.server.jobMaxPriority, 100);
		assert.equal(c.server.jobDefaultPriority, 50);
		assert.equal(c.server.jobTrackedVersions, 6);
		assert.equal(c.server.raftProtocol, 3);
		assert.equal(c.server.numSchedulers, availableParallelism());
		assert.deepEqual(c.server.enabledSchedulers, ["service", "batch", "system", "sysbatch", "_core"]);
		assert.equal(c.server.serverJoin.retryInterval, 30 * SECOND);
		assert.equal(c.client.enabled, false);
		assert.equal(c.client.nodePool, "default");
		assert.equal(c.client.maxKillTimeout, 30 * SECOND);
		assert.equal(c.client.gcInterval, MINUTE);
		assert.equal(c.client.gcMaxAllocs, 50);
		assert.equal(c.client.gcParallelDestroys, 2);
		assert.equal(c.client.gcDiskUsageThreshold, 80);
		assert.equal(c.client.gcInodeUsageThreshold, 70);
		assert.equal(c.client.drainOnShutdown, null);
		assert.equal(c.acl.enabled, false);
		assert.equal(c.acl.tokenTtl, 30 * SECOND);
		assert.equal(c.telemetry.collectionInterval, SECOND);
		assert.equal(c.telemetry.prometheusMetrics, false);
		assert.equal(c.limits.httpMaxConnsPerClient, 100);
		assert.equal(c.limits.rpcMaxConnsPerClient, 100);
		assert.equal(c.limits.httpsHandshakeTimeout, 5 * SECOND);
		assert.equal(c.ui.enabled, true);
		assert.deepEqual(c.plugins, []);
	});

	test("addresses follow bind_addr and a wildcard bind advertises the private IP", async () => {
		const { c } = await load({ configPaths: [await file("a.hcl", SERVER)] });
		assert.deepEqual(c.addresses, { http: "0.0.0.0", rpc: "0.0.0.0", serf: "0.0.0.0" });
		assert.deepEqual(c.normalizedAddrs, { http: ["0.0.0.0:4646"], rpc: "0.0.0.0:4647", serf: "0.0.0.0:4648" });
		assert.deepEqual(c.advertise, { http: "10.9.8.7:4646", rpc: "10.9.8.7:4647", serf: "10.9.8.7:4648" });
	});

	test("files and config paths are recorded", async () => {
		const p = await file("a.hcl", SERVER);
		const { c } = await load({ configPaths: [p] });
		assert.deepEqual(c.files, [p]);
		assert.deepEqual(c.configPaths, [p]);
	});
});

describe("-dev", () => {
	test("DevConfig: server+client, loopback, DEBUG, raw_exec, no data_dir needed", async () => {
		const { c, warnings } = await load({ dev: true });
		assert.equal(c.devMode, true);
		assert.equal(c.bindAddr, "127.0.0.1");
		assert.equal(c.logLevel, "DEBUG");
		assert.equal(c.server.enabled, true);
		assert.equal(c.server.bootstrapExpect, 1);
		assert.equal(c.client.enabled, true);
		assert.equal(c.dataDir, "");
		assert.equal(c.enableDebug, true);
		assert.equal(c.nodeName, hostname());
		assert.deepEqual(c.plugins, [{ name: "raw_exec", args: [], config: { enabled: true } }]);
		assert.equal(c.client.options["driver.raw_exec.enable"], "true");
		assert.equal(c.client.gcInterval, 10 * MINUTE);
		assert.equal(c.client.gcDiskUsageThreshold, 99);
		assert.equal(c.telemetry.prometheusMetrics, true);
		assert.equal(c.telemetry.publishAllocationMetrics, true);
		assert.equal(c.telemetry.publishNodeMetrics, true);
		assert.deepEqual(c.advertise, { http: "127.0.0.1:4646", rpc: "127.0.0.1:4647", serf: "127.0.0.1:4648" });
		assert.deepEqual(warnings, []);
	});

	test("files and flags still apply over the dev defaults", async () => {
		const p = await file("a.hcl", 'log_level = "warn"\nplugin "raw_exec" {\n  config {\n    enabled = false\n  }\n}\n');
		const { c } = await load({ dev: true, configPaths: [p], region: "eu" });
		assert.equal(c.logLevel, "WARN");
		assert.equal(c.region, "eu");
		assert.deepEqual(c.plugins, [{ name: "raw_exec", args: [], config: { enabled: false } }]);
	});
});

describe("merging", () => {
	test("later files win for scalars, maps merge, lists follow Nomad", async () => {
		const a = await file(
			"a.hcl",
			`${SERVER}region = "one"
datacenter = "dc-a"
client {
  enabled = true
  servers = ["s1:4647"]
  meta = { a = "1", b = "2" }
  options { "driver.raw_exec.enable" = "1" }
  server_join {
    retry_join = ["x"]
  }
}
server { retry_join = ["r1"] }
http_api_response_headers = { "X-A" = "a" }
`,
		);
		const b = await file(
			"b.json",
			JSON.stringify({
				region: "two",
				client: { servers: ["s2:4647"], meta: { b: "20", c: "3" }, server_join: { retry_join: ["y"] } },
				server: { retry_join: ["r2"] },
				http_api_response_headers: { "X-B": "b" },
			}),
		);
		const { c } = await load({ configPaths: [a, b] });
		assert.equal(c.region, "two");
		assert.equal(c.datacenter, "dc-a");
		assert.deepEqual(c.client.meta, { a: "1", b: "20", c: "3" });
		assert.deepEqual(c.client.options, { "driver.raw_exec.enable": "1" });
		assert.deepEqual(c.client.servers, ["s1:4647", "s2:4647"]);
		assert.deepEqual(c.client.serverJoin.retryJoin, ["y"]);
		assert.deepEqual(c.server.retryJoin, ["r1", "r2"]);
		assert.deepEqual(c.httpApiResponseHeaders, { "X-A": "a", "X-B": "b" });
		assert.deepEqual(c.files, [a, b]);
	});

	test("booleans only change when a later source sets them", async () => {
		const a = await file("a.hcl", `${SERVER}acl { enabled = true }\nleave_on_terminate = true\n`);
		const b = await file("b.hcl", 'acl {\n  token_ttl = "5s"\n}\nleave_on_terminate = false\n');
		const { c } = await load({ configPaths: [a, b] });
		assert.equal(c.acl.enabled, true);
		assert.equal(c.acl.tokenTtl, 5 * SECOND);
		assert.equal(c.leaveOnTerminate, false);
	});

	test("plugin blocks merge by name; a later config replaces the earlier one", async () => {
		const a = await file(
			"a.hcl",
			`${SERVER}plugin "raw_exec" {\n  config {\n    enabled = true\n    no_cgroups = true\n  }\n}\nplugin "docker" {\n  config {\n    allow_privileged = true\n  }\n}\n`,
		);
		const b = await file("b.json", JSON.stringify({ plugin: { raw_exec: { config: { enabled: false } } } }));
		const { c } = await load({ configPaths: [a, b] });
		// (hcl2json orders blocks by label; Nomad keeps plugins in a map, so order carries no meaning)
		const byName = [...c.plugins].sort((x, y) => x.name.localeCompare(y.name));
		assert.deepEqual(byName, [
			{ name: "docker", args: [], config: { allow_privileged: true } },
			{ name: "raw_exec", args: [], config: { enabled: false } },
		]);
	});

	test("host volumes merge by name", async () => {
		const a = await file(
			"a.hcl",
			`${SERVER}client {\n  host_volume "data" {\n    path = "/srv/data"\n  }\n  host_volume "logs" {\n    path = "/srv/logs"\n  }\n}\n`,
		);
		const b = await file("b.hcl", 'client {\n  host_volume "data" {\n    read_only = true\n  }\n}\n');
		const { c } = await load({ configPaths: [a, b] });
		assert.deepEqual(c.client.hostVolumes, [
			{ name: "data", path: "/srv/data", readOnly: true },
			{ name: "logs", path: "/srv/logs", readOnly: false },
		]);
	});

	test("a directory loads *.hcl and *.json in lexical order and ignores the rest", async () => {
		const d = join(tempRoot(), "confdir");
		await mkdir(join(d, "sub.hcl"), { recursive: true });
		await writeFile(join(d, "10-base.hcl"), `${SERVER}region = "base"\n`);
		await writeFile(join(d, "20-region.json"), '{"region": "json", "datacenter": "dc-json"}');
		await writeFile(join(d, "30-dc.hcl"), 'datacenter = "dc-hcl"\n');
		await writeFile(join(d, "README.md"), "not config {");
		await writeFile(join(d, "40-backup.hcl~"), "not config {");
		await writeFile(join(d, "sub.hcl", "nested.hcl"), 'region = "nested"\n');
		const { c } = await load({ configPaths: [d] });
		assert.equal(c.region, "json");
		assert.equal(c.datacenter, "dc-hcl");
		assert.deepEqual(
			c.files,
			["10-base.hcl", "20-region.json", "30-dc.hcl"].map((n) => join(d, n)),
		);
	});

	test("an empty directory warns but is not an error", async () => {
		const d = join(tempRoot(), "empty");
		await mkdir(d, { recursive: true });
		const { warnings } = await load({ configPaths: [d], server: true, dataDir: "/tmp/n" });
		assert.ok(warnings.some((w) => w.includes("No configuration loaded from") && w.includes(d)));
	});

	test("an extensionless JSON file is detected by its content", async () => {
		const p = await file("agent", `{"data_dir": "/d", "server": {"enabled": true, "bootstrap_expect": 3}}`);
		const { c } = await load({ configPaths: [p] });
		assert.equal(c.server.bootstrapExpect, 3);
		assert.equal(c.dataDir, "/d");
	});

	test("an extensionless HCL file is accepted too", async () => {
		const p = await file("agent", `${SERVER}name = "n1"\n`);
		assert.equal((await load({ configPaths: [p] })).c.nodeName, "n1");
	});
});

describe("flags", () => {
	test("flags override files", async () => {
		const p = await file("a.hcl", `${SERVER}region = "file"\nlog_level = "INFO"\nclient {\n  servers = ["a:1"]\n}\n`);
		const { c } = await load({
			configPaths: [p],
			region: "flag",
			dc: "dc9",
			node: "n9",
			logLevel: "trace",
			logJson: true,
			bind: "10.1.1.1",
			dataDir: "/flag",
			client: true,
			servers: ["b:2"],
			networkInterface: "eth9",
			bootstrapExpect: 3,
		});
		assert.equal(c.region, "flag");
		assert.equal(c.datacenter, "dc9");
		assert.equal(c.nodeName, "n9");
		assert.equal(c.logLevel, "TRACE");
		assert.equal(c.logJson, true);
		assert.equal(c.bindAddr, "10.1.1.1");
		assert.equal(c.dataDir, "/flag");
		assert.equal(c.client.enabled, true);
		assert.deepEqual(c.client.servers, ["a:1", "b:2"]);
		assert.equal(c.client.networkInterface, "eth9");
		assert.equal(c.server.bootstrapExpect, 3);
		assert.equal(c.advertise.http, "10.1.1.1:4646");
	});

	test("flags alone can configure an agent", async () => {
		const { c } = await load({ client: true, dataDir: "/var/nomad", servers: ["10.0.0.1:4647"] });
		assert.equal(c.client.enabled, true);
		assert.equal(c.server.enabled, false);
		assert.equal(c.advertise.serf, "", "serf is not advertised without a server");
	});

	test("an invalid flag value names the command line", async () => {
		const msg = await loadError({ server: true, dataDir: "/d", logLevel: "loud" });
		assert.match(msg, /^command line: log_level: invalid log level "loud"/);
	});
});
