// List stubs as Nomad returns them (structs.JobListStub, AllocListStub), and the sanitising of
// allocations for the wire (never SignedIdentities: CVE-2024-12678).
import type { Row } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";

export function jobSummaryRow(view: StateView, job: Row): Row | null {
	return view.get("job_summary", `${job.Namespace as string}\u0000${job.ID as string}`) ?? null;
}

export function jobListStub(view: StateView, job: Row, withMeta: boolean): Row {
	const stub: Row = {
		ID: job.ID,
		ParentID: job.ParentID ?? "",
		Name: job.Name,
		Namespace: job.Namespace,
		Datacenters: job.Datacenters ?? null,
		NodePool: job.NodePool,
		Multiregion: job.Multiregion ?? null,
		Type: job.Type,
		Priority: job.Priority,
		Periodic: (job.Periodic as Row | null)?.Enabled === true,
		ParameterizedJob: job.ParameterizedJob != null,
		Stop: job.Stop === true,
		Status: job.Status,
		StatusDescription: job.StatusDescription ?? "",
		JobSummary: jobSummaryRow(view, job),
		CreateIndex: job.CreateIndex,
		ModifyIndex: job.ModifyIndex,
		JobModifyIndex: job.JobModifyIndex,
		SubmitTime: job.SubmitTime ?? 0,
	};
	if (withMeta && job.Meta) stub.Meta = job.Meta;
	return stub;
}

/** Strips what must never leave the server and fills the job reference for a full allocation. */
export function sanitizeAlloc(view: StateView, alloc: Row, withJob = true): Row {
	const { SignedIdentities: _drop, JobVersion: _v, ...rest } = alloc;
	if (!withJob) return rest;
	return { ...rest, Job: allocJob(view, alloc) };
}

/** The job an allocation ran: the exact version it was placed with, if still retained. */
export function allocJob(view: StateView, alloc: Row): Row | null {
	if (alloc.Job) return alloc.Job as Row;
	const ns = alloc.Namespace as string;
	const id = alloc.JobID as string;
	const version = alloc.JobVersion as number | undefined;
	if (version !== undefined) {
		const v = view.get("job_versions", `${ns}\u0000${id}\u0000${String(version).padStart(20, "0")}`);
		if (v) return v;
	}
	return view.get("jobs", `${ns}\u0000${id}`) ?? null;
}

export function allocListStub(view: StateView, a: Row, opts: { resources?: boolean; taskStates?: boolean } = {}): Row {
	const job = allocJob(view, a);
	const stub: Row = {
		ID: a.ID,
		EvalID: a.EvalID ?? "",
		Name: a.Name,
		Namespace: a.Namespace,
		NodeID: a.NodeID,
		NodeName: a.NodeName ?? "",
		JobID: a.JobID,
		JobType: job?.Type ?? "",
		JobVersion: (a.JobVersion as number | undefined) ?? (job?.Version as number | undefined) ?? 0,
		TaskGroup: a.TaskGroup,
	};
	if (opts.resources) stub.AllocatedResources = a.AllocatedResources ?? null;
	Object.assign(stub, {
		DesiredStatus: a.DesiredStatus,
		DesiredDescription: a.DesiredDescription ?? "",
		ClientStatus: a.ClientStatus,
		ClientDescription: a.ClientDescription ?? "",
		DesiredTransition: a.DesiredTransition ?? {
			Migrate: null,
			Reschedule: null,
			ForceReschedule: null,
			NoShutdownDelay: null,
		},
		TaskStates: opts.taskStates === false ? null : (a.TaskStates ?? null),
		DeploymentStatus: a.DeploymentStatus ?? null,
		FollowupEvalID: a.FollowupEvalID ?? "",
		NextAllocation: a.NextAllocation ?? "",
		RescheduleTracker: a.RescheduleTracker ?? null,
		PreemptedAllocations: a.PreemptedAllocations ?? null,
		PreemptedByAllocation: a.PreemptedByAllocation ?? "",
		CreateIndex: a.CreateIndex,
		ModifyIndex: a.ModifyIndex,
		CreateTime: a.CreateTime ?? 0,
		ModifyTime: a.ModifyTime ?? 0,
	});
	return stub;
}

/**
 * Allocation and Evaluation are omitempty structs in Nomad: zero-valued fields are left out of
 * the JSON. Applied to full objects on the way out.
 */
export function omitEmpty(obj: Row): Row {
	const out: Row = {};
	for (const [k, v] of Object.entries(obj)) if (!isEmptyValue(v)) out[k] = v;
	return out;
}

/** go-msgpack's isEmptyValue: zero scalars, empty collections, structs whose fields are all empty. */
function isEmptyValue(v: unknown): boolean {
	if (v === null || v === undefined || v === "" || v === 0 || v === false) return true;
	if (Array.isArray(v)) return v.length === 0;
	if (typeof v === "object") return Object.values(v as object).every(isEmptyValue);
	return false;
}
