// /v1/agent/servers: the client's server list (GET, sorted) and its replacement (PUT/POST
// ?address=…&address=…). Only agents with a client answer; Nomad says 501 "Invalid method" otherwise.
import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { byMethod, putOrPost } from "../methods.ts";
import type { Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

export function agentServersRoutes(agent: AgentHandle): Route[] {
	const client = () => {
		if (!agent.client) throw new CodedError(501, ErrMsg.invalidMethod);
		return agent.client;
	};
	return [
		{
			pattern: "/v1/agent/servers",
			acl: { GET: "agent:read", PUT: "agent:write", POST: "agent:write" },
			handler: byMethod({
				GET: () => [...client().servers()].sort(),
				...putOrPost(async (ctx) => {
					const c = client();
					const addrs = ctx.query.getAll("address");
					if (addrs.length === 0) throw new CodedError(400, "missing server address");
					if (!c.setServers) throw new CodedError(501, ErrMsg.invalidMethod);
					try {
						await c.setServers(addrs);
					} catch (err) {
						throw new CodedError(400, (err as Error).message);
					}
					// Nomad answers a nil body: 200, empty, no Content-Type.
					return undefined;
				}),
			}),
		},
	];
}
