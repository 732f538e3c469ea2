// /v1/agent/monitor (the agent's live log at the caller's level, framed or plain) and
// /v1/agent/pprof/<kind> (also /v1/agent/profile and /v1/agent/trace, as the agent API document's
// samples call them; runtime profiles: agent:write, and with ACLs disabled only when
// enable_debug is set, as Nomad's AllowAgentDebug). Both answer here or on the node/server named by node_id / server_id.
// The work is in src/agent/monitor.ts and src/agent/pprof/; docs/agent-debug.md describes both.

import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { parseLogLevel } from "../../../lib/logger.ts";
import { agentIdentity, forwardDebug, requireDebug, resolveTarget, targetQuery } from "../../debugTarget.ts";
import { parseGoBool } from "../query.ts";
import { openStream } from "../respond.ts";
import { HANDLED, RawResponse, type RequestContext, type Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

/** Nomad's monitor flags: strconv.ParseBool, with its error text after `label`. */
function monitorBool(ctx: RequestContext, name: string, label: string): boolean {
	const v = ctx.query.get(name) ?? "";
	if (v === "") return false;
	const b = parseGoBool(v);
	if (b === undefined) throw new CodedError(400, `${label}: strconv.ParseBool: parsing "${v}": invalid syntax`);
	return b;
}

const BOTH_TARGETS = "Cannot target node and server simultaneously";

export function agentDebugRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/agent/monitor",
			acl: "agent:read",
			handler: async (ctx) => {
				const levelName = ctx.query.get("log_level") || "INFO";
				const level = parseLogLevel(levelName);
				if (!level) throw new CodedError(400, `Unknown log level: ${levelName}`);
				const json = monitorBool(ctx, "log_json", "Unknown option for log json");
				const plain = monitorBool(ctx, "plain", "Unknown option for plain");
				const includeLocation = monitorBool(ctx, "log_include_location", "Unknown option for log_include_location");
				const q = targetQuery(ctx);
				if (q.nodeID !== "" && q.serverID !== "") throw new CodedError(400, BOTH_TARGETS);
				const target = resolveTarget(agentIdentity(agent), q);
				if (target.kind !== "local") return forwardDebug(agent, ctx, target);
				if (!agent.logHub) throw new CodedError(501, "/v1/agent/monitor is not available on this agent");
				const { LogMonitor } = await import("../../monitor.ts");
				const w = openStream(ctx, plain ? "text/plain" : "application/json");
				const monitor = new LogMonitor(
					agent.logHub,
					{ write: (c) => w.write(c), onDrain: (cb) => void w.drain().then(cb) },
					{ level, json, includeLocation, plain },
				);
				monitor.start();
				// Streams until the client goes away (or the agent's HTTP server closes the socket).
				await new Promise<void>((resolve) => {
					if (ctx.signal.aborted) resolve();
					else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
				});
				monitor.stop();
				if (!w.closed) w.end();
				return HANDLED;
			},
		},
		{
			pattern: "/v1/agent/pprof/",
			acl: "agent:write",
			handler: async (ctx) => {
				// No index page under /v1/agent/pprof/, unlike Go's /debug/pprof/.
				if (ctx.rest === "") throw new CodedError(404, ErrMsg.invalidMethod);
				return servePprof(agent, ctx, ctx.rest);
			},
		},
		// The agent API document's sample requests spell the CPU profile and the trace without
		// /pprof/ (Nomad itself has no such routes): the same profiles under those names.
		...(["profile", "trace"] as const).map(
			(kind): Route => ({
				pattern: `/v1/agent/${kind}`,
				acl: "agent:write",
				handler: (ctx) => servePprof(agent, ctx, kind),
			}),
		),
	];
}

async function servePprof(agent: AgentHandle, ctx: RequestContext, kind: string): Promise<unknown> {
	const { pprofParams, runPprof } = await import("../../pprof/index.ts");
	const params = pprofParams(ctx.query);
	const q = targetQuery(ctx);
	if (q.nodeID !== "" && q.serverID !== "") throw new CodedError(400, BOTH_TARGETS);
	const target = resolveTarget(agentIdentity(agent), q);
	// The target decides on its own enable_debug, as Nomad checks it where the profile runs.
	if (target.kind !== "local") return forwardDebug(agent, ctx, target);
	requireDebug(agent, ctx);
	const r = await runPprof({ kind, ...params, signal: ctx.signal });
	const { "Content-Type": contentType, ...rest } = r.headers;
	Object.assign(ctx.headers, rest);
	return new RawResponse(r.body, contentType);
}
