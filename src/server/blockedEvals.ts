// Blocked evaluations (Nomad's nomad/blocked_evals.go): evaluations whose placements failed wait
// here, one per job, until capacity appears that could help them — a node of a computed class they
// are eligible for (or any class, for evaluations that escaped class-based feasibility), or a
// specific node for system jobs — and are then handed back to the eval broker. A newer blocked
// evaluation for the same job replaces the older, which is reported as a duplicate for the leader
// to cancel. Unblocks that happened after an evaluation's snapshot but before it blocked are not
// missed: the tracker remembers the index of the last unblock per class.
import type { Evaluation } from "../api/types/index.ts";
import type { EvalBroker } from "./evalBroker.ts";

interface Wrapped {
	eval: Evaluation;
	token: string;
}

export interface BlockedStats {
	TotalBlocked: number;
	TotalEscaped: number;
	TotalQuotaLimit: number;
	/** Blocked evaluations per "namespace/job". */
	ByJob: Record<string, number>;
}

export interface BlockedEvalsOptions {
	/** Wall clock in ms (for pruning old unblock records). */
	now?: () => number;
}

const nsJob = (ev: Evaluation): string => `${ev.Namespace}\u0000${ev.JobID}`;
const latestEvalIndex = (ev: Evaluation): number => Math.max(ev.CreateIndex ?? 0, ev.SnapshotIndex ?? 0);

export class BlockedEvals {
	private readonly broker: EvalBroker;
	private readonly now: () => number;
	private isEnabled = false;
	private captured = new Map<string, Wrapped>();
	private escaped = new Map<string, Wrapped>();
	/** (namespace, job) → its blocked evaluation ID. */
	private jobs = new Map<string, string>();
	/** Node ID → blocked evaluation IDs that target that node (system jobs). */
	private byNode = new Map<string, Set<string>>();
	/** Computed class → index (and time) of its last unblock. */
	private unblockIndexes = new Map<string, { index: number; at: number }>();
	private duplicates: Evaluation[] = [];

	/** Called when duplicates are waiting to be canceled (takeDuplicates). */
	onDuplicate: (() => void) | undefined;

	constructor(broker: EvalBroker, opts: BlockedEvalsOptions = {}) {
		this.broker = broker;
		this.now = opts.now ?? Date.now;
	}

	enabled(): boolean {
		return this.isEnabled;
	}

	setEnabled(enabled: boolean): void {
		const was = this.isEnabled;
		this.isEnabled = enabled;
		if (was && !enabled) this.flush();
	}

	/** Tracks a blocked evaluation (written to state with Status "blocked"). */
	block(ev: Evaluation): void {
		this.processBlock(ev, "");
	}

	/** Tracks again a blocked evaluation that a worker (holding `token`) could still not place. */
	reblock(ev: Evaluation, token: string): void {
		this.processBlock(ev, token);
	}

	has(evalID: string): boolean {
		return this.captured.has(evalID) || this.escaped.has(evalID);
	}

	private processBlock(ev: Evaluation, token: string): void {
		if (!this.isEnabled) return;
		const key = nsJob(ev);
		const existingID = this.jobs.get(key);
		if (existingID === ev.ID) {
			// The same evaluation again (e.g. seen both as a write and as a reblock): refresh it.
			const into = this.escaped.has(ev.ID) ? this.escaped : this.captured;
			into.set(ev.ID, { eval: ev, token: token || (into.get(ev.ID)?.token ?? "") });
			return;
		}
		if (existingID !== undefined) {
			const existing = this.captured.get(existingID) ?? this.escaped.get(existingID);
			if (existing && latestEvalIndex(existing.eval) > latestEvalIndex(ev)) {
				// The tracked one is newer: this one is the duplicate.
				this.addDuplicate(ev);
				return;
			}
			if (existing) {
				this.remove(existing.eval);
				this.addDuplicate(existing.eval);
			} else this.jobs.delete(key);
		}
		if (this.missedUnblock(ev)) {
			this.broker.enqueueAll([[ev, token]]);
			return;
		}
		this.jobs.set(key, ev.ID);
		const w: Wrapped = { eval: ev, token };
		if (ev.EscapedComputedClass) this.escaped.set(ev.ID, w);
		else this.captured.set(ev.ID, w);
		if (ev.NodeID) {
			let set = this.byNode.get(ev.NodeID);
			if (!set) {
				set = new Set();
				this.byNode.set(ev.NodeID, set);
			}
			set.add(ev.ID);
		}
	}

	private addDuplicate(ev: Evaluation): void {
		this.duplicates.push(ev);
		this.onDuplicate?.();
	}

	private remove(ev: Evaluation): void {
		this.captured.delete(ev.ID);
		this.escaped.delete(ev.ID);
		const key = nsJob(ev);
		if (this.jobs.get(key) === ev.ID) this.jobs.delete(key);
		if (ev.NodeID) {
			const set = this.byNode.get(ev.NodeID);
			set?.delete(ev.ID);
			if (set && set.size === 0) this.byNode.delete(ev.NodeID);
		}
	}

	/** Whether an unblock the evaluation could have used happened after its snapshot. */
	private missedUnblock(ev: Evaluation): boolean {
		const snap = ev.SnapshotIndex ?? 0;
		let max = 0;
		for (const [cls, u] of this.unblockIndexes) {
			if (u.index > max) max = u.index;
			const elig = ev.ClassEligibility?.[cls];
			if (elig === undefined && snap < u.index) return true;
			if (elig === true && snap < u.index) return true;
		}
		return ev.EscapedComputedClass === true && snap < max;
	}

	/** Forgets the job's blocked evaluation (it was superseded by a successful one). */
	untrack(namespace: string, jobID: string): void {
		if (!this.isEnabled) return;
		const id = this.jobs.get(`${namespace}\u0000${jobID}`);
		if (id === undefined) return;
		const w = this.captured.get(id) ?? this.escaped.get(id);
		if (w) this.remove(w.eval);
		else this.jobs.delete(`${namespace}\u0000${jobID}`);
	}

	/**
	 * Capacity changed on nodes of `computedClass` at `index`: unblocks every escaped evaluation and
	 * every captured one not known to be ineligible for that class.
	 */
	unblock(computedClass: string, index: number): void {
		if (!this.isEnabled) return;
		this.unblockIndexes.set(computedClass, { index, at: this.now() });
		const out: Wrapped[] = [...this.escaped.values()];
		for (const w of this.captured.values()) {
			if (w.eval.ClassEligibility?.[computedClass] === false) continue;
			out.push(w);
		}
		this.release(out);
	}

	/** Capacity changed on one node: unblocks the evaluations targeting it (system jobs). */
	unblockNode(nodeID: string): void {
		if (!this.isEnabled) return;
		const ids = this.byNode.get(nodeID);
		if (!ids) return;
		const out: Wrapped[] = [];
		for (const id of ids) {
			const w = this.captured.get(id) ?? this.escaped.get(id);
			if (w) out.push(w);
		}
		this.release(out);
	}

	/** Unblocks everything (a periodic safety net). */
	unblockAll(): void {
		if (!this.isEnabled) return;
		this.release([...this.captured.values(), ...this.escaped.values()]);
	}

	/** Unblocks evaluations that blocked after exhausting their plan attempts (Nomad's UnblockFailed). */
	unblockFailed(): void {
		if (!this.isEnabled) return;
		const out = [...this.captured.values(), ...this.escaped.values()].filter(
			(w) => w.eval.TriggeredBy === "max-plan-attempts",
		);
		this.release(out);
	}

	private release(out: Wrapped[]): void {
		if (out.length === 0) return;
		for (const w of out) this.remove(w.eval);
		this.broker.enqueueAll(out.map((w) => [w.eval, w.token] as const));
	}

	/** Takes the evaluations that lost to a newer blocked evaluation of their job (to cancel). */
	takeDuplicates(): Evaluation[] {
		const d = this.duplicates;
		this.duplicates = [];
		return d;
	}

	/** Drops unblock records older than `olderThanMs` (Nomad prunes after 15 minutes). */
	prune(olderThanMs = 15 * 60_000): void {
		const cutoff = this.now() - olderThanMs;
		for (const [cls, u] of this.unblockIndexes) if (u.at < cutoff) this.unblockIndexes.delete(cls);
	}

	stats(): BlockedStats {
		const byJob: Record<string, number> = {};
		for (const w of [...this.captured.values(), ...this.escaped.values()]) {
			const k = `${w.eval.Namespace}/${w.eval.JobID}`;
			byJob[k] = (byJob[k] ?? 0) + 1;
		}
		return {
			TotalBlocked: this.captured.size + this.escaped.size,
			TotalEscaped: this.escaped.size,
			TotalQuotaLimit: 0,
			ByJob: byJob,
		};
	}

	private flush(): void {
		this.captured = new Map();
		this.escaped = new Map();
		this.jobs = new Map();
		this.byNode = new Map();
		this.unblockIndexes = new Map();
		this.duplicates = [];
	}
}
