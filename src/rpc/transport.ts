// Agent-to-agent RPC: one WebSocket per client↔server pair, msgpack frames, calls in both
// directions over the same connection (the client dials, so servers reach clients behind NAT).
// Frames: {t:"q", i, m, a} a request; {t:"r", i, r} a result; {t:"r", i, e, c?} an error with an
// optional HTTP-ish code. Method handlers are registered by name on each side.
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { decode, encode } from "@msgpack/msgpack";
import { WebSocket, WebSocketServer } from "ws";

/** Absent stays absent (JSON semantics) rather than becoming nil. */
const ENCODE_OPTS = { ignoreUndefined: true } as const;

export type RpcHandler = (args: unknown, conn: RpcConnection) => Promise<unknown>;

export class RpcError extends Error {
	readonly code: number | undefined;
	constructor(message: string, code?: number) {
		super(message);
		this.name = "RpcError";
		this.code = code;
	}
}

interface Pending {
	resolve: (v: unknown) => void;
	reject: (e: Error) => void;
	timer: NodeJS.Timeout | undefined;
}

/** One live connection; either side may call the other. */
export class RpcConnection {
	readonly ws: WebSocket;
	private readonly handlers: Map<string, RpcHandler>;
	private readonly pending = new Map<number, Pending>();
	private nextID = 1;
	/** Set by the server side once the peer says who it is (e.g. the node ID). */
	peerID = "";
	readonly closed: Promise<void>;

	constructor(ws: WebSocket, handlers: Map<string, RpcHandler>) {
		this.ws = ws;
		this.handlers = handlers;
		this.closed = new Promise((resolve) => {
			ws.on("close", () => {
				for (const p of this.pending.values()) {
					if (p.timer) clearTimeout(p.timer);
					p.reject(new RpcError("rpc connection closed"));
				}
				this.pending.clear();
				resolve();
			});
		});
		ws.on("message", (data: Buffer) => void this.onMessage(data));
		ws.on("error", () => {});
	}

	call<T = unknown>(method: string, args: unknown, timeoutMs = 0): Promise<T> {
		if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new RpcError("rpc connection closed"));
		const i = this.nextID++;
		return new Promise<T>((resolve, reject) => {
			const timer =
				timeoutMs > 0
					? setTimeout(() => {
							this.pending.delete(i);
							reject(new RpcError(`rpc call ${method} timed out`));
						}, timeoutMs)
					: undefined;
			this.pending.set(i, { resolve: resolve as (v: unknown) => void, reject, timer });
			this.ws.send(encode({ t: "q", i, m: method, a: args }, ENCODE_OPTS));
		});
	}

	private async onMessage(data: Buffer): Promise<void> {
		let frame: { t: string; i: number; m?: string; a?: unknown; r?: unknown; e?: string; c?: number };
		try {
			frame = decode(data) as typeof frame;
		} catch {
			this.ws.close(1003, "bad frame");
			return;
		}
		if (frame.t === "r") {
			const p = this.pending.get(frame.i);
			if (!p) return;
			this.pending.delete(frame.i);
			if (p.timer) clearTimeout(p.timer);
			if (frame.e !== undefined) p.reject(new RpcError(frame.e, frame.c));
			else p.resolve(frame.r);
			return;
		}
		if (frame.t !== "q" || typeof frame.m !== "string") return;
		const h = this.handlers.get(frame.m);
		let reply: Record<string, unknown>;
		if (!h) reply = { t: "r", i: frame.i, e: `rpc: can't find method ${frame.m}`, c: 404 };
		else {
			try {
				reply = { t: "r", i: frame.i, r: (await h(frame.a, this)) ?? null };
			} catch (err) {
				const e = err as Error & { code?: number };
				reply = { t: "r", i: frame.i, e: e.message, c: typeof e.code === "number" ? e.code : undefined };
			}
		}
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(reply, ENCODE_OPTS));
	}

	close(): void {
		this.ws.close();
	}
}

/**
 * The server side. Either attached to an HTTP server listening on the RPC port, or (no server
 * given) fed upgrade requests by its owner through handleUpgrade — which lets the owner load this
 * module only when the first agent connects.
 */
export class RpcServer {
	readonly handlers = new Map<string, RpcHandler>();
	private readonly wss: WebSocketServer;
	readonly connections = new Set<RpcConnection>();

	constructor(http?: HttpServer) {
		this.wss = http
			? new WebSocketServer({ server: http, path: "/rpc", maxPayload: 64 * 1024 * 1024 })
			: new WebSocketServer({ noServer: true, path: "/rpc", maxPayload: 64 * 1024 * 1024 });
		this.wss.on("connection", (ws: WebSocket, _req: IncomingMessage) => {
			const conn = new RpcConnection(ws, this.handlers);
			this.connections.add(conn);
			void conn.closed.then(() => this.connections.delete(conn));
		});
	}

	register(method: string, h: RpcHandler): void {
		this.handlers.set(method, h);
	}

	/** Completes a WebSocket upgrade received by the owner's HTTP server. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		if (!this.wss.shouldHandle(req)) {
			socket.destroy();
			return;
		}
		this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
	}

	close(): void {
		for (const c of this.connections) c.close();
		this.wss.close();
	}
}

/**
 * The client side: keeps one connection to one of its servers, failing over to the next on
 * error, and re-dialling with backoff. Calls made while disconnected wait for the connection.
 */
export class RpcClient {
	readonly handlers = new Map<string, RpcHandler>();
	private servers: string[];
	private next = 0;
	private conn: RpcConnection | undefined;
	/** The address `conn` was dialled at. */
	private connAddr: string | undefined;
	private connecting: Promise<RpcConnection> | undefined;
	private closed = false;
	/** Ends the dial loop's back-off early (a new server list should be tried at once). */
	private wakeDial: (() => void) | undefined;
	/**
	 * Called after every (re)connection, e.g. to say who this client is. It must talk through the
	 * connection it is given: call() would wait for this very dial.
	 */
	onConnect: ((conn: RpcConnection) => Promise<void>) | undefined;

	constructor(servers: string[]) {
		this.servers = [...servers];
	}

	/**
	 * Replaces the server list. A live connection to a server that is no longer listed is closed
	 * (its pending calls fail, and the next call dials the first server of the new list); one to a
	 * server still listed is kept.
	 */
	setServers(servers: string[]): void {
		this.servers = [...servers];
		this.next = 0;
		if (this.conn && this.connAddr !== undefined && !this.servers.includes(this.connAddr)) {
			const old = this.conn;
			this.conn = undefined;
			this.connAddr = undefined;
			old.close();
		}
		this.wakeDial?.();
	}

	serverList(): string[] {
		return [...this.servers];
	}

	/** The server of the live connection, if any. */
	connectedServer(): string | undefined {
		return this.conn && this.conn.ws.readyState === WebSocket.OPEN ? this.connAddr : undefined;
	}

	register(method: string, h: RpcHandler): void {
		this.handlers.set(method, h);
	}

	async call<T = unknown>(method: string, args: unknown, timeoutMs = 0): Promise<T> {
		const conn = await this.connection();
		return conn.call<T>(method, args, timeoutMs);
	}

	private connection(): Promise<RpcConnection> {
		if (this.conn && this.conn.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.conn);
		this.connecting ??= this.dial().finally(() => {
			this.connecting = undefined;
		});
		return this.connecting;
	}

	private async dial(): Promise<RpcConnection> {
		let delay = 100;
		for (;;) {
			if (this.closed) throw new RpcError("rpc client closed");
			if (this.servers.length === 0) throw new RpcError("no known servers");
			const addr = this.servers[this.next % this.servers.length] as string;
			this.next++;
			try {
				const ws = await open(`ws://${addr}/rpc`);
				if (!this.servers.includes(addr)) {
					// The list changed while this dial was under way.
					ws.close();
					continue;
				}
				const conn = new RpcConnection(ws, this.handlers);
				this.conn = conn;
				this.connAddr = addr;
				await this.onConnect?.(conn);
				return conn;
			} catch {
				await new Promise<void>((r) => {
					const t = setTimeout(r, delay);
					this.wakeDial = () => {
						clearTimeout(t);
						delay = 100;
						r();
					};
				});
				this.wakeDial = undefined;
				delay = Math.min(5000, delay * 2);
			}
		}
	}

	close(): void {
		this.closed = true;
		this.conn?.close();
	}
}

/**
 * Asks the agent at `addr` ("ip:port") for Status.Ping over a short-lived connection. Rejects with
 * Go-like dial errors ("dial tcp …: connect: connection refused") when it does not answer.
 */
export async function pingServer(addr: string, timeoutMs = 5000): Promise<void> {
	let ws: WebSocket;
	try {
		ws = await open(`ws://${addr}/rpc`, timeoutMs);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === "ECONNREFUSED") throw new RpcError(`dial tcp ${addr}: connect: connection refused`);
		if (code === "EHOSTUNREACH") throw new RpcError(`dial tcp ${addr}: connect: no route to host`);
		if (/timed? ?out/i.test((err as Error).message)) throw new RpcError(`dial tcp ${addr}: i/o timeout`);
		throw new RpcError(`dial tcp ${addr}: ${(err as Error).message}`);
	}
	const conn = new RpcConnection(ws, new Map());
	try {
		await conn.call("Status.Ping", {}, timeoutMs);
	} finally {
		conn.close();
	}
}

function open(url: string, handshakeTimeout = 5000): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { handshakeTimeout, maxPayload: 64 * 1024 * 1024 });
		ws.once("open", () => resolve(ws));
		ws.once("error", reject);
	});
}
