// HTTP requests for another node's client, carried over agent RPC ("Any agent answers", as Nomad's
// client endpoints do since 0.8). The agent that received the request sends it — method, path and
// query, the few headers that matter, the body — as the streamed RPC "ClientHTTP.Forward" over the
// connection the node keeps to its server. The receiving agent runs it through its own router
// in-process (same routes, no loopback HTTP) and streams the response back: first {Status,
// Headers}, then the body chunk by chunk. Flow control of the RPC stream reaches all the way to the
// file being read: a slow HTTP reader stalls the remote producer instead of filling memory.
//
// Hops: server → node's client ("server" origin; the client answers locally or fails, never
// forwards again) and client-only agent → its server ("client" origin; the server may then make the
// one hop to the owning node). Only /v1/client/ paths and the agent debug endpoints that name a node
// (/v1/agent/host, /v1/agent/monitor, /v1/agent/pprof/, /v1/agent/profile, /v1/agent/trace) are accepted.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, Writable } from "node:stream";
import { CodedError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { RpcConnection, RpcStream, RpcStreamHandler, RpcStreamSink } from "../rpc/transport.ts";
import { readBody } from "./http/body.ts";
import { dispatch } from "./http/httpServer.ts";
import { openStream, send } from "./http/respond.ts";
import type { Router } from "./http/router.ts";
import { HANDLED, type RequestContext } from "./http/types.ts";

export const FORWARD_METHOD = "ClientHTTP.Forward";
const FORWARDABLE_PREFIXES = [
	"/v1/client/",
	"/v1/agent/host",
	"/v1/agent/monitor",
	"/v1/agent/pprof/",
	"/v1/agent/profile",
	"/v1/agent/trace",
];

function forwardable(url: string): boolean {
	const path = url.split("?")[0] ?? "";
	return FORWARDABLE_PREFIXES.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
}

/** Request headers that mean something to the routes; the rest (encoding, CORS, hop-by-hop) stay. */
const REQUEST_HEADERS = ["x-nomad-token", "authorization", "content-type", "user-agent"];

/** Response headers the outer response sets itself (or that describe the inner transfer). */
const DROPPED_RESPONSE_HEADERS = new Set([
	"content-length",
	"content-encoding",
	"transfer-encoding",
	"connection",
	"keep-alive",
	"vary",
	"date",
]);

export interface ForwardRequest {
	Method: string;
	/** Path and query string, as received. */
	URL: string;
	Headers: Record<string, string>;
	Body?: Uint8Array;
}

interface ResponseHead {
	Status: number;
	Headers: Record<string, string>;
}

async function requestArgs(ctx: RequestContext): Promise<ForwardRequest> {
	const headers: Record<string, string> = {};
	for (const h of REQUEST_HEADERS) {
		const v = ctx.req.headers[h];
		if (typeof v === "string") headers[h] = v;
	}
	const body = ctx.method === "GET" || ctx.method === "HEAD" ? undefined : await readBody(ctx);
	const search = ctx.query.toString();
	return {
		Method: ctx.method,
		URL: `${ctx.path}${search ? `?${search}` : ""}`,
		Headers: headers,
		Body: body && body.length > 0 ? body : undefined,
	};
}

/**
 * Sends ctx's request over `conn` and writes the remote answer to ctx.res: complete responses
 * (they carry a Content-Length) through send() so compression applies as for a local answer,
 * streamed ones chunk by chunk, waiting for the HTTP reader before taking more from the stream.
 */
export async function forwardRequest(conn: RpcConnection, ctx: RequestContext): Promise<typeof HANDLED> {
	const stream = conn.stream(FORWARD_METHOD, await requestArgs(ctx));
	const cancel = () => stream.cancel();
	ctx.signal.addEventListener("abort", cancel, { once: true });
	try {
		const it = stream[Symbol.asyncIterator]();
		let first: IteratorResult<unknown>;
		try {
			first = await it.next();
		} catch (err) {
			const code = (err as { code?: number }).code;
			throw new CodedError(typeof code === "number" ? code : 500, (err as Error).message);
		}
		if (first.done) throw new CodedError(500, "forwarded request ended without a response");
		const head = first.value as ResponseHead;
		const extra: Record<string, string> = {};
		let contentType: string | undefined;
		let complete = false;
		for (const [k, v] of Object.entries(head.Headers ?? {})) {
			const lower = k.toLowerCase();
			if (lower === "content-length") complete = true;
			if (lower === "content-type") contentType = v;
			else if (!DROPPED_RESPONSE_HEADERS.has(lower) && !lower.startsWith("access-control-")) extra[k] = v;
		}
		if (complete) {
			const parts: Buffer[] = [];
			for (;;) {
				const r = await it.next();
				if (r.done) break;
				parts.push(asBuffer(r.value));
			}
			send(ctx, head.Status, Buffer.concat(parts), contentType, extra);
			return HANDLED;
		}
		await pipeStreamed(ctx, stream, it, head.Status, contentType, extra);
		return HANDLED;
	} finally {
		ctx.signal.removeEventListener("abort", cancel);
		stream.cancel();
	}
}

/** A view of a decoded msgpack bin (no copy). */
function asBuffer(v: unknown): Buffer {
	const u = v as Uint8Array;
	return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

async function pipeStreamed(
	ctx: RequestContext,
	stream: RpcStream,
	it: AsyncIterator<unknown>,
	status: number,
	contentType: string | undefined,
	extra: Record<string, string>,
): Promise<void> {
	const w = openStream(ctx, contentType ?? "text/plain; charset=utf-8", extra, status);
	try {
		for (;;) {
			const r = await it.next();
			if (r.done || w.closed) break;
			if (!w.write(asBuffer(r.value))) await w.drain();
		}
	} catch {
		// The node went away mid-stream: the status is out, so the body just ends.
	} finally {
		stream.cancel();
		if (!w.closed) w.end();
	}
}

/**
 * The response object handed to the router for a forwarded request: what respond.ts uses of a
 * ServerResponse, with every write sent as a stream chunk (and waiting for the caller's credit).
 */
class ForwardedResponse extends Writable {
	statusCode = 200;
	headersSent = false;
	private readonly sink: RpcStreamSink;
	private readonly headers: Record<string, string> = {};

	constructor(sink: RpcStreamSink) {
		super({ highWaterMark: 64 * 1024 });
		this.sink = sink;
		// Write failures (caller cancelled) surface as 'close'; the route's signal stops its work.
		this.on("error", () => {});
	}

	setHeader(name: string, value: string | number): this {
		this.headers[name] = String(value);
		return this;
	}

	getHeader(name: string): string | undefined {
		return this.headers[name];
	}

	writeHead(status: number, headers?: Record<string, string | number | string[]>): this {
		if (this.headersSent) return this;
		this.statusCode = status;
		for (const [k, v] of Object.entries(headers ?? {})) this.headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
		this.sendHead();
		return this;
	}

	private sendHead(): void {
		if (this.headersSent) return;
		this.headersSent = true;
		const head: ResponseHead = { Status: this.statusCode, Headers: this.headers };
		this.sink.write(head).catch(() => this.destroy());
	}

	override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
		this.sendHead();
		this.sink.write(chunk).then(() => cb(), cb);
	}

	override _final(cb: (err?: Error | null) => void): void {
		this.sendHead();
		cb();
	}
}

/**
 * The handler of "ClientHTTP.Forward": runs the request through `router()` in-process, marked
 * with where it came from, and streams the response back until it ends or the caller cancels.
 */
export function serveForwarded(
	router: () => Router | undefined,
	logger: Logger,
	origin: "server" | "client",
): RpcStreamHandler {
	return async (args, sink) => {
		const a = args as ForwardRequest;
		if (typeof a?.URL !== "string" || typeof a.Method !== "string" || !forwardable(a.URL)) {
			throw new CodedError(400, "only /v1/client/ requests (and agent host/monitor/pprof) can be forwarded");
		}
		const r = router();
		if (!r) throw new CodedError(503, "agent is starting");
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(a.Headers ?? {})) if (typeof v === "string") headers[k.toLowerCase()] = v;
		const req = Object.assign(Readable.from(a.Body ? [Buffer.from(a.Body)] : []), {
			method: a.Method,
			url: a.URL,
			headers,
		}) as unknown as IncomingMessage;
		const res = new ForwardedResponse(sink);
		const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));
		const cancel = () => res.destroy();
		sink.signal.addEventListener("abort", cancel, { once: true });
		try {
			await dispatch(req, res as unknown as ServerResponse, { router: r, logger, forwardedFrom: origin });
			if (!res.writableEnded) res.end();
			await closed;
		} finally {
			sink.signal.removeEventListener("abort", cancel);
		}
	};
}
