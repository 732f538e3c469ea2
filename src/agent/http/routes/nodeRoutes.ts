// /v1/nodes and /v1/node/<id>[/allocations|/evaluate|/eligibility|/purge|/drain].
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import {
	evaluateNode,
	getNode,
	listNodes,
	nodeAllocations,
	purgeNode,
	setDrain,
	setEligibility,
} from "../../../server/endpoints/nodeEndpoint.ts";
import { decodeBody, expectObject, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { boolQueryParam, parseQueryOptions, parseWriteRequest } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

export function nodeRoutes(agent: AgentHandle): Route[] {
	const read = (ctx: RequestContext) => ({ q: parseQueryOptions(ctx, agent.region), meta: emptyQueryMeta() });
	const write = (ctx: RequestContext) => parseWriteRequest(ctx, agent.region);
	return [
		{
			pattern: "/v1/nodes",
			acl: "node:read",
			handler: byMethod({
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const out = await listNodes(
						serverOf(agent),
						q,
						meta,
						{ resources: boolQueryParam(ctx, "resources"), os: boolQueryParam(ctx, "os") },
						ctx.signal,
					);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
		{
			pattern: "/v1/node/",
			acl: { GET: "node:read", PUT: "node:write", POST: "node:write" },
			handler: (ctx) => {
				const [id, action, ...extra] = ctx.rest.split("/") as [string, string | undefined];
				if (!id || extra.length > 0) throw new CodedError(404, "node not found");
				switch (action) {
					case undefined:
						return byMethod({
							GET: async () => {
								const { q, meta } = read(ctx);
								const out = await getNode(serverOf(agent), id, q, meta, ctx.signal);
								setMeta(ctx, meta);
								return out;
							},
						})(ctx);
					case "allocations":
						return byMethod({
							GET: async () => {
								const { q, meta } = read(ctx);
								const out = await nodeAllocations(serverOf(agent), id, q, meta, ctx.signal);
								setMeta(ctx, meta);
								return out;
							},
						})(ctx);
					case "evaluate":
						return byMethod(
							putOrPost(async () => {
								const out = await evaluateNode(serverOf(agent), id, write(ctx));
								setIndex(ctx, out.Index as number);
								return out;
							}),
						)(ctx);
					case "eligibility":
						return byMethod(
							putOrPost(async () => {
								const body = foldKeys(expectObject(await decodeBody(ctx), "NodeUpdateEligibilityRequest"), {
									NodeID: true,
									Eligibility: true,
								}) as Record<string, unknown>;
								if (body.NodeID !== undefined && body.NodeID !== "" && body.NodeID !== id) {
									throw new CodedError(400, "Node ID does not match request path");
								}
								const out = await setEligibility(serverOf(agent), id, String(body.Eligibility ?? ""), write(ctx));
								setIndex(ctx, out.Index as number);
								return out;
							}),
						)(ctx);
					case "purge":
						return byMethod(
							putOrPost(async () => {
								const out = await purgeNode(serverOf(agent), id, write(ctx));
								setIndex(ctx, out.Index as number);
								return out;
							}),
						)(ctx);
					case "drain":
						return byMethod(
							putOrPost(async () => {
								const body = foldKeys(expectObject(await decodeBody(ctx), "NodeUpdateDrainRequest"), {
									NodeID: true,
									DrainSpec: { Deadline: true, IgnoreSystemJobs: true },
									MarkEligible: true,
									Meta: true,
								}) as Record<string, unknown>;
								const spec = body.DrainSpec as { Deadline?: unknown; IgnoreSystemJobs?: unknown } | null | undefined;
								if (spec && spec.Deadline !== undefined && typeof spec.Deadline !== "number") {
									throw new CodedError(
										400,
										"json: cannot unmarshal into Go struct field DrainSpec.Deadline of type time.Duration",
									);
								}
								const out = await setDrain(
									serverOf(agent),
									id,
									{
										DrainSpec: spec
											? {
													Deadline: (spec.Deadline as number | undefined) ?? 0,
													IgnoreSystemJobs: spec.IgnoreSystemJobs === true,
												}
											: null,
										MarkEligible: body.MarkEligible === true,
										Meta: (body.Meta as Record<string, string> | null | undefined) ?? null,
									},
									write(ctx),
								);
								setIndex(ctx, out.Index as number);
								return out;
							}),
						)(ctx);
					default:
						throw new CodedError(404, "resource not found");
				}
			},
		},
	];
}
