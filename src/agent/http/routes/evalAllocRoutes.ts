// /v1/evaluations, /v1/evaluations/count, /v1/evaluation/<id>[/allocations], /v1/allocations,
// /v1/allocation/<id>[/stop].
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import {
	countEvals,
	evalAllocs,
	getAlloc,
	getEval,
	listAllocs,
	listEvals,
} from "../../../server/endpoints/evalAllocEndpoint.ts";
import { deleteEvals, forceGC, stopAlloc } from "../../../server/endpoints/evalAllocWrites.ts";
import { decodeBody, expectObject, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { boolQueryParam, parseQueryOptions, parseWriteRequest } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

export function evalAllocRoutes(agent: AgentHandle): Route[] {
	const read = (ctx: RequestContext) => ({ q: parseQueryOptions(ctx, agent.region), meta: emptyQueryMeta() });
	return [
		{
			pattern: "/v1/evaluations",
			acl: { GET: "namespace:read-job", DELETE: "management" },
			handler: byMethod({
				DELETE: async (ctx) => {
					const body = foldKeys(expectObject(await decodeBody(ctx), "EvalDeleteRequest"), {
						EvalIDs: true,
						Filter: true,
					}) as Record<string, unknown>;
					const ids = body.EvalIDs ?? [];
					if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) {
						throw new CodedError(
							400,
							"json: cannot unmarshal into Go struct field EvalDeleteRequest.EvalIDs of type []string",
						);
					}
					const out = await deleteEvals(
						serverOf(agent),
						{ EvalIDs: ids as string[], Filter: typeof body.Filter === "string" ? body.Filter : "" },
						parseWriteRequest(ctx, agent.region),
					);
					setIndex(ctx, out.Index);
					return out;
				},
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const out = await listEvals(
						serverOf(agent),
						q,
						meta,
						{ job: ctx.query.get("job") ?? undefined, status: ctx.query.get("status") ?? undefined },
						ctx.signal,
					);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
		{
			pattern: "/v1/evaluations/count",
			acl: "namespace:read-job",
			handler: byMethod({
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const count = await countEvals(serverOf(agent), q, meta, ctx.signal);
					setMeta(ctx, meta);
					return { Count: count, ...meta };
				},
			}),
		},
		{
			pattern: "/v1/evaluation/",
			acl: "namespace:read-job",
			aclObject: (ctx) => ({ table: "evals", id: ctx.rest.split("/")[0] }),
			handler: byMethod({
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const path = ctx.rest;
					if (path.endsWith("/allocations")) {
						const id = path.slice(0, -"/allocations".length);
						const out = await evalAllocs(serverOf(agent), id, q, meta, ctx.signal);
						setMeta(ctx, meta);
						return out;
					}
					if (path === "" || path.includes("/")) throw new CodedError(404, "eval not found");
					const ev = await getEval(serverOf(agent), path, boolQueryParam(ctx, "related", false), q, meta, ctx.signal);
					setMeta(ctx, meta);
					if (!ev) throw new CodedError(404, "eval not found");
					return ev;
				},
			}),
		},
		{
			pattern: "/v1/allocations",
			acl: "namespace:read-job",
			handler: byMethod({
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const out = await listAllocs(
						serverOf(agent),
						q,
						meta,
						{
							resources: boolQueryParam(ctx, "resources", false),
							taskStates: boolQueryParam(ctx, "task_states", true),
						},
						ctx.signal,
					);
					setMeta(ctx, meta);
					return out;
				},
			}),
		},
		{
			pattern: "/v1/allocation/",
			acl: { GET: "namespace:read-job", PUT: "namespace:alloc-lifecycle", POST: "namespace:alloc-lifecycle" },
			aclObject: (ctx) => ({ table: "allocs", id: ctx.rest.split("/")[0] }),
			handler: (ctx) => {
				const parts = ctx.rest.split("/");
				if (parts.length > 2 || parts[0] === "") throw new CodedError(404, "resource not found");
				const [id, action] = parts as [string, string | undefined];
				if (action === undefined) {
					return byMethod({
						GET: async () => {
							const { q, meta } = read(ctx);
							const a = await getAlloc(serverOf(agent), id, q, meta, ctx.signal);
							setMeta(ctx, meta);
							if (!a) throw new CodedError(404, "alloc not found");
							return a;
						},
					})(ctx);
				}
				if (action === "stop") {
					return byMethod(
						putOrPost(async () => {
							const out = await stopAlloc(
								serverOf(agent),
								id,
								{
									noShutdownDelay: boolQueryParam(ctx, "no_shutdown_delay", false),
									reschedule: boolQueryParam(ctx, "reschedule", false),
								},
								parseWriteRequest(ctx, agent.region),
							);
							setIndex(ctx, out.Index);
							return out;
						}),
					)(ctx);
				}
				throw new CodedError(404, "resource not found");
			},
		},
		{
			pattern: "/v1/system/gc",
			acl: "management",
			handler: byMethod({
				PUT: async (ctx) => {
					await forceGC(serverOf(agent), parseWriteRequest(ctx, agent.region));
					return null;
				},
			}),
		},
	];
}
