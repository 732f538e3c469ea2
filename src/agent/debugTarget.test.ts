import assert from "node:assert/strict";
import { test } from "node:test";
import { type AgentIdentity, resolveTarget } from "./debugTarget.ts";

const dev: AgentIdentity = {
	region: "global",
	serverName: "n1.global",
	isLeader: true,
	hasLeader: true,
	nodeID: "nid",
};
const q = (p: Partial<{ nodeID: string; serverID: string; region: string }>) => ({
	nodeID: "",
	serverID: "",
	region: "",
	...p,
});

test("node_id / server_id naming this agent answer locally with its ID", () => {
	assert.deepEqual(resolveTarget(dev, q({ nodeID: "nid" })), { kind: "local", agentID: "nid" });
	assert.deepEqual(resolveTarget(dev, q({ serverID: "leader" })), { kind: "local", agentID: "n1.global" });
	assert.deepEqual(resolveTarget(dev, q({ serverID: "n1.global" })), { kind: "local", agentID: "n1.global" });
	assert.deepEqual(resolveTarget(dev, q({})), { kind: "local", agentID: "n1.global" });
});

test("another node is forwarded; unknown servers, lost leaders and other regions fail as Nomad", () => {
	assert.deepEqual(resolveTarget(dev, q({ nodeID: "other" })), { kind: "node", nodeID: "other" });
	const withPeer: AgentIdentity = {
		...dev,
		serverID: "sid-1",
		peers: [{ name: "n2.global", id: "sid-2", region: "global" }],
	};
	assert.deepEqual(resolveTarget(withPeer, q({ serverID: "sid-1" })), { kind: "local", agentID: "n1.global" });
	// A server gossip knows but this one cannot reach over RPC yet.
	assert.throws(() => resolveTarget(withPeer, q({ serverID: "n2.global" })), { code: 501 });
	assert.throws(() => resolveTarget(withPeer, q({ serverID: "sid-2" })), { code: 501 });
	assert.throws(() => resolveTarget(dev, q({ serverID: "n2.global" })), {
		code: 500,
		message: "unknown Nomad server n2.global",
	});
	assert.throws(() => resolveTarget({ ...dev, isLeader: false, hasLeader: false }, q({ serverID: "leader" })), {
		code: 500,
		message: "No cluster leader",
	});
	assert.throws(() => resolveTarget(dev, q({ serverID: "leader", region: "eu" })), {
		code: 500,
		message: "No path to region",
	});
	// A client-only agent cannot tell: its server decides.
	const clientOnly: AgentIdentity = { region: "global", isLeader: false, hasLeader: false, nodeID: "c1" };
	assert.deepEqual(resolveTarget(clientOnly, q({ serverID: "leader" })), { kind: "server" });
	assert.deepEqual(resolveTarget(clientOnly, q({ nodeID: "other" })), { kind: "server" });
	assert.deepEqual(resolveTarget(clientOnly, q({ nodeID: "c1" })), { kind: "local", agentID: "c1" });
});
