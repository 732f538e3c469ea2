// Which agent answers a debug request (/v1/agent/host, monitor, pprof): `node_id` names a client
// node, `server_id` a server by its member name ("<node>.<region>") or "leader". This agent answers
// when it is the one named; another node's request goes over the connection that node keeps to this
// server (AgentHandle.forwardToNode). Errors are Nomad's: "unknown Nomad server X", "No cluster
// leader", "No path to region", `Unknown node "X"`, "No path to node".
import { CodedError, ErrMsg } from "../lib/errors.ts";
import type { AgentHandle } from "./http/routes/context.ts";
import type { HANDLED, RequestContext } from "./http/types.ts";

export type DebugTarget = { local: true; agentID: string } | { local: false; nodeID: string };

export interface AgentIdentity {
	region: string;
	/** Serf member name of this agent's server ("<node_name>.<region>"), if it runs one. */
	serverName?: string;
	isLeader: boolean;
	/** Whether any server is known to lead (this one or another). */
	hasLeader: boolean;
	/** Node ID of this agent's client, if it runs one. */
	nodeID?: string;
}

export function agentIdentity(agent: AgentHandle): AgentIdentity {
	const self = agent.selfInfo?.();
	const server = agent.server;
	return {
		region: agent.region,
		serverName: server && self ? `${self.nodeName}.${self.region}` : undefined,
		isLeader: server?.isLeader() ?? false,
		hasLeader: (server?.leaderAddress() ?? "") !== "",
		nodeID: self?.client?.nodeID,
	};
}

export interface TargetQuery {
	nodeID: string;
	serverID: string;
	region: string;
}

export function targetQuery(ctx: RequestContext): TargetQuery {
	return {
		nodeID: ctx.query.get("node_id") ?? "",
		serverID: ctx.query.get("server_id") ?? "",
		region: ctx.query.get("region") ?? "",
	};
}

/** Resolves node_id / server_id (at most one of them: check before calling) to this agent or a node. */
export function resolveTarget(id: AgentIdentity, q: TargetQuery): DebugTarget {
	if (q.nodeID !== "") {
		return q.nodeID === id.nodeID ? { local: true, agentID: q.nodeID } : { local: false, nodeID: q.nodeID };
	}
	if (q.serverID === "") return { local: true, agentID: id.serverName ?? id.nodeID ?? "" };
	if (!id.serverName) {
		// A client-only agent would relay through its servers; the agent RPC has no such call yet.
		throw new CodedError(501, "forwarding server_id from a client-only agent is not implemented in nomad-ts yet");
	}
	if (q.region !== "" && q.region !== id.region) throw new CodedError(500, ErrMsg.noPathToRegion);
	if (q.serverID === "leader") {
		if (id.isLeader) return { local: true, agentID: id.serverName };
		if (!id.hasLeader) throw new CodedError(500, ErrMsg.noLeader);
		throw new CodedError(501, "forwarding to another server is not implemented in nomad-ts yet");
	}
	if (q.serverID === id.serverName) return { local: true, agentID: id.serverName };
	throw new CodedError(500, `unknown Nomad server ${q.serverID}`);
}

/** Hands the request to the node that should answer it, or fails as Nomad does. */
export async function forwardToNode(agent: AgentHandle, ctx: RequestContext, nodeID: string): Promise<typeof HANDLED> {
	if (agent.forwardToNode) return agent.forwardToNode(ctx, nodeID);
	if (agent.server && !agent.server.state.get("nodes", nodeID)) throw new CodedError(404, `Unknown node "${nodeID}"`);
	throw new CodedError(404, "No path to node");
}
