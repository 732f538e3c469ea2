// Job commands: register (with its evaluation), deregister (stop or purge), stability. Versions
// are kept in job_versions (newest N retained, tagged versions never dropped); every register of a
// changed spec bumps Version and JobModifyIndex, as Nomad's upsertJobImpl.
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";
import type { CommandHandler } from "./fsm.ts";
import { computeJobStatus, refreshJobStatus } from "./jobStatus.ts";
import { deleteScalingPolicies, syncScalingPolicies } from "./scalingPolicies.ts";

export const JobCmd = {
	register: "JobRegister",
	deregister: "JobDeregister",
	stability: "JobStability",
	evalUpsertForJob: "JobEvaluate",
} as const;

const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;
const versionKey = (ns: string, id: string, v: number): string =>
	`${jobKey(ns, id)}\u0000${String(v).padStart(20, "0")}`;

export const DEFAULT_TRACKED_VERSIONS = 6;

/** Creates or extends the job's summary so every task group has counters (existing counts kept). */
export function ensureSummary(tx: WriteTxn, job: Row): void {
	const key = jobKey(job.Namespace as string, job.ID as string);
	const existing = tx.get("job_summary", key);
	const summary: Record<string, Row> = { ...((existing?.Summary as Record<string, Row> | undefined) ?? {}) };
	let changed = !existing;
	for (const tg of (job.TaskGroups as Row[] | null) ?? []) {
		const name = tg.Name as string;
		if (!summary[name]) {
			summary[name] = { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 };
			changed = true;
		}
	}
	if (!changed) return;
	tx.put("job_summary", {
		JobID: job.ID,
		Namespace: job.Namespace,
		Summary: summary,
		Children: existing?.Children ?? (job.Periodic || job.ParameterizedJob ? { Pending: 0, Running: 0, Dead: 0 } : null),
		CreateIndex: existing?.CreateIndex ?? tx.index,
		ModifyIndex: tx.index,
	});
}

function putVersion(tx: WriteTxn, job: Row, tracked: number): void {
	const ns = job.Namespace as string;
	const id = job.ID as string;
	tx.put("job_versions", job);
	const versions = [...tx.view().scan("job_versions", { prefix: `${jobKey(ns, id)}\u0000` })];
	let excess = versions.length - tracked;
	for (const v of versions) {
		if (excess <= 0) break;
		if (v.VersionTag) continue;
		tx.delete("job_versions", versionKey(ns, id, v.Version as number));
		excess--;
	}
}

function putEvals(tx: WriteTxn, evals: Row[] | undefined, jobModifyIndex?: number): void {
	for (const ev of evals ?? []) {
		const existing = tx.get("evals", ev.ID as string);
		const row: Row = { ...ev, CreateIndex: existing?.CreateIndex ?? tx.index, ModifyIndex: tx.index };
		// The eval of a register points at the job version it was created for.
		if (jobModifyIndex !== undefined) row.JobModifyIndex = jobModifyIndex;
		tx.put("evals", row);
	}
}

/** Inserts or replaces a job at tx.index; returns the stored row. */
export function upsertJob(
	tx: WriteTxn,
	input: Row,
	opts: { keepVersion?: boolean; tracked?: number; disableScaling?: boolean } = {},
): Row {
	const ns = input.Namespace as string;
	const id = input.ID as string;
	if (!tx.get("namespaces", ns)) throw new Error(`job "${id}" is in nonexistent namespace "${ns}"`);
	const existing = tx.get("jobs", jobKey(ns, id));
	const job: Row = {
		...syncScalingPolicies(tx, input, { disable: opts.disableScaling }),
		NodePool: input.NodePool || "default",
		ModifyIndex: tx.index,
	};
	if (existing) {
		job.CreateIndex = existing.CreateIndex;
		if (!opts.keepVersion) {
			job.JobModifyIndex = tx.index;
			if ((job.Version as number) <= (existing.Version as number)) job.Version = (existing.Version as number) + 1;
		}
	} else {
		job.CreateIndex = tx.index;
		job.JobModifyIndex = tx.index;
		job.Version = job.Version ?? 0;
	}
	job.Status = computeJobStatus(tx.view(), job);
	tx.put("jobs", job);
	ensureSummary(tx, job);
	putVersion(tx, job, opts.tracked ?? DEFAULT_TRACKED_VERSIONS);
	return job;
}

export const jobCommands: Record<string, CommandHandler> = {
	/** {Job, Evals?, EnforceIndex?, JobModifyIndex?, TrackedVersions?} */
	[JobCmd.register]: (tx, p) => {
		const job = p.Job as Row;
		if (p.EnforceIndex === true) {
			const existing = tx.get("jobs", jobKey(job.Namespace as string, job.ID as string));
			const want = (p.JobModifyIndex as number | undefined) ?? 0;
			if (want === 0 && existing) {
				throw new Error("Enforcing job modify index 0: job already exists");
			}
			if (want !== 0 && !existing) {
				throw new Error(`Enforcing job modify index ${want}: job does not exist`);
			}
			if (existing && existing.JobModifyIndex !== want) {
				throw new Error(
					`Enforcing job modify index ${want}: job exists with conflicting job modify index: ${existing.JobModifyIndex as number}`,
				);
			}
		}
		const stored = upsertJob(tx, job, { tracked: p.TrackedVersions as number | undefined });
		putEvals(tx, p.Evals as Row[] | undefined, stored.JobModifyIndex as number);
		refreshJobStatus(tx, stored.Namespace as string, stored.ID as string);
		return { JobModifyIndex: stored.JobModifyIndex, Version: stored.Version };
	},

	/** {Namespace, JobID, Purge, Evals?, SubmitTime, TrackedVersions?} */
	[JobCmd.deregister]: (tx, p) => {
		const ns = p.Namespace as string;
		const id = p.JobID as string;
		const existing = tx.get("jobs", jobKey(ns, id));
		if (existing) {
			if (p.Purge === true) {
				tx.delete("jobs", jobKey(ns, id));
				tx.delete("job_summary", jobKey(ns, id));
				tx.delete("periodic_launch", jobKey(ns, id));
				deleteScalingPolicies(tx, ns, id);
				for (const v of [...tx.view().scan("job_versions", { prefix: `${jobKey(ns, id)}\u0000` })]) {
					tx.delete("job_versions", versionKey(ns, id, v.Version as number));
				}
			} else if (existing.Stop !== true) {
				upsertJob(
					tx,
					{ ...existing, Stop: true, SubmitTime: p.SubmitTime ?? existing.SubmitTime },
					// As Nomad: a stopped job's scaling policies are disabled, so autoscalers leave it alone.
					{ tracked: p.TrackedVersions as number | undefined, disableScaling: true },
				);
			}
		}
		putEvals(tx, p.Evals as Row[] | undefined);
		if (existing && p.Purge !== true) refreshJobStatus(tx, ns, id);
		return { JobModifyIndex: existing ? tx.index : 0 };
	},

	/** {Namespace, JobID, JobVersion, Stable} */
	[JobCmd.stability]: (tx, p) => {
		const ns = p.Namespace as string;
		const id = p.JobID as string;
		const version = p.JobVersion as number;
		const v = tx.get("job_versions", versionKey(ns, id, version));
		if (!v) throw new Error(`job "${id}" version ${version} not found`);
		tx.put("job_versions", { ...v, Stable: p.Stable === true });
		const current = tx.get("jobs", jobKey(ns, id));
		if (current && current.Version === version)
			tx.put("jobs", { ...current, Stable: p.Stable === true, ModifyIndex: tx.index });
		return true;
	},

	/** An evaluation for an existing job without a spec change (re-submit, /evaluate, scale to same). {Evals} */
	[JobCmd.evalUpsertForJob]: (tx, p) => {
		const evals = (p.Evals as Row[] | undefined) ?? [];
		putEvals(tx, evals);
		for (const ev of evals) refreshJobStatus(tx, ev.Namespace as string, ev.JobID as string);
		return true;
	},
};
