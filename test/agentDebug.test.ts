// /v1/agent/host, /v1/agent/monitor and /v1/agent/pprof/* on a real dev agent (-dev sets
// enable_debug, as Nomad's): secrets planted in the agent's environment never leave it, the monitor
// streams the agent's own log lines, and a CPU profile taken through the API decodes with a pprof
// reader (pprof-format's Profile.decode; `go tool pprof` too when a Go toolchain is installed).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";
import { parseFrames } from "../src/client/fs/stream.ts";
import { freePorts, type StartedAgent, startAgent, tempDir, writeConfig } from "./helpers/agentProcess.ts";

let agent: StartedAgent;
let dir: ReturnType<typeof tempDir>;

before(async () => {
	dir = tempDir();
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "ports.json", { ports, limits: { http_max_conns_per_client: 0 } });
	agent = await startAgent(["-dev", `-config=${cfg}`, "-log-level=INFO"], ports, {
		env: { MY_API_TOKEN: "s3cr3t-token-value", DB_PASSWORD: "hunter2-password", AWS_SECRET_ACCESS_KEY: "AKIAXYZ" },
	});
});
after(async () => {
	await agent?.stop();
	dir?.cleanup();
});

async function get(path: string): Promise<{ status: number; text: string; bytes: Buffer; headers: Headers }> {
	const r = await fetch(`${agent.url}${path}`);
	const bytes = Buffer.from(await r.arrayBuffer());
	return { status: r.status, text: bytes.toString(), bytes, headers: r.headers };
}

async function selfIDs(): Promise<{ nodeID: string; serverName: string }> {
	const self = JSON.parse((await get("/v1/agent/self")).text);
	return { nodeID: self.stats.client.node_id, serverName: self.member.Name };
}

test("host: Nomad's HostData with the environment's secrets redacted", async () => {
	const r = await get("/v1/agent/host");
	assert.equal(r.status, 200);
	for (const secret of ["s3cr3t-token-value", "hunter2-password", "AKIAXYZ"]) {
		assert.equal(r.text.includes(secret), false, `${secret} leaked`);
	}
	const h = JSON.parse(r.text);
	assert.deepEqual(Object.keys(h), ["OS", "Network", "ResolvConf", "Hosts", "Environment", "Disk"]);
	assert.equal(h.Environment.MY_API_TOKEN, "<redacted>");
	assert.equal(h.Environment.DB_PASSWORD, "<redacted>");
	assert.equal(h.Environment.PATH, process.env.PATH);
	assert.ok(h.Network.some((n: Record<string, string>) => n.address === "127.0.0.1"));
	assert.match(h.OS, /Linux/);
	for (const d of Object.values(h.Disk) as { DiskMB: number; UsedMB: number }[]) assert.ok(d.DiskMB > 0);
});

test("host: node_id / server_id naming this agent answer {AgentID, HostData}; others fail as Nomad", async () => {
	const { nodeID, serverName } = await selfIDs();
	const byNode = JSON.parse((await get(`/v1/agent/host?node_id=${nodeID}`)).text);
	assert.equal(byNode.AgentID, nodeID);
	assert.equal(byNode.HostData.Environment.MY_API_TOKEN, "<redacted>");
	assert.equal(JSON.parse((await get("/v1/agent/host?server_id=leader")).text).AgentID, serverName);
	assert.equal(JSON.parse((await get(`/v1/agent/host?server_id=${serverName}`)).text).AgentID, serverName);
	const unknownServer = await get("/v1/agent/host?server_id=nope.global");
	assert.deepEqual([unknownServer.status, unknownServer.text], [500, "unknown Nomad server nope.global"]);
	const unknownNode = await get("/v1/agent/host?node_id=00000000-0000-0000-0000-000000000000");
	assert.equal(unknownNode.status, 404);
});

test("monitor: the agent's own log lines, framed, at the asked level", async () => {
	const ctl = new AbortController();
	const r = await fetch(`${agent.url}/v1/agent/monitor?log_level=debug&server_id=leader`, { signal: ctl.signal });
	assert.equal(r.status, 200);
	assert.equal(r.headers.get("content-type"), "application/json");
	const reader = r.body?.getReader();
	assert.ok(reader);
	let text = "";
	const decoder = new TextDecoder();
	const deadline = Date.now() + 10_000;
	let logged = "";
	while (!logged.includes("/v1/agent/self") && Date.now() < deadline) {
		await get("/v1/agent/self"); // logged at DEBUG by the HTTP layer ("request complete")
		const { value } = await reader.read();
		text += decoder.decode(value);
		logged = parseFrames(text)
			.filter((f) => f.Data)
			.map((f) => Buffer.from(f.Data ?? "", "base64").toString())
			.join("");
	}
	ctl.abort();
	assert.match(logged, /\[DEBUG\] agent\.http: request complete: method=GET path=\/v1\/agent\/self/);
	assert.ok(parseFrames(text).every((f) => !f.Data || f.FileEvent === "log"));
});

/** Keeps the agent busy (HTTP requests) while a profile runs, so there is CPU time to sample. */
async function load(ms: number): Promise<void> {
	const end = Date.now() + ms;
	while (Date.now() < end) await Promise.all(Array.from({ length: 8 }, () => get("/v1/agent/self")));
}

test("pprof profile: a CPU profile through the API decodes as pprof with samples and function names", async () => {
	const [r] = await Promise.all([get("/v1/agent/pprof/profile?seconds=1"), load(1000)]);
	assert.equal(r.status, 200);
	assert.equal(r.headers.get("content-type"), "application/octet-stream");
	assert.equal(r.headers.get("content-disposition"), 'attachment; filename="profile"');
	assert.deepEqual([...r.bytes.subarray(0, 2)], [0x1f, 0x8b], "gzipped as Go serves it");
	const p = Profile.decode(gunzipSync(r.bytes));
	const s = p.stringTable.strings;
	assert.ok(p.sample.length > 0, "has samples");
	const names = new Set(p.function.map((f) => s[Number(f.name)]));
	assert.ok(names.has("agentSelf") || names.has("selfInfo") || names.has("handle"), [...names].join(","));
	assert.equal(s[Number(p.sampleType[1]?.type)], "cpu");
	// Real pprof readers, when this machine has one (`go tool pprof`, or the standalone `pprof`).
	const f = join(dir.path, "cpu.pprof");
	writeFileSync(f, r.bytes);
	if (spawnSync("go", ["version"]).status === 0) {
		assert.match(execFileSync("go", ["tool", "pprof", "-top", f]).toString(), /flat/);
	}
	if (spawnSync("pprof", ["-h"]).error === undefined) {
		assert.match(execFileSync("pprof", ["-top", f]).toString(), /flat/);
	}
});

test("pprof: heap (text), goroutine, trace, cmdline", async () => {
	const heap = await get("/v1/agent/pprof/heap?debug=1&seconds=1");
	assert.equal(heap.headers.get("content-type"), "text/plain; charset=utf-8");
	assert.match(heap.text, /^heap profile: total /);
	const g = Profile.decode(gunzipSync((await get("/v1/agent/pprof/goroutine")).bytes));
	assert.ok(g.sample.length >= 2, "the loop and at least its listening sockets");
	const trace = JSON.parse((await get("/v1/agent/pprof/trace?seconds=1")).text);
	assert.ok(Array.isArray(trace.traceEvents) && trace.traceEvents.length > 0);
	const cmd = (await get("/v1/agent/pprof/cmdline")).text.split("\u0000");
	assert.ok(cmd.includes("agent") && cmd.includes("-dev"), cmd.join(" "));
	// The agent API document's sample requests: /v1/agent/profile and /v1/agent/trace.
	const [profile] = await Promise.all([get("/v1/agent/profile?seconds=1"), load(1000)]);
	assert.equal(profile.headers.get("content-disposition"), 'attachment; filename="profile"');
	assert.ok(Profile.decode(gunzipSync(profile.bytes)).sample.length > 0);
	assert.ok(JSON.parse((await get("/v1/agent/trace?seconds=1")).text).traceEvents.length > 0);
});
