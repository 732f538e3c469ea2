// /v1/client/stats: the host resource usage of a client (Nomad's HostStats), sampled every
// telemetry collection_interval — this agent's own, or with `node_id` another node's, reached
// through agent RPC forwarding (clientTarget.ts).
import { CodedError } from "../../../lib/errors.ts";
import { HANDLED, type Route } from "../types.ts";
import { nodeTarget } from "./clientTarget.ts";
import type { AgentHandle } from "./context.ts";

export function clientStatsRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/stats",
			acl: "node:read",
			cors: true,
			handler: async (ctx) => {
				if ((await nodeTarget(agent, ctx, ctx.query.get("node_id") ?? "")) === HANDLED) return HANDLED;
				const local = agent.hostStats?.();
				if (!local) throw new CodedError(400, "No local Node and node_id not provided");
				return local.stats;
			},
		},
	];
}
