// An in-process cluster of simulated nodes driven through the real server code path: nodes are
// registered with the same NodeRegister command a client uses, and a simulated client per cluster
// moves allocations placed on them to running (or complete, for batch work) with the same
// AllocClientUpdate command — no processes are started. Used by tests and the C1M bench.
import { randomUUID } from "node:crypto";
import type { Node } from "../../api/types/index.ts";
import { computeNodeClass } from "../../scheduler/index.ts";
import { NodeCmd } from "../fsm/nodeCommands.ts";
import { clientUpdateFollowupEvals, PlanCmd } from "../fsm/planCommands.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { type SimNodeSpec, simNode } from "./simNodes.ts";

export interface SimulatorOptions {
	seed?: number;
	/**
	 * How the simulated clients treat new allocations: "run" → running; "complete-batch" → running,
	 * then complete for batch/sysbatch jobs; "none" → leave them pending (pure scheduling benches).
	 */
	clientBehaviour?: "run" | "complete-batch" | "none";
	/** Batch client updates like a real client does (Nomad: 200 ms); ms. */
	updateIntervalMs?: number;
	/** How often simulated clients heartbeat (must stay under the server's min TTL); ms. */
	heartbeatIntervalMs?: number;
}

export class Simulator {
	private readonly srv: Server;
	private readonly opts: Required<SimulatorOptions>;
	private nodeCount = 0;
	private readonly nodes = new Set<string>();
	private timer: NodeJS.Timeout | undefined;
	private heartbeatTimer: NodeJS.Timeout | undefined;
	/** Nodes whose simulated client has stopped heartbeating (a failed machine). */
	private readonly silent = new Set<string>();
	private lastAllocIndex = 0;
	private running = false;

	constructor(srv: Server, opts: SimulatorOptions = {}) {
		this.srv = srv;
		this.opts = {
			seed: opts.seed ?? 1,
			clientBehaviour: opts.clientBehaviour ?? "run",
			updateIntervalMs: opts.updateIntervalMs ?? 200,
			heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 5000,
		};
	}

	/** Registers `spec.count` nodes; resolves with their IDs once committed. */
	async addNodes(spec: SimNodeSpec): Promise<string[]> {
		const ids: string[] = [];
		const now = new Date().toISOString();
		const batch: Promise<unknown>[] = [];
		for (let i = 0; i < spec.count; i++) {
			const node = simNode(spec, i, this.opts.seed, this.nodeCount);
			node.ComputedClass = computeNodeClass(node as unknown as Node);
			node.StatusUpdatedAt = Math.floor(Date.now() / 1000);
			ids.push(node.ID as string);
			this.nodes.add(node.ID as string);
			batch.push(
				this.srv.apply(NodeCmd.register, {
					Node: node,
					Event: { Message: "Node registered", Subsystem: "Cluster", Details: null, Timestamp: now },
				}),
			);
			// Keep the number of in-flight appends bounded (group commit batches them anyway).
			if (batch.length >= 512) await Promise.all(batch.splice(0));
		}
		await Promise.all(batch);
		this.nodeCount += spec.count;
		return ids;
	}

	/** Marks a node down/ready/ineligible through the same commands the heartbeat path uses. */
	async setNodeStatus(nodeID: string, status: "ready" | "down" | "disconnected"): Promise<void> {
		await this.srv.apply(NodeCmd.updateStatus, {
			NodeID: nodeID,
			Status: status,
			UpdatedAt: Math.floor(Date.now() / 1000),
			Event: {
				Message: status === "down" ? "Node heartbeat missed" : `Node status ${status}`,
				Subsystem: "Cluster",
				Details: null,
				Timestamp: new Date().toISOString(),
			},
		});
	}

	/** Simulates a machine failure: its client stops heartbeating and the leader will mark it down. */
	stopHeartbeats(nodeID: string): void {
		this.silent.add(nodeID);
	}

	/** One heartbeat from every live simulated client (as Node.UpdateStatus ready would). */
	heartbeatAll(): void {
		for (const id of this.nodes) if (!this.silent.has(id)) this.srv.heartbeats.reset(id);
	}

	/** Starts the simulated clients: heartbeats, and alloc status updates unless behaviour is "none". */
	start(): void {
		if (!this.heartbeatTimer) {
			this.heartbeatAll();
			this.heartbeatTimer = setInterval(() => this.heartbeatAll(), this.opts.heartbeatIntervalMs);
			this.heartbeatTimer.unref();
		}
		if (this.opts.clientBehaviour === "none" || this.timer) return;
		this.timer = setInterval(() => void this.syncClients(), this.opts.updateIntervalMs);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
		this.timer = undefined;
		this.heartbeatTimer = undefined;
	}

	/** One pass of the simulated clients: report status for allocations on simulated nodes. */
	async syncClients(): Promise<number> {
		if (this.running) return 0;
		this.running = true;
		try {
			const view = this.srv.state;
			if (view.tableIndex("allocs") <= this.lastAllocIndex) return 0;
			const since = this.lastAllocIndex;
			this.lastAllocIndex = view.tableIndex("allocs");
			const now = Date.now() * 1e6;
			const updates: Row[] = [];
			for (const nodeID of this.nodes) {
				for (const a of view.byIndex("allocs", "node", nodeID)) {
					if ((a.ModifyIndex as number) <= since) continue;
					const next = this.nextStatus(a);
					if (next)
						updates.push({
							ID: a.ID,
							ClientStatus: next,
							ClientDescription: describe(next),
							TaskStates: null,
							ModifyTime: now,
						});
				}
			}
			if (updates.length === 0) return 0;
			const evals = clientUpdateFollowupEvals(view, updates as never, now, randomUUID);
			await this.srv.apply(PlanCmd.allocClientUpdate, { Allocs: updates, Evals: evals });
			return updates.length;
		} finally {
			this.running = false;
		}
	}

	private nextStatus(a: Row): string | undefined {
		const client = a.ClientStatus as string;
		if (a.DesiredStatus !== "run") return client === "running" || client === "pending" ? "complete" : undefined;
		if (client === "pending") return "running";
		if (client === "running" && this.opts.clientBehaviour === "complete-batch") {
			const job = this.srv.state.get("jobs", `${a.Namespace as string}\u0000${a.JobID as string}`);
			if (job && (job.Type === "batch" || job.Type === "sysbatch")) return "complete";
		}
		return undefined;
	}
}

function describe(status: string): string {
	switch (status) {
		case "running":
			return "Tasks are running";
		case "complete":
			return "All tasks have completed";
		default:
			return "";
	}
}
