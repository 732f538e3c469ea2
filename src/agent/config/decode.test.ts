import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MINUTE, SECOND } from "../../lib/duration.ts";
import { decodeBlock } from "./decode.ts";
import { defaultConfig } from "./defaults.ts";
import { ConfigError } from "./errors.ts";
import { parseConfigText } from "./files.ts";
import { mergePatch } from "./merge.ts";
import { AGENT_SCHEMA } from "./schema.ts";
import type { AgentConfig } from "./types.ts";

/** Parses `text` as file `name` and merges it over the defaults. */
async function apply(name: string, text: string): Promise<{ c: AgentConfig; warnings: string[] }> {
	const warnings: string[] = [];
	const body = await parseConfigText(name, text);
	const patch = decodeBlock({ file: name, warn: (m) => warnings.push(m) }, AGENT_SCHEMA, body, "");
	const c = defaultConfig();
	mergePatch(AGENT_SCHEMA, c as unknown as Record<string, unknown>, patch);
	return { c, warnings };
}

async function error(name: string, text: string): Promise<string> {
	try {
		await apply(name, text);
	} catch (err) {
		assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
		return err.message;
	}
	assert.fail(`expected an error for ${text}`);
}

describe("values", () => {
	test("HCL: types, durations in nanoseconds, level canonicalised", async () => {
		const { c, warnings } = await apply(
			"agent.hcl",
			`
name = "node-1"
log_level = "warning"
server {
  enabled = true
  bootstrap_expect = 3
  heartbeat_grace = "30s"
  min_heartbeat_ttl = "1m30s"
  max_heartbeats_per_second = 12.5
  eval_gc_threshold = "2h"
  enabled_schedulers = ["service", "batch"]
  job_max_source_size = "2MiB"
  server_join {
    retry_join = ["10.0.0.1", "10.0.0.2"]
    retry_max = 5
    retry_interval = "15s"
  }
}
client {
  enabled = true
  reserved {
    cpu = 500
    memory = 512
    reserved_ports = "22,80,8000-8100"
  }
  gc_disk_usage_threshold = 90.5
  drain_on_shutdown {
    deadline = "5m"
    force = true
  }
  chroot_env = { "/bin" = "/bin" }
}
ports {
  http = 5646
}
limits {
  http_max_conns_per_client = 0
}
`,
		);
		assert.deepEqual(warnings, []);
		assert.equal(c.nodeName, "node-1");
		assert.equal(c.logLevel, "WARN");
		assert.equal(c.server.bootstrapExpect, 3);
		assert.equal(c.server.heartbeatGrace, 30 * SECOND);
		assert.equal(c.server.minHeartbeatTtl, 90 * SECOND);
		assert.equal(c.server.maxHeartbeatsPerSecond, 12.5);
		assert.equal(c.server.evalGcThreshold, 2 * 3600 * SECOND);
		assert.deepEqual(c.server.enabledSchedulers, ["service", "batch"]);
		assert.equal(c.server.jobMaxSourceSize, 2 * 1024 * 1024);
		assert.deepEqual(c.server.serverJoin, {
			startJoin: [],
			retryJoin: ["10.0.0.1", "10.0.0.2"],
			retryMax: 5,
			retryInterval: 15 * SECOND,
		});
		assert.deepEqual(c.client.reserved, {
			cpu: 500,
			memory: 512,
			disk: 0,
			reservedPorts: "22,80,8000-8100",
			cores: "",
		});
		assert.equal(c.client.gcDiskUsageThreshold, 90.5);
		assert.deepEqual(c.client.drainOnShutdown, { deadline: 5 * MINUTE, force: true, ignoreSystemJobs: false });
		assert.deepEqual(c.client.chrootEnv, { "/bin": "/bin" });
		assert.deepEqual(c.ports, { http: 5646, rpc: 4647, serf: 4648 });
		assert.equal(c.limits.httpMaxConnsPerClient, 0);
		assert.equal(c.limits.rpcMaxConnsPerClient, 100);
	});

	test("JSON: blocks as objects or as lists of objects, labeled blocks both ways", async () => {
		const { c, warnings } = await apply(
			"agent.json",
			JSON.stringify({
				server: [{ enabled: true }],
				client: {
					enabled: true,
					meta: [{ rack: "r1", weight: 1.5, ssd: true }],
					options: { "driver.allowlist": "raw_exec" },
					host_volume: [{ data: [{ path: "/srv" }] }, { logs: { path: "/logs", read_only: true } }],
				},
				plugin: [{ raw_exec: [{ config: [{ enabled: true }] }] }, { exec: { args: ["-v"] } }],
				acl: { enabled: true, token_ttl: "1m" },
			}),
		);
		assert.deepEqual(warnings, []);
		assert.equal(c.server.enabled, true);
		assert.deepEqual(c.client.meta, { rack: "r1", weight: "1.5", ssd: "true" });
		assert.deepEqual(c.client.options, { "driver.allowlist": "raw_exec" });
		assert.deepEqual(c.client.hostVolumes, [
			{ name: "data", path: "/srv", readOnly: false },
			{ name: "logs", path: "/logs", readOnly: true },
		]);
		assert.deepEqual(c.plugins, [
			{ name: "raw_exec", args: [], config: { enabled: true } },
			{ name: "exec", args: ["-v"], config: {} },
		]);
		assert.equal(c.acl.tokenTtl, MINUTE);
	});

	test("HCL1 leniency: numbers in strings, strings from numbers", async () => {
		const { c } = await apply("a.hcl", 'server {\n  bootstrap_expect = "3"\n}\nregion = 42\n');
		assert.equal(c.server.bootstrapExpect, 3);
		assert.equal(c.region, "42");
	});

	test("HCL1-only syntax is accepted", async () => {
		const { c } = await apply(
			"a.hcl",
			'server { enabled = true, bootstrap_expect = 3 }\nclient {\n  options {\n    "driver.raw_exec.enable" = "1"\n  }\n}\n',
		);
		assert.equal(c.server.bootstrapExpect, 3);
		assert.deepEqual(c.client.options, { "driver.raw_exec.enable": "1" });
	});

	test("plugin config stays free-form", async () => {
		const { c } = await apply(
			"a.hcl",
			'plugin "docker" {\n  config {\n    volumes {\n      enabled = true\n    }\n    gc {\n      image = false\n    }\n  }\n}\n',
		);
		assert.deepEqual(c.plugins[0].config, { volumes: [{ enabled: true }], gc: [{ image: false }] });
	});

	test("an empty string never overrides (as Nomad's merge)", async () => {
		const { c } = await apply("a.hcl", 'region = ""\n');
		assert.equal(c.region, "global");
	});

	test("a duration of 0 is allowed", async () => {
		const { c } = await apply("a.hcl", "client {\n  gc_interval = 0\n}\n");
		assert.equal(c.client.gcInterval, 0);
	});
});

describe("unknown and tolerated keys", () => {
	test("unknown keys warn with file and key path", async () => {
		const { warnings } = await apply(
			"a.hcl",
			'bogus = 1\nserver {\n  enabled = true\n  frobnicate = "x"\n  server_join {\n    nope = 1\n  }\n}\nclient {\n  host_volume "v" {\n    path = "/v"\n    mode = "rw"\n  }\n}\n',
		);
		assert.deepEqual(warnings.sort(), [
			'a.hcl: unknown configuration key "bogus" (ignored)',
			'a.hcl: unknown configuration key "client.host_volume.v.mode" (ignored)',
			'a.hcl: unknown configuration key "server.frobnicate" (ignored)',
			'a.hcl: unknown configuration key "server.server_join.nope" (ignored)',
		]);
	});

	test("consul, vault and other Nomad blocks are tolerated and kept", async () => {
		const { c, warnings } = await apply(
			"a.hcl",
			'consul {\n  address = "127.0.0.1:8500"\n  token = "t"\n}\nvault {\n  enabled = false\n}\nautopilot {\n  cleanup_dead_servers = true\n}\nclient {\n  template {\n    disable_file_sandbox = true\n  }\n  stats {\n    x = 1\n  }\n}\nserver {\n  default_scheduler_config {\n    scheduler_algorithm = "spread"\n  }\n}\n',
		);
		assert.deepEqual(warnings, []);
		assert.deepEqual(c.consul, [{ address: "127.0.0.1:8500", token: "t", name: "default" }]);
		assert.deepEqual(c.vault, [{ enabled: false, name: "default" }]);
		assert.deepEqual(c.extra.autopilot, { cleanup_dead_servers: true });
		assert.deepEqual(c.client.extra.template, { disable_file_sandbox: true });
		assert.equal(c.client.extra.stats, undefined);
		assert.deepEqual(c.server.extra.default_scheduler_config, { scheduler_algorithm: "spread" });
	});

	test("deprecated protocol_version warns", async () => {
		const { warnings } = await apply("a.hcl", "server {\n  protocol_version = 2\n}\n");
		assert.deepEqual(warnings, ["a.hcl: server.protocol_version: deprecated and unused; please remove it"]);
	});
});

describe("invalid values name the file and the key", () => {
	const cases: [string, string, string][] = [
		[
			"wrong type for a number",
			'server {\n  bootstrap_expect = "x"\n}',
			'server.bootstrap_expect: expected a number, got "x"',
		],
		[
			"fractional count",
			"server {\n  bootstrap_expect = 1.5\n}",
			"server.bootstrap_expect: expected a whole number, got 1.5",
		],
		["negative count", "client {\n  gc_max_allocs = -1\n}", "client.gc_max_allocs: must not be negative, got -1"],
		["port out of range", "ports {\n  http = 70000\n}", "ports.http: must be at most 65535, got 70000"],
		["negative port", "ports {\n  rpc = -1\n}", "ports.rpc: must not be negative, got -1"],
		["bool", 'server {\n  enabled = "yes"\n}', 'server.enabled: expected true or false, got "yes"'],
		["string", 'region = ["a"]', "region: expected a string, got a list"],
		["list", 'client {\n  servers = "a:1"\n}', 'client.servers: expected a list of strings, got "a:1"'],
		["list element", "client {\n  servers = [{ a = 1 }]\n}", "client.servers[0]: expected a string, got a block"],
		["map", 'client {\n  meta = "x"\n}', 'client.meta: expected a map of strings, got "x"'],
		["map value", "client {\n  meta = { a = [1] }\n}", "client.meta.a: expected a string, got a list"],
		["meta key", 'client {\n  meta = { "a..b" = "1" }\n}', 'client.meta.a..b: invalid meta key "a..b"'],
		["block", 'server = "x"', 'server: expected a block, got "x"'],
		["duration string", 'server {\n  heartbeat_grace = "10 seconds"\n}', "server.heartbeat_grace: invalid duration"],
		[
			"duration number",
			"server {\n  heartbeat_grace = 10\n}",
			'server.heartbeat_grace: expected a duration string like "10s", got 10',
		],
		["negative duration", 'acl {\n  token_ttl = "-5s"\n}', 'acl.token_ttl: must not be negative, got "-5s"'],
		["log level", 'log_level = "LOUD"', 'log_level: invalid log level "LOUD"'],
		["node pool", 'client {\n  node_pool = "a b"\n}', 'client.node_pool: invalid node pool name "a b"'],
		[
			"node pool all",
			'client {\n  node_pool = "all"\n}',
			'client.node_pool: node is not allowed to register in node pool "all"',
		],
		[
			"reserved ports",
			'client {\n  reserved {\n    reserved_ports = "80-70"\n  }\n}',
			"client.reserved.reserved_ports: invalid range",
		],
		[
			"reserved port 0",
			'client {\n  reserved {\n    reserved_ports = "0"\n  }\n}',
			"client.reserved.reserved_ports: port must be > 0",
		],
		["raft protocol", "server {\n  raft_protocol = 2\n}", "server.raft_protocol: raft_protocol must be 3"],
		["raft multiplier", "server {\n  raft_multiplier = 11\n}", "server.raft_multiplier: must be at most 10, got 11"],
		[
			"job_max_priority",
			"server {\n  job_max_priority = 50\n}",
			"server.job_max_priority: must be at least 100, got 50",
		],
		[
			"job_tracked_versions",
			"server {\n  job_tracked_versions = 0\n}",
			"server.job_tracked_versions: must be at least 1, got 0",
		],
		[
			"num_schedulers",
			"server {\n  num_schedulers = 100000\n}",
			"server.num_schedulers: number of schedulers should be between 0 and",
		],
		["encrypt", 'server {\n  encrypt = "not base64!"\n}', "server.encrypt: invalid encryption key"],
		["size", 'server {\n  job_max_source_size = "lots"\n}', 'server.job_max_source_size: invalid size "lots"'],
		[
			"percent",
			"client {\n  gc_inode_usage_threshold = 101\n}",
			"client.gc_inode_usage_threshold: must be at most 100, got 101",
		],
		["datacenter", 'datacenter = "dc*"', "datacenter: datacenter contains invalid characters"],
		[
			"labeled block body",
			'client {\n  host_volume "x" {\n    path = 1\n    read_only = "no"\n  }\n}',
			'client.host_volume.x.read_only: expected true or false, got "no"',
		],
	];
	for (const [what, text, expected] of cases) {
		test(what, async () => {
			const msg = await error("cfg.hcl", `${text}\n`);
			assert.ok(msg.startsWith(`cfg.hcl: ${expected}`), `got: ${msg}`);
		});
	}

	test("the same checks apply to JSON files", async () => {
		const msg = await error("cfg.json", '{"server": {"bootstrap_expect": "x"}}');
		assert.equal(msg, 'cfg.json: server.bootstrap_expect: expected a number, got "x"');
	});
});
