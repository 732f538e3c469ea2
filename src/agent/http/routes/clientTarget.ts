// Where a /v1/client/ request is answered, as Nomad's rpcHandlerForAlloc / rpcHandlerForNode
// decide: by this agent's own client when the allocation (or node) is its own; otherwise a server
// forwards it to the owning node over that node's RPC connection, and a client-only agent hands it
// to its server, which does the same. A request a server already forwarded is never forwarded again.
import { CodedError } from "../../../lib/errors.ts";
import type { HANDLED, RequestContext } from "../types.ts";
import type { AgentHandle, LocalAllocRunner } from "./context.ts";

const unknownAlloc = (id: string) => new CodedError(404, `Unknown allocation "${id}"`);

/** The local runner of `allocID`, or HANDLED once the request was answered by the node running it. */
export async function allocTarget(
	agent: AgentHandle,
	ctx: RequestContext,
	allocID: string,
	opts: { streaming?: boolean } = {},
): Promise<LocalAllocRunner | typeof HANDLED> {
	const runner = agent.localRunner?.(allocID);
	if (runner) return runner;
	if (ctx.forwardedFrom === "server") throw unknownAlloc(allocID);
	if (agent.server) {
		const alloc = agent.server.state.get("allocs", allocID) as { NodeID?: string } | undefined;
		if (!alloc) throw unknownAlloc(allocID);
		const nodeID = alloc.NodeID ?? "";
		// Ours but not running here (e.g. already collected): nothing to forward to.
		if (nodeID === "" || nodeID === agent.localGC?.nodeID || !agent.forwardToNode) throw unknownAlloc(allocID);
		return agent.forwardToNode(ctx, nodeID, opts);
	}
	if (agent.forwardToServer && ctx.forwardedFrom !== "client") return agent.forwardToServer(ctx);
	throw unknownAlloc(allocID);
}

/**
 * "local" when this agent's client is the node asked for (`node_id` empty or its own), else HANDLED
 * once the owning node answered. 400 "No local Node and node_id not provided" without either.
 */
export async function nodeTarget(
	agent: AgentHandle,
	ctx: RequestContext,
	nodeID: string,
): Promise<"local" | typeof HANDLED> {
	const localID = agent.localGC?.nodeID;
	if (localID !== undefined && (nodeID === "" || nodeID === localID)) return "local";
	if (ctx.forwardedFrom === "server") throw new CodedError(404, "No path to node");
	if (agent.server) {
		if (nodeID !== "" && agent.forwardToNode) return agent.forwardToNode(ctx, nodeID);
	} else if (localID !== undefined && agent.forwardToServer && ctx.forwardedFrom !== "client") {
		return agent.forwardToServer(ctx);
	}
	throw new CodedError(400, "No local Node and node_id not provided");
}
