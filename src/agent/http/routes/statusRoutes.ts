// /v1/status/leader, /v1/status/peers, /v1/regions.
import { byMethod } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

export function statusRoutes(agent: AgentHandle): Route[] {
	/** Status.* answers from any server, leader or not (they are how clients find the leader). */
	const status = (answer: (srv: ReturnType<typeof serverOf>) => unknown) => (ctx: RequestContext) => {
		const q = parseQueryOptions(ctx, agent.region);
		const srv = serverOf(agent);
		srv.checkRoute(q.Region, { write: false, stale: true });
		return answer(srv);
	};
	return [
		{ pattern: "/v1/status/leader", acl: "none", handler: byMethod({ GET: status((s) => s.leaderAddress()) }) },
		{ pattern: "/v1/status/peers", acl: "none", handler: byMethod({ GET: status((s) => s.peers()) }) },
		{ pattern: "/v1/regions", acl: "none", handler: byMethod({ GET: () => serverOf(agent).regions().sort() }) },
	];
}
