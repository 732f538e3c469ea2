// GET /v1/agent/host: the agent's view of its host (Nomad's HostData) for `operator debug`. With
// ACLs disabled it needs enable_debug (Nomad's AllowAgentDebug; agent:read with ACLs on). No ids: this agent's bare HostData;
// node_id / server_id: {AgentID, HostData} from the agent they name.

import { CodedError } from "../../../lib/errors.ts";
import { agentIdentity, forwardDebug, requireHostAccess, resolveTarget, targetQuery } from "../../debugTarget.ts";
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
					requireHostAccess(agent, ctx);
					const q = targetQuery(ctx);
					if (q.nodeID !== "" && q.serverID !== "") {
						throw new CodedError(400, "Can only forward to either client node or server");
					}
					// Loaded on first use: an agent nobody debugs never reads its host data.
					const { makeHostData } = await import("../../host/hostData.ts");
					if (q.nodeID === "" && q.serverID === "") return makeHostData();
					const target = resolveTarget(agentIdentity(agent), q);
					if (target.kind !== "local") return forwardDebug(agent, ctx, target);
					return { AgentID: target.agentID, HostData: makeHostData() };
				},
			}),
		},
	];
}
