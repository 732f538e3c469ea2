// What the membership engine needs from the outside world: its options, a clock, a transport and
// a logger. Real clock here, real transport in netTransport.ts; fakes in testing.ts.
import type { GossipTimings, Member } from "./types.ts";

export interface Clock {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

/** Wall clock with unref'd timers (membership never keeps the process alive by itself). */
export const realClock: Clock = {
	now: () => Date.now(),
	setTimeout: (fn, ms) => {
		const t = setTimeout(fn, ms);
		t.unref();
		return t;
	},
	clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface TransportHandlers {
	packet(data: Buffer, from: { addr: string; port: number }): void;
	/** A push-pull request; returns the reply, or undefined to drop the connection. */
	exchange(data: Buffer): Buffer | undefined;
}

/** Packets (UDP) and request/reply exchanges (TCP) on the Serf port. */
export interface Transport {
	listen(handlers: TransportHandlers): void;
	sendPacket(addr: string, port: number, data: Buffer): void;
	/** Sends `data` to host:port and resolves with the reply; rejects within connectTimeoutMs if unreachable. */
	exchange(host: string, port: number, data: Buffer, connectTimeoutMs: number): Promise<Buffer>;
	close(): Promise<void>;
}

export interface MembershipLogger {
	debug(msg: string, fields?: Record<string, unknown>): void;
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface MembershipOptions {
	/** "<node_name>.<region>" */
	name: string;
	addr: string;
	port: number;
	tags: Record<string, string>;
	timings: GossipTimings;
	transport: Transport;
	/** gossip key (AES-GCM); undefined = plain text */
	key?: Buffer;
	clock?: Clock;
	random?: () => number;
	logger?: MembershipLogger;
	/** called after every change of a member's state (tests, benchmarks, future leader hooks) */
	onChange?: (member: Member, previous: Member["state"] | undefined) => void;
}
