// Runs the periodic dispatcher on the leader: child jobs are registered through the same
// JobRegister command (with their evaluation) as any job, and the parent's last launch is recorded.
import { randomUUID } from "node:crypto";
import type { Job } from "../../api/types/index.ts";
import { JobCmd } from "../fsm/jobCommands.ts";
import { allocTerminal } from "../fsm/jobStatus.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { PeriodicDispatcher } from "./periodicDispatcher.ts";

const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;
const TERMINAL_EVAL = new Set(["complete", "failed", "canceled"]);

/** A child job's evaluation and registration, as Nomad's dispatcher does (TriggeredBy periodic-job). */
export async function registerChild(
	srv: Server,
	child: Job,
	triggeredBy: string,
): Promise<{ evalID: string; index: number }> {
	const now = Date.now() * 1e6;
	const needsEval = child.Periodic == null;
	const ev: Row | undefined = needsEval
		? {
				ID: randomUUID(),
				Namespace: child.Namespace,
				Priority: child.Priority,
				Type: child.Type,
				TriggeredBy: triggeredBy,
				JobID: child.ID,
				Status: "pending",
				CreateTime: now,
				ModifyTime: now,
			}
		: undefined;
	const r = await srv.apply(JobCmd.register, {
		Job: { ...child, SubmitTime: now },
		Evals: ev ? [ev] : [],
		TrackedVersions: srv.opts.jobTrackedVersions ?? 6,
	});
	return { evalID: (ev?.ID as string | undefined) ?? "", index: r.index };
}

/** Whether any child of a periodic parent still has live evaluations or allocations. */
function childrenRunning(srv: Server, ns: string, parentID: string): boolean {
	const view = srv.state;
	for (const child of view.byIndex("jobs", "parent", jobKey(ns, parentID))) {
		if (child.Stop) continue;
		const key = jobKey(ns, child.ID as string);
		for (const e of view.byIndex("evals", "job", key)) if (!TERMINAL_EVAL.has(e.Status as string)) return true;
		for (const a of view.byIndex("allocs", "job", key)) if (!allocTerminal(a)) return true;
	}
	return false;
}

export function createPeriodicDispatcher(srv: Server): PeriodicDispatcher {
	return new PeriodicDispatcher({
		now: () => new Date(),
		job: (ns, id) => srv.state.get<Row>("jobs", jobKey(ns, id)) as unknown as Job | undefined,
		childrenRunning: (ns, parentID) => childrenRunning(srv, ns, parentID),
		launch: async (child) => {
			await registerChild(srv, child, "periodic-job");
		},
		logger: (msg, fields) => srv.logger.named("periodic").debug(msg, fields),
	});
}
