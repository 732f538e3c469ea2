// The minimal agent endpoints of the foundation: /v1/agent/health. The rest of the agent API
// (self, members, monitor, ...) is its own issue.
import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { byMethod } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import { RawResponse, type Route } from "../types.ts";
import { agentSelf } from "./agentSelf.ts";
import type { AgentHandle } from "./context.ts";

interface AgentHealth {
	ok: boolean;
	message?: string;
}

export function agentRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/agent/self",
			acl: "agent:read",
			handler: byMethod({
				GET: () => {
					const info = agent.selfInfo?.();
					if (!info) throw new CodedError(501, "/v1/agent/self is not available on this agent");
					return agentSelf(info);
				},
			}),
		},
		{
			pattern: "/v1/agent/health",
			acl: "none",
			handler: byMethod({
				GET: (ctx) => {
					const q = parseQueryOptions(ctx, agent.region);
					const health: { client?: AgentHealth; server?: AgentHealth } = {};
					let getClient = true;
					let getServer = true;
					const types = ctx.query.getAll("type");
					if (ctx.query.has("type")) {
						getClient = false;
						getServer = false;
						for (const t of types) {
							if (t === "client") {
								getClient = true;
								health.client = { ok: false, message: "client not enabled" };
							} else if (t === "server") {
								getServer = true;
								health.server = { ok: false, message: "server not enabled" };
							}
						}
					}
					if (getClient && agent.client) {
						health.client =
							agent.client.servers().length === 0
								? { ok: false, message: "no known servers" }
								: { ok: true, message: "ok" };
					}
					if (getServer && agent.server) {
						// Nomad asks Status.Leader in the ?region= given: another region's leader is out of reach.
						if (!agent.server.regions().includes(q.Region)) {
							health.server = { ok: false, message: ErrMsg.noPathToRegion };
						} else {
							health.server =
								agent.server.leaderAddress() === "" ? { ok: false, message: "no leader" } : { ok: true, message: "ok" };
						}
					}
					// Client first, then server, whatever order ?type= named them in (Go's struct order).
					const body: { client?: AgentHealth; server?: AgentHealth } = {};
					if (health.client) body.client = health.client;
					if (health.server) body.server = health.server;
					const ok = (body.client?.ok ?? true) && (body.server?.ok ?? true);
					if (ok) return body;
					// Unhealthy: 500 with the same JSON, sent as text (Nomad's CodedError path).
					return new RawResponse(JSON.stringify(body), "text/plain; charset=utf-8", 500);
				},
			}),
		},
	];
}
