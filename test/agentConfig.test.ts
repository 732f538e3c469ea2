// The agent process: -config with an extensionless JSON file of Nomad keys, exact ports, readiness,
// -dev on top, bad configuration, connection limit and response headers, graceful stop.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { BIN, freePorts, REPO, startAgent, tempDir, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
after(() => dir.cleanup());

async function tcpOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = connect(port, "127.0.0.1");
		s.once("connect", () => {
			s.destroy();
			resolve(true);
		});
		s.once("error", () => resolve(false));
	});
}

function nomadConfig(name: string, ports: { http: number; rpc: number; serf: number }, extra: object = {}) {
	return {
		name,
		data_dir: `${dir.path}/${name}-data`,
		region: "global",
		ports,
		server: { enabled: true, bootstrap_expect: 1 },
		client: { enabled: false, options: { "driver.raw_exec.enable": "1" } },
		acl: { enabled: false },
		telemetry: { prometheus_metrics: true },
		...extra,
	};
}

test("-config FILE (JSON, no extension): exact ports, ready with JWKS within 2 s", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "server1", nomadConfig("server1", ports));
	const t0 = Date.now();
	const agent = await startAgent([`-config=${cfg}`], ports);
	try {
		let keys: unknown[] = [];
		while (keys.length === 0 && Date.now() - t0 < 5000) {
			keys = ((await (await fetch(`${agent.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] }).keys;
		}
		const ready = Date.now() - t0;
		assert.ok(keys.length > 0, "JWKS has a key");
		assert.ok(ready < 2000, `ready after ${ready} ms`);
		assert.equal(await tcpOpen(ports.rpc), true, "rpc port listens");
		assert.equal(await tcpOpen(ports.serf), true, "serf port listens");
		const health = (await (await fetch(`${agent.url}/v1/agent/health`)).json()) as Record<string, unknown>;
		assert.deepEqual(health, { server: { ok: true, message: "ok" } });
		const prom = await fetch(`${agent.url}/v1/metrics?format=prometheus`);
		assert.equal(prom.status, 200);
	} finally {
		assert.equal(await agent.stop("SIGTERM"), 0);
	}
});

test("-dev on top of the same config also starts a client", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "server2", nomadConfig("server2", ports));
	const agent = await startAgent(["-dev", `-config=${cfg}`], ports);
	try {
		const health = (await (await fetch(`${agent.url}/v1/agent/health`)).json()) as Record<string, unknown>;
		assert.deepEqual(health, { client: { ok: true, message: "ok" }, server: { ok: true, message: "ok" } });
	} finally {
		await agent.stop();
	}
});

test("server state survives a graceful restart on the same data_dir", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "server3", nomadConfig("server3", ports));
	let agent = await startAgent([`-config=${cfg}`], ports);
	await fetch(`${agent.url}/v1/namespace/kept`, { method: "PUT", body: JSON.stringify({ Name: "kept" }) });
	const before = await fetch(`${agent.url}/v1/namespaces`);
	const beforeIndex = before.headers.get("x-nomad-index");
	const beforeBody = await before.json();
	let jwksBefore: { keys: unknown[] } = { keys: [] };
	while (jwksBefore.keys.length === 0) {
		jwksBefore = (await (await fetch(`${agent.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
	}
	const t0 = Date.now();
	assert.equal(await agent.stop("SIGINT"), 0);
	assert.ok(Date.now() - t0 < 5000, "graceful stop within 5 s");
	agent = await startAgent([`-config=${cfg}`], ports);
	try {
		const r = await fetch(`${agent.url}/v1/namespaces`);
		assert.equal(r.headers.get("x-nomad-index"), beforeIndex);
		assert.deepEqual(await r.json(), beforeBody);
		assert.deepEqual(await (await fetch(`${agent.url}/.well-known/jwks.json`)).json(), jwksBefore);
	} finally {
		await agent.stop();
	}
});

test("bad configuration: clear error naming file and key, exit 1", () => {
	const cfg = writeConfig(dir.path, "bad.json", { ports: { http: "not-a-port" }, server: { enabled: true } });
	const r = spawnSync(process.execPath, [BIN, "agent", `-config=${cfg}`, `-data-dir=${dir.path}/bad`], {
		cwd: REPO,
		encoding: "utf8",
		timeout: 10_000,
	});
	assert.equal(r.status, 1);
	assert.match(r.stderr, /bad\.json/);
	assert.match(r.stderr, /ports\.http/);
});

test("limits.http_max_conns_per_client answers excess connections with Nomad's raw 429", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "limited", {
		...nomadConfig("limited", ports),
		limits: { http_max_conns_per_client: 2 },
		http_api_response_headers: { "X-Custom": "yes" },
	});
	const agent = await startAgent([`-config=${cfg}`], ports);
	const socks = [];
	try {
		const r = await fetch(`${agent.url}/v1/regions`);
		assert.equal(r.headers.get("x-custom"), "yes");
		for (let i = 0; i < 2; i++) {
			const s = connect(ports.http, "127.0.0.1");
			await new Promise((res) => s.once("connect", res));
			socks.push(s);
		}
		const extra = connect(ports.http, "127.0.0.1");
		const text = await new Promise<string>((resolve) => {
			let buf = "";
			extra.on("data", (d) => {
				buf += d.toString();
			});
			extra.on("close", () => resolve(buf));
			extra.on("error", () => resolve(buf));
		});
		assert.match(text, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
		assert.match(text, /Your IP is issuing too many concurrent connections, please rate limit your calls\n$/);
	} finally {
		for (const s of socks) s.destroy();
		await agent.stop();
	}
});

test("npx nomad-ts: the project's CLI is linked into node_modules/.bin by npm ci", () => {
	const r = spawnSync(join(REPO, "node_modules/.bin/nomad-ts"), ["version"], {
		cwd: REPO,
		encoding: "utf8",
		env: { ...process.env, PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` },
	});
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /^Nomad v\d+\.\d+\.\d+/);
});

test("version", () => {
	for (const args of [["version"], ["-version"]]) {
		const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: "utf8" });
		assert.equal(r.status, 0);
		assert.match(r.stdout, /^Nomad v\d+\.\d+\.\d+/);
	}
});
