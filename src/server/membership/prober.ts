// SWIM failure detection with Lifeguard's local health: one member probed per round (shuffled
// round-robin); no ack within the probe timeout → ping-req through k other members, which answer
// with a nack when they could not reach the target either; nothing by the end of the round → the
// target is suspected.
//
// Local health (memberlist's "awareness", the health_score stat) counts evidence that *this* node
// is the slow one: probes that fail without the helpers' nacks, having to refute a suspicion about
// itself. A sick node stretches its probe interval and timeout by (health + 1), so an overloaded
// server does not accuse healthy peers.
import type { MemberTable } from "./memberTable.ts";
import type { PacketMessage } from "./messages.ts";
import type { GossipTimings, Member } from "./types.ts";

/** memberlist's AwarenessMaxMultiplier */
export const MAX_HEALTH = 8;

/** What the prober uses of the engine. */
export interface ProberHost {
	readonly name: string;
	readonly table: MemberTable;
	readonly timings: GossipTimings;
	send(addr: string, port: number, msg: PacketMessage): void;
	/** up to n random other members matching ok */
	pick(n: number, ok: (m: Member) => boolean): Member[];
	shuffle<T>(xs: T[]): T[];
	after(ms: number, fn: () => void): void;
	nextSeq(): number;
	suspect(m: Member): void;
}

interface PendingProbe {
	seq: number;
	target: string;
	/** acked directly by the target */
	acked: boolean;
	/** acked through a helper */
	ackedIndirectly: boolean;
	helpers: number;
	nacks: number;
}

export class Prober {
	/** Lifeguard local health: 0 = healthy … MAX_HEALTH */
	health = 0;
	private readonly h: ProberHost;
	private probe: PendingProbe | undefined;
	private order: string[] = [];
	/** ping-req relays: our seq → who asked, with their seq */
	private readonly relays = new Map<number, { addr: string; port: number; seq: number; answered: boolean }>();

	constructor(host: ProberHost) {
		this.h = host;
	}

	/** Probe interval scaled by local health. */
	get interval(): number {
		return this.h.timings.probeInterval * (this.health + 1);
	}

	private adjustHealth(delta: number): void {
		this.health = Math.min(MAX_HEALTH, Math.max(0, this.health + delta));
	}

	/** This node had to refute a claim about itself: a sign it is slow to answer. */
	refuted(): void {
		this.adjustHealth(1);
	}

	/** Ends the previous probe (suspecting its target if nothing acked) and starts the next. */
	tick(): void {
		const prev = this.probe;
		this.probe = undefined;
		if (prev) this.finish(prev);
		const target = this.nextTarget();
		if (!target) return;
		const probe: PendingProbe = {
			seq: this.h.nextSeq(),
			target: target.name,
			acked: false,
			ackedIndirectly: false,
			helpers: 0,
			nacks: 0,
		};
		this.probe = probe;
		this.h.send(target.addr, target.port, {
			type: "ping",
			seq: probe.seq,
			from: this.h.name,
			target: target.name,
			updates: [],
		});
		this.h.after(this.h.timings.probeTimeout * (this.health + 1), () => {
			if (probe.acked || this.probe !== probe) return;
			const helpers = this.h.pick(
				this.h.timings.indirectChecks,
				(m) => m.name !== target.name && (m.state === "alive" || m.state === "suspect"),
			);
			probe.helpers = helpers.length;
			for (const m of helpers) {
				this.h.send(m.addr, m.port, {
					type: "ping-req",
					seq: probe.seq,
					from: this.h.name,
					target: target.name,
					addr: target.addr,
					port: target.port,
					updates: [],
				});
			}
		});
	}

	private finish(p: PendingProbe): void {
		if (p.acked) {
			this.adjustHealth(-1);
			return;
		}
		if (p.ackedIndirectly) return;
		// Helpers that did not even nack were unreachable too: more likely our problem than theirs.
		this.adjustHealth(p.helpers > 0 ? p.helpers - p.nacks : 1);
		const m = this.h.table.get(p.target);
		if (m && m.state === "alive") this.h.suspect(m);
	}

	/** Round-robin over a shuffled list of live members, reshuffled every pass (SWIM's probe order). */
	private nextTarget(): Member | undefined {
		for (let tries = 0; tries < 2; tries++) {
			while (this.order.length > 0) {
				const name = this.order.pop() as string;
				const m = this.h.table.get(name);
				if (m && (m.state === "alive" || m.state === "suspect")) return m;
			}
			this.order = this.h.shuffle(this.h.table.others().map((m) => m.name));
		}
		return undefined;
	}

	/** "Probe this member for me": relayed only to a member we know at that address. */
	onPingReq(msg: Extract<PacketMessage, { type: "ping-req" }>, from: { addr: string; port: number }): void {
		const known = this.h.table.get(msg.target);
		if (known?.addr !== msg.addr || known.port !== msg.port) return;
		const seq = this.h.nextSeq();
		const relay = { addr: from.addr, port: from.port, seq: msg.seq, answered: false };
		this.relays.set(seq, relay);
		this.h.send(msg.addr, msg.port, { type: "ping", seq, from: this.h.name, target: msg.target, updates: [] });
		// No ack in time: tell the requester we are alive but could not reach the target either
		// (a little before its round ends, so the nack still counts).
		this.h.after(this.h.timings.probeTimeout * 0.8, () => {
			if (!relay.answered)
				this.h.send(relay.addr, relay.port, { type: "nack", seq: relay.seq, from: this.h.name, updates: [] });
		});
		this.h.after(this.h.timings.probeInterval, () => this.relays.delete(seq));
	}

	onAck(msg: Extract<PacketMessage, { type: "ack" }>): void {
		const relay = this.relays.get(msg.seq);
		if (relay) {
			relay.answered = true;
			this.relays.delete(msg.seq);
			this.h.send(relay.addr, relay.port, { type: "ack", seq: relay.seq, from: this.h.name, updates: [] });
			return;
		}
		const p = this.probe;
		if (p?.seq !== msg.seq) return;
		if (msg.from === p.target) p.acked = true;
		else p.ackedIndirectly = true;
	}

	onNack(msg: Extract<PacketMessage, { type: "nack" }>): void {
		if (this.probe?.seq === msg.seq) this.probe.nacks++;
	}
}
