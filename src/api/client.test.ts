import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ApiClient, ApiError } from "./client.ts";

interface Seen {
	url: string;
	method: string;
	token?: string;
	body: string;
}

async function serve(
	handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void,
	tls?: https.ServerOptions,
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
	const seen: Seen[] = [];
	const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
		let body = "";
		req.on("data", (d) => {
			body += d;
		});
		req.on("end", () => {
			const s = { url: req.url ?? "", method: req.method ?? "", token: req.headers["x-nomad-token"] as string, body };
			seen.push(s);
			handler(req, res, s);
		});
	};
	const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
		seen,
		close: () =>
			new Promise((r) => {
				server.closeAllConnections();
				server.close(() => r());
			}),
	};
}

test("token header, region and namespace query, JSON bodies, X-Nomad-Index", async () => {
	const srv = await serve((_req, res) => {
		res.setHeader("X-Nomad-Index", "42");
		res.end(JSON.stringify({ ok: true }));
	});
	const c = new ApiClient({ address: srv.url, token: "secret", region: "r1", namespace: "ns" });
	try {
		const r = await c.put<{ ok: boolean }>("/v1/jobs", { Job: { ID: "x" } }, { prefix: "a", skip: undefined });
		assert.deepEqual(r.data, { ok: true });
		assert.equal(r.meta.lastIndex, 42);
		const s = srv.seen[0] as Seen;
		assert.equal(s.method, "PUT");
		assert.equal(s.token, "secret");
		assert.equal(s.url, "/v1/jobs?prefix=a&region=r1&namespace=ns");
		assert.deepEqual(JSON.parse(s.body), { Job: { ID: "x" } });
		await c.blocking("/v1/jobs", 7, { wait: "1s" });
		assert.match(srv.seen[1]?.url ?? "", /[?&]index=7&wait=1s/);
	} finally {
		c.close();
		await srv.close();
	}
});

test("non-2xx answers and network failures read as Nomad's api package words them", async () => {
	const srv = await serve((_req, res) => {
		res.statusCode = 404;
		res.end("job not found");
	});
	const c = new ApiClient({ address: srv.url });
	try {
		await assert.rejects(
			c.get("/v1/job/x"),
			(e: Error) =>
				e instanceof ApiError && e.status === 404 && e.message === "Unexpected response code: 404 (job not found)",
		);
	} finally {
		c.close();
		await srv.close();
	}
	const down = new ApiClient({ address: "127.0.0.1:1" });
	await assert.rejects(down.get("/v1/jobs"), {
		message: 'Get "http://127.0.0.1:1/v1/jobs": dial tcp 127.0.0.1:1: connect: connection refused',
	});
	down.close();
});

test("TLS: the CA certificate (NOMAD_CACERT) is trusted, an unknown CA is refused", async () => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-tls-"));
	try {
		execFileSync(
			"openssl",
			["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=server.global.nomad"]
				.concat(["-addext", "subjectAltName=DNS:server.global.nomad,IP:127.0.0.1"])
				.concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
			{ stdio: "ignore" },
		);
		const srv = await serve((_req, res) => res.end('"ok"'), {
			key: readFileSync(join(dir, "key.pem")),
			cert: readFileSync(join(dir, "cert.pem")),
		});
		try {
			const trusted = new ApiClient({ address: srv.url, tls: { caCert: join(dir, "cert.pem") } });
			assert.equal((await trusted.get("/v1/status/leader")).data, "ok");
			trusted.close();
			const byName = new ApiClient({
				address: srv.url,
				tls: { caPath: dir, serverName: "server.global.nomad" },
			});
			assert.equal((await byName.get("/v1/status/leader")).data, "ok");
			byName.close();
			const untrusted = new ApiClient({ address: srv.url });
			await assert.rejects(untrusted.get("/v1/status/leader"), /self-signed certificate/);
			untrusted.close();
			const skip = new ApiClient({ address: srv.url, tls: { insecure: true } });
			assert.equal((await skip.get("/v1/status/leader")).data, "ok");
			skip.close();
		} finally {
			await srv.close();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
