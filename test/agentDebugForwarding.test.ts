// node_id / server_id across agents: a server answers /v1/agent/host, monitor and pprof for a
// separate client-only agent by forwarding over that node's RPC connection, and the client-only
// agent relays server_id requests to its server. The client runs with enable_debug off: as in
// Nomad, its host data is still served to the server's (ACL-less) caller, its profiles are not.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseFrames } from "../src/client/fs/stream.ts";
import { type StartedAgent, startClientAgent, startServerAgent, tempDir, waitFor } from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
let server: StartedAgent;
let client: StartedAgent;
let nodeID: string;

before(async () => {
	server = await startServerAgent(dir.path, "server", { config: { name: "srv", enable_debug: true } });
	agents.push(server);
	client = await startClientAgent(dir.path, "client", `127.0.0.1:${server.ports.rpc}`, {
		host: "127.0.0.2",
		config: { name: "worker-dbg" },
		args: ["-log-level=DEBUG"],
		env: { DEBUG_TEST_MARKER: "on-the-client", CLIENT_API_TOKEN: "client-s3cr3t" },
	});
	agents.push(client);
	const node = await waitFor(async () => {
		const nodes = (await (await fetch(`${server.url}/v1/nodes`)).json()) as {
			ID: string;
			Name: string;
			Status: string;
		}[];
		return nodes.find((n) => n.Name === "worker-dbg" && n.Status === "ready");
	});
	nodeID = node.ID;
});
after(async () => {
	await Promise.all(agents.map((a) => a.stop()));
	dir.cleanup();
});

test("host?node_id on the server answers with the client's host data, secrets redacted", async () => {
	const r = await fetch(`${server.url}/v1/agent/host?node_id=${nodeID}`);
	const text = await r.text();
	assert.equal(r.status, 200, text);
	assert.equal(text.includes("client-s3cr3t"), false);
	const body = JSON.parse(text);
	assert.equal(body.AgentID, nodeID);
	assert.equal(body.HostData.Environment.DEBUG_TEST_MARKER, "on-the-client");
	assert.equal(body.HostData.Environment.CLIENT_API_TOKEN, "<redacted>");
});

test("pprof?node_id: the target's enable_debug decides (off on the client: 403)", async () => {
	const r = await fetch(`${server.url}/v1/agent/pprof/cmdline?node_id=${nodeID}`);
	assert.deepEqual([r.status, await r.text()], [403, "Permission denied"]);
	// The same answer from the client for the document's /v1/agent/trace spelling.
	const trace = await fetch(`${server.url}/v1/agent/trace?seconds=1&node_id=${nodeID}`);
	assert.deepEqual([trace.status, await trace.text()], [403, "Permission denied"]);
	const own = await fetch(`${server.url}/v1/agent/pprof/cmdline`);
	assert.match(await own.text(), /server\.json/);
});

test("monitor?node_id streams the client's log through the server", async () => {
	const ctl = new AbortController();
	const r = await fetch(`${server.url}/v1/agent/monitor?node_id=${nodeID}&log_level=debug`, { signal: ctl.signal });
	assert.equal(r.status, 200);
	const reader = r.body?.getReader();
	assert.ok(reader);
	let text = "";
	let logged = "";
	const deadline = Date.now() + 10_000;
	while (!logged.includes("/v1/agent/health") && Date.now() < deadline) {
		await fetch(`${client.url}/v1/agent/health`); // the client logs it at DEBUG
		const { value } = await reader.read();
		text += new TextDecoder().decode(value);
		logged = parseFrames(text)
			.filter((f) => f.Data)
			.map((f) => Buffer.from(f.Data ?? "", "base64").toString())
			.join("");
	}
	ctl.abort();
	assert.match(logged, /request complete: method=GET path=\/v1\/agent\/health/);
});

test("a client-only agent relays server_id to its server", async () => {
	const r = await fetch(`${client.url}/v1/agent/host?server_id=leader`);
	// The client-only agent itself has enable_debug off: Nomad checks it before relaying.
	assert.deepEqual([r.status, await r.text()], [403, "Permission denied"]);
	const monitor = new AbortController();
	const m = await fetch(`${client.url}/v1/agent/monitor?server_id=srv.global&plain=true`, { signal: monitor.signal });
	assert.equal(m.status, 200);
	monitor.abort();
	const unknown = await fetch(`${client.url}/v1/agent/monitor?server_id=nope.global`);
	assert.deepEqual([unknown.status, await unknown.text()], [500, "unknown Nomad server nope.global"]);
});
