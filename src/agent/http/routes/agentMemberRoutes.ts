// Server membership over the Serf port: /v1/agent/members, /v1/agent/join, /v1/agent/force-leave
// (command/agent/agent_endpoint.go). Join and force-leave act on this agent's own server; a
// client-only agent answers 501 "Invalid method" as Nomad does. Members on a client-only agent are
// asked of one of its servers.
import { badRequest, CodedError, ErrMsg } from "../../../lib/errors.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseGoBool, parseQueryOptions } from "../query.ts";
import type { Route } from "../types.ts";
import type { AgentHandle, MembershipHandle } from "./context.ts";

function membershipOf(agent: AgentHandle): MembershipHandle {
	if (!agent.server || !agent.membership) throw new CodedError(501, ErrMsg.invalidMethod);
	return agent.membership;
}

export function agentMemberRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/agent/members",
			acl: "node:read",
			handler: byMethod({
				GET: async (ctx) => {
					parseQueryOptions(ctx, agent.region);
					if (!agent.members) throw new CodedError(501, "/v1/agent/members is not available on this agent");
					return agent.members();
				},
			}),
		},
		{
			pattern: "/v1/agent/join",
			// Nomad only warns on an anonymous join today (and will refuse it from 2.1)
			acl: "agent:write",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const m = membershipOf(agent);
					const addrs = ctx.query.getAll("address");
					if (addrs.length === 0) throw badRequest("missing address to join");
					const r = await m.join(addrs);
					// warning: Nomad's anonymous-join deprecation notice, only with ACLs on (not enforced yet)
					return { num_joined: r.numJoined, error: r.error, warning: "" };
				}),
			),
		},
		{
			pattern: "/v1/agent/force-leave",
			acl: "agent:write",
			handler: byMethod(
				putOrPost((ctx) => {
					const m = membershipOf(agent);
					const node = ctx.query.get("node") ?? "";
					if (node === "") throw badRequest("missing node to force leave");
					const raw = ctx.query.get("prune") ?? "";
					const prune = raw === "" ? false : parseGoBool(raw);
					if (prune === undefined) throw badRequest("invalid prune value");
					m.forceLeave(node, prune);
					return undefined;
				}),
			),
		},
	];
}
