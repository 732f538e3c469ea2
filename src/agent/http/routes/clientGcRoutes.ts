// /v1/client/gc: garbage-collects every terminal allocation on this agent's client (their
// directories are removed). With `node_id` naming another node it needs forwarding (not built).
import { CodedError } from "../../../lib/errors.ts";
import type { Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

export function clientGcRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/gc",
			acl: "node:write",
			handler: async (ctx) => {
				const gc = agent.localGC;
				const nodeID = ctx.query.get("node_id") ?? "";
				if (!gc) {
					if (!nodeID) throw new CodedError(400, "No local Node and node_id not provided");
					throw new CodedError(404, "No path to node");
				}
				if (nodeID && nodeID !== gc.nodeID) throw new CodedError(404, "No path to node");
				await gc.collectAll();
				return null;
			},
		},
	];
}
