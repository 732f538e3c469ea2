// /v1/namespaces, /v1/namespace, /v1/namespace/:name.
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import {
	deleteNamespaces,
	getNamespace,
	listNamespaces,
	upsertNamespaces,
} from "../../../server/endpoints/namespaceEndpoint.ts";
import { decodeBody, expectObject, type FieldSpec, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseQueryOptions, parseWriteRequest } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const NAMESPACE_FIELDS: FieldSpec = {
	Name: true,
	Description: true,
	Quota: true,
	Capabilities: true,
	NodePoolConfiguration: true,
	VaultConfiguration: true,
	ConsulConfiguration: true,
	Meta: true,
};

export function namespaceRoutes(agent: AgentHandle): Route[] {
	const update = async (ctx: RequestContext, pathName: string) => {
		const body = foldKeys(expectObject(await decodeBody(ctx), "Namespace"), NAMESPACE_FIELDS) as Record<
			string,
			unknown
		>;
		if (pathName !== "" && body.Name !== pathName)
			throw new CodedError(400, "Namespace name does not match request path");
		const index = await upsertNamespaces(serverOf(agent), [body], parseWriteRequest(ctx, agent.region));
		setIndex(ctx, index);
		return null;
	};
	return [
		{
			pattern: "/v1/namespaces",
			acl: "namespace:list",
			handler: byMethod({
				GET: async (ctx) => {
					const q = parseQueryOptions(ctx, agent.region);
					const meta = emptyQueryMeta();
					const out = await listNamespaces(serverOf(agent), q, meta, ctx.signal);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
		{
			pattern: "/v1/namespace",
			acl: "management",
			handler: byMethod(putOrPost((ctx) => update(ctx, ""))),
		},
		{
			pattern: "/v1/namespace/",
			acl: {
				GET: "namespace:read",
				PUT: "management",
				POST: "management",
				DELETE: "management",
			},
			handler: (ctx) => {
				const name = ctx.rest;
				if (name === "") throw new CodedError(400, "Missing Namespace Name");
				return byMethod({
					GET: async () => {
						const q = parseQueryOptions(ctx, agent.region);
						const meta = emptyQueryMeta();
						const ns = await getNamespace(serverOf(agent), name, q, meta, ctx.signal);
						setMeta(ctx, meta);
						if (!ns) throw new CodedError(404, "Namespace not found");
						return ns;
					},
					...putOrPost(() => update(ctx, name)),
					DELETE: async () => {
						const index = await deleteNamespaces(serverOf(agent), [name], parseWriteRequest(ctx, agent.region));
						setIndex(ctx, index);
						return null;
					},
				})(ctx);
			},
		},
	];
}
