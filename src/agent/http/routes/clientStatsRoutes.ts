// /v1/client/stats: the host resource usage of this agent's client (Nomad's HostStats), sampled
// every telemetry collection_interval. Another node's stats need the agent RPC transport: for now a
// node_id other than our own answers "No path to node".
import { CodedError } from "../../../lib/errors.ts";
import type { Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

export function clientStatsRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/stats",
			acl: "node:read",
			cors: true,
			handler: (ctx) => {
				const local = agent.hostStats?.();
				const nodeID = ctx.query.get("node_id") ?? "";
				if (nodeID !== "" && nodeID !== local?.nodeID) throw new CodedError(404, "No path to node");
				if (!local) throw new CodedError(400, "No local Node and node_id not provided");
				return local.stats;
			},
		},
	];
}
