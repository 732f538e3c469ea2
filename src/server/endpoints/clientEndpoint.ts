// What client agents call on the servers (Nomad's Node.Register, Node.UpdateStatus heartbeats,
// Node.GetClientAllocs, Node.UpdateAlloc). The agent wires these to a local client in-process;
// the agent-to-agent RPC transport will carry the same calls for remote clients.
import { randomUUID } from "node:crypto";
import type { QueryMeta } from "../../api/query.ts";
import { defaultQueryOptions } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { EvalCmd } from "../fsm/evalCommands.ts";
import { NodeCmd } from "../fsm/nodeCommands.ts";
import { clientUpdateFollowupEvals, PlanCmd } from "../fsm/planCommands.ts";
import { markNodeStatus } from "../heartbeats.ts";
import { nodeEvals } from "../nodeEvals.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { sanitizeAlloc } from "./stubs.ts";

export interface RegisterNodeResult {
	/** ms the client has before its next heartbeat must arrive */
	heartbeatTTL: number;
	index: number;
}

export async function registerNode(srv: Server, node: Row): Promise<RegisterNodeResult> {
	srv.checkRoute(srv.opts.region, { write: true });
	if (!node.ID || typeof node.ID !== "string") throw new CodedError(400, "missing node ID for client registration");
	if (!node.Datacenter) throw new CodedError(400, "missing datacenter for client registration");
	const existing = srv.state.get("nodes", node.ID);
	// A registered node keeps its secret: another agent cannot take its ID over.
	if (existing?.SecretID && existing.SecretID !== node.SecretID) {
		throw new CodedError(403, "node secret ID does not match. Not registering node.");
	}
	const now = new Date();
	const r = await srv.apply(NodeCmd.register, {
		Node: {
			...node,
			Status: "ready",
			SchedulingEligibility: existing?.SchedulingEligibility ?? node.SchedulingEligibility ?? "eligible",
			StatusUpdatedAt: Math.floor(now.getTime() / 1000),
		},
		Event: {
			Message: existing ? "Node re-registered" : "Node registered",
			Subsystem: "Cluster",
			Details: null,
			Timestamp: now.toISOString(),
		},
	});
	const ttl = srv.heartbeats.reset(node.ID);
	const stored = srv.state.get("nodes", node.ID);
	if (stored) {
		const evals = nodeEvals(srv.state, stored, now.getTime() * 1e6);
		if (evals.length > 0) await srv.apply(EvalCmd.update, { Evals: evals });
	}
	return { heartbeatTTL: ttl, index: r.index };
}

/** A heartbeat: resets the node's TTL; a node that had been marked down comes back ready. */
export async function heartbeatNode(srv: Server, nodeID: string): Promise<number> {
	const node = srv.state.get("nodes", nodeID);
	if (!node) throw new CodedError(404, "node not found");
	if (node.Status !== "ready") await markNodeStatus(srv, nodeID, "ready", "Node heartbeat received", "Heartbeat");
	return srv.heartbeats.reset(nodeID);
}

/** Blocking read of the allocations placed on a node (with their jobs), for its client. */
export async function clientAllocs(
	srv: Server,
	nodeID: string,
	minIndex: number,
	waitMs: number,
	signal?: AbortSignal,
): Promise<{ allocs: Row[]; index: number }> {
	const q = { ...defaultQueryOptions(srv.opts.region), MinQueryIndex: minIndex, MaxQueryTime: waitMs * 1e6 };
	const meta: QueryMeta = { Index: 0, LastContact: 0, KnownLeader: false, NextToken: "" };
	const allocs = await srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("allocs")),
			value: [...view.byIndex("allocs", "node", nodeID)].map((a) => sanitizeAlloc(view, a)),
		}),
	});
	return { allocs, index: meta.Index };
}

/** Batched client status updates, with the follow-up evaluations failures need. */
export async function updateAllocs(srv: Server, updates: Row[]): Promise<number> {
	if (updates.length === 0) return srv.state.latestIndex;
	const known = updates.filter((u) => srv.state.get("allocs", u.ID as string));
	if (known.length === 0) return srv.state.latestIndex;
	const evals = clientUpdateFollowupEvals(srv.state, known as never, Date.now() * 1e6, randomUUID);
	const r = await srv.apply(PlanCmd.allocClientUpdate, { Allocs: known, Evals: evals });
	return r.index;
}
