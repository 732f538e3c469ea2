// Job.Plan: a dry run of the scheduler against the current state with the submitted job in place
// of the stored one. The scheduler's plan is recorded, never committed; the response carries the
// annotations (what would be placed/stopped/updated), the placements that would fail and why, and
// the diff against the stored job.
import { randomUUID } from "node:crypto";
import type { WriteRequest } from "../../api/query.ts";
import type { Evaluation, Job, Plan, PlanResult } from "../../api/types/index.ts";
import { CodedError } from "../../lib/errors.ts";
import { seededRandom } from "../../lib/seededRandom.ts";
import type { Planner, SchedulerState } from "../../scheduler/types.ts";
import { isParameterized, isPeriodic } from "../fsm/jobStatus.ts";
import { admission } from "../jobs/lazy.ts";
import { nextLaunch } from "../periodic/cron.ts";
import { SnapshotSchedulerState } from "../schedulerState.ts";
import type { Server } from "../server.ts";
import { admitJob } from "./jobEndpoint.ts";

/** The snapshot, except that the planned job replaces the stored one. */
function withJob(base: SchedulerState, job: Job): SchedulerState {
	return new Proxy(base, {
		get(target, prop, receiver) {
			if (prop === "job") {
				return (ns: string, id: string) => (ns === job.Namespace && id === job.ID ? job : target.job(ns, id));
			}
			const v = Reflect.get(target, prop, receiver);
			return typeof v === "function" ? v.bind(target) : v;
		},
	});
}

export async function planJob(
	srv: Server,
	apiJob: unknown,
	opts: { diff: boolean; pathID: string },
	w: WriteRequest,
): Promise<Record<string, unknown>> {
	srv.checkRoute(w.Region, { write: true });
	const job = await admitJob(srv, apiJob, w);
	const { annotateDiff, formatWarnings, jobDiff, jobWarnings, specChanged } = await admission();
	if (job.ID !== opts.pathID) throw new CodedError(400, "Job ID does not match");
	if (isParameterized(job as never)) throw new CodedError(400, "can't plan parameterized job");
	const snapshot = srv.state.snapshot();
	const existing = snapshot.get("jobs", `${job.Namespace}\u0000${job.ID}`) as Job | undefined;
	const planned: Job = { ...job, Status: "pending", Stop: false };
	if (existing) {
		// As Nomad: a changed spec is planned as the next job modify index, so the reconciler sees
		// the allocations' job as outdated and compares it (in-place or destructive update).
		const changed = specChanged(existing, job);
		planned.CreateIndex = existing.CreateIndex;
		planned.JobModifyIndex = changed ? existing.JobModifyIndex + 1 : existing.JobModifyIndex;
		planned.Version = changed ? existing.Version + 1 : existing.Version;
	} else {
		planned.CreateIndex = snapshot.latestIndex + 1;
		planned.JobModifyIndex = snapshot.latestIndex + 1;
		planned.Version = 0;
	}
	const now = Date.now() * 1e6;
	const ev: Evaluation = {
		ID: randomUUID(),
		Namespace: job.Namespace,
		Priority: job.Priority,
		Type: job.Type,
		TriggeredBy: "job-register",
		JobID: job.ID,
		JobModifyIndex: planned.JobModifyIndex,
		Status: "pending",
		AnnotatePlan: true,
		CreateIndex: snapshot.latestIndex,
		ModifyIndex: snapshot.latestIndex,
		CreateTime: now,
		ModifyTime: now,
	};
	let recorded: Plan | undefined;
	let finalEval: Evaluation = ev;
	const created: Evaluation[] = [];
	const planner: Planner = {
		submitPlan: async (plan) => {
			recorded = plan;
			const result: PlanResult = {
				NodeUpdate: plan.NodeUpdate,
				NodeAllocation: plan.NodeAllocation,
				RejectedNodes: [],
				RefreshIndex: 0,
				AllocIndex: snapshot.latestIndex,
			};
			return { result };
		},
		updateEval: async (e) => {
			finalEval = e;
		},
		createEval: async (e) => {
			created.push(e);
		},
		reblockEval: async () => {},
	};
	let annotations: unknown = null;
	if (!isPeriodic(job as never)) {
		const { schedulers } = await import("../../scheduler/index.ts");
		const factory = schedulers[job.Type as keyof typeof schedulers];
		if (!factory) throw new CodedError(400, `unknown job type "${job.Type}"`);
		await factory({
			state: withJob(new SnapshotSchedulerState(snapshot), planned),
			planner,
			now,
			random: seededRandom(ev.ID),
			newID: randomUUID,
		}).process(ev);
		annotations = recorded?.Annotations ?? finalEval.PlanAnnotations ?? null;
	}
	let diff: ReturnType<typeof jobDiff> | null = null;
	if (opts.diff) {
		diff = jobDiff(existing ?? null, planned, true);
		annotateDiff(diff, annotations as Parameters<typeof annotateDiff>[1]);
	}
	let next: string | null = null;
	if (job.Periodic?.Enabled) next = nextLaunch(job.Periodic, new Date())?.toISOString() ?? null;
	return {
		Annotations: annotations,
		FailedTGAllocs: finalEval.FailedTGAllocs ?? null,
		JobModifyIndex: existing?.JobModifyIndex ?? 0,
		CreatedEvals: created.length > 0 ? created : null,
		Diff: diff,
		NextPeriodicLaunch: next ?? "0001-01-01T00:00:00Z",
		Warnings: formatWarnings(jobWarnings(job)),
		Index: snapshot.latestIndex,
	};
}
