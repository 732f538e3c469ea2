// Allocation commands: the plan applier's results, client status updates and desired-transition
// updates. Every alloc write keeps CreateIndex / ModifyIndex / AllocModifyIndex as Nomad's
// upsertAllocsImpl / nestedUpdateAllocFromClient, the job summary and the deployment counters, and
// re-derives job statuses. Allocation rows carry their Job by reference (the job_versions row, one
// shared object) plus JobVersion; the log payloads never repeat the job per allocation. Rows never
// hold SignedIdentities (CVE-2024-12678).
import type { Row } from "../state/schema.ts";
import type { StateView, WriteTxn } from "../state/stateStore.ts";
import { upsertEvals } from "./evalCommands.ts";
import type { CommandHandler } from "./fsm.ts";
import { allocTerminal, refreshJobStatus } from "./jobStatus.ts";
import { jobKey, jobVersionKey, updateSummaryForAlloc } from "./summary.ts";

export const PlanCmd = {
	/**
	 * {EvalID, AllocsUpdated: Allocation[] (no Job), AllocsStopped: StoppedAllocDiff[],
	 *  AllocsPreempted?: PreemptedAllocDiff[], JobNamespace?, JobID?, JobVersion?, JobModifyIndex?,
	 *  Job? (only when the state lacks that version), Deployment?, DeploymentUpdates?, Evals?,
	 *  UpdatedAt}
	 */
	applyPlanResults: "ApplyPlanResults",
	/** {Allocs: ClientAllocUpdate[], Evals?: Evaluation[]} */
	allocClientUpdate: "AllocClientUpdate",
	/** {Allocs: Record<allocID, DesiredTransition>, Evals?: Evaluation[]} */
	allocUpdateDesiredTransition: "AllocUpdateDesiredTransition",
} as const;

/** A stop/evict decided by a plan (Nomad's AllocationDiff for stopped allocs). */
export interface StoppedAllocDiff {
	ID: string;
	DesiredStatus?: "stop" | "evict";
	DesiredDescription: string;
	/** Only "lost"/"unknown" override the client's status. */
	ClientStatus?: string;
	FollowupEvalID?: string;
	ModifyTime: number;
}

export interface PreemptedAllocDiff {
	ID: string;
	PreemptedByAllocation: string;
	ModifyTime: number;
}

/** What a client reports for one of its allocations. */
export interface ClientAllocUpdate {
	ID: string;
	ClientStatus: string;
	ClientDescription?: string;
	TaskStates?: Row | null;
	DeploymentStatus?: Row | null;
	NetworkStatus?: Row | null;
	ModifyTime: number;
}

const ACTIVE_DEPLOYMENT = new Set(["running", "paused", "blocked", "unblocking", "initializing", "pending"]);

/** Drops what must never be stored on an allocation. */
export function stripSecrets(alloc: Row): Row {
	if (!("SignedIdentities" in alloc)) return alloc;
	const { SignedIdentities: _drop, ...rest } = alloc;
	return rest;
}

/** The stored job row for (ns, id, version) if its JobModifyIndex matches (when given). */
export function lookupJobVersion(
	view: { get: StateView["get"] },
	ns: string,
	id: string,
	version: number,
	jobModifyIndex?: number,
): Row | undefined {
	const matches = (r: Row | undefined): r is Row =>
		!!r && r.Version === version && (jobModifyIndex === undefined || r.JobModifyIndex === jobModifyIndex);
	const v = view.get("job_versions", jobVersionKey(ns, id, version));
	if (matches(v)) return v;
	const cur = view.get("jobs", jobKey(ns, id));
	return matches(cur) ? cur : undefined;
}

function resolvePlanJob(tx: WriteTxn, p: Row): Row | undefined {
	const inline = p.Job as Row | null | undefined;
	const ns = (inline?.Namespace ?? p.JobNamespace) as string | undefined;
	const id = (inline?.ID ?? p.JobID) as string | undefined;
	const version = (inline?.Version ?? p.JobVersion) as number | undefined;
	const jmi = (inline?.JobModifyIndex ?? p.JobModifyIndex) as number | undefined;
	if (ns !== undefined && id !== undefined && version !== undefined) {
		const stored = lookupJobVersion(tx, ns, id, version, jmi);
		if (stored) return stored;
	}
	return inline ?? undefined;
}

// --- deployments -------------------------------------------------------------------------------

function markJobStable(tx: WriteTxn, ns: string, id: string, version: number): void {
	const v = tx.get("job_versions", jobVersionKey(ns, id, version));
	if (v && v.Stable !== true) tx.put("job_versions", { ...v, Stable: true });
	const cur = tx.get("jobs", jobKey(ns, id));
	if (cur && cur.Version === version && cur.Stable !== true) {
		tx.put("jobs", { ...cur, Stable: true, ModifyIndex: tx.index });
	}
}

/** Upserts a deployment from a plan, keeping the counters clients own (MergeClientValues). */
export function upsertDeploymentTxn(tx: WriteTxn, dep: Row): void {
	const existing = tx.get("deployments", dep.ID as string);
	const groups: Record<string, Row> = { ...((dep.TaskGroups as Record<string, Row> | null) ?? {}) };
	if (existing) {
		for (const [tg, old] of Object.entries((existing.TaskGroups as Record<string, Row> | null) ?? {})) {
			const cur = groups[tg];
			if (!cur) {
				groups[tg] = old;
				continue;
			}
			if (old?.Promoted === true && cur.Promoted !== true) throw new Error("deployment promotion cannot be undone");
			groups[tg] = {
				...cur,
				HealthyAllocs: old.HealthyAllocs,
				UnhealthyAllocs: old.UnhealthyAllocs,
				PlacedAllocs: old.PlacedAllocs,
				RequireProgressBy: old.RequireProgressBy,
			};
		}
	}
	const row: Row = {
		...dep,
		TaskGroups: groups,
		CreateIndex: existing?.CreateIndex ?? tx.index,
		ModifyIndex: tx.index,
	};
	tx.put("deployments", row);
	if (row.Status === "successful") {
		markJobStable(tx, row.Namespace as string, row.JobID as string, row.JobVersion as number);
	}
}

const rfc3339 = (unixNano: number): string => new Date(Math.floor(unixNano / 1e6)).toISOString();

/** {DeploymentID, Status, StatusDescription} applied at `updatedAt` (UnixNano). */
export function updateDeploymentStatusTxn(tx: WriteTxn, u: Row, updatedAt: number): void {
	const d = tx.get("deployments", u.DeploymentID as string);
	if (!d) throw new Error(`Deployment ID "${u.DeploymentID as string}" couldn't be updated as it does not exist`);
	if (!ACTIVE_DEPLOYMENT.has(d.Status as string)) {
		throw new Error(`Deployment "${d.ID as string}" has terminal status "${d.Status as string}":`);
	}
	const status = u.Status as string;
	const groups: Record<string, Row> = {};
	for (const [tg, s] of Object.entries((d.TaskGroups as Record<string, Row> | null) ?? {})) {
		const pd = (s?.ProgressDeadline as number | undefined) ?? 0;
		groups[tg] =
			pd !== 0 && (status === "paused" || status === "running")
				? { ...s, RequireProgressBy: rfc3339(updatedAt + pd) }
				: s;
	}
	tx.put("deployments", {
		...d,
		Status: status,
		StatusDescription: u.StatusDescription,
		TaskGroups: groups,
		ModifyIndex: tx.index,
		ModifyTime: updatedAt,
	});
	if (status === "successful") markJobStable(tx, d.Namespace as string, d.JobID as string, d.JobVersion as number);
}

function hasHealth(ds: Row | null | undefined): boolean {
	return ds?.Healthy === true || ds?.Healthy === false;
}

/** Placed/healthy/unhealthy counters of the allocation's deployment (updateDeploymentWithAlloc). */
function updateDeploymentWithAlloc(tx: WriteTxn, after: Row, before: Row | undefined): Row {
	const depID = after.DeploymentID as string | undefined;
	if (!depID) return after;
	const dep = tx.get("deployments", depID);
	if (!dep) return after;
	const groups = (dep.TaskGroups as Record<string, Row> | null) ?? {};
	const tgName = after.TaskGroup as string;
	const state = groups[tgName];
	if (!state) return after;
	let placed = 0;
	let healthy = 0;
	let unhealthy = 0;
	const ds = after.DeploymentStatus as Row | null | undefined;
	const oldDs = before?.DeploymentStatus as Row | null | undefined;
	if (!before || before.DeploymentID !== depID) placed++;
	else if (!hasHealth(oldDs) && hasHealth(ds)) {
		if (ds?.Healthy === true) healthy++;
		else unhealthy++;
	} else if (hasHealth(oldDs) && hasHealth(ds) && oldDs?.Healthy === true && ds?.Healthy === false) {
		healthy--;
		unhealthy++;
	}
	if (placed === 0 && healthy === 0 && unhealthy === 0) return after;
	let out = after;
	if (ds && healthy + unhealthy !== 0) out = { ...after, DeploymentStatus: { ...ds, ModifyIndex: tx.index } };
	const next: Row = {
		...state,
		PlacedAllocs: ((state.PlacedAllocs as number) ?? 0) + placed,
		HealthyAllocs: ((state.HealthyAllocs as number) ?? 0) + healthy,
		UnhealthyAllocs: ((state.UnhealthyAllocs as number) ?? 0) + unhealthy,
	};
	if (ds?.Canary === true) {
		const canaries = (state.PlacedCanaries as string[] | null) ?? [];
		if (!canaries.includes(after.ID as string)) next.PlacedCanaries = [...canaries, after.ID];
	}
	const pd = (state.ProgressDeadline as number | undefined) ?? 0;
	if (pd !== 0) {
		if (placed !== 0 && !state.RequireProgressBy) {
			next.RequireProgressBy = rfc3339((after.ModifyTime as number) + pd);
		} else if (healthy !== 0 && typeof ds?.Timestamp === "string") {
			const byHealth = Date.parse(ds.Timestamp) + pd / 1e6;
			const cur = state.RequireProgressBy ? Date.parse(state.RequireProgressBy as string) : 0;
			if (Number.isFinite(byHealth) && byHealth > cur) next.RequireProgressBy = new Date(byHealth).toISOString();
		}
	}
	tx.put("deployments", {
		...dep,
		TaskGroups: { ...groups, [tgName]: next },
		ModifyIndex: tx.index,
		ModifyTime: after.ModifyTime,
	});
	return out;
}

// --- allocations -------------------------------------------------------------------------------

/**
 * Inserts or replaces one allocation at tx.index as Nomad's upsertAllocsImpl. New allocations
 * need a Job and a live (not stopped) job in state, else they are skipped (returns undefined).
 * Updates keep the client's view (TaskStates, ClientStatus unless the server marks it lost or
 * unknown) and NextAllocation.
 */
export function upsertAllocTxn(tx: WriteTxn, input: Row, jobs: Map<string, [string, string]>): Row | undefined {
	const alloc = stripSecrets(input);
	const id = alloc.ID as string;
	const exist = tx.get("allocs", id);
	let row: Row;
	if (!exist) {
		if (!alloc.Job) throw new Error(`attempting to upsert allocation "${id}" without a job`);
		const live = tx.get("jobs", jobKey(alloc.Namespace as string, alloc.JobID as string));
		if (!live || live.Stop === true) return undefined;
		row = { ...alloc, CreateIndex: tx.index, ModifyIndex: tx.index, AllocModifyIndex: tx.index };
		const ds = row.DeploymentStatus as Row | null | undefined;
		if (ds) row.DeploymentStatus = { ...ds, ModifyIndex: tx.index };
	} else {
		row = {
			...alloc,
			CreateIndex: exist.CreateIndex,
			ModifyIndex: tx.index,
			AllocModifyIndex: tx.index,
			TaskStates: exist.TaskStates ?? null,
		};
		if (exist.NextAllocation) row.NextAllocation = exist.NextAllocation;
		if (alloc.ClientStatus !== "lost" && alloc.ClientStatus !== "unknown") {
			row.ClientStatus = exist.ClientStatus;
			row.ClientDescription = exist.ClientDescription;
		}
		if (!row.Job) row.Job = exist.Job;
	}
	const job = row.Job as Row | null | undefined;
	if (job) row.JobVersion = job.Version;
	row = updateDeploymentWithAlloc(tx, row, exist);
	updateSummaryForAlloc(tx, exist, row);
	tx.put("allocs", row);
	const prevID = row.PreviousAllocation as string | undefined;
	if (prevID) {
		const prev = tx.get("allocs", prevID);
		if (prev) tx.put("allocs", { ...prev, NextAllocation: id, ModifyIndex: tx.index });
	}
	jobs.set(jobKey(row.Namespace as string, row.JobID as string), [row.Namespace as string, row.JobID as string]);
	return row;
}

function stoppedAlloc(tx: WriteTxn, d: StoppedAllocDiff): Row {
	const a = tx.get("allocs", d.ID);
	if (!a) throw new Error(`alloc ${d.ID} doesn't exist`);
	const row: Row = {
		...a,
		DesiredStatus: d.DesiredStatus ?? "stop",
		DesiredDescription: d.DesiredDescription,
	};
	if (d.ClientStatus) row.ClientStatus = d.ClientStatus;
	if (d.FollowupEvalID) row.FollowupEvalID = d.FollowupEvalID;
	if (d.ModifyTime) row.ModifyTime = d.ModifyTime;
	return row;
}

function preemptedAlloc(tx: WriteTxn, d: PreemptedAllocDiff): Row {
	const a = tx.get("allocs", d.ID);
	if (!a) throw new Error(`alloc ${d.ID} doesn't exist`);
	const row: Row = {
		...a,
		PreemptedByAllocation: d.PreemptedByAllocation,
		DesiredDescription: `Preempted by alloc ID ${d.PreemptedByAllocation}`,
		DesiredStatus: "evict",
	};
	if (d.ModifyTime) row.ModifyTime = d.ModifyTime;
	return row;
}

function refreshJobs(tx: WriteTxn, jobs: Map<string, [string, string]>): void {
	for (const [ns, id] of jobs.values()) refreshJobStatus(tx, ns, id);
}

/** Whether a task group's reschedule policy allows another attempt (RescheduleTracker.RescheduleEligible). */
export function rescheduleEligible(alloc: Row, policy: Row | null | undefined, failTimeNs: number): boolean {
	if (!policy) return false;
	const attempts = (policy.Attempts as number | undefined) ?? 0;
	if (policy.Unlimited === true) return true;
	if (attempts <= 0) return false;
	const events = ((alloc.RescheduleTracker as Row | null | undefined)?.Events as Row[] | null | undefined) ?? [];
	if (events.length === 0) return true;
	const interval = (policy.Interval as number | undefined) ?? 0;
	let attempted = 0;
	for (const e of events) if (failTimeNs - (e.RescheduleTime as number) < interval) attempted++;
	return attempted < attempts;
}

/**
 * The follow-up evaluations a client's alloc updates call for (Nomad's Node.UpdateAlloc, run on the
 * leader before appending AllocClientUpdate): a failed alloc that may be rescheduled gets an
 * "alloc-failure" eval, an alloc coming back from "unknown" a "reconnect" eval, and an alloc whose
 * job is gone a "job-deregister" eval. One eval per alloc, as Nomad.
 */
export function clientUpdateFollowupEvals(
	view: StateView,
	updates: readonly ClientAllocUpdate[],
	nowNs: number,
	newID: () => string,
): Row[] {
	const evals: Row[] = [];
	for (const u of updates) {
		const alloc = view.get("allocs", u.ID);
		if (!alloc) continue;
		const terminal = u.ClientStatus === "complete" || u.ClientStatus === "failed" || u.ClientStatus === "lost";
		if (!terminal && alloc.ClientStatus !== "unknown") continue;
		const job = view.get("jobs", jobKey(alloc.Namespace as string, alloc.JobID as string));
		const allocJob = alloc.Job as Row | null | undefined;
		let trigger = "";
		if (!job) trigger = "job-deregister";
		else if (u.ClientStatus === "failed" && !alloc.FollowupEvalID) {
			const tg = ((job.TaskGroups as Row[] | null) ?? []).find((g) => g.Name === alloc.TaskGroup);
			if (!tg) continue;
			if (rescheduleEligible(alloc, tg.ReschedulePolicy as Row | null, nowNs)) trigger = "alloc-failure";
		}
		if (trigger !== "job-deregister" && alloc.ClientStatus === "unknown") trigger = "reconnect";
		if (!trigger) continue;
		const src = job ?? allocJob;
		evals.push({
			ID: newID(),
			Namespace: alloc.Namespace,
			TriggeredBy: trigger,
			JobID: alloc.JobID,
			Type: src?.Type ?? "service",
			Priority: src?.Priority ?? 50,
			Status: "pending",
			CreateTime: nowNs,
			ModifyTime: nowNs,
		});
	}
	return evals;
}

/** Allocations a stepped command applies between chances to pause. */
const STEP_ALLOCS = 32;

export const planCommands: Record<string, CommandHandler> = {
	// Plans and client batches can carry thousands of allocations: applied in steps (see FSM).
	*[PlanCmd.applyPlanResults](tx, p) {
		const job = resolvePlanJob(tx, p);
		const updatedAt = (p.UpdatedAt as number | undefined) ?? 0;
		if (p.Deployment) upsertDeploymentTxn(tx, p.Deployment as Row);
		for (const u of (p.DeploymentUpdates as Row[] | null | undefined) ?? [])
			updateDeploymentStatusTxn(tx, u, updatedAt);
		if (p.EvalID) {
			const ev = tx.get("evals", p.EvalID as string);
			if (!ev) throw new Error(`unable to find eval id "${p.EvalID as string}"`);
			tx.put("evals", { ...ev, ModifyIndex: tx.index });
		}
		// Stops and preemptions merge into the allocations as they are before this plan's placements.
		const stopped = ((p.AllocsStopped as StoppedAllocDiff[] | undefined) ?? []).map((d) => stoppedAlloc(tx, d));
		const preempted = ((p.AllocsPreempted as PreemptedAllocDiff[] | undefined) ?? []).map((d) => preemptedAlloc(tx, d));
		const jobs = new Map<string, [string, string]>();
		let n = 0;
		for (const a of (p.AllocsUpdated as Row[] | undefined) ?? []) {
			if (++n % STEP_ALLOCS === 0) yield;
			let row = a;
			if (!a.Job) {
				const sameJob = job && job.ID === a.JobID && job.Namespace === a.Namespace;
				// Non-terminal allocations run the plan's job version (placements, in-place updates).
				if (sameJob && !allocTerminal(a)) row = { ...a, Job: job, JobVersion: job.Version };
			}
			upsertAllocTxn(tx, row, jobs);
		}
		for (const a of [...stopped, ...preempted]) {
			if (++n % STEP_ALLOCS === 0) yield;
			upsertAllocTxn(tx, a, jobs);
		}
		upsertEvals(tx, p.Evals as Row[] | undefined);
		refreshJobs(tx, jobs);
		return true;
	},

	*[PlanCmd.allocClientUpdate](tx, p) {
		const jobs = new Map<string, [string, string]>();
		let n = 0;
		for (const u of (p.Allocs as ClientAllocUpdate[] | undefined) ?? []) {
			if (++n % STEP_ALLOCS === 0) yield;
			const exist = tx.get("allocs", u.ID);
			if (!exist) continue;
			let row: Row = {
				...exist,
				ClientStatus: u.ClientStatus,
				ClientDescription: u.ClientDescription ?? "",
				TaskStates: u.TaskStates ?? null,
				ModifyIndex: tx.index,
				ModifyTime: u.ModifyTime,
			};
			if (u.NetworkStatus !== undefined) row.NetworkStatus = u.NetworkStatus;
			const oldDs = exist.DeploymentStatus as Row | null | undefined;
			const newDs = u.DeploymentStatus;
			if (oldDs && newDs) {
				if (hasHealth(newDs) && (!hasHealth(oldDs) || oldDs.Healthy !== newDs.Healthy)) {
					row.DeploymentStatus = {
						...oldDs,
						Healthy: newDs.Healthy,
						Timestamp: newDs.Timestamp,
						ModifyIndex: tx.index,
					};
				}
			} else if (newDs) {
				row.DeploymentStatus = { ...newDs, ModifyIndex: tx.index };
			}
			row = updateDeploymentWithAlloc(tx, row, exist);
			updateSummaryForAlloc(tx, exist, row);
			tx.put("allocs", row);
			jobs.set(jobKey(row.Namespace as string, row.JobID as string), [row.Namespace as string, row.JobID as string]);
		}
		tx.touch("allocs");
		upsertEvals(tx, p.Evals as Row[] | undefined);
		refreshJobs(tx, jobs);
		return true;
	},

	[PlanCmd.allocUpdateDesiredTransition]: (tx, p) => {
		for (const [id, transition] of Object.entries((p.Allocs as Record<string, Row> | undefined) ?? {})) {
			const exist = tx.get("allocs", id);
			if (!exist) continue;
			const merged: Row = { ...((exist.DesiredTransition as Row | undefined) ?? {}) };
			for (const [k, v] of Object.entries(transition ?? {})) if (v !== null && v !== undefined) merged[k] = v;
			tx.put("allocs", { ...exist, DesiredTransition: merged, ModifyIndex: tx.index, AllocModifyIndex: tx.index });
		}
		tx.touch("allocs");
		upsertEvals(tx, p.Evals as Row[] | undefined);
		return true;
	},
};
