// Forwarding in one process: an outer HTTP server forwards /v1/client/ requests over a real RPC
// connection to a "node" whose router answers them; checks backpressure from a paused HTTP reader
// to the remote producer, cancellation, complete vs streamed responses, and the loop guard.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CodedError } from "../lib/errors.ts";
import { Logger, LogHub } from "../lib/logger.ts";
import { RpcClient, RpcServer } from "../rpc/transport.ts";
import { FORWARD_METHOD, forwardRequest, serveForwarded } from "./forwarding.ts";
import { HttpServer } from "./http/httpServer.ts";
import { openStream } from "./http/respond.ts";
import { Router } from "./http/router.ts";
import { allocTarget, nodeTarget } from "./http/routes/clientTarget.ts";
import type { AgentHandle } from "./http/routes/context.ts";
import { HANDLED, type RequestContext } from "./http/types.ts";

const CHUNK = 16 * 1024;
const CHUNKS = 4096; // 64 MiB
let produced = 0;
let producerAborted = false;
let seenForwardedFrom: string | undefined;

const logger = new Logger(new LogHub(), "test");
let rpcHttp: Server;
let rpcServer: RpcServer;
let rpcClient: RpcClient;
let outer: HttpServer;
let outerURL: string;

function nodeRouter(): Router {
	const r = new Router();
	r.add({
		pattern: "/v1/client/big",
		acl: "none",
		handler: async (ctx) => {
			seenForwardedFrom = ctx.forwardedFrom;
			produced = 0;
			producerAborted = false;
			ctx.signal.addEventListener("abort", () => {
				producerAborted = true;
			});
			const w = openStream(ctx, "application/octet-stream", { "X-Nomad-Test": "yes" });
			const chunk = Buffer.alloc(CHUNK, 120);
			for (let i = 0; i < CHUNKS && !w.closed; i++) {
				produced += CHUNK;
				if (!w.write(chunk)) await w.drain();
			}
			if (!w.closed) w.end();
			return HANDLED;
		},
	});
	r.add({
		pattern: "/v1/client/json",
		acl: "none",
		handler: async (ctx) => {
			ctx.headers["X-Nomad-Index"] = "42";
			return { Method: ctx.method, Q: ctx.query.get("q"), Token: ctx.token, Body: await readAll(ctx) };
		},
	});
	r.add({
		pattern: "/v1/client/fail",
		acl: "none",
		handler: () => {
			throw new CodedError(404, 'Unknown allocation "x"');
		},
	});
	return r;
}

async function readAll(ctx: RequestContext): Promise<string> {
	let s = "";
	for await (const c of ctx.req) s += c;
	return s;
}

before(async () => {
	rpcHttp = createServer();
	rpcServer = new RpcServer(rpcHttp);
	rpcServer.register("Hello", async (_a, conn) => {
		conn.peerID = "n1";
		return null;
	});
	await new Promise<void>((r) => rpcHttp.listen(0, "127.0.0.1", () => r()));
	rpcClient = new RpcClient([`127.0.0.1:${(rpcHttp.address() as AddressInfo).port}`]);
	const router = nodeRouter();
	rpcClient.registerStream(
		FORWARD_METHOD,
		serveForwarded(() => router, logger, "server"),
	);
	await rpcClient.call("Hello", {});

	const outerRouter = new Router();
	outerRouter.add({
		pattern: "/v1/client/",
		acl: "none",
		cors: true,
		handler: (ctx) => {
			const conn = rpcServer.connectionFor("n1");
			if (!conn) throw new CodedError(404, "No path to node");
			return forwardRequest(conn, ctx);
		},
	});
	outer = new HttpServer({ host: "127.0.0.1", port: 0, router: outerRouter, logger });
	const a = await outer.listen();
	outerURL = `http://127.0.0.1:${a.port}`;
});

after(async () => {
	rpcClient.close();
	rpcServer.close();
	rpcHttp.close();
	await outer.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("complete responses keep status, X-Nomad headers, body and the forwarded request's parts", async () => {
	const r = await fetch(`${outerURL}/v1/client/json?q=7`, {
		method: "POST",
		body: "payload",
		headers: { "X-Nomad-Token": "secret", Origin: "http://ui" },
	});
	assert.equal(r.status, 200);
	assert.equal(r.headers.get("x-nomad-index"), "42");
	assert.equal(r.headers.get("content-type"), "application/json");
	// CORS is the outer agent's: applied once, from its own route.
	assert.equal(r.headers.get("access-control-allow-origin"), "http://ui");
	assert.deepEqual(await r.json(), { Method: "POST", Q: "7", Token: "secret", Body: "payload" });
	assert.equal(seenForwardedFrom, undefined);

	const f = await fetch(`${outerURL}/v1/client/fail`);
	assert.equal(f.status, 404);
	assert.equal(await f.text(), 'Unknown allocation "x"');
	const nf = await fetch(`${outerURL}/v1/client/nothing-here`);
	assert.equal(nf.status, 404);
});

test("a paused HTTP reader stalls the remote producer; reading resumes it to the end", async () => {
	const res = await new Promise<IncomingMessage>((resolve, reject) => {
		const req = request(`${outerURL}/v1/client/big`, resolve);
		req.on("error", reject);
		req.end();
	});
	assert.equal(res.statusCode, 200);
	assert.equal(res.headers["x-nomad-test"], "yes");
	assert.equal(seenForwardedFrom, "server");
	res.pause();
	await sleep(500);
	const whilePaused = produced;
	await sleep(300);
	assert.equal(produced, whilePaused, "the producer is stalled, not just slow");
	// Kernel socket buffers hold some; the RPC window and stream buffers a little more; never all.
	assert.ok(whilePaused < (CHUNK * CHUNKS) / 3, `produced ${whilePaused} bytes while the reader was paused`);
	let got = 0;
	res.on("data", (c: Buffer) => {
		got += c.length;
	});
	res.resume();
	await new Promise((r) => res.on("end", r));
	assert.equal(got, CHUNK * CHUNKS);
	assert.equal(produced, CHUNK * CHUNKS);
});

test("the reader going away cancels the remote producer", async () => {
	const ctl = new AbortController();
	const r = await fetch(`${outerURL}/v1/client/big`, { signal: ctl.signal });
	const reader = (r.body as ReadableStream<Uint8Array>).getReader();
	await reader.read();
	ctl.abort();
	await sleep(300);
	assert.equal(producerAborted, true);
	const at = produced;
	await sleep(200);
	assert.equal(produced, at);
	assert.ok(at < CHUNK * CHUNKS);
});

test("only /v1/client/ requests are served for a peer", async () => {
	const conn = rpcServer.connectionFor("n1");
	assert.ok(conn);
	await assert.rejects(async () => {
		for await (const _ of conn.stream(FORWARD_METHOD, { Method: "PUT", URL: "/v1/jobs", Headers: {} })) {
			// nothing
		}
	}, /only \/v1\/client\/ requests/);
});

test("loop guard: a request a server forwarded is never forwarded again", async () => {
	let forwarded = 0;
	const agent = {
		server: { state: { get: () => ({ NodeID: "other" }) } },
		localGC: { nodeID: "me" },
		localRunner: () => undefined,
		forwardToNode: async () => {
			forwarded++;
			return HANDLED;
		},
		forwardToServer: async () => {
			forwarded++;
			return HANDLED;
		},
	} as unknown as AgentHandle;
	const ctx = { forwardedFrom: "server" } as RequestContext;
	await assert.rejects(allocTarget(agent, ctx, "a1"), /Unknown allocation "a1"/);
	await assert.rejects(nodeTarget(agent, ctx, "other"), /No path to node/);
	assert.equal(forwarded, 0);
	// From the listener, the same agent forwards.
	assert.equal(await allocTarget(agent, {} as RequestContext, "a1"), HANDLED);
	assert.equal(await nodeTarget(agent, {} as RequestContext, "other"), HANDLED);
	assert.equal(await nodeTarget(agent, {} as RequestContext, ""), "local");
	assert.equal(forwarded, 2);
	// A client-only agent hands requests from its listener to the server, but not ones a client sent.
	const clientOnly = { ...agent, server: undefined } as unknown as AgentHandle;
	assert.equal(await allocTarget(clientOnly, {} as RequestContext, "a1"), HANDLED);
	await assert.rejects(allocTarget(clientOnly, { forwardedFrom: "client" } as RequestContext, "a1"), /Unknown/);
});
