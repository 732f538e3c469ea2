// GET /v1/agent/host: the agent's view of its host (Nomad's HostData) for `operator debug`. With
// ACLs disabled it needs enable_debug (Nomad's AllowAgentDebug). No ids: this agent's bare HostData;
// node_id / server_id: {AgentID, HostData} from the agent they name.

import { CodedError, forbidden } from "../../../lib/errors.ts";
import { agentIdentity, forwardToNode, resolveTarget, targetQuery } from "../../debugTarget.ts";
import { byMethod } from "../methods.ts";
import type { Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

export function agentHostRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/agent/host",
			acl: "agent:read",
			handler: byMethod({
				GET: async (ctx) => {
					if (!agent.enableDebug) throw forbidden();
					const q = targetQuery(ctx);
					if (q.nodeID !== "" && q.serverID !== "") {
						throw new CodedError(400, "Can only forward to either client node or server");
					}
					// Loaded on first use: an agent nobody debugs never reads its host data.
					const { makeHostData } = await import("../../host/hostData.ts");
					if (q.nodeID === "" && q.serverID === "") return makeHostData();
					const target = resolveTarget(agentIdentity(agent), q);
					if (!target.local) return forwardToNode(agent, ctx, target.nodeID);
					return { AgentID: target.agentID, HostData: makeHostData() };
				},
			}),
		},
	];
}
