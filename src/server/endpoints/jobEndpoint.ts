// Job.* endpoints: list, read, register, deregister, summary, evaluate, and a job's
// allocations/evaluations (versions, stability and revert: jobVersionEndpoint.ts; scale:
// jobScaleEndpoint.ts). Admission (conversion, defaults,
// validation) lives in ../jobs; state changes go through JobCmd commands.
import { randomUUID } from "node:crypto";
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import type { Job } from "../../api/types/index.ts";
import { CodedError } from "../../lib/errors.ts";
import { JobCmd } from "../fsm/jobCommands.ts";
import { isParameterized, isPeriodic } from "../fsm/jobStatus.ts";
import { PlanCmd } from "../fsm/planCommands.ts";
import type { AdmissionConfig } from "../jobs/index.ts";
import { admission } from "../jobs/lazy.ts";
import { paginate } from "../paginate.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";
import { inNamespace } from "./evalAllocEndpoint.ts";
import { allocListStub, jobListStub, omitEmpty } from "./stubs.ts";

export const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;
export const nowNs = (): number => Date.now() * 1e6;

export function admissionConfig(srv: Server): AdmissionConfig {
	return {
		region: srv.opts.region,
		jobDefaultPriority: srv.opts.jobDefaultPriority ?? 50,
		jobMaxPriority: srv.opts.jobMaxPriority ?? 100,
		jobMaxCount: srv.opts.jobMaxCount ?? 50000,
	};
}

export async function listJobs(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	opts: { meta?: boolean },
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["jobs", "job_summary"],
		signal,
		run: (view) => {
			// Keys are "<ns>\0<id>"; tokens are Nomad's "<ns>.<id>" (namespaces cannot contain ".").
			const rows =
				q.Namespace === "*"
					? view.scan("jobs", { reverse: q.Reverse })
					: view.scan("jobs", { prefix: `${q.Namespace}\u0000${q.Prefix}`, reverse: q.Reverse });
			const page = paginate({
				rows,
				query: q,
				token: (r) => `${r.Namespace as string}.${r.ID as string}`,
				sortKey: (r) => jobKey(r.Namespace as string, r.ID as string),
				tokenSortKey: (t) => {
					const dot = t.indexOf(".");
					return dot < 0 ? t : jobKey(t.slice(0, dot), t.slice(dot + 1));
				},
				select: (r) => (q.Namespace !== "*" || (r.ID as string).startsWith(q.Prefix)) && inNamespace(q)(r),
			});
			meta.NextToken = page.nextToken;
			return {
				index: Math.max(1, view.maxIndex("jobs", "job_summary")),
				value: page.items.map((j) => jobListStub(view, j, opts.meta === true)),
			};
		},
	});
}

export async function getJob(
	srv: Server,
	ns: string,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row> {
	const job = await srv.readRow(q, meta, "jobs", jobKey(ns, id), signal);
	if (!job) throw new CodedError(404, "job not found");
	return job;
}

export interface RegisterRequest {
	Job: unknown;
	EnforceIndex?: boolean;
	JobModifyIndex?: number;
	PolicyOverride?: boolean;
	PreserveCounts?: boolean;
	PreserveResources?: boolean;
	EvalPriority?: number;
	Submission?: unknown;
}

export interface RegisterResponse {
	EvalID: string;
	EvalCreateIndex: number;
	JobModifyIndex: number;
	Warnings: string;
	Index: number;
	LastContact: number;
	KnownLeader: boolean;
	NextToken: string;
}

export function newEval(job: Row, triggeredBy: string, priority: number | undefined, extra: Row = {}): Row {
	const now = nowNs();
	return {
		ID: randomUUID(),
		Namespace: job.Namespace,
		Priority: priority && priority > 0 ? priority : job.Priority,
		Type: job.Type,
		TriggeredBy: triggeredBy,
		JobID: job.ID,
		Status: "pending",
		CreateTime: now,
		ModifyTime: now,
		...extra,
	};
}

export const needsEval = (job: Row): boolean =>
	!((job.Periodic as Row | null)?.Enabled === true) && !job.ParameterizedJob;

/** Converts, defaults and validates a request's job; rejects what Nomad rejects. */
export async function admitJob(srv: Server, apiJob: unknown, w: WriteRequest): Promise<Job> {
	const { addImpliedConstraints, apiJobToStructs, formatValidationErrors, validateJob } = await admission();
	if (apiJob === undefined || apiJob === null) throw new CodedError(400, "Job must be specified");
	const requestNamespace = w.Namespace && w.Namespace !== "default" ? w.Namespace : undefined;
	const job = addImpliedConstraints(
		apiJobToStructs(apiJob, admissionConfig(srv), { namespace: requestNamespace, region: w.Region }),
	);
	if (!job.ID) throw new CodedError(400, "Job ID hasn't been provided");
	const errs = validateJob(job, admissionConfig(srv));
	if (errs.length > 0) throw new CodedError(400, formatValidationErrors(errs));
	return job;
}

export async function registerJob(
	srv: Server,
	req: RegisterRequest,
	w: WriteRequest,
	pathID?: string,
): Promise<RegisterResponse> {
	srv.checkRoute(w.Region, { write: true });
	const job = (await admitJob(srv, req.Job, w)) as unknown as Row;
	const { formatWarnings, jobWarnings, specChanged } = await admission();
	if (pathID !== undefined && job.ID !== pathID) throw new CodedError(400, "Job ID does not match name");
	const cfg = srv.state.get("scheduler_config", "config");
	if (cfg?.RejectJobRegistration === true) {
		throw new CodedError(403, "Job registration, dispatch, and scale are disabled by the scheduler configuration");
	}
	if (!srv.state.get("namespaces", job.Namespace as string)) {
		throw new CodedError(400, `job "${job.ID as string}" is in nonexistent namespace "${job.Namespace as string}"`);
	}
	const existing = srv.state.get("jobs", jobKey(job.Namespace as string, job.ID as string));
	if (req.EnforceIndex) {
		const want = req.JobModifyIndex ?? 0;
		if (want === 0 && existing) throw new CodedError(400, "Enforcing job modify index 0: job already exists");
		if (want !== 0 && !existing) throw new CodedError(400, `Enforcing job modify index ${want}: job does not exist`);
		if (existing && existing.JobModifyIndex !== want) {
			throw new CodedError(
				400,
				`Enforcing job modify index ${want}: job exists with conflicting job modify index: ${existing.JobModifyIndex as number}`,
			);
		}
	}
	if (existing && (req.PreserveCounts || req.PreserveResources)) preserve(job, existing, req);
	job.SubmitTime = nowNs();
	const evals = needsEval(job) ? [newEval(job, "job-register", req.EvalPriority)] : [];
	const warnings = formatWarnings(
		jobWarnings(job as unknown as Job, { memoryOversubscription: cfg?.MemoryOversubscriptionEnabled === true }),
	);
	const meta = { Warnings: warnings, LastContact: 0, KnownLeader: true, NextToken: "" };
	if (existing && !specChanged(existing as unknown as Job, job as unknown as Job) && existing.Stop === job.Stop) {
		// Unchanged spec: no new version, but a new evaluation, as Nomad's Job.Register.
		if (evals.length === 0) {
			return {
				EvalID: "",
				EvalCreateIndex: 0,
				JobModifyIndex: existing.JobModifyIndex as number,
				Index: existing.JobModifyIndex as number,
				...meta,
			};
		}
		const ev: Row = { ...(evals[0] as Row), JobModifyIndex: existing.JobModifyIndex };
		const r = await srv.apply(JobCmd.evalUpsertForJob, { Evals: [ev] });
		return {
			EvalID: ev.ID as string,
			EvalCreateIndex: r.index,
			JobModifyIndex: existing.JobModifyIndex as number,
			Index: r.index,
			...meta,
		};
	}
	return commitJob(srv, job, evals, {
		enforceIndex: req.EnforceIndex,
		jobModifyIndex: req.JobModifyIndex,
		warnings: meta.Warnings,
	});
}

/**
 * Commits a new version of a job with its evaluations (one JobRegister entry), tells the leader's
 * broker and periodic dispatcher, and answers as Nomad's JobRegisterResponse.
 */
export async function commitJob(
	srv: Server,
	job: Row,
	evals: Row[],
	opts: { enforceIndex?: boolean; jobModifyIndex?: number; warnings?: string } = {},
): Promise<RegisterResponse> {
	const r = await srv.apply(JobCmd.register, {
		Job: job,
		Evals: evals,
		EnforceIndex: opts.enforceIndex === true,
		JobModifyIndex: opts.jobModifyIndex ?? 0,
		TrackedVersions: srv.opts.jobTrackedVersions ?? 6,
	});
	srv.jobRegistered(srv.state.get("jobs", jobKey(job.Namespace as string, job.ID as string)));
	return {
		EvalID: (evals[0]?.ID as string | undefined) ?? "",
		EvalCreateIndex: evals.length > 0 ? r.index : 0,
		JobModifyIndex: r.index,
		Warnings: opts.warnings ?? "",
		Index: r.index,
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}

function preserve(job: Row, existing: Row, req: RegisterRequest): void {
	const oldGroups = new Map(((existing.TaskGroups as Row[] | null) ?? []).map((g) => [g.Name as string, g]));
	for (const tg of (job.TaskGroups as Row[] | null) ?? []) {
		const old = oldGroups.get(tg.Name as string);
		if (!old) continue;
		if (req.PreserveCounts) tg.Count = old.Count;
		if (req.PreserveResources) {
			const oldTasks = new Map(((old.Tasks as Row[] | null) ?? []).map((t) => [t.Name as string, t]));
			for (const t of (tg.Tasks as Row[] | null) ?? []) {
				const ot = oldTasks.get(t.Name as string);
				if (ot) t.Resources = ot.Resources;
			}
		}
	}
}

export interface DeregisterOptions {
	purge: boolean;
	evalPriority?: number;
	noShutdownDelay?: boolean;
}

export async function deregisterJob(
	srv: Server,
	ns: string,
	id: string,
	opts: DeregisterOptions,
	w: WriteRequest,
): Promise<Row> {
	srv.checkRoute(w.Region, { write: true });
	const job = srv.state.get("jobs", jobKey(ns, id));
	if (!job) throw new CodedError(404, "job not found");
	const evals = needsEval(job) ? [newEval(job, "job-deregister", opts.evalPriority)] : [];
	const r = await srv.apply(JobCmd.deregister, {
		Namespace: ns,
		JobID: id,
		Purge: opts.purge,
		Evals: evals,
		SubmitTime: nowNs(),
		TrackedVersions: srv.opts.jobTrackedVersions ?? 6,
	});
	srv.jobDeregistered(ns, id, opts.purge);
	return {
		EvalID: (evals[0]?.ID as string | undefined) ?? "",
		EvalCreateIndex: evals.length > 0 ? r.index : 0,
		JobModifyIndex: r.index,
		VolumeEvalID: "",
		VolumeEvalIndex: 0,
		Index: r.index,
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}

export async function jobSummary(
	srv: Server,
	ns: string,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row> {
	const s = await srv.readRow(q, meta, "job_summary", jobKey(ns, id), signal);
	if (!s) throw new CodedError(404, "job not found");
	return s;
}

export async function jobAllocations(
	srv: Server,
	ns: string,
	id: string,
	all: boolean,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view: StateView) => {
			const job = view.get("jobs", jobKey(ns, id));
			const allocs = [...view.byIndex("allocs", "job", jobKey(ns, id))].filter(
				// Without ?all, allocations of an earlier job with the same ID (purged and re-registered) are left out.
				(a) => all || !job || (a.CreateIndex as number) >= (job.CreateIndex as number),
			);
			return { index: Math.max(1, view.tableIndex("allocs")), value: allocs.map((a) => allocListStub(view, a)) };
		},
	});
}

export async function jobEvaluations(
	srv: Server,
	ns: string,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["evals"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("evals")),
			value: [...view.byIndex("evals", "job", jobKey(ns, id))].map(omitEmpty),
		}),
	});
}

export async function evaluateJob(
	srv: Server,
	ns: string,
	id: string,
	forceReschedule: boolean,
	w: WriteRequest,
): Promise<RegisterResponse> {
	srv.checkRoute(w.Region, { write: true });
	const job = srv.state.get("jobs", jobKey(ns, id));
	if (!job) throw new CodedError(404, "job not found");
	if (isPeriodic(job)) throw new CodedError(400, "can't evaluate periodic job");
	if (isParameterized(job)) throw new CodedError(400, "can't evaluate parameterized job");
	const ev = newEval(job, "job-register", undefined, { JobModifyIndex: job.JobModifyIndex });
	let r: { index: number };
	if (forceReschedule) {
		// As Nomad's Job.Evaluate: failed allocations are marked for rescheduling now, whatever
		// their reschedule policy says, in the same entry as the evaluation.
		const transitions: Record<string, Row> = {};
		for (const a of srv.state.byIndex("allocs", "job", jobKey(ns, id))) {
			if (a.ClientStatus === "failed" && a.DesiredStatus === "run")
				transitions[a.ID as string] = { ForceReschedule: true };
		}
		r = await srv.apply(PlanCmd.allocUpdateDesiredTransition, { Allocs: transitions, Evals: [ev] });
	} else {
		r = await srv.apply(JobCmd.evalUpsertForJob, { Evals: [ev] });
	}
	return {
		EvalID: ev.ID as string,
		EvalCreateIndex: r.index,
		JobModifyIndex: job.JobModifyIndex as number,
		Warnings: "",
		Index: r.index,
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}
