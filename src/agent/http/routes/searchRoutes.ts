// /v1/search (PUT/POST): prefix search. Any token may call it; what it may search and see is
// decided here from its ACL, as Nomad's Search.PrefixSearch does (sufficientSearchPerms and
// filteredSearchContexts). /v1/search/fuzzy is not built (501).
import { ACL } from "../../../acl/acl.ts";
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import { prefixSearch, type SearchAccess, type SearchContext } from "../../../server/endpoints/searchEndpoint.ts";
import { decodeBody, expectObject, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import type { Route } from "../types.ts";
import { type AgentHandle, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const SEARCH_FIELDS = { Prefix: true, Context: true, Namespace: true } as const;

/** Nomad's per-context search permissions for a namespace. */
export function searchAccess(acl: ACL, namespace: string): SearchAccess {
	const readJob = (ns: string) => acl.allowNamespaceOperation(ns, "read-job");
	return {
		context: (ctx: SearchContext) => {
			switch (ctx) {
				case "allocs":
				case "jobs":
				case "evals":
				case "deployment":
					return readJob(namespace);
				case "scaling_policy":
					return acl.allowNamespaceAnyOf(namespace, ["list-scaling-policies", "read-job"]);
				case "namespaces":
					return acl.allowNamespace(namespace);
				case "nodes":
					return acl.allowNodeRead();
				case "node_pools":
					// Any pool the token may read; the results are filtered pool by pool.
					return acl.isManagement() || ["all", "default", "*"].some((p) => acl.allowNodePoolOperation(p, "read"));
				case "volumes":
					return acl.allowNamespaceAnyOf(namespace, ["csi-list-volume", "csi-read-volume", "list-jobs", "read-job"]);
				case "host_volumes":
					return acl.allowNamespaceOperation(namespace, "host-volume-read");
				case "vars":
					return acl.allowVariableOperation(namespace, "", "list");
				case "plugins":
					return acl.allowPluginList();
			}
		},
		jobNamespace: readJob,
		namespace: (name) => acl.allowNamespace(name),
		nodePool: (name) => acl.allowNodePoolOperation(name, "read"),
	};
}

export function searchRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/search",
			acl: "token",
			handler: byMethod({
				...putOrPost(async (ctx) => {
					const body = foldKeys(expectObject(await decodeBody(ctx), "SearchRequest"), SEARCH_FIELDS) as Record<
						string,
						unknown
					>;
					const prefix = body.Prefix ?? "";
					const context = body.Context ?? "";
					if (typeof prefix !== "string" || typeof context !== "string") {
						throw new CodedError(400, "Failed to decode request body: Prefix and Context must be strings");
					}
					const q = parseQueryOptions(ctx, agent.region);
					// ?namespace= wins; else the body's, else "default" (Nomad's RequestNamespace).
					const bodyNs = typeof body.Namespace === "string" ? body.Namespace : "";
					const namespace = ctx.query.get("namespace") || bodyNs || "default";
					const acl = ctx.identity?.acl ?? ACL.aclsDisabled();
					const meta = emptyQueryMeta();
					const out = await prefixSearch(
						serverOf(agent),
						{ prefix, context, namespace },
						searchAccess(acl, namespace),
						q,
						meta,
						ctx.signal,
					);
					setMeta(ctx, meta);
					return { ...out, ...meta };
				}),
			}),
		},
	];
}
