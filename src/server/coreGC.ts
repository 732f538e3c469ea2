// Core garbage collection on the leader, as Nomad's CoreScheduler: terminal evaluations (and
// their terminal allocations) older than eval_gc_threshold (24h for batch), dead jobs older than
// job_gc_threshold, down nodes with nothing left on them after node_gc_threshold. `PUT
// /v1/system/gc` runs every collector with thresholds of zero. Ages come from the objects' own
// ModifyTime/SubmitTime/StatusUpdatedAt, which the leader stamped when it wrote them.
import { AclCmd } from "./fsm/aclCommands.ts";
import { EvalCmd } from "./fsm/evalCommands.ts";
import { JobCmd } from "./fsm/jobCommands.ts";
import { allocTerminal } from "./fsm/jobStatus.ts";
import { NodeCmd } from "./fsm/nodeCommands.ts";
import type { Server } from "./server.ts";
import type { Row } from "./state/schema.ts";

export interface GCThresholds {
	/** All nanoseconds. */
	eval: number;
	batchEval: number;
	job: number;
	node: number;
	/** Expired ACL tokens (acl_token_gc_threshold); also expired one-time tokens. */
	aclToken?: number;
}

export const DEFAULT_GC_THRESHOLDS: GCThresholds = {
	eval: 3600e9,
	batchEval: 24 * 3600e9,
	job: 4 * 3600e9,
	node: 24 * 3600e9,
	aclToken: 3600e9,
};

const TERMINAL_EVAL = new Set(["complete", "failed", "canceled"]);
/** Nomad deletes at most this many evals/allocs per raft entry. */
const BATCH = 7281;
const jobKey = (ns: string, id: string): string => `${ns}\u0000${id}`;

export interface GCResult {
	evals: number;
	allocs: number;
	jobs: number;
	nodes: number;
	tokens: number;
}

export async function runCoreGC(srv: Server, t: GCThresholds, nowNs = Date.now() * 1e6): Promise<GCResult> {
	const out: GCResult = { evals: 0, allocs: 0, jobs: 0, nodes: 0, tokens: 0 };
	await gcJobs(srv, t, nowNs, out);
	await gcEvals(srv, t, nowNs, out);
	await gcNodes(srv, t, nowNs, out);
	await gcTokens(srv, t, nowNs, out);
	return out;
}

/** Tokens that expired more than the threshold ago, and one-time tokens past their expiry. */
async function gcTokens(srv: Server, t: GCThresholds, nowNs: number, out: GCResult): Promise<void> {
	const threshold = t.aclToken ?? DEFAULT_GC_THRESHOLDS.aclToken ?? 0;
	const expired: string[] = [];
	for (const tok of srv.state.scan("acl_tokens")) {
		const exp = tok.ExpirationTime;
		if (typeof exp === "string" && exp !== "" && old(Date.parse(exp) * 1e6, nowNs, threshold)) {
			expired.push(tok.AccessorID as string);
		}
	}
	if (expired.length > 0) await srv.apply(AclCmd.tokenDelete, { AccessorIDs: expired });
	out.tokens = expired.length;
	const oneTime = [...srv.state.scan("acl_onetime")]
		.filter((o) => Date.parse(o.ExpiresAt as string) * 1e6 <= nowNs)
		.map((o) => o.SecretHash as string);
	if (oneTime.length > 0) await srv.apply(AclCmd.oneTimeDelete, { SecretHashes: oneTime });
}

function old(timeNs: unknown, nowNs: number, threshold: number): boolean {
	return typeof timeNs === "number" && nowNs - timeNs >= threshold;
}

/** An eval is collectable once it is terminal and old, and every alloc it made is terminal and old. */
async function gcEvals(srv: Server, t: GCThresholds, nowNs: number, out: GCResult): Promise<void> {
	const view = srv.state;
	const evals: string[] = [];
	const allocs: string[] = [];
	for (const ev of view.scan("evals")) {
		if (!TERMINAL_EVAL.has(ev.Status as string)) continue;
		const job = view.get("jobs", jobKey(ev.Namespace as string, ev.JobID as string));
		const batch = ev.Type === "batch" || ev.Type === "sysbatch";
		if (!old(ev.ModifyTime, nowNs, batch ? t.batchEval : t.eval)) continue;
		// A live batch job keeps its evals and allocations: they are its only record of completion.
		if (batch && job && job.Stop !== true && job.Status !== "dead") continue;
		const mine = [...view.byIndex("allocs", "eval", ev.ID as string)];
		if (mine.some((a) => !allocTerminal(a) || !old(a.ModifyTime, nowNs, batch ? t.batchEval : t.eval))) continue;
		evals.push(ev.ID as string);
		for (const a of mine) allocs.push(a.ID as string);
	}
	await deleteInBatches(srv, evals, allocs);
	out.evals += evals.length;
	out.allocs += allocs.length;
}

async function deleteInBatches(srv: Server, evals: string[], allocs: string[]): Promise<void> {
	for (let i = 0; i < Math.max(evals.length, allocs.length); i += BATCH) {
		const e = evals.slice(i, i + BATCH);
		const a = allocs.slice(i, i + BATCH);
		if (e.length > 0 || a.length > 0) await srv.apply(EvalCmd.delete, { Evals: e, Allocs: a });
	}
}

/** Dead jobs (stopped, or batch jobs that finished) with nothing live left are purged. */
async function gcJobs(srv: Server, t: GCThresholds, nowNs: number, out: GCResult): Promise<void> {
	const view = srv.state;
	const victims: Row[] = [];
	for (const job of view.scan("jobs")) {
		if (job.Status !== "dead") continue;
		if (job.Stop !== true && job.Type !== "batch" && job.Type !== "sysbatch") continue;
		if (job.Periodic || (job.ParameterizedJob && job.Dispatched !== true)) {
			if (job.Stop !== true) continue;
		}
		const key = jobKey(job.Namespace as string, job.ID as string);
		const evals = [...view.byIndex("evals", "job", key)];
		const allocs = [...view.byIndex("allocs", "job", key)];
		let newest = (job.SubmitTime as number | undefined) ?? 0;
		for (const e of evals) newest = Math.max(newest, (e.ModifyTime as number | undefined) ?? 0);
		for (const a of allocs) newest = Math.max(newest, (a.ModifyTime as number | undefined) ?? 0);
		if (!old(newest, nowNs, t.job)) continue;
		if (evals.some((e) => !TERMINAL_EVAL.has(e.Status as string)) || allocs.some((a) => !allocTerminal(a))) continue;
		victims.push(job);
	}
	for (const job of victims) {
		const key = jobKey(job.Namespace as string, job.ID as string);
		const evals = [...view.byIndex("evals", "job", key)].map((e) => e.ID as string);
		const allocs = [...view.byIndex("allocs", "job", key)].map((a) => a.ID as string);
		await deleteInBatches(srv, evals, allocs);
		await srv.apply(JobCmd.deregister, { Namespace: job.Namespace, JobID: job.ID, Purge: true, Evals: [] });
		srv.jobDeregistered(job.Namespace as string, job.ID as string, true);
		out.jobs++;
		out.evals += evals.length;
		out.allocs += allocs.length;
	}
}

/** Down nodes without any non-terminal allocation, down for longer than the threshold. */
async function gcNodes(srv: Server, t: GCThresholds, nowNs: number, out: GCResult): Promise<void> {
	const view = srv.state;
	const ids: string[] = [];
	for (const node of view.scan("nodes")) {
		if (node.Status !== "down") continue;
		if (!old(((node.StatusUpdatedAt as number | undefined) ?? 0) * 1e9, nowNs, t.node)) continue;
		if ([...view.byIndex("allocs", "node", node.ID as string)].some((a) => !allocTerminal(a))) continue;
		ids.push(node.ID as string);
	}
	if (ids.length > 0) await srv.apply(NodeCmd.deregister, { NodeIDs: ids });
	out.nodes += ids.length;
}
