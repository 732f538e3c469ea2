// The membership protocol engine: SWIM failure detection (direct probe, indirect probes through k
// peers, suspicion with a timeout, refutation by incarnation), dissemination piggybacked on every
// packet, push-pull full-state sync on join and periodically, graceful leave, force-leave, prune
// and reaping. Clock and transport are injected, so the whole protocol runs in unit tests on a
// fake clock and an in-memory network. See docs/membership.md.
import { BroadcastQueue } from "./broadcasts.ts";
import { formatHostPort, multiError, splitJoinAddr } from "./joinAddr.ts";
import { MemberTable } from "./memberTable.ts";
import {
	decodePacket,
	decodePushPull,
	encode,
	type MemberUpdate,
	type PacketMessage,
	type PushPullMessage,
} from "./messages.ts";
import { Prober } from "./prober.ts";
import { TimerSet } from "./timers.ts";
import { type Clock, type MembershipLogger, type MembershipOptions, realClock } from "./transport.ts";
import {
	type GossipTimings,
	type Member,
	PROTOCOL_VERSIONS,
	retransmitLimit,
	type ServerMember,
	suspicionTimeout,
	toServerMember,
} from "./types.ts";

/** UDP payload budget for piggybacked updates (memberlist's UDPBufferSize is 1400). */
const PACKET_BUDGET = 1200;
/** Members told directly of a leave or force-leave, besides normal gossip. */
const EAGER_FANOUT = 16;

const quiet: MembershipLogger = { debug() {}, info() {}, warn() {} };

export class Membership {
	readonly table: MemberTable;
	private readonly o: MembershipOptions;
	private readonly t: GossipTimings;
	private readonly clock: Clock;
	private readonly random: () => number;
	private readonly log: MembershipLogger;
	private readonly queue = new BroadcastQueue();
	private seq = 0;
	private readonly prober: Prober;
	private readonly suspicions = new Map<string, unknown>();
	private readonly timers: TimerSet;
	private stopped = false;
	/** Lamport-style count of membership changes (Serf's member_time) */
	private memberTime = 1;

	constructor(opts: MembershipOptions) {
		this.o = opts;
		this.t = opts.timings;
		this.clock = opts.clock ?? realClock;
		this.timers = new TimerSet(this.clock);
		this.random = opts.random ?? Math.random;
		this.log = opts.logger ?? quiet;
		this.table = new MemberTable({
			name: opts.name,
			addr: opts.addr,
			port: opts.port,
			tags: { ...opts.tags },
			vsn: [...PROTOCOL_VERSIONS],
			incarnation: 1,
			state: "alive",
			stateChangedAt: this.clock.now(),
		});
		this.prober = new Prober({
			name: opts.name,
			table: this.table,
			timings: this.t,
			send: (addr, port, msg) => this.send(addr, port, msg),
			pick: (n, ok) => this.pick(n, ok),
			shuffle: (xs) => this.shuffle(xs),
			after: (ms, fn) => this.timers.after(ms, fn),
			nextSeq: () => this.nextSeq(),
			suspect: (m) => {
				this.log.debug("serf: probe failed, suspecting", { member: m.name });
				this.applyUpdates([{ name: m.name, incarnation: m.incarnation, state: "suspect" }], this.o.name);
			},
		});
	}

	get name(): string {
		return this.o.name;
	}

	start(): void {
		this.o.transport.listen({
			packet: (data, from) => this.onPacket(data, from),
			exchange: (data) => this.onExchange(data),
		});
		this.queue.push(MemberTable.fullUpdate(this.table.self));
		// the probe round stretches with local health, so it reschedules itself
		const probeRound = () => {
			this.prober.tick();
			this.timers.after(this.prober.interval, probeRound);
		};
		this.timers.after(this.prober.interval, probeRound);
		this.timers.every(this.t.gossipInterval, () => this.gossipTick());
		this.timers.every(this.t.pushPullInterval, () => this.syncTick());
		this.timers.every(this.t.reconnectInterval, () => this.reconnectTick());
		this.timers.every(this.t.reapInterval, () => this.reapTick());
	}

	/** Stops all timers and closes the transport (no leave: the others will see this node fail). */
	async shutdown(): Promise<void> {
		this.stopped = true;
		this.timers.stop();
		for (const h of this.suspicions.values()) this.clock.clearTimeout(h);
		this.suspicions.clear();
		await this.o.transport.close();
	}

	members(): ServerMember[] {
		return this.table
			.all()
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
			.map(toServerMember);
	}

	/**
	 * Regions with a live Nomad server in the pool (this one's always): what /v1/regions lists,
	 * as Nomad's peer cache does.
	 */
	regions(): string[] {
		const out = new Set<string>();
		const own = this.table.self.tags.region;
		if (own) out.add(own);
		for (const m of this.table.others()) {
			const region = m.tags.region;
			if (region && m.tags.role === "nomad" && (m.state === "alive" || m.state === "suspect")) out.add(region);
		}
		return [...out].sort();
	}

	localMember(): ServerMember {
		return toServerMember(this.table.self);
	}

	/** Serf's stats map (string values). */
	stats(): Record<string, string> {
		const all = this.table.all();
		return {
			members: String(all.length),
			failed: String(all.filter((m) => m.state === "dead").length),
			left: String(all.filter((m) => m.state === "left").length),
			health_score: String(this.prober.health),
			member_time: String(this.memberTime),
			event_time: "1",
			query_time: "1",
			intent_queue: String(this.queue.length),
			event_queue: "0",
			query_queue: "0",
			encrypted: String(this.o.key !== undefined),
		};
	}

	/**
	 * Push-pull with every address ("host", "host:port", "[v6]:port"; the port defaults to this
	 * node's). Resolves with how many answered and, when none did, the errors in go-multierror's
	 * format (as memberlist's Join reports them).
	 */
	async join(addrs: string[]): Promise<{ numJoined: number; error: string }> {
		const results = await Promise.allSettled(
			addrs.map(async (a) => {
				const hp = splitJoinAddr(a, this.o.port);
				if (typeof hp === "string") throw new Error(`Failed to resolve ${a}: ${hp}`);
				try {
					await this.pushPull(hp.host, hp.port, true);
				} catch (err) {
					throw new Error(`Failed to join ${formatHostPort(hp.host, hp.port)}: ${(err as Error).message}`);
				}
			}),
		);
		const errors = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
		const numJoined = results.length - errors.length;
		for (const e of errors) this.log.warn(`serf: ${e}`);
		if (numJoined > 0 || errors.length === 0) return { numJoined, error: "" };
		return { numJoined, error: multiError(errors) };
	}

	/**
	 * Force-leave (Serf's RemoveFailedNode): a failed member becomes "left", an alive one "leaving"
	 * (it will refute if it is really alive); `prune` forgets it entirely. Unknown names are a no-op.
	 */
	forceLeave(name: string, prune: boolean): void {
		const m = this.table.get(name);
		// Serf would refute a force-leave of itself at once; skipping it avoids a transient "leaving".
		if (!m || m === this.table.self) return;
		const u: MemberUpdate = { name, incarnation: m.incarnation, state: "leaving" };
		if (prune) u.prune = true;
		this.applyUpdates([u], "force-leave");
		this.eagerSend(u);
	}

	/**
	 * Graceful leave: announce the intent ("leaving"), give it time to spread, announce "left",
	 * then stop. The others keep the entry as "left" until it is reaped.
	 */
	async leave(): Promise<void> {
		const self = this.table.self;
		this.table.leaving = true;
		self.incarnation++;
		self.state = "leaving";
		const intent = MemberTable.fullUpdate(self);
		this.queue.push(intent);
		const told = this.eagerSend(intent);
		if (told > 0) await this.timers.sleep(this.t.leavePropagateDelay);
		self.state = "left";
		const left = MemberTable.fullUpdate(self);
		this.queue.push(left);
		if (this.eagerSend(left) > 0) await this.timers.sleep(this.t.gossipInterval);
		this.log.info("serf: left the gossip pool", { name: self.name });
	}

	// ---- packets ----

	private onPacket(data: Buffer, from: { addr: string; port: number }): void {
		if (this.stopped) return;
		const msg = decodePacket(data, this.o.key);
		if (!msg) {
			this.log.debug("serf: dropped a malformed packet", { from: `${from.addr}:${from.port}` });
			return;
		}
		this.applyUpdates(msg.updates, msg.from);
		switch (msg.type) {
			case "ping":
				// A ping meant for another node (an address reused after a restart) is not answered.
				if (msg.target !== this.o.name) return;
				this.send(from.addr, from.port, { type: "ack", seq: msg.seq, from: this.o.name, updates: [] });
				return;
			case "ping-req":
				this.prober.onPingReq(msg, from);
				return;
			case "ack":
				this.prober.onAck(msg);
				return;
			case "nack":
				this.prober.onNack(msg);
				return;
			case "gossip":
				return;
		}
	}

	/**
	 * Sends a packet with as many queued updates piggybacked as fit — only to known members: an
	 * ack to a forged ping from elsewhere stays small, so the port cannot amplify a reflection.
	 */
	private send(addr: string, port: number, msg: PacketMessage): void {
		if (this.isMemberAddress(addr, port)) {
			msg.updates = this.queue.take(PACKET_BUDGET, retransmitLimit(this.t, this.table.size));
		}
		this.o.transport.sendPacket(addr, port, encode(msg, this.o.key));
	}

	/** Applies gossiped updates; passes on what was news, refutes what was false about this node. */
	private applyUpdates(updates: MemberUpdate[], source: string): void {
		const now = this.clock.now();
		for (const u of updates) {
			const r = this.table.apply(u, now);
			switch (r.kind) {
				case "ignored":
					break;
				case "refuted":
					this.log.warn("serf: refuting a claim about this node", { state: u.state, from: source });
					this.prober.refuted();
					this.memberTime++;
					this.queue.push(r.refutation);
					break;
				case "erased":
					this.log.info("serf: EventMemberReap (forced)", { member: r.name });
					this.memberTime++;
					this.clearSuspicion(r.name);
					this.queue.push(u);
					break;
				case "changed":
					this.memberTime++;
					this.queue.push(u.state === "alive" ? MemberTable.fullUpdate(r.member) : u);
					this.changed(r.member, r.previous);
					break;
			}
		}
	}

	private changed(m: Member, prev: Member["state"] | undefined): void {
		if (m.state === "suspect" && prev !== "suspect") {
			const inc = m.incarnation;
			const h = this.clock.setTimeout(
				() => {
					this.suspicions.delete(m.name);
					const cur = this.table.get(m.name);
					if (cur?.state !== "suspect" || cur.incarnation !== inc) return;
					this.log.info("serf: suspect member failed to refute, marking it failed", { member: m.name });
					this.applyUpdates([{ name: m.name, incarnation: inc, state: "dead" }], this.o.name);
				},
				suspicionTimeout(this.t, this.table.size),
			);
			this.suspicions.set(m.name, h);
		} else if (m.state !== "suspect") {
			this.clearSuspicion(m.name);
		}
		if (prev !== m.state) {
			const event = EVENT[m.state];
			if (event) this.log.info(`serf: ${event}: ${m.name} ${m.addr}`);
		}
		this.o.onChange?.(m, prev);
	}

	private clearSuspicion(name: string): void {
		const h = this.suspicions.get(name);
		if (h !== undefined) this.clock.clearTimeout(h);
		this.suspicions.delete(name);
	}

	// ---- failure detection ----

	// ---- dissemination ----

	private gossipTick(): void {
		if (this.queue.length === 0) return;
		const now = this.clock.now();
		const targets = this.pick(
			this.t.gossipNodes,
			(m) => m.state === "alive" || m.state === "suspect" || now - m.stateChangedAt < this.t.gossipToTheDead,
		);
		for (const m of targets) this.send(m.addr, m.port, { type: "gossip", from: this.o.name, updates: [] });
	}

	/** Sends one update straight to (up to EAGER_FANOUT) live members; returns how many. */
	private eagerSend(u: MemberUpdate): number {
		const targets = this.pick(EAGER_FANOUT, (m) => m.state === "alive" || m.state === "suspect");
		const data = encode({ type: "gossip", from: this.o.name, updates: [u] }, this.o.key);
		for (const m of targets) this.o.transport.sendPacket(m.addr, m.port, data);
		return targets.length;
	}

	// ---- push-pull ----

	private fullState(join: boolean): PushPullMessage {
		return { type: "push-pull", from: this.o.name, join, members: this.table.all().map(MemberTable.fullUpdate) };
	}

	private onExchange(data: Buffer): Buffer | undefined {
		if (this.stopped) return undefined;
		const msg = decodePushPull(data, this.o.key);
		if (!msg) return undefined;
		const reply = encode(this.fullState(false), this.o.key);
		this.mergeState(msg);
		return reply;
	}

	private async pushPull(host: string, port: number, join: boolean): Promise<void> {
		const reply = await this.o.transport.exchange(
			host,
			port,
			encode(this.fullState(join), this.o.key),
			this.t.tcpTimeout,
		);
		const msg = decodePushPull(reply, this.o.key);
		if (!msg) throw new Error("invalid push-pull reply (wrong gossip key or not a nomad-ts server)");
		this.mergeState(msg);
	}

	/** Merges a remote full state; its "dead" opinions only make us suspect (we verify ourselves). */
	private mergeState(msg: PushPullMessage): void {
		const updates = msg.members.map((u) =>
			u.state === "dead" && u.name !== this.o.name ? { ...u, state: "suspect" as const } : u,
		);
		this.applyUpdates(updates, msg.from);
	}

	private syncTick(): void {
		const [m] = this.pick(1, (x) => x.state === "alive" || x.state === "suspect");
		if (!m) return;
		this.pushPull(m.addr, m.port, false).catch((err: Error) =>
			this.log.debug("serf: push-pull failed", { member: m.name, error: err.message }),
		);
	}

	/** Tries one failed member again, so a healed partition or restarted server rejoins. */
	private reconnectTick(): void {
		const [m] = this.pick(1, (x) => x.state === "dead");
		if (!m) return;
		this.pushPull(m.addr, m.port, false).then(
			() => this.log.info("serf: reconnected to a failed member", { member: m.name }),
			() => {},
		);
	}

	private reapTick(): void {
		for (const name of this.table.reap(this.clock.now(), this.t.reconnectTimeout, this.t.tombstoneTimeout)) {
			this.memberTime++;
			this.log.info(`serf: EventMemberReap: ${name}`);
		}
	}

	// ---- helpers ----

	private isMemberAddress(addr: string, port: number): boolean {
		return this.table.others().some((m) => m.port === port && m.addr === addr);
	}

	private nextSeq(): number {
		this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
		return this.seq;
	}

	/** Up to n random other members matching `ok`. */
	private pick(n: number, ok: (m: Member) => boolean): Member[] {
		return this.shuffle(this.table.others().filter(ok)).slice(0, n);
	}

	private shuffle<T>(xs: T[]): T[] {
		for (let i = xs.length - 1; i > 0; i--) {
			const j = Math.floor(this.random() * (i + 1));
			[xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
		}
		return xs;
	}
}

const EVENT: Partial<Record<Member["state"], string>> = {
	alive: "EventMemberJoin",
	dead: "EventMemberFailed",
	leaving: "EventMemberLeaving",
	left: "EventMemberLeave",
};
