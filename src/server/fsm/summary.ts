// Job summaries (structs.JobSummary): per task group counters of allocations by client status plus
// the queued count the scheduler last reported. Maintained inside FSM transactions as Nomad's
// updateSummaryWithJob / updateSummaryWithAlloc / nestedUpsertEval do; deterministic.
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";

export interface TaskGroupSummary {
	Queued: number;
	Complete: number;
	Failed: number;
	Running: number;
	Starting: number;
	Lost: number;
	Unknown: number;
}

export const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;
export const jobVersionKey = (ns: string, id: string, version: number): string =>
	`${jobKey(ns, id)}\u0000${String(version).padStart(20, "0")}`;

export function emptyTaskGroupSummary(): TaskGroupSummary {
	return { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 };
}

/**
 * Creates the job's summary, or adds counters for task groups it lacks (existing counts kept).
 * A new summary's CreateIndex is the transaction's index, which is the job's CreateIndex when
 * called from the register that creates the job — allocations of an older incarnation of a purged
 * and re-registered job then no longer count (Nomad compares the two).
 */
export function ensureJobSummary(tx: WriteTxn, job: Row): Row {
	const key = jobKey(job.Namespace as string, job.ID as string);
	const existing = tx.get("job_summary", key);
	const summary: Record<string, TaskGroupSummary> = {
		...((existing?.Summary as Record<string, TaskGroupSummary> | undefined) ?? {}),
	};
	let changed = !existing;
	for (const tg of (job.TaskGroups as Row[] | null) ?? []) {
		const name = tg.Name as string;
		if (!summary[name]) {
			summary[name] = emptyTaskGroupSummary();
			changed = true;
		}
	}
	if (!changed && existing) return existing;
	const row: Row = {
		JobID: job.ID,
		Namespace: job.Namespace,
		Summary: summary,
		Children:
			existing?.Children ??
			((job.Periodic as Row | null)?.Enabled || job.ParameterizedJob ? { Pending: 0, Running: 0, Dead: 0 } : null),
		CreateIndex: existing?.CreateIndex ?? tx.index,
		ModifyIndex: tx.index,
	};
	tx.put("job_summary", row);
	return row;
}

/** Sets each task group's Queued from an evaluation's QueuedAllocations (nestedUpsertEval). */
export function setQueuedFromEval(tx: WriteTxn, ev: Row): void {
	const queued = ev.QueuedAllocations as Record<string, number> | null | undefined;
	if (!queued) return;
	const key = jobKey(ev.Namespace as string, ev.JobID as string);
	const existing = tx.get("job_summary", key);
	if (!existing) return;
	const summary = existing.Summary as Record<string, TaskGroupSummary>;
	let next: Record<string, TaskGroupSummary> | undefined;
	for (const [tg, n] of Object.entries(queued)) {
		const cur = summary[tg];
		// Nomad logs and skips task groups the summary does not know.
		if (!cur || cur.Queued === n) continue;
		next ??= { ...summary };
		next[tg] = { ...cur, Queued: n };
	}
	if (next) tx.put("job_summary", { ...existing, Summary: next, ModifyIndex: tx.index });
}

const STATUS_FIELD: Record<string, keyof TaskGroupSummary> = {
	running: "Running",
	failed: "Failed",
	pending: "Starting",
	complete: "Complete",
	lost: "Lost",
	unknown: "Unknown",
};

/**
 * Moves an allocation between its task group's counters when it is inserted (`before` undefined)
 * or its client status changes (Nomad's updateSummaryWithAlloc). `after.Job` must be the job the
 * allocation belongs to; allocations of an older incarnation of the job (different CreateIndex)
 * are not counted. Complete and Failed are never decremented, as in Nomad.
 */
export function updateSummaryForAlloc(tx: WriteTxn, before: Row | undefined, after: Row): void {
	const job = after.Job as Row | null | undefined;
	if (!job) return;
	if (before && before.ClientStatus === after.ClientStatus) return;
	if (!before && after.ClientStatus !== "pending") return;
	const key = jobKey(after.Namespace as string, after.JobID as string);
	let existing = tx.get("job_summary", key);
	if (!existing) {
		// A deregistered (purged) job has no summary: nothing to count. A live job without one gets
		// it created rather than failing the whole write.
		const current = tx.get("jobs", key);
		if (!current) return;
		existing = ensureJobSummary(tx, current);
	}
	if (existing.CreateIndex !== job.CreateIndex) return;
	const tgName = after.TaskGroup as string;
	const summary = existing.Summary as Record<string, TaskGroupSummary>;
	const tg: TaskGroupSummary = { ...(summary[tgName] ?? emptyTaskGroupSummary()) };
	if (!before) {
		tg.Starting += 1;
		if (tg.Queued > 0) tg.Queued -= 1;
	} else {
		const inc = STATUS_FIELD[after.ClientStatus as string];
		if (inc) tg[inc] += 1;
		switch (before.ClientStatus) {
			case "running":
			case "pending":
			case "lost":
			case "unknown": {
				const dec = STATUS_FIELD[before.ClientStatus as string];
				if (tg[dec] > 0) tg[dec] -= 1;
				break;
			}
			default:
				break;
		}
	}
	tx.put("job_summary", { ...existing, Summary: { ...summary, [tgName]: tg }, ModifyIndex: tx.index });
}
