// Job.Dispatch (parameterized jobs) and Periodic.Force.
import { randomBytes } from "node:crypto";
import type { WriteRequest } from "../../api/query.ts";
import type { Job } from "../../api/types/index.ts";
import { CodedError } from "../../lib/errors.ts";
import { type DispatchRequest, dispatchChild, findIdempotentDispatch } from "../periodic/dispatch.ts";
import { registerChild } from "../periodic/leaderPeriodic.ts";
import type { Server } from "../server.ts";

const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;

export async function dispatchJob(
	srv: Server,
	ns: string,
	id: string,
	req: DispatchRequest,
	w: WriteRequest,
): Promise<Record<string, unknown>> {
	srv.checkRoute(w.Region, { write: true });
	const cfg = srv.state.get("scheduler_config", "config");
	if (cfg?.RejectJobRegistration === true) {
		throw new CodedError(403, "Job registration, dispatch, and scale are disabled by the scheduler configuration");
	}
	const parent = srv.state.get("jobs", jobKey(ns, id)) as unknown as Job | undefined;
	if (!parent) throw new CodedError(404, "parameterized job not found");
	if (req.IdempotencyToken) {
		const children = [...srv.state.byIndex("jobs", "parent", jobKey(ns, id))] as unknown as Job[];
		const prior = findIdempotentDispatch(children, id, req.IdempotencyToken);
		if (prior) {
			return {
				Index: prior.ModifyIndex,
				JobCreateIndex: prior.CreateIndex,
				DispatchedJobID: prior.ID,
				EvalID: "",
				EvalCreateIndex: 0,
				LastContact: 0,
				KnownLeader: true,
				NextToken: "",
			};
		}
	}
	const child = dispatchChild(parent, req, new Date(), randomBytes(4).toString("hex"), {
		jobMaxPriority: srv.opts.jobMaxPriority,
	});
	const out = await registerChild(srv, child, "job-register");
	srv.jobRegistered(srv.state.get("jobs", jobKey(ns, child.ID)));
	return {
		Index: out.index,
		JobCreateIndex: out.index,
		DispatchedJobID: child.ID,
		EvalID: out.evalID,
		EvalCreateIndex: out.evalID ? out.index : 0,
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}

export async function forcePeriodic(
	srv: Server,
	ns: string,
	id: string,
	w: WriteRequest,
): Promise<Record<string, unknown>> {
	srv.checkRoute(w.Region, { write: true });
	const job = srv.state.get("jobs", jobKey(ns, id));
	if (!job) throw new CodedError(404, "job not found");
	if (!job.Periodic || job.ParameterizedJob) throw new CodedError(400, "can't force launch non-periodic job");
	if (!srv.periodic) throw new CodedError(500, "periodic dispatch disabled");
	let child: Job;
	try {
		child = await srv.periodic.forceRun(ns, id);
	} catch (err) {
		throw new CodedError(500, `force launch for job "${id}" failed: ${(err as Error).message}`);
	}
	const evals = [...srv.state.byIndex("evals", "job", jobKey(ns, child.ID))];
	const ev = evals[evals.length - 1];
	return {
		EvalID: (ev?.ID as string | undefined) ?? "",
		EvalCreateIndex: (ev?.CreateIndex as number | undefined) ?? 0,
		Index: srv.state.latestIndex,
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}
