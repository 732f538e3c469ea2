// A client-only agent joins a server agent over agent RPC (WebSocket + msgpack on the RPC port):
// its node registers and heartbeats, and a job submitted to the server runs on it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import {
	type StartedAgent,
	startClientAgent,
	startServerAgent,
	stopSupervisor,
	tempDir,
	waitFor,
} from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
after(async () => {
	for (const a of agents.reverse()) await a.stop();
	// A non-dev client leaves its node supervisor (and tasks) running when it stops, as Nomad.
	await stopSupervisor(`${dir.path}/client/client`);
	dir.cleanup();
});

test("client agent → server agent over RPC: register, heartbeat, run a job", async () => {
	const server = await startServerAgent(dir.path, "server", { config: { name: "srv" } });
	agents.push(server);
	const sp = server.ports;
	const client = await startClientAgent(dir.path, "client", `127.0.0.1:${sp.rpc}`, { config: { name: "worker-1" } });
	agents.push(client);

	const node = await waitFor(async () => {
		const nodes = (await (await fetch(`${server.url}/v1/nodes`)).json()) as any[];
		return nodes.find((n) => n.Name === "worker-1" && n.Status === "ready");
	});
	assert.equal(node.Drivers.raw_exec.Detected, true);

	await fetch(`${server.url}/v1/jobs`, {
		method: "PUT",
		body: JSON.stringify({
			Job: {
				ID: "remote",
				Type: "batch",
				Datacenters: ["*"],
				TaskGroups: [
					{
						Name: "g",
						Tasks: [
							{
								Name: "t",
								Driver: "raw_exec",
								Config: { command: "/bin/sh", args: ["-c", 'echo "ran on $NOMAD_DC" > "$NOMAD_ALLOC_DIR/where.txt"'] },
							},
						],
					},
				],
			},
		}),
	});
	const alloc = await waitFor(async () => {
		const a = ((await (await fetch(`${server.url}/v1/job/remote/allocations`)).json()) as any[])[0];
		return a?.ClientStatus === "complete" ? a : undefined;
	});
	assert.equal(alloc.NodeID, node.ID);
	assert.equal(
		readFileSync(join(dir.path, "client", "alloc", alloc.ID, "alloc", "where.txt"), "utf8").trim(),
		"ran on dc1",
	);
	const health = (await (await fetch(`${client.url}/v1/agent/health`)).json()) as any;
	assert.deepEqual(health, { client: { ok: true, message: "ok" } });

	// An impostor on the RPC port knows the node's ID (it is public) but not its secret.
	const { RpcClient } = await import("../src/rpc/transport.ts");
	const rogue = new RpcClient([`127.0.0.1:${sp.rpc}`]);
	try {
		await assert.rejects(
			rogue.call("Node.UpdateStatus", { NodeID: node.ID, SecretID: "guess" }, 5000),
			/Permission denied/,
		);
		await assert.rejects(
			rogue.call("Node.GetClientAllocs", { NodeID: node.ID, MinQueryIndex: 0, MaxQueryTimeMs: 10 }, 5000),
			/Permission denied/,
		);
		await assert.rejects(
			rogue.call(
				"Node.UpdateAlloc",
				{ NodeID: node.ID, SecretID: "", Allocs: [{ ID: alloc.ID, ClientStatus: "failed" }] },
				5000,
			),
			/Permission denied/,
		);
		await assert.rejects(
			rogue.call("Node.Register", { Node: { ...node, SecretID: "00000000-0000-0000-0000-000000000000" } }, 5000),
			/node secret ID does not match/,
		);
	} finally {
		rogue.close();
	}
	const still = (await (await fetch(`${server.url}/v1/allocation/${alloc.ID}`)).json()) as any;
	assert.equal(still.ClientStatus, "complete");
});
