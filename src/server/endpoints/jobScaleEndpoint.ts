// A job's scale status (desired vs placed/running per group) and scaling a group's count.
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { commitJob, jobKey, needsEval, newEval, nowNs, type RegisterResponse } from "./jobEndpoint.ts";

/** JobScaleStatus for GET /v1/job/:id/scale. */
export async function jobScaleStatus(
	srv: Server,
	ns: string,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row> {
	const out = await srv.read(q, meta, {
		tables: ["jobs", "allocs"],
		signal,
		run: (view) => {
			const job = view.get("jobs", jobKey(ns, id));
			if (!job) return { index: Math.max(1, view.tableIndex("jobs")), value: undefined };
			const groups: Record<string, Row> = {};
			for (const tg of (job.TaskGroups as Row[]) ?? []) {
				groups[tg.Name as string] = {
					Desired: tg.Count,
					Placed: 0,
					Running: 0,
					Healthy: 0,
					Unhealthy: 0,
					Events: null,
				};
			}
			for (const a of view.byIndex("allocs", "job", jobKey(ns, id))) {
				const g = groups[a.TaskGroup as string];
				if (!g || a.DesiredStatus !== "run") continue;
				if (a.ClientStatus === "pending" || a.ClientStatus === "running") g.Placed = (g.Placed as number) + 1;
				if (a.ClientStatus === "running") g.Running = (g.Running as number) + 1;
			}
			return {
				index: Math.max(1, view.maxIndex("jobs", "allocs")),
				value: {
					JobID: job.ID,
					Namespace: job.Namespace,
					JobCreateIndex: job.CreateIndex,
					JobModifyIndex: job.JobModifyIndex,
					JobStopped: job.Stop === true,
					TaskGroups: groups,
				},
			};
		},
	});
	if (!out) throw new CodedError(404, "job not found");
	return out;
}

export interface ScaleRequest {
	Count?: number | null;
	Target?: Record<string, string>;
	Message?: string;
	Error?: boolean;
	Meta?: Record<string, unknown>;
	PolicyOverride?: boolean;
}

export async function scaleJob(
	srv: Server,
	ns: string,
	id: string,
	req: ScaleRequest,
	w: WriteRequest,
): Promise<RegisterResponse> {
	srv.checkRoute(w.Region, { write: true });
	const group = req.Target?.Group;
	if (!group) throw new CodedError(400, "missing task group name for scaling action");
	const job = srv.state.get("jobs", jobKey(ns, id));
	if (!job) throw new CodedError(404, "job not found");
	if (req.Count !== undefined && req.Count !== null && (!Number.isInteger(req.Count) || req.Count < 0)) {
		throw new CodedError(400, "scaling action count can't be negative");
	}
	const tgs = (job.TaskGroups as Row[]).map((tg) => ({ ...tg }));
	const tg = tgs.find((g) => g.Name === group);
	if (!tg) throw new CodedError(400, `task group "${group}" specified for scaling does not exist in job`);
	if (req.Count === undefined || req.Count === null) {
		// A scaling event without a count only records the event; nothing to schedule.
		return {
			EvalID: "",
			EvalCreateIndex: 0,
			JobModifyIndex: job.JobModifyIndex as number,
			Warnings: "",
			Index: srv.state.latestIndex,
			LastContact: 0,
			KnownLeader: true,
			NextToken: "",
		};
	}
	const cfg = srv.state.get("scheduler_config", "config");
	if (cfg?.RejectJobRegistration === true) {
		throw new CodedError(403, "Job registration, dispatch, and scale are disabled by the scheduler configuration");
	}
	tg.Count = req.Count;
	const updated: Row = { ...job, TaskGroups: tgs, SubmitTime: nowNs() };
	const evals = needsEval(updated) ? [newEval(updated, "job-scaling", undefined)] : [];
	return commitJob(srv, updated, evals);
}
