// Node liveness on the leader (Nomad's heartbeat.go): each node gets a TTL when it registers or
// heartbeats; if no heartbeat arrives within TTL + heartbeat_grace, the node is marked down with a
// "Node heartbeat missed" event and node-update evaluations are created, so its allocations are
// marked lost and replaced elsewhere. A new leader gives every node the longer failover TTL.
import { EvalCmd } from "./fsm/evalCommands.ts";
import { NodeCmd } from "./fsm/nodeCommands.ts";
import { nodeEvals } from "./nodeEvals.ts";
import type { Server } from "./server.ts";

export interface HeartbeatConfig {
	/** All ms. Nomad: min_heartbeat_ttl 10 s, heartbeat_grace 10 s, failover 5 min, 50/s. */
	minTTL: number;
	grace: number;
	failoverTTL: number;
	maxPerSecond: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatConfig = {
	minTTL: 10_000,
	grace: 10_000,
	failoverTTL: 300_000,
	maxPerSecond: 50,
};

export class Heartbeats {
	private readonly srv: Server;
	private readonly cfg: HeartbeatConfig;
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private enabled = false;

	constructor(srv: Server, cfg: Partial<HeartbeatConfig> = {}) {
		this.srv = srv;
		this.cfg = { ...DEFAULT_HEARTBEAT, ...cfg };
	}

	/** On leadership: every live node gets the failover TTL to reach the new leader. */
	start(): void {
		this.enabled = true;
		for (const node of this.srv.state.scan("nodes")) {
			if (node.Status === "down") continue;
			this.arm(node.ID as string, this.cfg.failoverTTL);
		}
	}

	stop(): void {
		this.enabled = false;
		for (const t of this.timers.values()) clearTimeout(t);
		this.timers.clear();
	}

	tracked(): number {
		return this.timers.size;
	}

	/**
	 * Resets a node's timer; returns the TTL (ms) the client must heartbeat within: the minimum TTL
	 * or what keeps the cluster under max_heartbeats_per_second, plus a random stagger, as Nomad.
	 */
	reset(nodeID: string): number {
		const base = Math.max(this.cfg.minTTL, (this.timers.size / this.cfg.maxPerSecond) * 1000);
		const ttl = base + Math.floor(Math.random() * base);
		if (this.enabled) this.arm(nodeID, ttl + this.cfg.grace);
		return ttl;
	}

	clear(nodeID: string): void {
		const t = this.timers.get(nodeID);
		if (t) clearTimeout(t);
		this.timers.delete(nodeID);
	}

	private arm(nodeID: string, ms: number): void {
		this.clear(nodeID);
		const t = setTimeout(() => {
			this.timers.delete(nodeID);
			this.invalidate(nodeID).catch((err: unknown) =>
				this.srv.logger.error("heartbeat: failed to mark node down", { node_id: nodeID, error: err }),
			);
		}, ms);
		t.unref();
		this.timers.set(nodeID, t);
	}

	/** The node missed its heartbeat: down, event, and evaluations for what ran there. */
	async invalidate(nodeID: string): Promise<void> {
		if (!this.enabled) return;
		const node = this.srv.state.get("nodes", nodeID);
		if (!node || node.Status === "down") return;
		this.srv.logger.warn("heartbeat: node TTL expired", { node_id: nodeID });
		await markNodeStatus(this.srv, nodeID, "down", "Node heartbeat missed", "Heartbeat");
	}
}

/** Changes a node's status with an event and creates the evaluations the change needs. */
export async function markNodeStatus(
	srv: Server,
	nodeID: string,
	status: string,
	message: string,
	subsystem: string,
): Promise<{ index: number; evalIDs: string[] }> {
	const now = new Date();
	const r = await srv.apply(NodeCmd.updateStatus, {
		NodeID: nodeID,
		Status: status,
		UpdatedAt: Math.floor(now.getTime() / 1000),
		Event: { Message: message, Subsystem: subsystem, Details: null, Timestamp: now.toISOString() },
	});
	const node = srv.state.get("nodes", nodeID);
	if (!node) return { index: r.index, evalIDs: [] };
	const evals = nodeEvals(srv.state, node, now.getTime() * 1e6);
	if (evals.length === 0) return { index: r.index, evalIDs: [] };
	const e = await srv.apply(EvalCmd.update, { Evals: evals });
	return { index: e.index, evalIDs: evals.map((x) => x.ID as string) };
}
