// The HTTP listener: Nomad's per-client connection limit (raw 429), CORS on the routes Nomad wraps,
// ServeMux routing, and the wrap() contract — handler returns a value (JSON), nothing (empty 200),
// a RawResponse, or HANDLED (it streamed itself); thrown errors become plain-text statuses.

import { createServer, type IncomingMessage, type Server as NodeHttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../../lib/logger.ts";
import type { Identity } from "../../server/acl/resolver.ts";
import { errorToResponse } from "./errors.ts";
import { parseToken } from "./query.ts";
import { encodeJSON, send, sendError, wantsPretty } from "./respond.ts";
import type { Router } from "./router.ts";
import { HANDLED, RawResponse, type RequestContext, type Route } from "./types.ts";

export const TOO_MANY_CONNS_MSG = "Your IP is issuing too many concurrent connections, please rate limit your calls\n";
const TOO_MANY_CONNS_RESPONSE =
	"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\n" +
	`Content-Length: ${Buffer.byteLength(TOO_MANY_CONNS_MSG)}\r\nConnection: close\r\n\r\n${TOO_MANY_CONNS_MSG}`;

export interface HttpServerOptions {
	host: string;
	port: number;
	router: Router;
	logger: Logger;
	/** http_api_response_headers: set on every handled response. */
	responseHeaders?: Record<string, string>;
	/** limits.http_max_conns_per_client; 0 = unlimited. */
	maxConnsPerClient?: number;
}

class Ctx implements RequestContext {
	readonly forwardedFrom: "server" | "client" | undefined;
	readonly req: IncomingMessage;
	readonly res: ServerResponse;
	readonly method: string;
	readonly path: string;
	readonly rest: string;
	readonly query: URLSearchParams;
	readonly token: string;
	readonly headers: Record<string, string>;
	identity: Identity | undefined;
	private ctl: AbortController | undefined;

	constructor(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		rest: string,
		search: string,
		headers: Record<string, string>,
		forwardedFrom?: "server" | "client",
	) {
		this.forwardedFrom = forwardedFrom;
		this.req = req;
		this.res = res;
		this.method = req.method ?? "GET";
		this.path = path;
		this.rest = rest;
		this.query = new URLSearchParams(search);
		this.token = parseToken(req.headers);
		this.headers = headers;
	}

	get signal(): AbortSignal {
		if (!this.ctl) {
			const ctl = new AbortController();
			this.ctl = ctl;
			// "close" fires on the response when the socket goes away before or after the end.
			this.res.once("close", () => ctl.abort());
		}
		return this.ctl.signal;
	}
}

interface DispatchOptions {
	router: Router;
	logger: Logger;
	/** http_api_response_headers (listener requests only). */
	responseHeaders?: Record<string, string> | undefined;
	/** Applies CORS to a route that wants it; true when it answered (a preflight) itself. */
	cors?: (route: Route, headers: Record<string, string>) => boolean;
	/** Set for requests forwarded over agent RPC (see src/agent/forwarding.ts). */
	forwardedFrom?: "server" | "client";
}

/**
 * Routes one request and runs its handler (the wrap() contract). Used by the listener and, without
 * CORS or configured headers, for requests forwarded from another agent and answered in-process.
 */
export async function dispatch(req: IncomingMessage, res: ServerResponse, o: DispatchOptions): Promise<void> {
	const url = req.url ?? "/";
	const q = url.indexOf("?");
	let path = q < 0 ? url : url.slice(0, q);
	const search = q < 0 ? "" : url.slice(q);
	try {
		path = decodeURIComponent(path);
	} catch {
		res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" }).end("invalid URL escape");
		return;
	}
	const m = o.router.match(path, search);
	if (m.kind === "redirect") {
		res.writeHead(m.status, {
			Location: m.location,
			"Content-Type": "text/html; charset=utf-8",
		});
		res.end(m.status === 301 ? `<a href="${m.location}">Moved Permanently</a>.\n\n` : "");
		return;
	}
	if (m.kind === "notfound") {
		res.writeHead(404, { "Content-Length": 0 }).end();
		return;
	}
	const route = m.route;
	const headers: Record<string, string> = { ...o.responseHeaders };
	if (route.cors && o.cors?.(route, headers)) return;
	const ctx = new Ctx(req, res, path, m.rest, search.slice(1), headers, o.forwardedFrom);
	const started = performance.now();
	try {
		const out = await route.handler(ctx);
		writeResult(ctx, out);
	} catch (err) {
		const { status, body } = errorToResponse(err);
		const fields = {
			method: ctx.method,
			path: url,
			error: err,
			code: status,
		};
		if (status >= 400 && status < 500) o.logger.debug("request failed", fields);
		else o.logger.error("request failed", fields);
		if (!res.headersSent) sendError(ctx, status, body);
		else res.end();
		return;
	}
	if (o.logger.hub.enabled("debug")) {
		o.logger.debug("request complete", {
			method: ctx.method,
			path: url,
			duration: `${(performance.now() - started).toFixed(3)}ms`,
		});
	}
}

function writeResult(ctx: Ctx, out: unknown): void {
	if (out === HANDLED) return;
	if (out === undefined || out === null) {
		send(ctx, 200, "", undefined);
	} else if (out instanceof RawResponse) {
		send(ctx, out.status, out.body, out.contentType);
	} else {
		send(ctx, 200, encodeJSON(out, wantsPretty(ctx.query)), "application/json");
	}
}

export class HttpServer {
	private readonly opts: HttpServerOptions;
	private readonly server: NodeHttpServer;
	private readonly conns = new Map<string, number>();
	private readonly sockets = new Set<Socket>();
	private readonly logger: Logger;

	constructor(opts: HttpServerOptions) {
		this.opts = opts;
		this.logger = opts.logger.named("http");
		this.server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
			void this.handle(req, res);
		});
		this.server.on("connection", (s: Socket) => this.onConnection(s));
		this.server.on("clientError", (_err, socket) => {
			if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
		});
	}

	private onConnection(socket: Socket): void {
		this.sockets.add(socket);
		socket.setKeepAlive(true, 30_000);
		const limit = this.opts.maxConnsPerClient ?? 0;
		const ip = socket.remoteAddress ?? "";
		const n = (this.conns.get(ip) ?? 0) + 1;
		this.conns.set(ip, n);
		socket.once("close", () => {
			this.sockets.delete(socket);
			const left = (this.conns.get(ip) ?? 1) - 1;
			if (left <= 0) this.conns.delete(ip);
			else this.conns.set(ip, left);
		});
		if (limit > 0 && n > limit) {
			this.logger.warn("Too many concurrent connections", {
				address: `${ip}:${socket.remotePort}`,
				limit,
			});
			socket.end(TOO_MANY_CONNS_RESPONSE);
			socket.destroySoon();
		}
	}

	async listen(): Promise<AddressInfo> {
		await new Promise<void>((resolve, reject) => {
			this.server.once("error", reject);
			this.server.listen(this.opts.port, this.opts.host, () => {
				this.server.off("error", reject);
				resolve();
			});
		});
		return this.server.address() as AddressInfo;
	}

	address(): AddressInfo {
		return this.server.address() as AddressInfo;
	}

	private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		return dispatch(req, res, {
			router: this.opts.router,
			logger: this.logger,
			responseHeaders: this.opts.responseHeaders,
			cors: (route, headers) => this.applyCors(req, res, route, headers),
		});
	}

	/**
	 * rs/cors with AllowedOrigins *, AllowedHeaders *, AllowCredentials: the Origin is echoed.
	 * Returns true when it answered a preflight itself.
	 */
	private applyCors(req: IncomingMessage, res: ServerResponse, route: Route, headers: Record<string, string>): boolean {
		const origin = req.headers.origin;
		const methods = route.corsMethods ?? ["GET", "POST", "HEAD"];
		if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
			const want = String(req.headers["access-control-request-method"]).toUpperCase();
			const h: Record<string, string> = {
				Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
			};
			if (origin && methods.includes(want)) {
				h["Access-Control-Allow-Origin"] = origin;
				h["Access-Control-Allow-Methods"] = want;
				h["Access-Control-Allow-Credentials"] = "true";
				const reqHeaders = req.headers["access-control-request-headers"];
				if (reqHeaders) h["Access-Control-Allow-Headers"] = String(reqHeaders);
			}
			res.writeHead(204, h).end();
			return true;
		}
		headers.Vary = "Origin";
		if (origin) {
			headers["Access-Control-Allow-Origin"] = origin;
			headers["Access-Control-Allow-Credentials"] = "true";
		}
		return false;
	}

	async close(): Promise<void> {
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server.closeIdleConnections();
		// Long-polls and streams are ended by the agent's shutdown signal; give them a moment, then cut.
		const t = setTimeout(() => {
			for (const s of this.sockets) s.destroy();
		}, 1000);
		await closed;
		clearTimeout(t);
	}
}
