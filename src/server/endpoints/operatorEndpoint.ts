// Operator.SchedulerGetConfiguration / SchedulerSetConfiguration.
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { Cmd } from "../fsm/coreCommands.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";

export async function getSchedulerConfig(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | null> {
	return srv.read(q, meta, {
		tables: ["scheduler_config"],
		signal,
		run: (view) => {
			const c = view.get("scheduler_config", "config") ?? null;
			return {
				index: Math.max(1, view.tableIndex("scheduler_config")),
				value: c,
			};
		},
	});
}

const bool = (v: unknown, key: string): boolean => {
	if (v === undefined || v === null) return false;
	if (typeof v !== "boolean") throw new CodedError(400, `Error parsing scheduler config: ${key} must be a boolean`);
	return v;
};

/** Decodes an api.SchedulerConfiguration body into the stored shape (Nomad's schedulerUpdateConfig). */
export function decodeSchedulerConfig(body: Row): Row {
	const algo = body.SchedulerAlgorithm ?? "";
	if (typeof algo !== "string")
		throw new CodedError(400, "Error parsing scheduler config: SchedulerAlgorithm must be a string");
	if (!["", "binpack", "spread"].includes(algo)) throw new CodedError(400, `invalid scheduler algorithm: ${algo}`);
	const pre = (body.PreemptionConfig ?? {}) as Row;
	if (typeof pre !== "object" || Array.isArray(pre))
		throw new CodedError(400, "Error parsing scheduler config: PreemptionConfig must be an object");
	const limit = body.NodeLimitForFeasibilityChecks ?? 0;
	if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
		throw new CodedError(
			400,
			"Error parsing scheduler config: NodeLimitForFeasibilityChecks must be a non-negative integer",
		);
	}
	return {
		SchedulerAlgorithm: algo,
		PreemptionConfig: {
			SystemSchedulerEnabled: bool(pre.SystemSchedulerEnabled, "PreemptionConfig.SystemSchedulerEnabled"),
			SysBatchSchedulerEnabled: bool(pre.SysBatchSchedulerEnabled, "PreemptionConfig.SysBatchSchedulerEnabled"),
			BatchSchedulerEnabled: bool(pre.BatchSchedulerEnabled, "PreemptionConfig.BatchSchedulerEnabled"),
			ServiceSchedulerEnabled: bool(pre.ServiceSchedulerEnabled, "PreemptionConfig.ServiceSchedulerEnabled"),
		},
		MemoryOversubscriptionEnabled: bool(body.MemoryOversubscriptionEnabled, "MemoryOversubscriptionEnabled"),
		RejectJobRegistration: bool(body.RejectJobRegistration, "RejectJobRegistration"),
		PauseEvalBroker: bool(body.PauseEvalBroker, "PauseEvalBroker"),
		NodeLimitForFeasibilityChecks: limit,
	};
}

export async function setSchedulerConfig(
	srv: Server,
	config: Row,
	cas: number | undefined,
	w: WriteRequest,
): Promise<{ Updated: boolean; Index: number }> {
	srv.checkRoute(w.Region, { write: true });
	const r = await srv.apply(Cmd.schedulerConfig, cas === undefined ? { Config: config } : { Config: config, CAS: cas });
	return { Updated: r.result === true, Index: r.index };
}
