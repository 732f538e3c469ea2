// Agent-to-agent RPC: one WebSocket per client↔server pair, msgpack frames, calls in both
// directions over the same connection (the client dials, so servers reach clients behind NAT).
// Frames: {t:"q", i, m, a} a request; {t:"r", i, r} a result; {t:"r", i, e, c?} an error with an
// optional HTTP-ish code. Method handlers are registered by name on each side. Streamed results
// (chunks with flow control and cancellation) use the frames described in stream.ts.
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { decode, Encoder } from "@msgpack/msgpack";
import { WebSocket, WebSocketServer } from "ws";
import { RpcError } from "./errors.ts";
import { DEFAULT_WINDOW, RpcStream, RpcStreamSink } from "./stream.ts";

export { RpcError } from "./errors.ts";
export { RpcStream, RpcStreamSink } from "./stream.ts";

/**
 * Absent stays absent (JSON semantics) rather than becoming nil. One encoder for the process: its
 * buffer grows once to the largest frame instead of from 2 KiB on every frame (streams send 64 KiB).
 */
const encoder = new Encoder({ ignoreUndefined: true });
const encode = (frame: unknown): Uint8Array => encoder.encode(frame);

export type RpcHandler = (args: unknown, conn: RpcConnection) => Promise<unknown>;

/**
 * Produces a streamed result: write chunks to `sink` (awaiting each write is the backpressure),
 * stop when `sink.signal` aborts, resolve to end the stream or throw to end it with an error.
 */
export type RpcStreamHandler = (args: unknown, sink: RpcStreamSink, conn: RpcConnection) => Promise<void>;

/** The methods one side answers: plain calls and streamed ones. */
export interface RpcMethods {
	handlers: Map<string, RpcHandler>;
	streams: Map<string, RpcStreamHandler>;
}

interface Frame {
	t: string;
	i: number;
	m?: string;
	a?: unknown;
	r?: unknown;
	e?: string;
	c?: number;
	d?: unknown;
	w?: number;
	n?: number;
}

interface Pending {
	resolve: (v: unknown) => void;
	reject: (e: Error) => void;
	timer: NodeJS.Timeout | undefined;
}

/** One live connection; either side may call the other. */
export class RpcConnection {
	readonly ws: WebSocket;
	private readonly methods: RpcMethods;
	private readonly pending = new Map<number, Pending>();
	/** Streams this side opened (keyed by our ids) and streams the peer opened (by its ids). */
	private readonly outStreams = new Map<number, RpcStream>();
	private readonly inStreams = new Map<number, RpcStreamSink>();
	private nextID = 1;
	private peer = "";
	/** Told when peerID changes (the server keeps a by-node index of connections). */
	onPeerID: ((conn: RpcConnection, previous: string) => void) | undefined;
	readonly closed: Promise<void>;

	constructor(ws: WebSocket, methods: RpcMethods | Map<string, RpcHandler>) {
		this.ws = ws;
		this.methods = methods instanceof Map ? { handlers: methods, streams: new Map() } : methods;
		this.closed = new Promise((resolve) => {
			ws.on("close", () => {
				for (const p of this.pending.values()) {
					if (p.timer) clearTimeout(p.timer);
					p.reject(new RpcError("rpc connection closed"));
				}
				this.pending.clear();
				for (const s of [...this.outStreams.values()]) s.finish(new RpcError("rpc connection closed"));
				this.outStreams.clear();
				for (const s of this.inStreams.values()) s.abort();
				this.inStreams.clear();
				resolve();
			});
		});
		ws.on("message", (data: Buffer) => void this.onMessage(data));
		ws.on("error", () => {});
	}

	/** Set by the server side once the peer says who it is (e.g. the node ID). */
	get peerID(): string {
		return this.peer;
	}
	set peerID(id: string) {
		const previous = this.peer;
		this.peer = id;
		if (previous !== id) this.onPeerID?.(this, previous);
	}

	get isOpen(): boolean {
		return this.ws.readyState === WebSocket.OPEN;
	}

	/** Sends one frame; returns its encoded size (what flow control counts). */
	private sendFrame(frame: Record<string, unknown>): number {
		const bytes = encode(frame);
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
		return bytes.byteLength;
	}

	/**
	 * Calls a streamed method: the chunks arrive through the returned async iterable (ending with
	 * the stream, or throwing RpcError on a remote error or a lost connection). Stop early with
	 * cancel() (or `break` out of for-await), which also tells the responder to stop.
	 */
	stream(method: string, args: unknown, window = DEFAULT_WINDOW): RpcStream {
		const i = this.nextID++;
		const s = new RpcStream(i, window, (f) => this.sendFrame(f));
		if (this.ws.readyState !== WebSocket.OPEN) {
			s.finish(new RpcError("rpc connection closed"));
			return s;
		}
		this.outStreams.set(i, s);
		s.onDone = () => this.outStreams.delete(i);
		this.sendFrame({ t: "s", i, m: method, a: args, w: window });
		return s;
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
			this.ws.send(encode({ t: "q", i, m: method, a: args }));
		});
	}

	private async onMessage(data: Buffer): Promise<void> {
		let frame: Frame;
		try {
			frame = decode(data) as Frame;
		} catch {
			this.ws.close(1003, "bad frame");
			return;
		}
		if (typeof frame !== "object" || frame === null) return;
		switch (frame.t) {
			case "d":
				this.outStreams.get(frame.i)?.push(frame.d, data.length);
				return;
			case "f":
				this.outStreams.get(frame.i)?.finish(frame.e !== undefined ? new RpcError(frame.e, frame.c) : undefined);
				return;
			case "w":
				this.inStreams.get(frame.i)?.grant(Number(frame.n) || 0);
				return;
			case "x":
				this.inStreams.get(frame.i)?.abort();
				return;
			case "s":
				await this.serveStream(frame);
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
		const h = this.methods.handlers.get(frame.m);
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
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(reply));
	}

	private async serveStream(frame: Frame): Promise<void> {
		const i = frame.i;
		const h = typeof frame.m === "string" ? this.methods.streams.get(frame.m) : undefined;
		if (!h) {
			this.sendFrame({ t: "f", i, e: `rpc: can't find stream method ${frame.m}`, c: 404 });
			return;
		}
		const window = Number(frame.w) > 0 ? Number(frame.w) : DEFAULT_WINDOW;
		const sink = new RpcStreamSink(i, window, (f) => this.sendFrame(f));
		this.inStreams.set(i, sink);
		try {
			await h(frame.a, sink, this);
			if (!sink.signal.aborted) this.sendFrame({ t: "f", i });
		} catch (err) {
			const e = err as Error & { code?: number };
			if (!sink.signal.aborted)
				this.sendFrame({ t: "f", i, e: e.message, c: typeof e.code === "number" ? e.code : undefined });
		} finally {
			this.inStreams.delete(i);
		}
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
	readonly streams = new Map<string, RpcStreamHandler>();
	private readonly wss: WebSocketServer;
	readonly connections = new Set<RpcConnection>();
	/** The latest connection of each peer that said who it is (clients: their node ID). */
	private readonly byPeer = new Map<string, RpcConnection>();

	constructor(http?: HttpServer) {
		this.wss = http
			? new WebSocketServer({ server: http, path: "/rpc", maxPayload: 64 * 1024 * 1024 })
			: new WebSocketServer({ noServer: true, path: "/rpc", maxPayload: 64 * 1024 * 1024 });
		this.wss.on("connection", (ws: WebSocket, _req: IncomingMessage) => {
			const conn = new RpcConnection(ws, { handlers: this.handlers, streams: this.streams });
			this.connections.add(conn);
			conn.onPeerID = (c, previous) => {
				if (previous && this.byPeer.get(previous) === c) this.byPeer.delete(previous);
				if (c.peerID) this.byPeer.set(c.peerID, c);
			};
			void conn.closed.then(() => {
				this.connections.delete(conn);
				if (this.byPeer.get(conn.peerID) === conn) this.byPeer.delete(conn.peerID);
			});
		});
	}

	register(method: string, h: RpcHandler): void {
		this.handlers.set(method, h);
	}

	registerStream(method: string, h: RpcStreamHandler): void {
		this.streams.set(method, h);
	}

	/** The open connection of the peer with this ID (e.g. a node's client), if any. */
	connectionFor(peerID: string): RpcConnection | undefined {
		const c = this.byPeer.get(peerID);
		return c?.isOpen ? c : undefined;
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
	readonly streams = new Map<string, RpcStreamHandler>();
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

	registerStream(method: string, h: RpcStreamHandler): void {
		this.streams.set(method, h);
	}

	async call<T = unknown>(method: string, args: unknown, timeoutMs = 0): Promise<T> {
		const conn = await this.connection();
		return conn.call<T>(method, args, timeoutMs);
	}

	/** The current connection to a server (dialling if needed). */
	connection(): Promise<RpcConnection> {
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
				const conn = new RpcConnection(ws, { handlers: this.handlers, streams: this.streams });
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
		const ws = new WebSocket(url, {
			handshakeTimeout,
			maxPayload: 64 * 1024 * 1024,
			// An all-zero mask lets both ends skip (un)masking every byte. Masking protects browsers'
			// intermediaries from crafted payloads; agent-to-agent traffic has no script author to
			// defend against, and masking in JS cost ~20% of the CPU of a forwarded file stream.
			generateMask: (mask: Buffer) => {
				mask.fill(0);
			},
		});
		ws.once("open", () => resolve(ws));
		ws.once("error", reject);
	});
}
