// The membership transport on the Serf port: UDP for probes and gossip, TCP for push-pull state
// exchanges (one request, one reply, each a 4-byte big-endian length then the payload).
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createConnection, createServer, type Socket, type Server as TcpServer } from "node:net";
import { MAX_STATE_BYTES } from "./messages.ts";
import type { Transport, TransportHandlers } from "./transport.ts";

/** After connecting, the whole exchange must finish within this many connect timeouts. */
const EXCHANGE_TIMEOUTS = 5;

export class NetTransport implements Transport {
	private readonly udp: UdpSocket;
	private readonly tcp: TcpServer;
	private readonly conns = new Set<Socket>();
	private handlers: TransportHandlers | undefined;

	private constructor(udp: UdpSocket, tcp: TcpServer) {
		this.udp = udp;
		this.tcp = tcp;
		udp.on("message", (data, rinfo) => this.handlers?.packet(data, { addr: rinfo.address, port: rinfo.port }));
		// Send errors (an unreachable peer's ICMP) are what failure detection is for: not fatal.
		udp.on("error", () => {});
		tcp.on("connection", (sock) => this.serve(sock));
	}

	/**
	 * Binds UDP and TCP on host:port. Port 0 picks one free for both (UDP first, then TCP on the
	 * same number, retried when TCP finds it taken).
	 */
	static async listen(host: string, port: number): Promise<NetTransport> {
		for (let attempt = 0; ; attempt++) {
			try {
				return await NetTransport.bindBoth(host, port);
			} catch (err) {
				if (port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
			}
		}
	}

	private static async bindBoth(host: string, wantPort: number): Promise<NetTransport> {
		const udp = createSocket({ type: host.includes(":") ? "udp6" : "udp4" });
		await new Promise<void>((resolve, reject) => {
			udp.once("error", reject);
			udp.bind(wantPort, host, () => {
				udp.off("error", reject);
				resolve();
			});
		});
		const port = udp.address().port;
		const tcp = createServer();
		try {
			await new Promise<void>((resolve, reject) => {
				tcp.once("error", reject);
				tcp.listen(port, host, () => {
					tcp.off("error", reject);
					resolve();
				});
			});
		} catch (err) {
			udp.close();
			throw err;
		}
		return new NetTransport(udp, tcp);
	}

	/** The bound UDP/TCP port (useful when 0 was asked). */
	get port(): number {
		return this.udp.address().port;
	}

	listen(handlers: TransportHandlers): void {
		this.handlers = handlers;
	}

	sendPacket(addr: string, port: number, data: Buffer): void {
		try {
			this.udp.send(data, port, addr, () => {});
		} catch {
			// closed socket or an address family mismatch: the packet is lost, as UDP packets may be
		}
	}

	exchange(host: string, port: number, data: Buffer, connectTimeoutMs: number): Promise<Buffer> {
		return new Promise<Buffer>((resolve, reject) => {
			const sock = createConnection({ host, port });
			this.conns.add(sock);
			let settled = false;
			const finish = (err: Error | undefined, reply?: Buffer) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				this.conns.delete(sock);
				sock.destroy();
				if (err) reject(err);
				else resolve(reply as Buffer);
			};
			let timer = setTimeout(() => finish(new Error(`i/o timeout connecting to ${host}:${port}`)), connectTimeoutMs);
			sock.once("connect", () => {
				clearTimeout(timer);
				timer = setTimeout(
					() => finish(new Error(`i/o timeout exchanging state with ${host}:${port}`)),
					connectTimeoutMs * EXCHANGE_TIMEOUTS,
				);
				sock.write(frame(data));
			});
			sock.on("error", (err: NodeJS.ErrnoException) => finish(new Error(describe(err, host, port))));
			readFrame(sock, (err, reply) => finish(err, reply));
			sock.once("close", () => finish(new Error(`connection to ${host}:${port} closed without a reply`)));
		});
	}

	private serve(sock: Socket): void {
		this.conns.add(sock);
		sock.setTimeout(10_000, () => sock.destroy());
		sock.on("error", () => {});
		sock.once("close", () => this.conns.delete(sock));
		readFrame(sock, (err, req) => {
			if (err || !req) {
				sock.destroy();
				return;
			}
			const reply = this.handlers?.exchange(req);
			if (reply) sock.end(frame(reply));
			else sock.destroy();
		});
	}

	async close(): Promise<void> {
		for (const c of this.conns) c.destroy();
		this.conns.clear();
		await Promise.all([
			new Promise<void>((r) => this.tcp.close(() => r())),
			new Promise<void>((r) => {
				try {
					this.udp.close(() => r());
				} catch {
					r();
				}
			}),
		]);
	}
}

function frame(data: Buffer): Buffer {
	const head = Buffer.alloc(4);
	head.writeUInt32BE(data.length);
	return Buffer.concat([head, data]);
}

/** Reads one length-prefixed frame; oversized or truncated frames are errors. */
function readFrame(sock: Socket, done: (err: Error | undefined, data?: Buffer) => void): void {
	const chunks: Buffer[] = [];
	let have = 0;
	let want = -1;
	const onData = (chunk: Buffer) => {
		chunks.push(chunk);
		have += chunk.length;
		if (want < 0 && have >= 4) {
			want = Buffer.concat(chunks).readUInt32BE(0);
			if (want > MAX_STATE_BYTES) {
				sock.off("data", onData);
				done(new Error("push-pull frame too large"));
				return;
			}
		}
		if (want >= 0 && have >= 4 + want) {
			sock.off("data", onData);
			done(undefined, Buffer.concat(chunks).subarray(4, 4 + want));
		}
	};
	sock.on("data", onData);
}

function describe(err: NodeJS.ErrnoException, host: string, port: number): string {
	switch (err.code) {
		case "ECONNREFUSED":
			return `dial tcp ${host}:${port}: connect: connection refused`;
		case "ENOTFOUND":
		case "EAI_AGAIN":
			return `lookup ${host}: no such host`;
		default:
			return `dial tcp ${host}:${port}: ${err.message}`;
	}
}
