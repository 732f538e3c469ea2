// Evaluation commands: upsert (scheduler workers' status updates, follow-up/blocked evals, the
// leader's cancellations) and delete (GC). Deterministic: times and IDs come in the payload.
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";
import type { CommandHandler } from "./fsm.ts";
import { refreshJobStatus } from "./jobStatus.ts";
import { jobKey, setQueuedFromEval } from "./summary.ts";

export const EvalCmd = {
	/** {Evals: Evaluation[]} */
	update: "EvalUpdate",
	/** {Evals: string[], Allocs: string[], UserInitiated?: boolean} */
	delete: "EvalDelete",
} as const;

export const TERMINAL_EVAL_STATUSES: ReadonlySet<string> = new Set(["complete", "failed", "canceled"]);

function hasFailedAllocs(ev: Row): boolean {
	const f = ev.FailedTGAllocs as Record<string, unknown> | null | undefined;
	return !!f && Object.keys(f).length > 0;
}

/**
 * Inserts or replaces one evaluation at tx.index (Nomad's nestedUpsertEval): keeps CreateIndex,
 * applies its QueuedAllocations to the job summary, and — when it completed without failed
 * placements — cancels the job's blocked evaluations. Returns the stored row.
 */
export function upsertEvalTxn(tx: WriteTxn, ev: Row): Row {
	const existing = tx.get("evals", ev.ID as string);
	const row: Row = { ...ev, CreateIndex: existing?.CreateIndex ?? tx.index, ModifyIndex: tx.index };
	setQueuedFromEval(tx, row);
	if (row.Status === "complete" && !hasFailedAllocs(row)) {
		const blocked = [...tx.view().byIndex("evals", "job", jobKey(row.Namespace as string, row.JobID as string))].filter(
			(e) => e.Status === "blocked" && e.ID !== row.ID,
		);
		for (const b of blocked) {
			tx.put("evals", {
				...b,
				Status: "canceled",
				StatusDescription: `evaluation "${row.ID as string}" successful`,
				ModifyIndex: tx.index,
				ModifyTime: row.ModifyTime,
			});
		}
	}
	tx.put("evals", row);
	return row;
}

/** Upserts evaluations and re-derives the status of their jobs (Nomad's UpsertEvalsTxn). */
export function upsertEvals(tx: WriteTxn, evals: readonly Row[] | null | undefined): Row[] {
	const out: Row[] = [];
	const jobs = new Map<string, [string, string]>();
	for (const ev of evals ?? []) {
		out.push(upsertEvalTxn(tx, ev));
		jobs.set(jobKey(ev.Namespace as string, ev.JobID as string), [ev.Namespace as string, ev.JobID as string]);
	}
	for (const [ns, id] of jobs.values()) refreshJobStatus(tx, ns, id);
	return out;
}

export const evalCommands: Record<string, CommandHandler> = {
	[EvalCmd.update]: (tx, p) => {
		const evals = (p.Evals as Row[] | undefined) ?? [];
		if (evals.length === 0) throw new Error("eval update requires at least one evaluation");
		upsertEvals(tx, evals);
		return true;
	},

	[EvalCmd.delete]: (tx, p) => {
		if (p.UserInitiated === true) {
			const cfg = tx.get("scheduler_config", "config");
			if (cfg?.PauseEvalBroker !== true) {
				throw new Error("eval broker is enabled; eval broker must be paused to delete evals");
			}
		}
		const jobs = new Map<string, [string, string]>();
		for (const id of (p.Evals as string[] | undefined) ?? []) {
			const ev = tx.get("evals", id);
			if (!ev) continue;
			tx.delete("evals", id);
			jobs.set(jobKey(ev.Namespace as string, ev.JobID as string), [ev.Namespace as string, ev.JobID as string]);
		}
		for (const id of (p.Allocs as string[] | undefined) ?? []) {
			if (tx.get("allocs", id)) tx.delete("allocs", id);
		}
		for (const [ns, id] of jobs.values()) refreshJobStatus(tx, ns, id, true);
		return true;
	},
};
