// A fake clock and an in-memory network for membership unit tests and simulations: packets are
// delivered after a fixed latency on the fake clock, nodes can be cut off, links dropped.
import type { Clock, Transport, TransportHandlers } from "./transport.ts";

interface Timer {
	at: number;
	id: number;
	fn: () => void;
}

export class FakeClock implements Clock {
	private t = 0;
	private nextID = 0;
	private readonly timers = new Map<number, Timer>();

	now(): number {
		return this.t;
	}

	setTimeout(fn: () => void, ms: number): unknown {
		const id = this.nextID++;
		this.timers.set(id, { at: this.t + Math.max(0, ms), id, fn });
		return id;
	}

	clearTimeout(handle: unknown): void {
		this.timers.delete(handle as number);
	}

	/** Runs every timer due within the next `ms`, in time order, advancing the clock as it goes. */
	async advance(ms: number): Promise<void> {
		const end = this.t + ms;
		for (;;) {
			let next: Timer | undefined;
			for (const tm of this.timers.values()) {
				if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.id < next.id))) next = tm;
			}
			if (!next) break;
			this.timers.delete(next.id);
			this.t = next.at;
			next.fn();
			// let promise continuations (push-pull replies) run before the next timer
			await new Promise<void>((r) => setImmediate(r));
		}
		this.t = end;
	}
}

export class FakeNetwork {
	readonly clock: FakeClock;
	readonly latency: number;
	private readonly nodes = new Map<string, TransportHandlers>();
	private readonly down = new Set<string>();
	private readonly muted = new Set<string>();
	/** cut links, "a|b" both ways */
	private readonly cuts = new Set<string>();
	/** every packet delivered: [from, to, bytes] */
	readonly delivered: [string, string, Buffer][] = [];
	/** packets sent, for tests that count traffic */
	packets = 0;

	/** fraction of packets lost (0..1), drawn from `random` */
	lossRate = 0;
	random: () => number = Math.random;

	constructor(clock: FakeClock, latency = 1) {
		this.clock = clock;
		this.latency = latency;
	}

	/** A transport bound to addr:port on this network. */
	transport(addr: string, port: number): Transport {
		const key = `${addr}:${port}`;
		return {
			listen: (h) => {
				this.nodes.set(key, h);
			},
			sendPacket: (toAddr, toPort, data) => {
				this.packets++;
				const to = `${toAddr}:${toPort}`;
				if (this.down.has(key) || this.down.has(to) || this.muted.has(key) || this.cuts.has(`${key}|${to}`)) return;
				if (this.lossRate > 0 && this.random() < this.lossRate) return;
				this.clock.setTimeout(() => {
					if (this.down.has(to)) return;
					this.delivered.push([key, to, Buffer.from(data)]);
					this.nodes.get(to)?.packet(Buffer.from(data), { addr, port });
				}, this.latency);
			},
			exchange: async (host, toPort, data) => {
				const to = `${host}:${toPort}`;
				const h = this.nodes.get(to);
				if (!h || this.down.has(to) || this.down.has(key)) {
					throw new Error(`dial tcp ${to}: connect: connection refused`);
				}
				const reply = h.exchange(Buffer.from(data));
				if (!reply) throw new Error("connection closed without a reply");
				return reply;
			},
			close: async () => {
				this.nodes.delete(key);
			},
		};
	}

	/** Cuts a node off (its process "killed": nothing in or out). */
	kill(addr: string, port: number): void {
		this.down.add(`${addr}:${port}`);
	}

	/** Drops every packet a node sends (an overloaded or half-broken node); it still receives. */
	mute(addr: string, port: number): void {
		this.muted.add(`${addr}:${port}`);
	}

	unmute(addr: string, port: number): void {
		this.muted.delete(`${addr}:${port}`);
	}

	/** Drops packets between two nodes (both ways); TCP still works. */
	cut(a: string, b: string): void {
		this.cuts.add(`${a}|${b}`);
		this.cuts.add(`${b}|${a}`);
	}

	revive(addr: string, port: number): void {
		this.down.delete(`${addr}:${port}`);
	}

	/** Delivers raw bytes to a node as if from addr:port (fuzzing bad packets). */
	inject(to: string, data: Buffer, from = { addr: "10.9.9.9", port: 9 }): void {
		this.nodes.get(to)?.packet(data, from);
	}

	injectExchange(to: string, data: Buffer): Buffer | undefined {
		return this.nodes.get(to)?.exchange(data);
	}
}
