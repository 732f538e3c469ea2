// The /v1 conventions of api-overview.md against a real dev agent process.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { type StartedAgent, startDevAgent } from "./helpers/agentProcess.ts";

let agent: StartedAgent;
before(async () => {
	agent = await startDevAgent();
});
after(async () => {
	await agent?.stop();
});

interface Raw {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

function raw(
	method: string,
	path: string,
	opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const req = request(`${agent.url}${path}`, { method, headers: opts.headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on("error", reject);
		req.end(opts.body);
	});
}

describe("routing and errors", () => {
	test("unknown path: 404 with empty body", async () => {
		const r = await raw("GET", "/v1/definitely-not-a-route");
		assert.equal(r.status, 404);
		assert.equal(r.body.length, 0);
		assert.equal(r.headers["content-type"], undefined);
	});
	test("wrong method: 405 Invalid method as plain text", async () => {
		const r = await raw("DELETE", "/v1/status/leader");
		assert.equal(r.status, 405);
		assert.equal(r.body.toString(), "Invalid method");
		assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
	});
	test("redirects as Go's ServeMux", async () => {
		const root = await raw("GET", "/?x=1");
		assert.equal(root.status, 307);
		assert.equal(root.headers.location, "/ui/?x=1");
		const sub = await raw("GET", "/v1/namespace");
		assert.equal(sub.status, 405); // exact route /v1/namespace exists (PUT/POST only)
		const unclean = await raw("GET", "/v1//regions");
		assert.equal(unclean.status, 301);
		assert.equal(unclean.headers.location, "/v1/regions");
	});
	test("bad query parameters: 400 with Nomad's message", async () => {
		const r = await raw("GET", "/v1/namespaces?index=abc");
		assert.equal(r.status, 400);
		assert.equal(r.body.toString(), "Invalid index");
		const w = await raw("GET", "/v1/namespaces?index=1&wait=forever");
		assert.equal(w.body.toString(), "Invalid wait time");
	});
	test("unknown region: 500 No path to region", async () => {
		const r = await raw("GET", "/v1/namespaces?region=mars");
		assert.equal(r.status, 500);
		assert.equal(r.body.toString(), "No path to region");
	});
	test("unbuilt Nomad routes say so with 501", async () => {
		const r = await raw("GET", "/v1/deployments");
		assert.equal(r.status, 501);
		assert.match(r.body.toString(), /not implemented in nomad-ts yet/);
		const ent = await raw("GET", "/v1/quotas");
		assert.equal(ent.status, 501);
		assert.equal(ent.body.toString(), "Nomad Enterprise only endpoint");
	});
	test("bad bodies: clear 400 and nothing changes", async () => {
		const before = await raw("GET", "/v1/namespaces");
		const empty = await raw("PUT", "/v1/namespace/x");
		assert.equal(empty.status, 400);
		assert.equal(empty.body.toString(), "Request body is empty");
		const junk = await raw("PUT", "/v1/namespace/x", { body: "{nope" });
		assert.equal(junk.status, 400);
		assert.match(junk.body.toString(), /^Failed to decode request body/);
		const bad = await raw("PUT", "/v1/namespace", { body: JSON.stringify({ Name: "bad name!" }) });
		assert.equal(bad.status, 400);
		assert.match(bad.body.toString(), /Invalid namespace "bad name!"/);
		const mismatch = await raw("PUT", "/v1/namespace/a", { body: JSON.stringify({ Name: "b" }) });
		assert.equal(mismatch.body.toString(), "Namespace name does not match request path");
		const after = await raw("GET", "/v1/namespaces");
		assert.equal(after.headers["x-nomad-index"], before.headers["x-nomad-index"]);
		assert.deepEqual(JSON.parse(after.body.toString()), JSON.parse(before.body.toString()));
	});
});

describe("encoding and headers", () => {
	test("read headers: index, last contact, known leader", async () => {
		const r = await raw("GET", "/v1/operator/scheduler/configuration");
		assert.equal(r.status, 200);
		assert.match(String(r.headers["x-nomad-index"]), /^\d+$/);
		assert.equal(r.headers["x-nomad-lastcontact"], "0");
		assert.equal(r.headers["x-nomad-knownleader"], "true");
		assert.equal(r.headers["content-type"], "application/json");
		assert.equal(r.headers.vary, "Accept-Encoding");
		const body = JSON.parse(r.body.toString());
		assert.equal(body.SchedulerConfig.SchedulerAlgorithm, "binpack");
		assert.equal(body.SchedulerConfig.PreemptionConfig.SystemSchedulerEnabled, true);
		assert.equal(body.KnownLeader, true);
	});
	test("raft configuration: this server as the leading voter, named by its gossip member", async () => {
		const r = await raw("GET", "/v1/operator/raft/configuration");
		assert.equal(r.status, 200);
		const body = JSON.parse(r.body.toString());
		assert.equal(body.Servers.length, 1);
		const [s] = body.Servers;
		assert.match(s.Address, /^127\.0\.0\.1:\d+$/);
		assert.deepEqual(
			{ ...s, Node: undefined },
			{ ID: s.Address, Node: undefined, Address: s.Address, Leader: true, Voter: true, RaftProtocol: "3" },
		);
		assert.match(s.Node, /\.global$/);
		assert.ok(body.Index >= 1);
		assert.equal((await raw("PUT", "/v1/operator/raft/configuration")).status, 405);
	});
	test("gzip when asked, identity otherwise", async () => {
		const z = await raw("GET", "/v1/namespaces", { headers: { "Accept-Encoding": "gzip" } });
		assert.equal(z.headers["content-encoding"], "gzip");
		assert.equal(JSON.parse(gunzipSync(z.body).toString())[0].Name, "default");
		const plain = await raw("GET", "/v1/namespaces");
		assert.equal(plain.headers["content-encoding"], undefined);
	});
	test("pretty output", async () => {
		const r = await raw("GET", "/v1/regions?pretty");
		assert.equal(r.body.toString(), '[\n    "global"\n]\n');
		const c = await raw("GET", "/v1/regions");
		assert.equal(c.body.toString(), '["global"]');
	});
	test("leader and peers", async () => {
		const leader = await raw("GET", "/v1/status/leader");
		assert.equal(JSON.parse(leader.body.toString()), `127.0.0.1:${agent.ports.rpc}`);
		const peers = await raw("GET", "/v1/status/peers");
		assert.deepEqual(JSON.parse(peers.body.toString()), [`127.0.0.1:${agent.ports.rpc}`]);
	});
	test("health: server and client ok", async () => {
		const r = await raw("GET", "/v1/agent/health");
		assert.equal(r.status, 200);
		assert.deepEqual(JSON.parse(r.body.toString()), {
			client: { ok: true, message: "ok" },
			server: { ok: true, message: "ok" },
		});
	});
	test("agent self: config (redacted), member, string stats", async () => {
		const r = await raw("GET", "/v1/agent/self");
		assert.equal(r.status, 200);
		const self = JSON.parse(r.body.toString());
		assert.equal(self.config.Region, "global");
		assert.equal(self.member.Name.endsWith(".global"), true);
		assert.equal(self.member.Status, "alive");
		assert.equal(self.stats.nomad.leader, "true");
		assert.match(self.stats.client.node_id, /^[0-9a-f-]{36}$/);
		assert.equal(self.stats.client.known_servers, `127.0.0.1:${agent.ports.rpc}`);
		assert.ok(!JSON.stringify(self.config).match(/"[^"]*(Token|Secret|Password)[^"]*":"(?!<redacted>)[^"]+"/));
	});
	test("metrics: go-metrics JSON and prometheus text", async () => {
		const r = await raw("GET", "/v1/metrics");
		const m = JSON.parse(r.body.toString());
		assert.ok(Array.isArray(m.Gauges) && Array.isArray(m.Counters) && Array.isArray(m.Samples));
		assert.ok(m.Gauges.some((g: { Name: string }) => g.Name === "nomad.runtime.alloc_bytes"));
		const p = await raw("GET", "/v1/metrics?format=prometheus");
		assert.equal(p.status, 200);
		assert.match(p.body.toString(), /# TYPE nomad_runtime_alloc_bytes gauge/);
	});
	test("jwks: a real RSA key", async () => {
		const r = await raw("GET", "/.well-known/jwks.json");
		const { keys } = JSON.parse(r.body.toString());
		assert.equal(keys.length, 1);
		assert.equal(keys[0].kty, "RSA");
		assert.equal(keys[0].alg, "RS256");
		assert.ok(keys[0].n.length > 300);
		assert.match(String(r.headers["cache-control"]), /^max-age=\d+$/);
	});
});

describe("lists: pagination and filter", () => {
	before(async () => {
		for (const n of ["alpha", "beta", "gamma", "delta", "epsilon"]) {
			const r = await raw("PUT", `/v1/namespace/${n}`, {
				body: JSON.stringify({ name: n, description: `the ${n} team`, meta: { tier: n < "d" ? "gold" : "silver" } }),
			});
			assert.equal(r.status, 200, r.body.toString());
			assert.match(String(r.headers["x-nomad-index"]), /^\d+$/);
		}
	});
	test("per_page + next_token walk every item exactly once", async () => {
		const seen: string[] = [];
		let token = "";
		for (let i = 0; i < 10; i++) {
			const r = await raw("GET", `/v1/namespaces?per_page=2${token ? `&next_token=${token}` : ""}`);
			seen.push(...JSON.parse(r.body.toString()).map((n: { Name: string }) => n.Name));
			token = String(r.headers["x-nomad-nexttoken"] ?? "");
			if (!token) break;
		}
		assert.deepEqual(seen, ["alpha", "beta", "default", "delta", "epsilon", "gamma"]);
	});
	test("reverse and prefix", async () => {
		const r = await raw("GET", "/v1/namespaces?reverse=true&per_page=2");
		assert.deepEqual(
			JSON.parse(r.body.toString()).map((n: { Name: string }) => n.Name),
			["gamma", "epsilon"],
		);
		assert.equal(r.headers["x-nomad-nexttoken"], "delta");
		const p = await raw("GET", "/v1/namespaces?prefix=de");
		assert.deepEqual(
			JSON.parse(p.body.toString()).map((n: { Name: string }) => n.Name),
			["default", "delta"],
		);
	});
	test("filter expressions select, and bad ones are a 400", async () => {
		const f = encodeURIComponent('Meta.tier == "gold" and Description contains "team"');
		const r = await raw("GET", `/v1/namespaces?filter=${f}`);
		assert.deepEqual(
			JSON.parse(r.body.toString()).map((n: { Name: string }) => n.Name),
			["alpha", "beta"],
		);
		const bad = await raw("GET", `/v1/namespaces?filter=${encodeURIComponent("Name ==")}`);
		assert.equal(bad.status, 400);
		assert.match(bad.body.toString(), /^failed to create result paginator: failed to read filter expression: /);
	});
});

describe("blocking queries", () => {
	test("a write wakes a blocked query with the new index", async () => {
		const first = await raw("GET", "/v1/namespace/default");
		const index = Number(first.headers["x-nomad-index"]);
		const t0 = Date.now();
		const blocked = raw("GET", `/v1/namespace/default?index=${index}&wait=30s`);
		await new Promise((r) => setTimeout(r, 200));
		await raw("PUT", "/v1/namespace/default", { body: JSON.stringify({ Name: "default", Description: "changed" }) });
		const r = await blocked;
		assert.ok(Date.now() - t0 < 5000);
		assert.ok(Number(r.headers["x-nomad-index"]) > index);
		assert.equal(JSON.parse(r.body.toString()).Description, "changed");
	});
	test("an unrelated write does not end the wait; the timeout does", async () => {
		const first = await raw("GET", "/v1/operator/scheduler/configuration");
		const index = Number(first.headers["x-nomad-index"]);
		const t0 = Date.now();
		const blocked = raw("GET", `/v1/operator/scheduler/configuration?index=${index}&wait=800ms`);
		await raw("PUT", "/v1/namespace/zeta", { body: JSON.stringify({ Name: "zeta" }) });
		const r = await blocked;
		const took = Date.now() - t0;
		assert.ok(took >= 750 && took < 800 + 800 / 16 + 400, `took ${took}ms`);
		assert.equal(Number(r.headers["x-nomad-index"]), index);
		assert.equal(r.status, 200);
	});
});
