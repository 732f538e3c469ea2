// /v1/agent/schedulers (each scheduler worker's state) and /v1/agent/schedulers/config (the pool's
// size and scheduler types, changeable at run time until the agent restarts). Server agents only:
// Nomad answers 400 "Server only endpoint" before even looking at the method.
import { availableParallelism } from "node:os";
import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { isValidWorkerConfig } from "../../../server/schedulerWorkers.ts";
import type { Server } from "../../../server/server.ts";
import { readBody } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import type { RequestContext, Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

const REQUEST_TYPE = "AgentSchedulerWorkerConfigRequest";

/** What a PUT body asks for, decoded as Go's encoding/json fills api.AgentSchedulerWorkerConfigRequest. */
export interface WorkerConfigRequest {
	numSchedulers: number;
	enabledSchedulers: string[];
}

function goType(v: unknown): string {
	if (v === null) return "null";
	if (Array.isArray(v)) return "array";
	return typeof v === "object" ? "object" : typeof v;
}

/**
 * Decodes a PUT body. Keys match case-insensitively and unknown ones (server_id) are ignored;
 * absent fields stay at Go's zero values (0, no schedulers), which the validity check then
 * refuses. Type mismatches throw with encoding/json's wording.
 */
export function decodeWorkerConfigRequest(raw: string): WorkerConfigRequest {
	if (raw.length === 0) throw new Error("Request body is empty");
	let v: unknown;
	try {
		v = JSON.parse(raw);
	} catch (err) {
		throw new Error((err as Error).message);
	}
	const out: WorkerConfigRequest = { numSchedulers: 0, enabledSchedulers: [] };
	if (v === null) return out;
	if (typeof v !== "object" || Array.isArray(v)) {
		throw new Error(`json: cannot unmarshal ${goType(v)} into Go value of type api.${REQUEST_TYPE}`);
	}
	const field = (name: string): unknown => {
		const obj = v as Record<string, unknown>;
		if (Object.hasOwn(obj, name)) return obj[name];
		const k = Object.keys(obj).find((key) => key.toLowerCase() === name);
		return k === undefined ? undefined : obj[k];
	};
	const mismatch = (got: string, name: string, type: string) =>
		new Error(`json: cannot unmarshal ${got} into Go struct field ${REQUEST_TYPE}.${name} of type ${type}`);
	const num = field("num_schedulers");
	if (num !== undefined && num !== null) {
		if (typeof num !== "number") throw mismatch(goType(num), "num_schedulers", "int");
		if (!Number.isSafeInteger(num)) throw mismatch(`number ${num}`, "num_schedulers", "int");
		out.numSchedulers = num;
	}
	const list = field("enabled_schedulers");
	if (list !== undefined && list !== null) {
		if (!Array.isArray(list)) throw mismatch(goType(list), "enabled_schedulers", "[]string");
		for (const s of list) {
			if (typeof s !== "string") throw mismatch(goType(s), "enabled_schedulers", "string");
		}
		out.enabledSchedulers = list as string[];
	}
	return out;
}

export function agentSchedulerRoutes(agent: AgentHandle): Route[] {
	const server = (): Server => {
		if (!agent.server) throw new CodedError(400, ErrMsg.serverOnly);
		return agent.server;
	};
	const serverID = (s: Server) => `${s.opts.nodeName}.${s.opts.region}`;
	const configResponse = (s: Server) => {
		const cfg = s.scheduling.workers.config();
		return { server_id: serverID(s), num_schedulers: cfg.numSchedulers, enabled_schedulers: cfg.enabledSchedulers };
	};
	const serverOnly =
		(h: (ctx: RequestContext) => unknown) =>
		(ctx: RequestContext): unknown => {
			server();
			return h(ctx);
		};
	return [
		{
			pattern: "/v1/agent/schedulers",
			acl: "agent:read",
			handler: serverOnly(
				byMethod({
					GET: () => {
						const s = server();
						return { server_id: serverID(s), schedulers: s.scheduling.workerInfo() };
					},
				}),
			),
		},
		{
			pattern: "/v1/agent/schedulers/config",
			acl: { GET: "agent:read", PUT: "agent:write", POST: "agent:write" },
			handler: serverOnly(
				byMethod({
					GET: () => configResponse(server()),
					...putOrPost(async (ctx) => {
						const s = server();
						let req: WorkerConfigRequest;
						try {
							req = decodeWorkerConfigRequest((await readBody(ctx)).toString("utf8"));
						} catch (err) {
							throw new CodedError(400, `Invalid request: ${(err as Error).message}`);
						}
						if (!isValidWorkerConfig(req, availableParallelism())) throw new CodedError(400, "Invalid request");
						await s.scheduling.setWorkerConfig(req);
						return configResponse(s);
					}),
				}),
			),
		},
	];
}
