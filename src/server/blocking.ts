// Blocking queries, as Nomad's blockingRPC: run the query; if its index has not passed the
// caller's MinQueryIndex, wait for a change to any table the query reads (or the deadline), and run
// it again. A wake-up is no promise of a change — the index comparison decides.
import type { QueryMeta, QueryOptions } from "../api/query.ts";
import type { TableName } from "./state/schema.ts";
import type { StateStore, StateView } from "./state/stateStore.ts";

export interface BlockingOptions<R> {
	state: StateStore;
	query: Pick<QueryOptions, "MinQueryIndex" | "MaxQueryTime">;
	/** Tables whose changes can change the result. */
	tables: readonly TableName[];
	/** Runs the query against the current state; returns the result and its index. */
	run: (view: StateView) => { index: number; value: R };
	/** Aborted when the caller goes away (client disconnect, agent shutdown). */
	signal?: AbortSignal;
}

export async function blockingQuery<R>(opts: BlockingOptions<R>): Promise<{ index: number; value: R }> {
	const { state, query } = opts;
	let out = opts.run(state);
	if (query.MinQueryIndex <= 0 || out.index > query.MinQueryIndex) return out;
	const deadline = new AbortController();
	const timer = setTimeout(() => deadline.abort(), Math.max(0, query.MaxQueryTime / 1e6));
	const onAbort = (): void => deadline.abort();
	opts.signal?.addEventListener("abort", onAbort, { once: true });
	try {
		while (!deadline.signal.aborted) {
			await state.waitForChange(opts.tables, deadline.signal);
			out = opts.run(state);
			if (out.index > query.MinQueryIndex) break;
		}
		return out;
	} finally {
		clearTimeout(timer);
		opts.signal?.removeEventListener("abort", onAbort);
	}
}

/** Fills the QueryMeta fields a read reply carries. */
export function setQueryMeta(meta: QueryMeta, index: number, leader: { known: boolean; lastContactMs: number }): void {
	meta.Index = index;
	meta.KnownLeader = leader.known;
	meta.LastContact = leader.lastContactMs;
}
