// Three agents on loopback — one server, two client-only agents: draining a client migrates its
// allocation to the other; killing a client (SIGKILL) makes its allocation lost once its heartbeat
// TTL + grace pass, and the job is replaced on the surviving client.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type StartedAgent, startClientAgent, startServerAgent, tempDir, waitFor } from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
after(async () => {
	for (const a of agents.reverse()) await a.stop("SIGKILL");
	// Tasks outlive a killed client (as Nomad's do); the clean-up stops the clients' supervisors.
	dir.cleanup();
});

async function api(url: string, method = "GET", body?: unknown): Promise<any> {
	const r = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await r.text();
	assert.ok(r.ok, `${method} ${url}: ${r.status} ${text}`);
	return text ? JSON.parse(text) : null;
}

test("drain migrates; a killed client's allocation is lost and replaced on the other client", async () => {
	const server = await startServerAgent(dir.path, "server", {
		config: { name: "srv", server: { min_heartbeat_ttl: "1s", heartbeat_grace: "1s" } },
	});
	agents.push(server);
	const clients: Record<string, StartedAgent> = {};
	for (const name of ["c1", "c2"]) {
		const a = await startClientAgent(dir.path, name, `127.0.0.1:${server.ports.rpc}`);
		agents.push(a);
		clients[name] = a;
	}
	const nodes = await waitFor(async () => {
		const ns = (await api(`${server.url}/v1/nodes`)) as any[];
		return ns.filter((n) => n.Status === "ready").length === 2 ? ns : undefined;
	});
	const nodeName = (id: string) => nodes.find((n: any) => n.ID === id)?.Name as string;

	await api(`${server.url}/v1/jobs`, "PUT", {
		Job: {
			ID: "web",
			Datacenters: ["*"],
			TaskGroups: [
				{
					Name: "g",
					Count: 1,
					Migrate: { MaxParallel: 1, HealthCheck: "task_states", MinHealthyTime: 0, HealthyDeadline: 60e9 },
					Tasks: [
						{
							Name: "t",
							Driver: "raw_exec",
							Config: { command: "/bin/sleep", args: ["1000"] },
							KillTimeout: 200e6,
							Resources: { CPU: 50, MemoryMB: 32 },
						},
					],
				},
			],
		},
	});
	const running = async () =>
		waitFor(async () => {
			const allocs = (await api(`${server.url}/v1/job/web/allocations`)) as any[];
			return allocs.find((a) => a.ClientStatus === "running" && a.DesiredStatus === "run");
		}, 20_000);
	const first = await running();

	// Drain the node running it: the allocation moves to the other client, the node becomes ineligible.
	await api(`${server.url}/v1/node/${first.NodeID}/drain`, "POST", { DrainSpec: { Deadline: 30e9 } });
	const moved = await waitFor(async () => {
		const a = await running();
		return a.NodeID !== first.NodeID ? a : undefined;
	}, 30_000);
	const drained = await waitFor(async () => {
		const n = await api(`${server.url}/v1/node/${first.NodeID}`);
		return n.Drain === false && n.SchedulingEligibility === "ineligible" ? n : undefined;
	}, 30_000);
	assert.equal(drained.SchedulingEligibility, "ineligible");
	const old = await api(`${server.url}/v1/allocation/${first.ID}`);
	assert.equal(old.DesiredStatus, "stop");
	assert.equal(old.DesiredTransition.Migrate, true);

	// Make the drained node eligible again, then SIGKILL the client now running the allocation.
	await api(`${server.url}/v1/node/${first.NodeID}/eligibility`, "POST", { Eligibility: "eligible" });
	const victim = clients[nodeName(moved.NodeID)];
	assert.ok(victim, "the allocation runs on one of our clients");
	const killedAt = Date.now();
	await victim.stop("SIGKILL");
	const down = await waitFor(async () => {
		const n = await api(`${server.url}/v1/node/${moved.NodeID}`);
		return n.Status === "down" ? n : undefined;
	}, 20_000);
	assert.equal(down.Status, "down");
	const lost = await waitFor(async () => {
		const a = await api(`${server.url}/v1/allocation/${moved.ID}`);
		return a.ClientStatus === "lost" ? a : undefined;
	}, 20_000);
	assert.equal(lost.DesiredStatus, "stop");
	const replacement = await waitFor(async () => {
		const a = await running();
		return a.ID !== moved.ID && a.NodeID === first.NodeID ? a : undefined;
	}, 20_000);
	assert.equal(replacement.NodeID, first.NodeID);
	// TTL (≥ 1 s, scaled by the node count) + 1 s grace, plus scheduling: well under 15 s here.
	assert.ok(Date.now() - killedAt < 15_000, `replaced after ${Date.now() - killedAt} ms`);
});
