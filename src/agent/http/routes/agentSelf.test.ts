import assert from "node:assert/strict";
import { test } from "node:test";
import { redactSecrets } from "../../../lib/redact.ts";
import { agentSelf } from "./agentSelf.ts";

test("redaction by shape: any token/secret/password/key/credential-looking key", () => {
	const out = redactSecrets({
		ACL: { Enabled: true, ReplicationToken: "abc" },
		Consuls: [{ Token: "t", Address: "127.0.0.1:8500" }],
		Telemetry: { CirconusAPIToken: "x" },
		Vault: { SomeNewSecretField: "s", Role: "r" },
		TLSConfig: { KeyFile: "/etc/key.pem", CertFile: "/etc/cert.pem" },
		Client: { Options: { "driver.raw_exec.enable": "1", "aws.credentials": "AKIA" } },
		Empty: { Token: "" },
	}) as Record<string, any>;
	assert.equal(out.ACL.ReplicationToken, "<redacted>");
	assert.equal(out.ACL.Enabled, true);
	assert.equal(out.Consuls[0].Token, "<redacted>");
	assert.equal(out.Consuls[0].Address, "127.0.0.1:8500");
	assert.equal(out.Telemetry.CirconusAPIToken, "<redacted>");
	assert.equal(out.Vault.SomeNewSecretField, "<redacted>");
	assert.equal(out.Vault.Role, "r");
	assert.equal(out.TLSConfig.KeyFile, "<redacted>");
	assert.equal(out.TLSConfig.CertFile, "/etc/cert.pem");
	assert.equal(out.Client.Options["aws.credentials"], "<redacted>");
	assert.equal(out.Client.Options["driver.raw_exec.enable"], "1");
	assert.equal(out.Empty.Token, "");
});

test("self: server member, stats maps of strings, client stats", () => {
	const self = agentSelf({
		config: { Region: "global" },
		nodeName: "n1",
		region: "global",
		datacenter: "dc1",
		version: "2.0.5",
		server: {
			serfAddr: "127.0.0.1",
			serfPort: 4648,
			rpcAddr: "127.0.0.1",
			rpcPort: 4647,
			bootstrapExpect: 1,
			leader: true,
			leaderAddr: "127.0.0.1:4647",
			regions: 1,
			appliedIndex: 9,
			lastLogIndex: 9,
		},
		client: {
			nodeID: "abc",
			servers: ["127.0.0.1:4647"],
			numAllocations: 2,
			lastHeartbeatMs: Date.now() - 1500,
			heartbeatTTLms: 12000,
		},
	}) as Record<string, any>;
	assert.equal(self.member.Name, "n1.global");
	assert.equal(self.member.Status, "alive");
	assert.equal(self.stats.nomad.leader, "true");
	assert.equal(self.stats.raft.applied_index, "9");
	assert.equal(self.stats.client.num_allocations, "2");
	assert.match(self.stats.client.last_heartbeat, /^1\.\d+s$/);
	assert.equal(self.stats.client.heartbeat_ttl, "12s");
	for (const group of Object.values(self.stats) as Record<string, unknown>[]) {
		for (const v of Object.values(group)) assert.equal(typeof v, "string");
	}
});

test("self: raft stats as the server's Raft.stats() gives them; runtime keys as Nomad's", () => {
	const raft = { state: "Leader", applied_index: "7", fsm_pending: "0", last_contact: "0" };
	const self = agentSelf({
		config: {},
		nodeName: "n1",
		region: "global",
		datacenter: "dc1",
		version: "2.0.5",
		server: {
			serfAddr: "127.0.0.1",
			serfPort: 4648,
			rpcAddr: "127.0.0.1",
			rpcPort: 4647,
			bootstrapExpect: 3,
			leader: true,
			leaderAddr: "127.0.0.1:4647",
			regions: 1,
			appliedIndex: 7,
			lastLogIndex: 7,
			raft,
		},
	}) as Record<string, any>;
	assert.deepEqual(self.stats.raft, raft);
	assert.equal(self.stats.nomad.bootstrap, "false");
	assert.deepEqual(Object.keys(self.stats.runtime).sort(), [
		"arch",
		"cpu_count",
		"goroutines",
		"kernel.name",
		"max_procs",
		"version",
	]);
	assert.notEqual(self.stats.runtime.arch, "x64", "Go's GOARCH names");
});

test("self: the gossip member entry and serf stats, when membership runs", () => {
	const member = {
		Name: "n1.global",
		Addr: "10.0.0.1",
		Port: 4648,
		Tags: { role: "nomad" },
		Status: "leaving" as const,
		ProtocolMin: 1,
		ProtocolMax: 5,
		ProtocolCur: 2,
		DelegateMin: 2,
		DelegateMax: 4,
		DelegateCur: 4,
	};
	const self = agentSelf({
		config: {},
		nodeName: "n1",
		region: "global",
		datacenter: "dc1",
		version: "2.0.5",
		server: {
			serfAddr: "127.0.0.1",
			serfPort: 4648,
			rpcAddr: "127.0.0.1",
			rpcPort: 4647,
			bootstrapExpect: 1,
			leader: true,
			leaderAddr: "127.0.0.1:4647",
			regions: 1,
			appliedIndex: 1,
			lastLogIndex: 1,
			member,
			serfStats: { members: "3", failed: "1" },
		},
	}) as Record<string, any>;
	assert.deepEqual(self.member, member);
	assert.deepEqual(self.stats.serf, { members: "3", failed: "1" });
});
