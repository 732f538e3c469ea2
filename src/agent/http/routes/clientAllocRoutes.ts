// /v1/client/allocation/<id>/{restart,signal,stats,gc}: lifecycle actions on an allocation and its
// resource usage, served by the client that runs it — this agent's own, or the owning node's
// through agent RPC forwarding (clientTarget.ts).
import { CodedError } from "../../../lib/errors.ts";
import { decodeOptionalBody, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { HANDLED, type Route } from "../types.ts";
import { allocTarget } from "./clientTarget.ts";
import type { AgentHandle } from "./context.ts";

export function clientAllocRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/allocation/",
			acl: "namespace:alloc-lifecycle",
			aclFor: (ctx) => {
				const action = ctx.rest.split("/")[1];
				if (action === "stats") return "namespace:read-job";
				if (action === "gc") return "namespace:gc-allocation|submit-job";
				return "namespace:alloc-lifecycle";
			},
			aclObject: (ctx) => ({ table: "allocs", id: ctx.rest.split("/")[0] }),
			cors: true,
			handler: async (ctx) => {
				const parts = ctx.rest.split("/");
				if (parts.length !== 2 || !parts[0]) throw new CodedError(404, "resource not found");
				const [allocID, action] = parts as [string, string];
				if (action !== "restart" && action !== "signal" && action !== "stats" && action !== "gc") {
					throw new CodedError(501, `${ctx.path} is not implemented in nomad-ts yet`);
				}
				const runner = await allocTarget(agent, ctx, allocID);
				if (runner === HANDLED) return HANDLED;
				if (action === "gc") {
					// Only terminal allocations are collected (their directory is removed).
					if (!(await agent.localGC?.collect(allocID))) {
						throw new CodedError(400, "No such allocation on client, or allocation not eligible for GC");
					}
					return null;
				}
				if (action === "stats") {
					const task = ctx.query.get("task") ?? "";
					return runner.stats(task === "" ? undefined : task);
				}
				const handler = async () => {
					const body = foldKeys((await decodeOptionalBody(ctx)) ?? {}, {
						TaskName: true,
						AllTasks: true,
						Task: true,
						Signal: true,
					}) as Record<string, unknown>;
					try {
						if (action === "restart") {
							const task = typeof body.TaskName === "string" && body.TaskName !== "" ? body.TaskName : undefined;
							if (task && body.AllTasks === true)
								throw new CodedError(400, "task name cannot be set if all tasks are restarted");
							await runner.restart(task);
						} else {
							const signal = typeof body.Signal === "string" && body.Signal !== "" ? body.Signal : "SIGKILL";
							await runner.signal(typeof body.Task === "string" && body.Task !== "" ? body.Task : undefined, signal);
						}
					} catch (err) {
						if (err instanceof CodedError) throw err;
						throw new CodedError(500, (err as Error).message);
					}
					return { Index: 0 };
				};
				return action === "signal" ? byMethod(putOrPost(handler))(ctx) : handler();
			},
		},
	];
}
