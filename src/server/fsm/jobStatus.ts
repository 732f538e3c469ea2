// Job status derivation, as Nomad's getJobStatus: system, periodic and parameterized jobs are
// running unless stopped; otherwise running while any deployment or allocation is live, pending
// while any evaluation is live, dead once evaluations have run (or it is stopped), else pending.
import type { Row } from "../state/schema.ts";
import type { StateView, WriteTxn } from "../state/stateStore.ts";

const TERMINAL_EVAL = new Set(["complete", "failed", "canceled"]);
const TERMINAL_DEPLOYMENT = new Set(["failed", "successful", "cancelled"]);

/** Nomad's Job.IsPeriodic: any periodic block, enabled or not. */
export const isPeriodic = (job: Row): boolean => job.Periodic != null;
/** Nomad's Job.IsParameterized: a parameterized block on a job that is not itself a dispatched child. */
export const isParameterized = (job: Row): boolean => job.ParameterizedJob != null && job.Dispatched !== true;

export function allocTerminal(a: Row): boolean {
	const desired = a.DesiredStatus as string;
	const client = a.ClientStatus as string;
	if (desired === "stop" || desired === "evict") return true;
	return client === "complete" || client === "failed" || client === "lost";
}

export function computeJobStatus(view: StateView, job: Row, evalDelete = false): string {
	if (job.Type === "system" || isParameterized(job) || isPeriodic(job)) return job.Stop ? "dead" : "running";
	const key = `${job.Namespace as string}\u0000${job.ID as string}`;
	for (const d of view.byIndex("deployments", "job", key)) {
		if (!TERMINAL_DEPLOYMENT.has(d.Status as string)) return "running";
	}
	for (const a of view.byIndex("allocs", "job", key)) {
		if (!allocTerminal(a)) return "running";
	}
	let hasEval = false;
	for (const e of view.byIndex("evals", "job", key)) {
		if (!TERMINAL_EVAL.has(e.Status as string)) return "pending";
		hasEval = true;
	}
	if (evalDelete || hasEval || job.Stop) return "dead";
	return "pending";
}

/**
 * Re-derives a job's status after its evals/allocs changed; writes the job only when the status
 * moved (as Nomad's setJobStatus, which bumps ModifyIndex then). Parent jobs' children summaries
 * are not tracked yet.
 */
export function refreshJobStatus(tx: WriteTxn, namespace: string, jobID: string, evalDelete = false): void {
	const job = tx.get("jobs", `${namespace}\u0000${jobID}`);
	if (!job) return;
	const status = computeJobStatus(tx.view(), job, evalDelete);
	if (status === job.Status) return;
	tx.put("jobs", { ...job, Status: status, ModifyIndex: tx.index });
}
