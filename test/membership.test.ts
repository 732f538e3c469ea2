// Server membership between real agents on loopback, with fast gossip timings
// (server { gossip { ... } }): join, failure detection after SIGKILL, force-leave, prune, a bad
// join address, and what a client-only agent answers.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { freePorts, type StartedAgent, startAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
after(async () => {
	for (const a of agents.reverse()) await a.stop("SIGKILL");
	dir.cleanup();
});

const FAST_GOSSIP = {
	probe_interval: "100ms",
	probe_timeout: "50ms",
	gossip_interval: "20ms",
	// a little slack over the unit tests' 3: agents share 2 loaded cores with the rest of the suite
	suspicion_mult: 4,
	push_pull_interval: "2s",
	reconnect_interval: "1s",
};

interface Member {
	Name: string;
	Addr: string;
	Port: number;
	Tags: Record<string, string>;
	Status: string;
	ProtocolMin: number;
	DelegateCur: number;
}

async function startServer(
	name: string,
	extra: { server?: Record<string, unknown>; top?: Record<string, unknown>; args?: string[] } = {},
): Promise<StartedAgent> {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, `${name}.json`, {
		name,
		data_dir: `${dir.path}/${name}`,
		bind_addr: "127.0.0.1",
		advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" },
		ports,
		server: { enabled: true, bootstrap_expect: 1, gossip: FAST_GOSSIP, ...extra.server },
		...extra.top,
	});
	const a = await startAgent([`-config=${cfg}`, ...(extra.args ?? [])], ports);
	agents.push(a);
	return a;
}

async function members(a: StartedAgent): Promise<{ ServerName: string; ServerRegion: string; Members: Member[] }> {
	const r = await fetch(`${a.url}/v1/agent/members`);
	assert.equal(r.status, 200);
	return (await r.json()) as { ServerName: string; ServerRegion: string; Members: Member[] };
}

async function statusIn(a: StartedAgent, name: string): Promise<string | undefined> {
	return (await members(a)).Members.find((m) => m.Name === name)?.Status;
}

function put(a: StartedAgent, path: string): Promise<Response> {
	return fetch(`${a.url}${path}`, { method: "PUT" });
}

test("servers join over the Serf port, see a killed one fail, force-leave and prune it", async () => {
	const [alpha, beta] = await Promise.all([startServer("alpha"), startServer("beta")]);

	const self = (await (await fetch(`${alpha.url}/v1/agent/self`)).json()) as {
		member: Member;
		stats: { serf: Record<string, string> };
	};
	assert.equal(self.member.Name, "alpha.global");
	assert.equal(self.member.Status, "alive");
	assert.equal(self.member.Port, alpha.ports.serf);
	assert.equal(self.stats.serf.members, "1");
	assert.equal(self.stats.serf.encrypted, "false");

	const j = await put(beta, `/v1/agent/join?address=127.0.0.1:${alpha.ports.serf}`);
	assert.equal(j.status, 200);
	assert.deepEqual(await j.json(), { num_joined: 1, error: "", warning: "" });

	await waitFor(async () => (await statusIn(alpha, "beta.global")) === "alive", 10_000, 50);
	await waitFor(async () => (await statusIn(beta, "alpha.global")) === "alive", 10_000, 50);
	const view = await members(alpha);
	assert.equal(view.ServerName, "alpha");
	assert.equal(view.ServerRegion, "global");
	const b = view.Members.find((m) => m.Name === "beta.global") as Member;
	assert.equal(b.Addr, "127.0.0.1");
	assert.equal(b.Port, beta.ports.serf);
	assert.equal(b.Tags.role, "nomad");
	assert.equal(b.Tags.region, "global");
	assert.equal(b.Tags.dc, "dc1");
	assert.equal(b.Tags.port, String(beta.ports.rpc));
	assert.equal(b.Tags.rpc_addr, "127.0.0.1");
	assert.equal(b.Tags.raft_vsn, "3");
	assert.match(b.Tags.id ?? "", /^[0-9a-f-]{36}$/);
	assert.equal(b.ProtocolMin, 1);
	assert.equal(b.DelegateCur, 4);

	// a bad address errors fast with Serf's multierror text, inside a 200
	const t0 = Date.now();
	const bad = (await (await put(alpha, "/v1/agent/join?address=127.0.0.1:1")).json()) as {
		num_joined: number;
		error: string;
	};
	assert.ok(Date.now() - t0 < 2000, `join to a dead address took ${Date.now() - t0} ms`);
	assert.equal(bad.num_joined, 0);
	assert.match(bad.error, /^1 error occurred:\n\t\* Failed to join 127\.0\.0\.1:1: .*connection refused/);

	// request errors as Nomad
	const noAddr = await put(alpha, "/v1/agent/join");
	assert.equal(noAddr.status, 400);
	assert.equal(await noAddr.text(), "missing address to join");
	assert.equal((await fetch(`${alpha.url}/v1/agent/join?address=x`)).status, 405);
	assert.equal((await put(alpha, "/v1/agent/members")).status, 405);
	const noNode = await put(alpha, "/v1/agent/force-leave");
	assert.equal(noNode.status, 400);
	assert.equal(await noNode.text(), "missing node to force leave");
	const badPrune = await put(alpha, "/v1/agent/force-leave?node=x&prune=maybe");
	assert.equal(badPrune.status, 400);
	assert.equal(await badPrune.text(), "invalid prune value");

	// SIGKILL → failed; force-leave → left
	await beta.stop("SIGKILL");
	await waitFor(async () => (await statusIn(alpha, "beta.global")) === "failed", 10_000, 50);
	const fl = await put(alpha, "/v1/agent/force-leave?node=beta.global");
	assert.equal(fl.status, 200);
	assert.equal(await fl.text(), "");
	assert.equal(await statusIn(alpha, "beta.global"), "left");

	// a third server: joined, killed, force-left with prune → gone from the list
	const gamma = await startServer("gamma");
	await put(gamma, `/v1/agent/join?address=127.0.0.1:${alpha.ports.serf}`);
	await waitFor(async () => (await statusIn(alpha, "gamma.global")) === "alive", 10_000, 50);
	await gamma.stop("SIGKILL");
	await waitFor(async () => (await statusIn(alpha, "gamma.global")) === "failed", 10_000, 50);
	assert.equal((await put(alpha, "/v1/agent/force-leave?node=gamma.global&prune=true")).status, 200);
	assert.equal(await statusIn(alpha, "gamma.global"), undefined);
	const names = (await members(alpha)).Members.map((m) => m.Name);
	assert.deepEqual(names, ["alpha.global", "beta.global"]);
	const stats = (
		(await (await fetch(`${alpha.url}/v1/agent/self`)).json()) as { stats: { serf: Record<string, string> } }
	).stats.serf;
	assert.equal(stats.members, "2");
	assert.equal(stats.left, "1");
	assert.equal(stats.failed, "0");

	// retry_join from the config joins in the background; leave_on_terminate leaves gracefully
	// (delta is another region's server: /v1/regions lists its region while it is alive)
	const delta = await startServer("delta", {
		server: { server_join: { retry_join: [`127.0.0.1:${alpha.ports.serf}`], retry_interval: "200ms" } },
		top: { leave_on_terminate: true, region: "eu" },
	});
	await waitFor(async () => (await statusIn(alpha, "delta.eu")) === "alive", 10_000, 50);
	assert.deepEqual(await (await fetch(`${alpha.url}/v1/regions`)).json(), ["eu", "global"]);
	assert.equal(await delta.stop("SIGTERM"), 0);
	// told before it exited; waitFor only absorbs event-loop lag on a loaded machine
	await waitFor(async () => (await statusIn(alpha, "delta.eu")) === "left", 5000, 20);
	assert.deepEqual(await (await fetch(`${alpha.url}/v1/regions`)).json(), ["global"]);

	// -join (start_join) to an address nobody answers on: the agent does not start
	await assert.rejects(startServer("epsilon", { args: ["-join=127.0.0.1:1"] }), /Failed to join 127\.0\.0\.1:1/);

	// a client-only agent: join/force-leave are server-only (501), members come from its server
	const cp = await freePorts();
	const clientCfg = writeConfig(dir.path, "client.json", {
		name: "worker",
		data_dir: `${dir.path}/client`,
		bind_addr: "127.0.0.1",
		advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" },
		ports: cp,
		client: { enabled: true, servers: [`127.0.0.1:${alpha.ports.rpc}`] },
	});
	const client = await startAgent([`-config=${clientCfg}`], cp, { readyPath: "/v1/agent/health" });
	agents.push(client);
	const cj = await put(client, "/v1/agent/join?address=127.0.0.1:1");
	assert.equal(cj.status, 501);
	assert.equal(await cj.text(), "Invalid method");
	assert.equal((await put(client, "/v1/agent/force-leave?node=x")).status, 501);
	const cm = await members(client);
	assert.equal(cm.ServerName, "alpha");
	assert.deepEqual(
		cm.Members.map((m) => m.Name),
		["alpha.global", "beta.global", "delta.eu"],
	);
	const cself = (await (await fetch(`${client.url}/v1/agent/self`)).json()) as { member: Member; stats: object };
	assert.equal(cself.member.Status, "none");
	assert.equal("serf" in cself.stats, false);
});
