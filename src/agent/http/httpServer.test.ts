import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { CodedError } from "../../lib/errors.ts";
import { nullLogger } from "../../lib/logger.ts";
import { errorToResponse } from "./errors.ts";
import { HttpServer } from "./httpServer.ts";
import { openStream } from "./respond.ts";
import { Router } from "./router.ts";
import { HANDLED } from "./types.ts";

let server: HttpServer;
let base: string;

before(async () => {
	const router = new Router();
	router.add({ pattern: "/v1/client/fs/", acl: "none", cors: true, handler: () => ({ ok: true }) });
	router.add({ pattern: "/v1/empty", acl: "none", handler: () => undefined });
	router.add({
		pattern: "/v1/stream",
		acl: "none",
		handler: (ctx) => {
			const w = openStream(ctx, "application/json");
			w.write("{}");
			// The second chunk comes later: the first must already have reached the client.
			setTimeout(() => {
				w.write('{"Data":"eA=="}');
				w.end();
			}, 300);
			return HANDLED;
		},
	});
	router.add({
		pattern: "/v1/fail/",
		acl: "none",
		handler: (ctx) => {
			if (ctx.rest === "denied") throw new Error("rpc error: Permission denied");
			if (ctx.rest === "coded") throw new Error("RPC Error:: 404,alloc not found");
			throw new CodedError(418, "teapot");
		},
	});
	server = new HttpServer({
		host: "127.0.0.1",
		port: 0,
		router,
		logger: nullLogger(),
		responseHeaders: { "X-Extra": "1" },
	});
	const a = await server.listen();
	base = `http://127.0.0.1:${a.port}`;
});
after(async () => {
	await server.close();
});

function get(
	path: string,
	headers: Record<string, string> = {},
	method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; chunksAt: number[] }> {
	return new Promise((resolve, reject) => {
		const t0 = Date.now();
		const req = request(`${base}${path}`, { method, headers }, (res) => {
			const chunks: Buffer[] = [];
			const chunksAt: number[] = [];
			res.on("data", (c: Buffer) => {
				chunks.push(c);
				chunksAt.push(Date.now() - t0);
			});
			res.on("end", () =>
				resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), chunksAt }),
			);
		});
		req.on("error", reject);
		req.end();
	});
}

test("CORS routes echo the Origin with credentials; preflight answered by the middleware", async () => {
	const r = await get("/v1/client/fs/ls/x", { Origin: "https://ui.example" });
	assert.equal(r.headers["access-control-allow-origin"], "https://ui.example");
	assert.equal(r.headers["access-control-allow-credentials"], "true");
	assert.equal(r.headers.vary, "Origin, Accept-Encoding");
	assert.equal(r.headers["x-extra"], "1");
	const pre = await get(
		"/v1/client/fs/ls/x",
		{
			Origin: "https://ui.example",
			"Access-Control-Request-Method": "GET",
			"Access-Control-Request-Headers": "X-Nomad-Token",
		},
		"OPTIONS",
	);
	assert.equal(pre.status, 204);
	assert.equal(pre.headers["access-control-allow-methods"], "GET");
	assert.equal(pre.headers["access-control-allow-headers"], "X-Nomad-Token");
	const plain = await get("/v1/empty", { Origin: "https://ui.example" });
	assert.equal(plain.headers["access-control-allow-origin"], undefined);
});

test("nil results are an empty 200 without Content-Type, gzipped when asked", async () => {
	const r = await get("/v1/empty");
	assert.equal(r.status, 200);
	assert.equal(r.body.length, 0);
	assert.equal(r.headers["content-type"], undefined);
	const z = await get("/v1/empty", { "Accept-Encoding": "gzip" });
	assert.equal(z.headers["content-encoding"], "gzip");
	assert.equal(gunzipSync(z.body).length, 0);
});

test("gzip streams flush every chunk as it is written", async () => {
	const r = await get("/v1/stream", { "Accept-Encoding": "gzip" });
	assert.equal(r.headers["content-encoding"], "gzip");
	assert.equal(gunzipSync(r.body).toString(), '{}{"Data":"eA=="}');
	assert.ok(r.chunksAt.length >= 2, "more than one chunk");
	assert.ok((r.chunksAt[0] ?? 999) < 250, `first chunk arrived at ${r.chunksAt[0]} ms, before the second was written`);
});

test("errors become plain text with Nomad's codes", async () => {
	const d = await get("/v1/fail/denied");
	assert.equal(d.status, 403);
	assert.equal(d.body.toString(), "Permission denied");
	const c = await get("/v1/fail/coded");
	assert.equal(c.status, 404);
	assert.equal(c.body.toString(), "alloc not found");
	const t = await get("/v1/fail/other");
	assert.equal(t.status, 418);
	assert.equal(t.headers["content-type"], "text/plain; charset=utf-8");
});

test("error mapping table", () => {
	assert.deepEqual(errorToResponse(new Error("x: ACL token not found")), { status: 403, body: "ACL token not found" });
	assert.deepEqual(errorToResponse(new Error("No cluster leader")), { status: 500, body: "No cluster leader" });
	assert.deepEqual(errorToResponse(new Error("bad: Filter expression cannot be used with other filter parameters")), {
		status: 400,
		body: "Filter expression cannot be used with other filter parameters",
	});
});
