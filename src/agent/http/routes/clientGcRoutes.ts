// /v1/client/gc: garbage-collects every terminal allocation on a client (their directories are
// removed) — this agent's own, or with `node_id` another node's, through forwarding.
import { CodedError } from "../../../lib/errors.ts";
import { HANDLED, type Route } from "../types.ts";
import { nodeTarget } from "./clientTarget.ts";
import type { AgentHandle } from "./context.ts";

export function clientGcRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/gc",
			acl: "node:write",
			handler: async (ctx) => {
				if ((await nodeTarget(agent, ctx, ctx.query.get("node_id") ?? "")) === HANDLED) return HANDLED;
				const gc = agent.localGC;
				if (!gc) throw new CodedError(400, "No local Node and node_id not provided");
				await gc.collectAll();
				return null;
			},
		},
	];
}
