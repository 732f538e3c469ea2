// Which agent answers a debug request (/v1/agent/host, monitor, pprof): `node_id` names a client
// node, `server_id` a server by its member name ("<node>.<region>") or "leader". This agent answers
// when it is the one named; a server hands another node's request to that node over the connection
// the node keeps to it (AgentHandle.forwardToNode); a client-only agent hands any targeted request to
// its server (forwardToServer), which then decides the same way. Errors are Nomad's: "unknown Nomad
// server X", "No cluster leader", "No path to region", `Unknown node "X"`, "No path to node".
import { ACL } from "../acl/acl.ts";
import { CodedError, ErrMsg, forbidden } from "../lib/errors.ts";
import type { AgentHandle } from "./http/routes/context.ts";
import type { HANDLED, RequestContext } from "./http/types.ts";

export type DebugTarget =
	| { kind: "local"; agentID: string }
	| { kind: "node"; nodeID: string }
	/** This client-only agent cannot tell: its server decides. */
	| { kind: "server" };

export interface AgentIdentity {
	region: string;
	/** Serf member name of this agent's server ("<node_name>.<region>"), if it runs one. */
	serverName?: string;
	isLeader: boolean;
	/** Whether any server is known to lead (this one or another). */
	hasLeader: boolean;
	/** Node ID of this agent's client, if it runs one. */
	nodeID?: string;
	/** This server's ID (its "id" member tag), matched as Nomad's getServer does besides the name. */
	serverID?: string;
	/** The other servers gossip knows, by member name and ID. */
	peers?: { name: string; id: string; region: string }[];
}

export function agentIdentity(agent: AgentHandle): AgentIdentity {
	const self = agent.selfInfo?.();
	const server = agent.server;
	const serverName = server && self ? `${self.nodeName}.${self.region}` : undefined;
	const members = server ? (agent.membership?.members() ?? []) : [];
	return {
		region: agent.region,
		serverName,
		isLeader: server?.isLeader() ?? false,
		hasLeader: (server?.leaderAddress() ?? "") !== "",
		nodeID: self?.client?.nodeID,
		serverID: members.find((m) => m.Name === serverName)?.Tags.id,
		peers: members
			.filter((m) => m.Name !== serverName && m.Status === "alive")
			.map((m) => ({ name: m.Name, id: m.Tags.id ?? "", region: m.Tags.region ?? "" })),
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

/** Resolves node_id / server_id (at most one of them: check before calling). */
export function resolveTarget(id: AgentIdentity, q: TargetQuery): DebugTarget {
	if (q.nodeID !== "") {
		if (q.nodeID === id.nodeID) return { kind: "local", agentID: q.nodeID };
		return id.serverName ? { kind: "node", nodeID: q.nodeID } : { kind: "server" };
	}
	if (q.serverID === "") return { kind: "local", agentID: id.serverName ?? id.nodeID ?? "" };
	if (!id.serverName) return { kind: "server" };
	if (q.region !== "" && q.region !== id.region) throw new CodedError(500, ErrMsg.noPathToRegion);
	if (q.serverID === "leader") {
		if (id.isLeader) return { kind: "local", agentID: id.serverName };
		if (!id.hasLeader) throw new CodedError(500, ErrMsg.noLeader);
		throw new CodedError(501, "forwarding to another server is not implemented in nomad-ts yet");
	}
	if (q.serverID === id.serverName || (id.serverID && q.serverID === id.serverID)) {
		return { kind: "local", agentID: id.serverName };
	}
	const region = q.region || id.region;
	if (id.peers?.some((p) => p.region === region && (p.name === q.serverID || (p.id !== "" && p.id === q.serverID)))) {
		throw new CodedError(501, "forwarding to another server is not implemented in nomad-ts yet");
	}
	throw new CodedError(500, `unknown Nomad server ${q.serverID}`);
}

/**
 * Hands the request to the agent that should answer it, or fails as Nomad does. A request that
 * was already forwarded to us is never forwarded again (one hop from a server to a node, plus one
 * from a client-only agent to its server).
 */
export async function forwardDebug(
	agent: AgentHandle,
	ctx: RequestContext,
	target: Exclude<DebugTarget, { kind: "local" }>,
): Promise<typeof HANDLED> {
	if (target.kind === "server") {
		if (agent.forwardToServer && ctx.forwardedFrom === undefined) return agent.forwardToServer(ctx);
		throw new CodedError(404, "No path to node");
	}
	if (ctx.forwardedFrom === "server") throw new CodedError(404, "No path to node");
	if (agent.forwardToNode) return agent.forwardToNode(ctx, target.nodeID);
	if (agent.server && !agent.server.state.get("nodes", target.nodeID)) {
		throw new CodedError(404, `Unknown node "${target.nodeID}"`);
	}
	throw new CodedError(404, "No path to node");
}

/**
 * Nomad's AllowAgentDebug where the work runs: a management token or agent read/write with ACLs
 * on; with ACLs off, only when enable_debug is set. 403 "Permission denied" otherwise.
 */
export function requireDebug(agent: AgentHandle, ctx: RequestContext): void {
	const acl = ctx.identity?.acl ?? ACL.aclsDisabled();
	if (!acl.allowAgentDebug(agent.enableDebug)) throw forbidden();
}

/**
 * /v1/agent/host on the node a server forwarded it to: Nomad's client Agent.Host lets agent:read
 * through (always, with ACLs off) or enable_debug; the server already applied AllowAgentDebug.
 */
export function requireHostAccess(agent: AgentHandle, ctx: RequestContext): void {
	if (ctx.forwardedFrom !== "server") {
		requireDebug(agent, ctx);
		return;
	}
	const acl = ctx.identity?.acl ?? ACL.aclsDisabled();
	if (!acl.allowAgentRead() && !agent.enableDebug) throw forbidden();
}
