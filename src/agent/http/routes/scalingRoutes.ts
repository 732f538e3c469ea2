// /v1/scaling/policies and /v1/scaling/policy/<id> (GET): the jobs' scaling policies, for the
// Nomad Autoscaler. ACL as Nomad's Scaling endpoint: list-scaling-policies (or read-job) to list,
// read-scaling-policy (or read-job) to read, in the request's namespace; with namespace "*" only
// the namespaces the token may list.
import { ACL } from "../../../acl/acl.ts";
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { getScalingPolicy, listScalingPolicies } from "../../../server/endpoints/scalingEndpoint.ts";
import { byMethod } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import type { Route } from "../types.ts";
import { type AgentHandle, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const LIST_CAPS = ["list-scaling-policies", "read-job"];

export function scalingRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/scaling/policies",
			acl: `namespace:${LIST_CAPS.join("|")}`,
			handler: byMethod({
				GET: async (ctx) => {
					const q = parseQueryOptions(ctx, agent.region);
					const meta = emptyQueryMeta();
					const acl = ctx.identity?.acl ?? ACL.aclsDisabled();
					const out = await listScalingPolicies(
						serverOf(agent),
						{
							namespace: ctx.query.get("namespace") || "default",
							job: ctx.query.get("job") ?? undefined,
							type: ctx.query.get("type") ?? undefined,
							prefix: ctx.query.get("prefix") ?? undefined,
							allowNamespace: (ns) => acl.allowNamespaceAnyOf(ns, LIST_CAPS),
						},
						q,
						meta,
						ctx.signal,
					);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
		{
			pattern: "/v1/scaling/policy/",
			acl: "namespace:read-scaling-policy|read-job",
			handler: byMethod({
				GET: async (ctx) => {
					if (ctx.rest === "") throw new CodedError(404, ErrMsg.invalidMethod);
					const q = parseQueryOptions(ctx, agent.region);
					const meta = emptyQueryMeta();
					const out = await getScalingPolicy(serverOf(agent), ctx.rest, q, meta, ctx.signal);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
	];
}
