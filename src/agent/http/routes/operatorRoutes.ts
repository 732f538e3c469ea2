// /v1/operator/scheduler/configuration and /v1/operator/raft/configuration.
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import {
	decodeSchedulerConfig,
	getSchedulerConfig,
	setSchedulerConfig,
} from "../../../server/endpoints/operatorEndpoint.ts";
import { decodeBody, expectObject, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseQueryOptions, parseWriteRequest } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const SCHEDULER_FIELDS = {
	SchedulerAlgorithm: true,
	PreemptionConfig: {
		SystemSchedulerEnabled: true,
		SysBatchSchedulerEnabled: true,
		BatchSchedulerEnabled: true,
		ServiceSchedulerEnabled: true,
	},
	MemoryOversubscriptionEnabled: true,
	RejectJobRegistration: true,
	PauseEvalBroker: true,
	NodeLimitForFeasibilityChecks: true,
} as const;

export function operatorRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/operator/scheduler/configuration",
			acl: {
				GET: "operator:read",
				PUT: "operator:write",
				POST: "operator:write",
			},
			handler: byMethod({
				GET: async (ctx) => {
					const q = parseQueryOptions(ctx, agent.region);
					const meta = emptyQueryMeta();
					const config = await getSchedulerConfig(serverOf(agent), q, meta, ctx.signal);
					setMeta(ctx, meta);
					return { SchedulerConfig: config, ...meta };
				},
				...putOrPost(async (ctx) => {
					const w = parseWriteRequest(ctx, agent.region);
					const body = foldKeys(expectObject(await decodeBody(ctx), "SchedulerConfiguration"), SCHEDULER_FIELDS);
					const config = decodeSchedulerConfig(body as Record<string, unknown>);
					let cas: number | undefined;
					if (ctx.query.has("cas")) {
						const raw = ctx.query.get("cas") ?? "";
						if (!/^\d+$/.test(raw)) {
							throw new CodedError(400, `Error parsing cas value: strconv.ParseUint: parsing "${raw}": invalid syntax`);
						}
						cas = Number(raw);
					}
					const out = await setSchedulerConfig(serverOf(agent), config, cas, w);
					setIndex(ctx, out.Index);
					return out;
				}),
			}),
		},
		{
			pattern: "/v1/operator/raft/configuration",
			// Nomad's Operator.RaftGetConfiguration: management tokens only.
			acl: "management",
			handler: byMethod({ GET: (ctx) => raftConfiguration(agent, ctx) }),
		},
	];
}

/**
 * The raft configuration as Nomad's RaftConfigurationResponse: one voter (this server) once it
 * leads, named and versioned from its gossip member; no servers while it waits for bootstrap.
 * IDs are the RPC address, as this server's raft stats report them.
 */
function raftConfiguration(agent: AgentHandle, ctx: RequestContext): Record<string, unknown> {
	const self = agent.selfInfo?.().server;
	if (!self) throw new CodedError(501, `${ctx.path} is not available on this agent`);
	const address = `${self.rpcAddr}:${self.rpcPort}`;
	const servers = self.leader
		? [
				{
					ID: address,
					Node: self.member?.Name ?? "(unknown)",
					Address: address,
					Leader: true,
					Voter: true,
					RaftProtocol: self.member?.Tags.raft_vsn ?? "unknown",
				},
			]
		: null;
	return { Servers: servers, Index: Number(self.raft?.latest_configuration_index ?? 0) };
}
