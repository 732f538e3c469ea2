// The HTTP API client used by the CLI (and usable by tests and tools): Nomad's address, token,
// region, namespace and TLS settings, JSON requests, blocking queries and raw streams. It speaks
// only /v1 over node:http(s); nothing else of ours is imported (the api layer imports nothing).
import { readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";

export interface TLSConfig {
	caCert?: string;
	caPath?: string;
	clientCert?: string;
	clientKey?: string;
	serverName?: string;
	insecure?: boolean;
}

export interface ClientConfig {
	/** e.g. http://127.0.0.1:4646; a missing scheme means http. */
	address: string;
	token?: string;
	region?: string;
	namespace?: string;
	tls?: TLSConfig;
	/** Extra headers sent on every request. */
	headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
	query?: Record<string, QueryValue>;
	/** JSON-encoded unless a string or Buffer. */
	body?: unknown;
	headers?: Record<string, string>;
	signal?: AbortSignal;
}

export interface RawResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

export interface Meta {
	lastIndex: number;
	knownLeader: boolean;
}

export interface Result<T> {
	data: T;
	meta: Meta;
}

/** A non-2xx answer; the message reads as Nomad's api package words it. */
export class ApiError extends Error {
	readonly status: number;
	readonly body: string;
	constructor(status: number, body: string) {
		super(`Unexpected response code: ${status} (${body.trim()})`);
		this.status = status;
		this.body = body;
	}
}

export const DEFAULT_ADDRESS = "http://127.0.0.1:4646";

export class ApiClient {
	readonly config: ClientConfig;
	readonly base: URL;
	readonly #agent: http.Agent;

	constructor(config: ClientConfig) {
		this.config = config;
		const addr = config.address || DEFAULT_ADDRESS;
		if (addr.startsWith("unix://")) throw new Error("unix socket addresses are not supported by nomad-ts");
		this.base = new URL(/^[a-z]+:\/\//i.test(addr) ? addr : `http://${addr}`);
		if (this.base.protocol === "https:") {
			this.#agent = new https.Agent({ keepAlive: true, ...tlsOptions(config.tls ?? {}) });
		} else {
			this.#agent = new http.Agent({ keepAlive: true });
		}
	}

	/** Closes idle keep-alive sockets so the process can exit. */
	close(): void {
		this.#agent.destroy();
	}

	url(path: string, query: Record<string, QueryValue> = {}): URL {
		const u = new URL(path, this.base);
		const q: Record<string, QueryValue> = { ...query };
		if (this.config.region && q.region === undefined) q.region = this.config.region;
		if (this.config.namespace && q.namespace === undefined) q.namespace = this.config.namespace;
		for (const [k, v] of Object.entries(q)) {
			if (v === undefined || v === null || v === "") continue;
			u.searchParams.set(k, String(v));
		}
		return u;
	}

	/** Starts a request and resolves with the response head; the body is left to the caller. */
	open(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
		const u = this.url(path, opts.query);
		const headers: Record<string, string> = { ...this.config.headers, ...opts.headers };
		if (this.config.token) headers["X-Nomad-Token"] = this.config.token;
		let payload: Buffer | undefined;
		if (opts.body !== undefined) {
			payload = Buffer.isBuffer(opts.body)
				? opts.body
				: Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
			headers["Content-Length"] = String(payload.length);
		}
		const mod = u.protocol === "https:" ? https : http;
		return new Promise((resolve, reject) => {
			const req = mod.request(u, { method, headers, agent: this.#agent, signal: opts.signal }, resolve);
			req.on("error", (e: NodeJS.ErrnoException) => reject(connectionError(method, u, e)));
			req.end(payload);
		});
	}

	async raw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
		const res = await this.open(method, path, opts);
		const chunks: Buffer[] = [];
		for await (const c of res) chunks.push(c as Buffer);
		return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
	}

	async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<Result<T>> {
		const r = await this.raw(method, path, opts);
		if (r.status < 200 || r.status > 299) throw new ApiError(r.status, r.body.toString());
		const text = r.body.toString();
		const data = (text.trim() === "" ? undefined : JSON.parse(text)) as T;
		return { data, meta: metaOf(r.headers) };
	}

	get<T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal): Promise<Result<T>> {
		return this.request<T>("GET", path, { query, signal });
	}

	put<T>(path: string, body?: unknown, query?: Record<string, QueryValue>): Promise<Result<T>> {
		return this.request<T>("PUT", path, { body: body ?? {}, query });
	}

	post<T>(path: string, body?: unknown, query?: Record<string, QueryValue>): Promise<Result<T>> {
		return this.request<T>("POST", path, { body: body ?? {}, query });
	}

	delete<T>(path: string, query?: Record<string, QueryValue>): Promise<Result<T>> {
		return this.request<T>("DELETE", path, { query });
	}

	/** A blocking query: returns once the index passes `index` or `wait` elapses. */
	blocking<T>(
		path: string,
		index: number,
		opts: { wait?: string; query?: Record<string, QueryValue>; signal?: AbortSignal } = {},
	): Promise<Result<T>> {
		return this.get<T>(path, { ...opts.query, index: index || undefined, wait: opts.wait ?? "5m" }, opts.signal);
	}

	/** Opens a streaming endpoint; throws ApiError on a non-2xx status. */
	async stream(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<http.IncomingMessage> {
		const res = await this.open("GET", path, { query, signal });
		const status = res.statusCode ?? 0;
		if (status < 200 || status > 299) {
			const chunks: Buffer[] = [];
			for await (const c of res) chunks.push(c as Buffer);
			throw new ApiError(status, Buffer.concat(chunks).toString());
		}
		return res;
	}
}

/** Network failures worded as Go's url.Error: Get "http://…": dial tcp 127.0.0.1:4646: connect: connection refused */
function connectionError(method: string, u: URL, e: NodeJS.ErrnoException): Error {
	if (e.name === "AbortError") return e;
	const verb = method[0] + method.slice(1).toLowerCase();
	const host = `${u.hostname}:${u.port || (u.protocol === "https:" ? 443 : 80)}`;
	const why =
		e.code === "ECONNREFUSED"
			? `dial tcp ${host}: connect: connection refused`
			: e.code === "ENOTFOUND"
				? `dial tcp: lookup ${u.hostname}: no such host`
				: e.message;
	const err = new Error(`${verb} "${u.toString()}": ${why}`);
	(err as NodeJS.ErrnoException).code = e.code;
	return err;
}

function metaOf(h: http.IncomingHttpHeaders): Meta {
	return {
		lastIndex: Number(h["x-nomad-index"] ?? 0) || 0,
		knownLeader: h["x-nomad-knownleader"] === "true",
	};
}

function tlsOptions(t: TLSConfig): https.AgentOptions {
	const o: https.AgentOptions = {};
	const cas: Buffer[] = [];
	if (t.caCert) cas.push(readFileSync(t.caCert));
	if (t.caPath) {
		const st = statSync(t.caPath);
		if (st.isDirectory()) {
			for (const f of readdirSync(t.caPath)) if (/\.(pem|crt)$/.test(f)) cas.push(readFileSync(join(t.caPath, f)));
		} else cas.push(readFileSync(t.caPath));
	}
	if (cas.length > 0) o.ca = cas;
	if (t.clientCert) o.cert = readFileSync(t.clientCert);
	if (t.clientKey) o.key = readFileSync(t.clientKey);
	if (t.serverName) o.servername = t.serverName;
	if (t.insecure) o.rejectUnauthorized = false;
	return o;
}
