// The debug routes against a real HTTP listener and a hand-made agent handle: monitor streams end
// without leaving a sink behind, enable_debug gates pprof and host, and the parameter errors.
import assert from "node:assert/strict";
import { type IncomingMessage, request } from "node:http";
import { after, before, test } from "node:test";
import { ACL } from "../../../acl/acl.ts";
import { parseFrames } from "../../../client/fs/stream.ts";
import { Logger, LogHub } from "../../../lib/logger.ts";
import { MetricsRegistry } from "../../../lib/metrics.ts";
import { enforced } from "../authorize.ts";
import { HttpServer } from "../httpServer.ts";
import { Router } from "../router.ts";
import { agentDebugRoutes } from "./agentDebugRoutes.ts";
import { agentHostRoutes } from "./agentHostRoutes.ts";
import type { AgentHandle } from "./context.ts";

const hub = new LogHub();
const servers: HttpServer[] = [];
let debugOn = "";
let debugOff = "";
let aclsOn = "";

function fakeAgent(enableDebug: boolean): AgentHandle {
	return {
		region: "global",
		server: undefined,
		client: undefined,
		metrics: new MetricsRegistry({ interval: 10_000, retain: 60_000 }),
		prometheusMetrics: false,
		enableDebug,
		aclEnabled: false,
		logHub: hub,
	};
}

/** ACLs on, enable_debug off: tokens "agent-write", "agent-read", anything else has no policy. */
function aclAgent(): AgentHandle {
	const level = (p: string) =>
		ACL.fromPolicies([{ Namespaces: [], NodePools: [], HostVolumes: [], Agent: { Policy: p } }]);
	return {
		...fakeAgent(false),
		aclEnabled: true,
		resolveToken: async (secret) => ({
			acl: secret === "agent-write" ? level("write") : secret === "agent-read" ? level("read") : ACL.fromPolicies([]),
			token: undefined,
		}),
	};
}

async function serve(agent: AgentHandle): Promise<string> {
	const router = new Router();
	for (const r of [...agentHostRoutes(agent), ...agentDebugRoutes(agent)])
		router.add({ ...r, handler: enforced(r, agent) });
	const s = new HttpServer({ host: "127.0.0.1", port: 0, router, logger: new Logger(new LogHub()) });
	servers.push(s);
	return `http://127.0.0.1:${(await s.listen()).port}`;
}

before(async () => {
	debugOn = await serve(fakeAgent(true));
	debugOff = await serve(fakeAgent(false));
	aclsOn = await serve(aclAgent());
});
after(async () => {
	await Promise.all(servers.map((s) => s.close()));
});

/** Opens a streaming GET; resolves with the response once headers arrive. */
function openGet(url: string): Promise<{ res: IncomingMessage; body: () => string; close: () => void }> {
	return new Promise((resolve, reject) => {
		const req = request(url, (res) => {
			let body = "";
			res.on("data", (d: Buffer) => {
				body += d.toString();
			});
			res.on("error", () => {});
			resolve({ res, body: () => body, close: () => req.destroy() });
		});
		req.on("error", (err) => {
			if ((err as NodeJS.ErrnoException).code !== "ECONNRESET") reject(err);
		});
		req.end();
	});
}

const waitUntil = async (cond: () => boolean, ms = 3000) => {
	const t0 = Date.now();
	while (!cond()) {
		if (Date.now() - t0 > ms) throw new Error("timed out");
		await new Promise((r) => setTimeout(r, 10));
	}
};

test("concurrent monitors at different levels; a disconnect removes the subscriber's sink", async () => {
	assert.equal(hub.enabled("info"), false, "no sinks before");
	const trace = await openGet(`${debugOn}/v1/agent/monitor?log_level=trace`);
	const errors = await openGet(`${debugOn}/v1/agent/monitor?log_level=ERROR&plain=true`);
	assert.equal(trace.res.statusCode, 200);
	assert.equal(trace.res.headers["content-type"], "application/json");
	assert.equal(errors.res.headers["content-type"], "text/plain");
	assert.equal(hub.enabled("trace"), true);
	const log = new Logger(hub, "agent.test");
	log.trace("fine detail");
	log.error("it broke", { code: 7 });
	await waitUntil(() => trace.body().includes("Data") && errors.body().includes("it broke"));
	const text = parseFrames(trace.body())
		.filter((f) => f.Data)
		.map((f) => Buffer.from(f.Data ?? "", "base64").toString())
		.join("");
	assert.match(text, /\[TRACE\] agent\.test: fine detail\n/);
	assert.match(text, /\[ERROR\] agent\.test: it broke: code=7\n/);
	assert.doesNotMatch(errors.body(), /fine detail/);
	trace.close();
	await waitUntil(() => !hub.enabled("trace"));
	assert.equal(hub.enabled("error"), true, "the other monitor still streams");
	errors.close();
	await waitUntil(() => !hub.enabled("error"));
});

async function get(url: string, token = ""): Promise<{ status: number; body: string; type: string | null }> {
	const r = await fetch(url, { headers: token ? { "X-Nomad-Token": token } : {} });
	return { status: r.status, body: await r.text(), type: r.headers.get("content-type") };
}

test("monitor parameter errors are Nomad's 400s", async () => {
	assert.deepEqual(await get(`${debugOn}/v1/agent/monitor?log_level=loud`), {
		status: 400,
		body: "Unknown log level: loud",
		type: "text/plain; charset=utf-8",
	});
	const plain = await get(`${debugOn}/v1/agent/monitor?plain=maybe`);
	assert.equal(plain.body, 'Unknown option for plain: strconv.ParseBool: parsing "maybe": invalid syntax');
	const both = await get(`${debugOn}/v1/agent/monitor?node_id=a&server_id=b`);
	assert.deepEqual([both.status, both.body], [400, "Cannot target node and server simultaneously"]);
	const loc = await get(`${debugOn}/v1/agent/monitor?log_include_location=2`);
	assert.equal(loc.status, 400);
});

test("enable_debug off with ACLs disabled: pprof and host are 403 Permission denied, monitor is not", async () => {
	for (const path of ["/v1/agent/pprof/cmdline", "/v1/agent/pprof/heap", "/v1/agent/host"]) {
		const r = await get(`${debugOff}${path}`);
		assert.deepEqual([r.status, r.body], [403, "Permission denied"], path);
	}
	const m = await openGet(`${debugOff}/v1/agent/monitor`);
	assert.equal(m.res.statusCode, 200);
	m.close();
	await waitUntil(() => !hub.enabled("info"));
});

test("pprof routing: no index, Go's not-found text, both targets rejected", async () => {
	assert.deepEqual((await get(`${debugOn}/v1/agent/pprof/`)).status, 404);
	assert.deepEqual((await get(`${debugOn}/v1/agent/pprof/bogus`)).body, "Pprof profile not found profile: bogus");
	const both = await get(`${debugOn}/v1/agent/pprof/heap?node_id=a&server_id=b`);
	assert.deepEqual([both.status, both.body], [400, "Cannot target node and server simultaneously"]);
	const host = await get(`${debugOn}/v1/agent/host?node_id=a&server_id=b`);
	assert.deepEqual([host.status, host.body], [400, "Can only forward to either client node or server"]);
	// No server to relay through and no forwarding hook: Nomad's "No path to node".
	const remote = await get(`${debugOn}/v1/agent/pprof/heap?node_id=elsewhere`);
	assert.deepEqual([remote.status, remote.body], [404, "No path to node"]);
	const cmd = await get(`${debugOn}/v1/agent/pprof/cmdline`);
	assert.equal(cmd.type, "text/plain; charset=utf-8");
	assert.equal(cmd.body.split("\u0000")[0], process.execPath);
});

test("ACLs on: the token decides, whatever enable_debug says (the seed's table)", async () => {
	assert.equal((await get(`${aclsOn}/v1/agent/pprof/cmdline`, "agent-write")).status, 200);
	assert.deepEqual((await get(`${aclsOn}/v1/agent/pprof/cmdline`, "agent-read")).status, 403);
	assert.equal((await get(`${aclsOn}/v1/agent/host`, "agent-read")).status, 200);
	assert.deepEqual(await get(`${aclsOn}/v1/agent/host`, "nobody"), {
		status: 403,
		body: "Permission denied",
		type: "text/plain; charset=utf-8",
	});
	assert.equal((await get(`${aclsOn}/v1/agent/monitor`, "nobody")).status, 403);
});
