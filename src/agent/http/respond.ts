// Writing responses as Nomad does: JSON (compact, or 4-space indented plus a newline with
// ?pretty), empty 200s with no Content-Type, plain-text errors, and gorilla/handlers' compression
// rules (every response varies on Accept-Encoding; the first of gzip/deflate listed as an exact token
// is used; websocket upgrades are never compressed; streams flush per chunk).
import { constants, createDeflate, createGzip, type Deflate, deflateSync, type Gzip, gzipSync } from "node:zlib";
import type { RequestContext } from "./types.ts";

export type Encoding = "gzip" | "deflate" | undefined;

export function chooseEncoding(acceptEncoding: string | undefined, upgrade: string | undefined): Encoding {
	if (!acceptEncoding || upgrade) return undefined;
	for (const raw of acceptEncoding.split(",")) {
		const t = raw.trim();
		if (t === "gzip" || t === "deflate") return t;
	}
	return undefined;
}

export function wantsPretty(query: URLSearchParams): boolean {
	if (!query.has("pretty")) return false;
	const v = query.get("pretty") ?? "";
	return v === "" || v !== "0";
}

export function encodeJSON(value: unknown, pretty: boolean): string {
	return pretty ? `${JSON.stringify(value, null, 4)}\n` : JSON.stringify(value);
}

/** gorilla's compressor adds "Vary: Accept-Encoding" to whatever the route set (CORS adds Origin). */
function varyWith(existing: string | undefined): string {
	return existing ? `${existing}, Accept-Encoding` : "Accept-Encoding";
}

function compress(enc: Encoding, body: Buffer | string): Buffer | string {
	if (enc === "gzip") return gzipSync(body);
	if (enc === "deflate") return deflateSync(body);
	return body;
}

/** Writes a complete response. `contentType` undefined = none (Nomad's empty 200s). */
export function send(
	ctx: RequestContext,
	status: number,
	body: Buffer | string,
	contentType: string | undefined,
	extraHeaders?: Record<string, string>,
): void {
	const { res, req } = ctx;
	if (res.headersSent || res.destroyed) return;
	const enc = chooseEncoding(req.headers["accept-encoding"], req.headers.upgrade);
	const headers: Record<string, string | number> = {
		...extraHeaders,
		...ctx.headers,
		Vary: varyWith(ctx.headers.Vary),
	};
	if (contentType) headers["Content-Type"] = contentType;
	const out = compress(enc, body);
	if (enc) headers["Content-Encoding"] = enc;
	headers["Content-Length"] = Buffer.byteLength(out);
	res.writeHead(status, headers);
	res.end(req.method === "HEAD" ? undefined : out);
}

export function sendError(ctx: RequestContext, status: number, message: string, extra?: Record<string, string>): void {
	send(ctx, status, message, "text/plain; charset=utf-8", extra);
}

export interface StreamWriter {
	/** False when the response's buffer is full: wait for drain() before writing more. */
	write(chunk: Buffer | string): boolean;
	/** Resolves once buffered output has drained (or the response is gone). */
	drain(): Promise<void>;
	end(): void;
	readonly closed: boolean;
}

/** Starts a streamed response; every write is flushed through the compressor immediately. */
export function openStream(
	ctx: RequestContext,
	contentType: string,
	extra?: Record<string, string>,
	status = 200,
): StreamWriter {
	const { res, req } = ctx;
	const enc = chooseEncoding(req.headers["accept-encoding"], req.headers.upgrade);
	const headers: Record<string, string> = {
		...extra,
		...ctx.headers,
		Vary: varyWith(ctx.headers.Vary),
		"Content-Type": contentType,
	};
	if (enc) headers["Content-Encoding"] = enc;
	res.writeHead(status, headers);
	// The status and headers go out now, not with the first chunk: a quiet stream (a plain monitor,
	// a follow with nothing new, a relayed stream) would otherwise leave the client without an answer.
	// (The response of a request forwarded from another agent sends its head at writeHead already.)
	(res as Partial<Pick<typeof res, "flushHeaders">>).flushHeaders?.();
	let z: Gzip | Deflate | undefined;
	if (enc) {
		// Streams (logs, file follows, monitor) favour speed: level 1 compresses 3-4× faster than the
		// default and keeps a follower close to disk speed; whole responses keep the default level.
		const opts = { level: constants.Z_BEST_SPEED };
		z = enc === "gzip" ? createGzip(opts) : createDeflate(opts);
		z.pipe(res);
	}
	return {
		write(chunk) {
			if (res.destroyed) return false;
			if (!z) return res.write(chunk);
			const ok = z.write(chunk);
			z.flush(constants.Z_SYNC_FLUSH);
			return ok;
		},
		drain() {
			const target = z ?? res;
			if (!target.writableNeedDrain || res.destroyed) return Promise.resolve();
			return new Promise<void>((resolve) => {
				const done = () => {
					target.off("drain", done);
					res.off("close", done);
					resolve();
				};
				target.once("drain", done);
				res.once("close", done);
			});
		},
		end() {
			if (z) z.end();
			else res.end();
		},
		get closed() {
			return res.destroyed || res.writableEnded;
		},
	};
}
