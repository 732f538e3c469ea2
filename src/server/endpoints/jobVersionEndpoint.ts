// A job's versions (with diffs), marking a version stable, and reverting to an earlier version.
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import type { Job } from "../../api/types/index.ts";
import { CodedError } from "../../lib/errors.ts";
import { JobCmd } from "../fsm/jobCommands.ts";
import { admission } from "../jobs/lazy.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { commitJob, jobKey, needsEval, newEval, nowNs, type RegisterResponse } from "./jobEndpoint.ts";

export async function jobVersions(
	srv: Server,
	ns: string,
	id: string,
	withDiffs: boolean,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<{ Versions: Row[]; Diffs: unknown[] | null }> {
	const out = await srv.read(q, meta, {
		tables: ["job_versions"],
		signal,
		run: (view) => {
			const versions = [...view.scan("job_versions", { prefix: `${jobKey(ns, id)}\u0000`, reverse: true })];
			const index =
				versions.length > 0
					? Math.max(...versions.map((v) => v.ModifyIndex as number))
					: view.tableIndex("job_versions");
			return { index: Math.max(1, index), value: versions };
		},
	});
	if (out.length === 0) throw new CodedError(404, "job versions not found");
	let diffs: unknown[] | null = null;
	if (withDiffs) {
		const { jobDiff } = await admission();
		diffs = [];
		for (let i = 0; i + 1 < out.length; i++) {
			diffs.push(jobDiff(out[i + 1] as unknown as Job, out[i] as unknown as Job, false));
		}
	}
	return { Versions: out, Diffs: diffs };
}

export async function setJobStability(
	srv: Server,
	ns: string,
	id: string,
	version: number,
	stable: boolean,
	w: WriteRequest,
): Promise<number> {
	srv.checkRoute(w.Region, { write: true });
	if (!srv.state.get("jobs", jobKey(ns, id))) throw new CodedError(404, "job not found");
	const r = await srv.apply(JobCmd.stability, { Namespace: ns, JobID: id, JobVersion: version, Stable: stable });
	return r.index;
}

export async function revertJob(
	srv: Server,
	ns: string,
	id: string,
	version: number,
	enforcePriorVersion: number | undefined,
	w: WriteRequest,
): Promise<RegisterResponse> {
	srv.checkRoute(w.Region, { write: true });
	const current = srv.state.get("jobs", jobKey(ns, id));
	if (!current) throw new CodedError(404, "job not found");
	if (enforcePriorVersion !== undefined && current.Version !== enforcePriorVersion) {
		throw new CodedError(
			400,
			`Current job has version ${current.Version as number}; enforcing version ${enforcePriorVersion}`,
		);
	}
	if (current.Version === version) throw new CodedError(400, `can't revert to current version`);
	const target = srv.state.get("job_versions", `${jobKey(ns, id)}\u0000${String(version).padStart(20, "0")}`);
	if (!target) throw new CodedError(400, `job "${id}" in namespace "${ns}" at version ${version} not found`);
	const reverted: Row = { ...target, Stop: false, Version: current.Version, Stable: false };
	const evals = needsEval(reverted) ? [newEval(reverted, "job-register", undefined)] : [];
	reverted.SubmitTime = nowNs();
	return commitJob(srv, reverted, evals);
}
