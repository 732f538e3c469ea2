// Live monitoring after `job run` / `job stop` / `job eval`: first the evaluation (as Nomad's
// monitor.go: trigger, allocations created, status changes, placement failures with the
// AllocMetric reasons), then — for job run — the job's allocations until they are running. On a
// terminal the allocation view is redrawn in place (cursor up + clear); otherwise each change is
// appended as a plain line, so logs and pipes stay readable.
import type { ApiClient } from "../../api/client.ts";
import { formatList, formatTime, limit } from "../format.ts";
import { type Ctx, describeError, paint, type Ui } from "../meta.ts";
import { idLength, jobPath, type Obj } from "./common.ts";

const now = () => formatTime(Date.now());

export interface MonitorOptions {
	evalID: string;
	jobID: string;
	/** Follow the job's allocations after the evaluation until they run (job run). */
	waitForRunning: boolean;
	/** Job version whose allocations count (job run). */
	jobVersion?: number;
	/** Give up waiting for allocations after this many ms. */
	timeoutMs?: number;
}

/** Monitors an evaluation (and the allocations it places); returns Nomad's exit code (0, 1 or 2). */
export async function monitorSubmission(ctx: Ctx, opts: MonitorOptions): Promise<number> {
	const client = ctx.client();
	const ui = ctx.ui;
	const p = paint(ui);
	const n = idLength(ctx);
	ui.out(p.bold(`==> ${now()}: Monitoring evaluation "${limit(opts.evalID, n)}"`));
	let evalID = opts.evalID;
	let lastStatus = "";
	const seenAllocs = new Set<string>();
	let index = 0;
	let ev: Obj | undefined;
	for (;;) {
		try {
			const r = await client.blocking<Obj>(`/v1/evaluation/${evalID}`, index, { wait: "10s" });
			index = r.meta.lastIndex;
			ev = r.data;
		} catch (e) {
			ui.err(`No evaluation with id "${evalID}" found: ${describeError(e)}`);
			return 1;
		}
		if (!lastStatus) {
			if (ev.TriggeredBy === "node-update" || ev.NodeID)
				ui.out(`    ${now()}: Evaluation triggered by node "${limit(ev.NodeID as string, n)}"`);
			else ui.out(`    ${now()}: Evaluation triggered by job "${ev.JobID}"`);
			if (ev.DeploymentID)
				ui.out(`    ${now()}: Evaluation within deployment: "${limit(ev.DeploymentID as string, n)}"`);
		}
		try {
			const allocs = (await client.get<Obj[]>(`/v1/evaluation/${evalID}/allocations`)).data ?? [];
			for (const a of allocs) {
				if (seenAllocs.has(String(a.ID))) continue;
				seenAllocs.add(String(a.ID));
				// Allocations the evaluation only updated in place existed before it.
				const verb = Number(a.CreateIndex ?? 0) >= Number(ev.CreateIndex ?? 0) ? "created" : "modified";
				ui.out(
					`    ${now()}: Allocation "${limit(a.ID, n)}" ${verb}: node "${limit(a.NodeID as string, n)}", group "${a.TaskGroup}"`,
				);
			}
		} catch (e) {
			ui.err(`${now()}: Error reading allocations: ${describeError(e)}`);
		}
		const status = String(ev.Status);
		if (lastStatus && status !== lastStatus)
			ui.out(`    ${now()}: Evaluation status changed: "${lastStatus}" -> "${status}"`);
		lastStatus = status;
		if (status === "pending") continue;
		const failed = ev.FailedTGAllocs as Record<string, Obj> | null | undefined;
		if (failed && Object.keys(failed).length > 0) {
			ui.out(
				p.bold(
					`==> ${now()}: Evaluation "${limit(evalID, n)}" finished with status "${status}" but failed to place all allocations:`,
				),
			);
			ui.out(formatFailures(failed, ui, "    "));
			if (ev.BlockedEval) {
				ui.out(
					`    ${now()}: Evaluation "${limit(ev.BlockedEval as string, n)}" waiting for additional capacity to place remainder`,
				);
			}
			return 2;
		}
		ui.out(p.bold(`==> ${now()}: Evaluation "${limit(evalID, n)}" finished with status "${status}"`));
		if (ev.NextEval) {
			// Nomad follows a chained evaluation (e.g. a rolling update's next step).
			evalID = String(ev.NextEval);
			index = 0;
			lastStatus = "";
			ui.out(p.bold(`==> ${now()}: Monitoring next evaluation "${limit(evalID, n)}" in ${ev.Wait ?? 0}`));
			continue;
		}
		if (status !== "complete") return 1;
		break;
	}
	if (!opts.waitForRunning) return 0;
	return watchAllocations(ctx, opts);
}

/** Placement failures per task group with their AllocMetric reasons (Nomad's formatAllocMetrics). */
export function formatFailures(failed: Record<string, Obj>, ui: Ui, indent = ""): string {
	const p = paint(ui);
	const out: string[] = [];
	for (const tg of Object.keys(failed).sort()) {
		const m = failed[tg] as Obj;
		const count = Number(m.CoalescedFailures ?? 0) + 1;
		out.push(`${indent}Task Group "${tg}" (failed to place ${count} ${count === 1 ? "allocation" : "allocations"}):`);
		out.push(...metricLines(m, `${indent}  `).map((l) => (l.includes("missing drivers") ? p.red(l) : l)));
	}
	return out.join("\n");
}

export function metricLines(m: Obj, prefix: string): string[] {
	const lines: string[] = [];
	const entries = (o: unknown) =>
		Object.entries((o ?? {}) as Record<string, number>).sort(([a], [b]) => (a < b ? -1 : 1));
	if (Number(m.NodesEvaluated ?? 0) === 0) lines.push(`${prefix}* No nodes were eligible for evaluation`);
	for (const [dc, avail] of entries(m.NodesAvailable))
		if (avail === 0) lines.push(`${prefix}* No nodes are available in datacenter "${dc}"`);
	for (const [cls, num] of entries(m.ClassFiltered))
		lines.push(`${prefix}* Class "${cls}": ${num} nodes excluded by filter`);
	for (const [c, num] of entries(m.ConstraintFiltered))
		lines.push(`${prefix}* Constraint ${JSON.stringify(c)}: ${num} nodes excluded by filter`);
	if (Number(m.NodesExhausted ?? 0) > 0) lines.push(`${prefix}* Resources exhausted on ${m.NodesExhausted} nodes`);
	for (const [cls, num] of entries(m.ClassExhausted)) lines.push(`${prefix}* Class "${cls}" exhausted on ${num} nodes`);
	for (const [dim, num] of entries(m.DimensionExhausted))
		lines.push(`${prefix}* Dimension "${dim}" exhausted on ${num} nodes`);
	for (const dim of (m.QuotaExhausted as string[] | null) ?? []) lines.push(`${prefix}* Quota limit hit "${dim}"`);
	return lines;
}

interface Progress {
	done: boolean;
	failed: boolean;
	/** Why failed allocations failed: one line per failed task. */
	reasons?: string[];
	summary: string;
	rows: string[];
}

/** Task events that explain a failure, as Nomad's alloc status shows them. */
const FAILURE_EVENTS = new Set([
	"Driver Failure",
	"Setup Failure",
	"Terminated",
	"Failed Validation",
	"Failed Artifact Download",
]);

function failureReasons(a: Obj, n: number): string[] {
	const out: string[] = [];
	for (const [task, st] of Object.entries((a.TaskStates ?? {}) as Record<string, Obj>)) {
		if (st.Failed !== true) continue;
		const events = [...((st.Events as Obj[] | null) ?? [])].reverse();
		const ev = events.find((e) => FAILURE_EVENTS.has(String(e.Type))) ?? events.find((e) => e.FailsTask === true);
		const why = ev ? `${ev.Type}: ${ev.DisplayMessage || ev.Message || ev.DriverError || ev.ExitCode}` : "failed";
		out.push(`Allocation "${limit(a.ID, n)}" task "${task}": ${why}`);
	}
	return out;
}

function taskStates(a: Obj): string {
	const states = (a.TaskStates ?? {}) as Record<string, Obj>;
	return Object.keys(states)
		.sort()
		.map(
			(t) =>
				`${t}: ${(states[t] as Obj).State}${Number((states[t] as Obj).Restarts ?? 0) > 0 ? ` (${(states[t] as Obj).Restarts} restarts)` : ""}`,
		)
		.join(", ");
}

async function progress(client: ApiClient, ctx: Ctx, job: Obj, version: number | undefined): Promise<Progress> {
	const all = (await client.get<Obj[]>(jobPath(String(job.ID), "/allocations"))).data ?? [];
	const current = all.filter((a) => a.DesiredStatus === "run" && (version === undefined || a.JobVersion === version));
	const batch = job.Type === "batch" || job.Type === "sysbatch";
	const groups = (job.TaskGroups as Obj[]) ?? [];
	const system = job.Type === "system" || job.Type === "sysbatch";
	const desired = system ? current.length : groups.reduce((s, g) => s + Number(g.Count ?? 1), 0);
	const running = current.filter((a) => a.ClientStatus === "running").length;
	const complete = current.filter((a) => a.ClientStatus === "complete").length;
	const failed = all.filter((a) => (version === undefined || a.JobVersion === version) && a.ClientStatus === "failed");
	const n = idLength(ctx);
	const rows = ["ID|Node ID|Task Group|Status|Tasks"];
	for (const a of [...current, ...failed.filter((f) => !current.includes(f))])
		rows.push(`${limit(a.ID, n)}|${limit(a.NodeID as string, n)}|${a.TaskGroup}|${a.ClientStatus}|${taskStates(a)}`);
	const ok = batch ? running + complete >= desired : running >= desired;
	const summary = batch
		? `${running} running, ${complete} complete of ${desired}`
		: `${running}/${desired} allocations running`;
	return {
		done: ok && desired >= 0,
		failed: failed.length > 0 && !ok,
		reasons: failed.flatMap((a) => failureReasons(a, n)),
		summary,
		rows,
	};
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Follows the job's allocations until they run (redrawn on a TTY, appended lines otherwise). */
async function watchAllocations(ctx: Ctx, opts: MonitorOptions): Promise<number> {
	const client = ctx.client();
	const ui = ctx.ui;
	const p = paint(ui);
	let job: Obj;
	try {
		job = (await client.get<Obj>(jobPath(opts.jobID))).data;
	} catch (e) {
		ui.err(`Error reading job: ${describeError(e)}`);
		return 1;
	}
	if (job.Periodic || job.ParameterizedJob) return 0;
	ui.out(p.bold(`==> ${now()}: Monitoring allocations of job "${opts.jobID}"`));
	const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000);
	let drawn = 0;
	let frame = 0;
	const lastSeen = new Map<string, string>();
	const draw = (pr: Progress, mark: string) => {
		const table = pr.rows.length > 0 ? formatList(pr.rows).split("\n") : [];
		// Lines wider than the terminal would wrap and break the cursor-up count of the next redraw.
		const width = (process.stdout.columns || 200) - 1;
		const lines = [`  ${mark} ${pr.summary}`, ...table.map((l) => `    ${l}`.slice(0, width))];
		// Move to the first line of the previous drawing and clear to the end of the screen.
		let out = drawn > 0 ? `\u001b[${drawn}A\r\u001b[J` : "";
		out += `${lines.join("\n")}\n`;
		ui.write(out);
		drawn = lines.length;
	};
	// On a terminal the view starts at once and is redrawn in place from then on.
	if (ui.tty)
		draw({ done: false, failed: false, summary: "Waiting for allocations", rows: [] }, SPINNER[frame++] as string);
	for (;;) {
		let pr: Progress;
		try {
			pr = await progress(client, ctx, job, opts.jobVersion);
		} catch (e) {
			ui.err(`Error reading allocations: ${describeError(e)}`);
			return 1;
		}
		if (ui.tty) {
			const mark = pr.done ? p.green("✓") : pr.failed ? p.red("!") : (SPINNER[frame++ % SPINNER.length] as string);
			draw(pr, mark);
		} else {
			for (const row of pr.rows.slice(1)) {
				const [id, , group, status, tasks] = row.split("|");
				const key = `${status}|${tasks}`;
				if (lastSeen.get(id as string) === key) continue;
				lastSeen.set(id as string, key);
				ui.out(`    ${now()}: Allocation "${id}" (group "${group}") ${status}${tasks ? `; ${tasks}` : ""}`);
			}
		}
		if (pr.done) {
			ui.out(
				p.bold(`==> ${now()}: Job "${opts.jobID}" ${job.Type === "batch" ? "placed" : "is running"}: ${pr.summary}`),
			);
			return 0;
		}
		if (pr.failed) {
			ui.out(p.red(`==> ${now()}: Job "${opts.jobID}" has failed allocations: ${pr.summary}`));
			for (const r of pr.reasons ?? []) ui.out(`    ${r}`);
			ui.out(`    See "nomad-ts alloc status <alloc>" for the task events.`);
			return 1;
		}
		if (Date.now() > deadline) {
			ui.out(`==> ${now()}: Gave up waiting for job "${opts.jobID}": ${pr.summary}`);
			return 1;
		}
		await new Promise((r) => setTimeout(r, ui.tty ? 250 : 500));
	}
}
