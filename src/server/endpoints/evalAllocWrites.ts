// Writes on evaluations and allocations: user-initiated eval deletion (broker paused, as Nomad
// requires), alloc stop (migrate transition + alloc-stop evaluation), and forced core GC.
import { randomUUID } from "node:crypto";
import { compileFilter } from "../../api/filter/index.ts";
import type { WriteRequest } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { DEFAULT_GC_THRESHOLDS, type GCResult, runCoreGC } from "../coreGC.ts";
import { EvalCmd } from "../fsm/evalCommands.ts";
import { allocTerminal } from "../fsm/jobStatus.ts";
import { PlanCmd } from "../fsm/planCommands.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";

/** Nomad's MaxUUIDsPerWriteRequest. */
export const MAX_IDS_PER_WRITE = 7281;

function userDeleteSafe(srv: Server, ev: Row): boolean {
	for (const a of srv.state.byIndex("allocs", "eval", ev.ID as string)) if (!allocTerminal(a)) return false;
	return true;
}

export async function deleteEvals(
	srv: Server,
	req: { EvalIDs: string[]; Filter: string },
	w: WriteRequest,
): Promise<{ Count: number; Index: number }> {
	srv.checkRoute(w.Region, { write: true });
	if (req.Filter && req.EvalIDs.length > 0) throw new CodedError(400, "evals cannot be deleted by both ID and filter");
	if (!req.Filter && req.EvalIDs.length === 0)
		throw new CodedError(400, "evals must be deleted by either ID or filter");
	if (req.EvalIDs.length > MAX_IDS_PER_WRITE) {
		throw new CodedError(
			400,
			`request includes ${req.EvalIDs.length} evaluation IDs, must be ${MAX_IDS_PER_WRITE} or fewer`,
		);
	}
	if (srv.scheduling.broker.enabled()) {
		throw new CodedError(500, "eval broker is enabled; eval broker must be paused to delete evals");
	}
	let ids: string[];
	if (req.Filter) {
		let pred: (r: unknown) => boolean;
		try {
			pred = compileFilter(req.Filter);
		} catch (err) {
			throw new CodedError(400, `failed to read filter expression: ${(err as Error).message}`);
		}
		ids = [];
		for (const ev of srv.state.scan("evals")) if (pred(ev) && userDeleteSafe(srv, ev)) ids.push(ev.ID as string);
	} else {
		for (const id of req.EvalIDs) {
			const ev = srv.state.get("evals", id);
			if (!ev) throw new CodedError(404, "eval not found");
			if (!userDeleteSafe(srv, ev)) throw new CodedError(400, `eval ${id} is not safe to delete`);
		}
		ids = req.EvalIDs;
	}
	let index = srv.state.latestIndex;
	for (let i = 0; i < ids.length; i += MAX_IDS_PER_WRITE) {
		const r = await srv.apply(EvalCmd.delete, {
			Evals: ids.slice(i, i + MAX_IDS_PER_WRITE),
			Allocs: [],
			UserInitiated: true,
		});
		index = r.index;
	}
	return { Count: ids.length, Index: index };
}

export async function stopAlloc(
	srv: Server,
	allocID: string,
	opts: { noShutdownDelay: boolean; reschedule: boolean },
	w: WriteRequest,
): Promise<{ EvalID: string; Index: number }> {
	srv.checkRoute(w.Region, { write: true });
	const alloc = srv.state.get("allocs", allocID);
	if (!alloc) throw new CodedError(404, `alloc not found`);
	const job = srv.state.get("jobs", `${alloc.Namespace as string}\u0000${alloc.JobID as string}`);
	const now = Date.now() * 1e6;
	const ev: Row = {
		ID: randomUUID(),
		Namespace: alloc.Namespace,
		Priority: job?.Priority ?? 50,
		Type: job?.Type ?? "service",
		TriggeredBy: "alloc-stop",
		JobID: alloc.JobID,
		Status: "pending",
		CreateTime: now,
		ModifyTime: now,
	};
	const transition: Row = { Migrate: true };
	if (opts.reschedule) transition.Reschedule = true;
	if (opts.noShutdownDelay) transition.NoShutdownDelay = true;
	const r = await srv.apply(PlanCmd.allocUpdateDesiredTransition, { Allocs: { [allocID]: transition }, Evals: [ev] });
	return { EvalID: ev.ID as string, Index: r.index };
}

/** PUT /v1/system/gc: every collector, no age thresholds. */
export async function forceGC(srv: Server, w: WriteRequest): Promise<GCResult> {
	srv.checkRoute(w.Region, { write: true });
	return runCoreGC(srv, { eval: 0, batchEval: 0, job: 0, node: 0, aclToken: 0 });
}

export { DEFAULT_GC_THRESHOLDS };
