// /v1/agent/servers with real agents: a client-only agent told to use a second server agent moves
// its RPC connection there, registers its node there and runs that server's jobs.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
	freePort,
	freePorts,
	type StartedAgent,
	startAgent,
	startDevAgent,
	tempDir,
	waitFor,
	writeConfig,
} from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
after(async () => {
	for (const a of agents.reverse()) await a.stop();
	dir.cleanup();
});

const common = { bind_addr: "127.0.0.1", advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" } };

async function serverAgent(name: string): Promise<StartedAgent> {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, `${name}.json`, {
		...common,
		name,
		data_dir: `${dir.path}/${name}`,
		ports,
		server: { enabled: true, bootstrap_expect: 1 },
	});
	const a = await startAgent([`-config=${cfg}`], ports);
	agents.push(a);
	return a;
}

const readyNode = (server: StartedAgent, name: string, ms?: number) =>
	waitFor(async () => {
		const nodes = (await (await fetch(`${server.url}/v1/nodes`)).json()) as {
			Name: string;
			Status: string;
			ID: string;
		}[];
		return nodes.find((n) => n.Name === name && n.Status === "ready");
	}, ms);

test("PUT /v1/agent/servers moves a client agent to another server", async () => {
	const [a, b] = await Promise.all([serverAgent("srv-a"), serverAgent("srv-b")]);
	const addrA = `127.0.0.1:${a.ports.rpc}`;
	const addrB = `127.0.0.1:${b.ports.rpc}`;

	const cp = await freePorts();
	const clientCfg = writeConfig(dir.path, "client.json", {
		...common,
		name: "mover",
		data_dir: `${dir.path}/client`,
		ports: cp,
		client: { enabled: true, servers: [addrA] },
		plugin: { raw_exec: { config: { enabled: true } } },
	});
	const client = await startAgent([`-config=${clientCfg}`], cp, { readyPath: "/v1/agent/health" });
	agents.push(client);
	const nodeOnA = await readyNode(a, "mover");

	assert.deepEqual(await (await fetch(`${client.url}/v1/agent/servers`)).json(), [addrA]);

	// Refusals: no address; only unreachable addresses (the list stays as it was).
	const missing = await fetch(`${client.url}/v1/agent/servers`, { method: "PUT" });
	assert.equal(missing.status, 400);
	assert.equal(await missing.text(), "missing server address");
	const deadPort = await freePort();
	const dead = await fetch(`${client.url}/v1/agent/servers?address=127.0.0.1:${deadPort}`, { method: "POST" });
	assert.equal(dead.status, 400);
	assert.equal(
		await dead.text(),
		`1 error occurred:\n\t* Server at address 127.0.0.1:${deadPort} failed ping: dial tcp 127.0.0.1:${deadPort}: connect: connection refused\n\n`,
	);
	assert.deepEqual(await (await fetch(`${client.url}/v1/agent/servers`)).json(), [addrA]);

	// A list with one dead and one live server keeps the live one; "localhost" resolves.
	const put = await fetch(
		`${client.url}/v1/agent/servers?address=localhost:${b.ports.rpc}&address=127.0.0.1:${deadPort}`,
		{ method: "PUT" },
	);
	assert.equal(put.status, 200);
	assert.equal(await put.text(), "");
	assert.deepEqual(await (await fetch(`${client.url}/v1/agent/servers`)).json(), [addrB]);

	// The node registers on B (same node ID) without waiting for a heartbeat to fail (the first
	// heartbeat is ≥ 5 s away: half of min_heartbeat_ttl).
	const nodeOnB = await readyNode(b, "mover", 3_000);
	assert.equal(nodeOnB.ID, nodeOnA.ID);
	const self = (await (await fetch(`${client.url}/v1/agent/self`)).json()) as {
		stats: { client: Record<string, string> };
	};
	assert.equal(self.stats.client.known_servers, addrB);

	// B's jobs now run on this client.
	const reg = await fetch(`${b.url}/v1/jobs`, {
		method: "PUT",
		body: JSON.stringify({
			Job: {
				ID: "on-b",
				Type: "batch",
				Datacenters: ["*"],
				TaskGroups: [{ Name: "g", Tasks: [{ Name: "t", Driver: "raw_exec", Config: { command: "/bin/true" } }] }],
			},
		}),
	});
	assert.equal(reg.status, 200);
	const alloc = await waitFor(async () => {
		const allocs = (await (await fetch(`${b.url}/v1/job/on-b/allocations`)).json()) as {
			ClientStatus: string;
			NodeID: string;
		}[];
		return allocs[0]?.ClientStatus === "complete" ? allocs[0] : undefined;
	});
	assert.equal(alloc.NodeID, nodeOnA.ID);

	assert.deepEqual(await (await fetch(`${client.url}/v1/agent/health`)).json(), {
		client: { ok: true, message: "ok" },
	});

	// A server-only agent has no client server list.
	const onServer = await fetch(`${a.url}/v1/agent/servers`);
	assert.equal(onServer.status, 501);
	assert.equal(await onServer.text(), "Invalid method");
	assert.equal((await fetch(`${client.url}/v1/agent/servers`, { method: "DELETE" })).status, 405);

	// Health of a part the agent lacks: 500, the JSON as text, client before server.
	const noServer = await fetch(`${client.url}/v1/agent/health?type=server&type=client`);
	assert.equal(noServer.status, 500);
	assert.equal(noServer.headers.get("content-type"), "text/plain; charset=utf-8");
	assert.equal(
		await noServer.text(),
		'{"client":{"ok":true,"message":"ok"},"server":{"ok":false,"message":"server not enabled"}}',
	);
	// The scheduler endpoints are for servers only.
	for (const path of ["/v1/agent/schedulers", "/v1/agent/schedulers/config"]) {
		const r = await fetch(`${client.url}${path}`, { method: "DELETE" });
		assert.equal(r.status, 400);
		assert.equal(await r.text(), "Server only endpoint");
	}
	const noClient = await fetch(`${a.url}/v1/agent/health?type=client`);
	assert.equal(noClient.status, 500);
	assert.equal(await noClient.text(), '{"client":{"ok":false,"message":"client not enabled"}}');
});

test("a client agent started without servers is unhealthy until it is given one, then registers", async () => {
	const srv = await serverAgent("srv-c");
	const cp = await freePorts();
	const cfg = writeConfig(dir.path, "lost.json", {
		...common,
		name: "lost",
		data_dir: `${dir.path}/lost`,
		ports: cp,
		client: { enabled: true },
	});
	const client = await startAgent([`-config=${cfg}`], cp, { readyPath: "/v1/agent/servers" });
	agents.push(client);
	assert.deepEqual(await (await fetch(`${client.url}/v1/agent/servers`)).json(), []);
	const sick = await fetch(`${client.url}/v1/agent/health`);
	assert.equal(sick.status, 500);
	assert.equal(await sick.text(), '{"client":{"ok":false,"message":"no known servers"}}');
	// Let the registration back-off grow (0.5, 1, 2, then 4 s) past what waitFor allows below: the
	// new list must end it.
	await new Promise((r) => setTimeout(r, 3_700));
	const put = await fetch(`${client.url}/v1/agent/servers?address=127.0.0.1:${srv.ports.rpc}`, { method: "PUT" });
	assert.equal(put.status, 200);
	await waitFor(async () => {
		const nodes = (await (await fetch(`${srv.url}/v1/nodes`)).json()) as { Name: string; Status: string }[];
		return nodes.some((n) => n.Name === "lost" && n.Status === "ready");
	}, 2_500);
	assert.equal((await fetch(`${client.url}/v1/agent/health`)).status, 200);
});

test("dev agent: a new server list is checked and recorded; its client keeps using its own server", async () => {
	const dev = await startDevAgent();
	agents.push(dev);
	const own = `127.0.0.1:${dev.ports.rpc}`;
	assert.deepEqual(await (await fetch(`${dev.url}/v1/agent/servers`)).json(), [own]);
	const put = await fetch(`${dev.url}/v1/agent/servers?address=${own}&address=localhost:${dev.ports.rpc}`, {
		method: "PUT",
	});
	assert.equal(put.status, 200);
	assert.deepEqual(await (await fetch(`${dev.url}/v1/agent/servers`)).json(), [own]);
	const deadPort = await freePort();
	const bad = await fetch(`${dev.url}/v1/agent/servers?address=127.0.0.1:${deadPort}`, { method: "PUT" });
	assert.equal(bad.status, 400);
	assert.match(await bad.text(), /failed ping/);
});
