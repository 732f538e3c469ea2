// Shapes and timings of server membership (the gossip pool on the Serf port). See docs/membership.md.

/**
 * A member's state as the protocol tracks it. "suspect" is reported as "alive" (as Serf does: a
 * suspect still counts as a member until the suspicion times out), "dead" as "failed".
 */
export type MemberState = "alive" | "suspect" | "dead" | "leaving" | "left";

/** Serf's member status strings, as /v1/agent/members reports them. */
export type MemberStatus = "alive" | "leaving" | "left" | "failed";

/** Protocol and delegate versions [min, max, cur, delegateMin, delegateMax, delegateCur], as the seed shows. */
export const PROTOCOL_VERSIONS: readonly number[] = [1, 5, 2, 2, 4, 4];

/** One member as this node knows it. */
export interface Member {
	/** "<node_name>.<region>" */
	name: string;
	/** advertised IP (no brackets) */
	addr: string;
	/** advertised Serf port */
	port: number;
	tags: Record<string, string>;
	/** PROTOCOL_VERSIONS of the member's build */
	vsn: number[];
	/** SWIM incarnation: only the member itself raises it, to refute claims about it. */
	incarnation: number;
	state: MemberState;
	/** clock ms of the last state change (for reaping and gossip to the dead) */
	stateChangedAt: number;
}

/** The wire/API member entry (Nomad's ServerMember). */
export interface ServerMember {
	Name: string;
	Addr: string;
	Port: number;
	Tags: Record<string, string>;
	Status: MemberStatus | "none";
	ProtocolMin: number;
	ProtocolMax: number;
	ProtocolCur: number;
	DelegateMin: number;
	DelegateMax: number;
	DelegateCur: number;
}

/** Nomad's ServerMembersResponse (/v1/agent/members). */
export interface ServerMembersResponse {
	ServerName: string;
	ServerRegion: string;
	ServerDC: string;
	Members: ServerMember[];
}

export function statusOf(state: MemberState): MemberStatus {
	switch (state) {
		case "alive":
		case "suspect":
			return "alive";
		case "dead":
			return "failed";
		default:
			return state;
	}
}

export function toServerMember(m: Member): ServerMember {
	const v = m.vsn;
	return {
		Name: m.name,
		Addr: m.addr,
		Port: m.port,
		Tags: { ...m.tags },
		Status: statusOf(m.state),
		ProtocolMin: v[0] ?? 0,
		ProtocolMax: v[1] ?? 0,
		ProtocolCur: v[2] ?? 0,
		DelegateMin: v[3] ?? 0,
		DelegateMax: v[4] ?? 0,
		DelegateCur: v[5] ?? 0,
	};
}

/** Protocol timings, all in milliseconds. */
export interface GossipTimings {
	/** how often one member is probed (memberlist ProbeInterval) */
	probeInterval: number;
	/** how long a direct probe waits for its ack before asking others (ProbeTimeout) */
	probeTimeout: number;
	/** how often queued updates are gossiped (GossipInterval) */
	gossipInterval: number;
	/** members gossiped to per round (GossipNodes) */
	gossipNodes: number;
	/** peers asked to probe indirectly (IndirectChecks) */
	indirectChecks: number;
	/** suspicion timeout = suspicionMult × max(1, log10(n)) × probeInterval */
	suspicionMult: number;
	/** an update is sent retransmitMult × ceil(log10(n + 1)) times */
	retransmitMult: number;
	/** full-state sync with one random member this often (anti-entropy) */
	pushPullInterval: number;
	/** TCP connect timeout of a push-pull (a join to a dead address fails within it) */
	tcpTimeout: number;
	/** failed/left members keep receiving gossip this long, so they learn and can refute */
	gossipToTheDead: number;
	/** how often a failed member is tried again (Serf ReconnectInterval) */
	reconnectInterval: number;
	/** failed members are forgotten after this (Serf ReconnectTimeout) */
	reconnectTimeout: number;
	/** left members are forgotten after this (Serf TombstoneTimeout) */
	tombstoneTimeout: number;
	/** how often failed/left members are checked for reaping (Serf ReapInterval) */
	reapInterval: number;
	/** a leaving member waits this long between its leave intent and its final "left" */
	leavePropagateDelay: number;
}

/** memberlist's DefaultLANConfig and Serf's defaults (Nomad sets LeavePropagateDelay to 1 s). */
export const LAN_TIMINGS: GossipTimings = {
	probeInterval: 1000,
	probeTimeout: 500,
	gossipInterval: 200,
	gossipNodes: 3,
	indirectChecks: 3,
	suspicionMult: 4,
	retransmitMult: 4,
	pushPullInterval: 30_000,
	tcpTimeout: 1000,
	gossipToTheDead: 30_000,
	reconnectInterval: 30_000,
	reconnectTimeout: 24 * 3600_000,
	tombstoneTimeout: 24 * 3600_000,
	reapInterval: 15_000,
	leavePropagateDelay: 1000,
};

/** Fast timings for tests and benchmarks on loopback. */
export const FAST_TIMINGS: GossipTimings = {
	...LAN_TIMINGS,
	probeInterval: 100,
	probeTimeout: 50,
	gossipInterval: 20,
	suspicionMult: 3,
	pushPullInterval: 2000,
	gossipToTheDead: 3000,
	reconnectInterval: 1000,
	reapInterval: 1000,
	leavePropagateDelay: 100,
};

/** Suspicion timeout for a pool of n members (memberlist's suspicionTimeout). */
export function suspicionTimeout(t: GossipTimings, n: number): number {
	return t.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * t.probeInterval;
}

/** How many times an update is retransmitted in a pool of n members (memberlist's retransmitLimit). */
export function retransmitLimit(t: GossipTimings, n: number): number {
	return t.retransmitMult * Math.max(1, Math.ceil(Math.log10(n + 1)));
}
