import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECOND } from "../../lib/duration.ts";
import { NOMAD_VERSION, VERSION_METADATA } from "../../lib/version.ts";
import { defaultConfig, devConfig } from "./defaults.ts";
import { configToWire } from "./wire.ts";

describe("configToWire", () => {
	test("PascalCase shape with Nomad's field names", () => {
		const w = configToWire(devConfig());
		assert.equal(w.Region, "global");
		assert.equal(w.Datacenter, "dc1");
		assert.equal(w.LogLevel, "DEBUG");
		assert.equal(w.BindAddr, "127.0.0.1");
		assert.equal(w.DevMode, true);
		assert.deepEqual(w.Ports, { HTTP: 4646, RPC: 4647, Serf: 4648 });
		const server = w.Server as Record<string, unknown>;
		assert.equal(server.Enabled, true);
		assert.equal(server.BootstrapExpect, 1);
		assert.equal(server.HeartbeatGrace, 10 * SECOND);
		assert.equal(server.NodeGCThreshold, "24h0m0s");
		assert.equal(server.JobMaxPriority, 100);
		assert.ok(!("EncryptKey" in server), "the gossip key is never shown");
		const client = w.Client as Record<string, unknown>;
		assert.equal(client.Enabled, true);
		assert.equal(client.NodePool, "default");
		assert.equal(client.MaxKillTimeout, "30s");
		assert.equal(client.GCInterval, 600 * SECOND);
		assert.deepEqual(client.Reserved, { CPU: 0, MemoryMB: 0, DiskMB: 0, ReservedPorts: "", Cores: "" });
		assert.deepEqual((w.Telemetry as Record<string, unknown>).CollectionInterval, "1s");
		assert.deepEqual(w.Plugins, [{ Name: "raw_exec", Args: [], Config: { enabled: true } }]);
		assert.deepEqual(w.Limits, {
			HTTPSHandshakeTimeout: "5s",
			HTTPMaxConnsPerClient: 100,
			RPCHandshakeTimeout: "5s",
			RPCMaxConnsPerClient: 100,
		});
		assert.deepEqual(w.Version, { Version: NOMAD_VERSION, VersionPrerelease: "", VersionMetadata: VERSION_METADATA });
		JSON.stringify(w); // serialisable
	});

	test("secrets are redacted as /v1/agent/self does", () => {
		const c = defaultConfig();
		c.acl.replicationToken = "secret";
		c.consul = [{ name: "default", token: "consul-secret", address: "127.0.0.1:8500" }];
		c.telemetry.extra = { circonus_api_token: "circ" };
		const w = configToWire(c);
		assert.equal((w.ACL as Record<string, unknown>).ReplicationToken, "<redacted>");
		assert.deepEqual(w.Consuls, [{ Name: "default", Token: "<redacted>", Address: "127.0.0.1:8500" }]);
		assert.equal((w.Telemetry as Record<string, unknown>).CirconusApiToken, "<redacted>");
		assert.equal((configToWire(defaultConfig()).ACL as Record<string, unknown>).ReplicationToken, "");
	});

	test("host volumes and drain config", () => {
		const c = defaultConfig();
		c.client.hostVolumes = [{ name: "data", path: "/srv", readOnly: true }];
		c.client.drainOnShutdown = { deadline: 60 * SECOND, force: false, ignoreSystemJobs: true };
		const client = configToWire(c).Client as Record<string, unknown>;
		assert.deepEqual(client.HostVolumes, [{ Name: "data", Path: "/srv", ReadOnly: true, ID: "" }]);
		assert.deepEqual(client.Drain, { Deadline: "1m0s", Force: false, IgnoreSystemJobs: true });
	});
});
