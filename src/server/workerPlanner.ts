// The Planner a scheduler run talks back through (Nomad's Worker as scheduler.Planner): plans go to
// the plan queue under the evaluation's current delivery, evaluation updates and creations through
// the log, reblocks to the blocked-evals tracker. A rejected part of a plan refreshes the snapshot.
import type { Evaluation, Plan } from "../api/types/index.ts";
import type { Planner, SchedulerState, SubmitResult } from "../scheduler/types.ts";
import { EvalCmd } from "./fsm/evalCommands.ts";
import type { PlanQueue } from "./planApplier.ts";
import { SnapshotSchedulerState } from "./schedulerState.ts";
import type { SchedulerWorker } from "./schedulerWorkers.ts";
import { type Row, TABLE_NAMES } from "./state/schema.ts";
import type { StateStore } from "./state/stateStore.ts";

/** Resolves true once the store has applied `index`, false after `timeoutMs` or on abort. */
export async function waitForIndex(
	state: StateStore,
	index: number,
	timeoutMs: number,
	signal?: AbortSignal,
): Promise<boolean> {
	if (state.latestIndex >= index) return true;
	const deadline = Date.now() + timeoutMs;
	while (state.latestIndex < index) {
		const left = deadline - Date.now();
		if (left <= 0 || signal?.aborted) return false;
		// Commands that change no table do not wake watchers: poll as a fallback.
		const ctl = new AbortController();
		const t = setTimeout(() => ctl.abort(), Math.min(left, 50));
		const onAbort = () => ctl.abort();
		signal?.addEventListener("abort", onAbort, { once: true });
		await state.waitForChange(TABLE_NAMES, ctl.signal);
		clearTimeout(t);
		signal?.removeEventListener("abort", onAbort);
	}
	return true;
}

/** The Planner a scheduler run uses (Nomad's Worker as scheduler.Planner). */
export class WorkerPlanner implements Planner {
	private readonly worker: SchedulerWorker;
	private readonly ev: Evaluation;
	private readonly token: string;
	private snapshotIndex: number;

	constructor(worker: SchedulerWorker, ev: Evaluation, token: string, snapshotIndex: number) {
		this.worker = worker;
		this.ev = ev;
		this.token = token;
		this.snapshotIndex = snapshotIndex;
	}

	private get opts() {
		return this.worker.poolOptions;
	}

	private nowNs(): number {
		return (this.opts.now?.() ?? Date.now()) * 1e6;
	}

	async submitPlan(plan: Plan): Promise<SubmitResult> {
		const { broker, planQueue, state } = this.opts;
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.worker.workloadStatus = "Submitting";
		// Only the holder of the evaluation's current delivery may commit plans for it.
		broker.outstandingReset(this.ev.ID, this.token);
		broker.pauseNackTimeout(this.ev.ID, this.token);
		let result: Awaited<ReturnType<PlanQueue["enqueue"]>>;
		try {
			result = await planQueue.enqueue({ ...plan, SnapshotIndex: this.snapshotIndex });
		} finally {
			try {
				broker.resumeNackTimeout(this.ev.ID, this.token);
			} catch {
				// no longer outstanding; the ack/nack will say so
			}
		}
		this.worker.workloadStatus = "Scheduling";
		let refreshedState: SchedulerState | undefined;
		if (result.RefreshIndex !== 0) {
			const ok = await waitForIndex(state, result.RefreshIndex, this.opts.raftSyncLimitMs ?? 5_000, this.worker.signal);
			if (!ok) throw new Error(`timed out waiting for index=${result.RefreshIndex}`);
			refreshedState = new SnapshotSchedulerState(state.snapshot());
			this.snapshotIndex = refreshedState.index;
		}
		return { result, refreshedState };
	}

	private async applyEvals(evals: Row[]): Promise<void> {
		const payload: Row = { Evals: evals };
		const r = await this.opts.apply(EvalCmd.update, payload);
		if (r.error !== undefined) throw new Error(r.error);
		this.opts.afterApply?.(EvalCmd.update, payload, r);
	}

	async updateEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.opts.broker.outstandingReset(this.ev.ID, this.token);
		const now = this.nowNs();
		await this.applyEvals([
			{ ...ev, SnapshotIndex: this.snapshotIndex, ModifyTime: now <= ev.CreateTime ? ev.CreateTime + 1 : now },
		]);
	}

	async createEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		this.opts.broker.outstandingReset(this.ev.ID, this.token);
		if (this.opts.state.get("evals", ev.ID)) throw new Error("evaluation already exists");
		const now = this.nowNs();
		await this.applyEvals([{ ...ev, SnapshotIndex: this.snapshotIndex, CreateTime: now, ModifyTime: now }]);
	}

	async reblockEval(ev: Evaluation): Promise<void> {
		if (this.worker.signal.aborted) throw new Error("shutdown while planning");
		const { broker, state, blocked } = this.opts;
		broker.outstandingReset(this.ev.ID, this.token);
		const stored = state.get("evals", ev.ID);
		if (!stored) throw new Error("evaluation does not exist");
		if (stored.Status !== "blocked") throw new Error("evaluation not blocked");
		// Record a changed queued count first (Nomad's ReblockEval updates the eval when it moved).
		const summary = state.get("job_summary", `${ev.Namespace}\u0000${ev.JobID}`);
		const tgs = (summary?.Summary as Record<string, { Queued: number }> | undefined) ?? {};
		const changed = Object.entries(ev.QueuedAllocations ?? {}).some(([tg, n]) => tgs[tg] && tgs[tg].Queued !== n);
		if (changed) await this.updateEval(ev);
		const now = this.nowNs();
		const latest = state.get("evals", ev.ID) as Evaluation | undefined;
		blocked.reblock(
			{
				...ev,
				CreateIndex: latest?.CreateIndex ?? ev.CreateIndex,
				ModifyIndex: latest?.ModifyIndex ?? ev.ModifyIndex,
				SnapshotIndex: this.snapshotIndex,
				ModifyTime: now <= ev.CreateTime ? ev.CreateTime + 1 : now,
			},
			this.token,
		);
	}
}
