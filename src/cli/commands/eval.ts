// eval status, eval list.
import { formatKV, formatList, formatUnixNano, limit } from "../format.ts";
import { type Command, type Ctx, fail, header, OUTPUT_FLAGS } from "../meta.ts";
import { Ambiguous, ambiguous, byPrefix, idLength, type Obj } from "./common.ts";
import { formatFailures } from "./evalMonitor.ts";

const VERBOSE = { name: "verbose", kind: "bool", usage: "Full IDs." } as const;

function evalRow(e: Obj, n: number): string {
	const failures = e.FailedTGAllocs != null && Object.keys(e.FailedTGAllocs as Obj).length > 0;
	return `${limit(e.ID, n)}|${e.Priority}|${e.TriggeredBy}|${e.JobID}|${e.Namespace}|${limit((e.NodeID as string) ?? "", n)}|${e.Status}|${failures}`;
}
const EVAL_HEAD = "ID|Priority|Triggered By|Job ID|Namespace|Node ID|Status|Placement Failures";

export async function showEval(ctx: Ctx, prefix: string): Promise<number> {
	const n = idLength(ctx);
	let ev: Obj | undefined;
	try {
		const stub = await byPrefix(
			ctx.client(),
			"/v1/evaluations",
			prefix,
			"evaluations",
			(e) => evalRow(e, n),
			EVAL_HEAD,
		);
		if (!stub) {
			ctx.ui.err(`No evaluation(s) with prefix or id "${prefix}" found`);
			return 1;
		}
		ev = (await ctx.client().get<Obj>(`/v1/evaluation/${stub.ID}`)).data;
	} catch (e) {
		if (e instanceof Ambiguous) return ambiguous(ctx, e);
		return fail(ctx, "Error querying evaluation", e);
	}
	if (ctx.formatted(ev)) return 0;
	const failures = ev.FailedTGAllocs != null && Object.keys(ev.FailedTGAllocs as Obj).length > 0;
	ctx.ui.out(
		formatKV([
			`ID|${limit(ev.ID, n)}`,
			`Create Time|${formatUnixNano(ev.CreateTime as number)}`,
			`Modify Time|${formatUnixNano(ev.ModifyTime as number)}`,
			`Status|${ev.Status}`,
			`Status Description|${ev.StatusDescription ?? ""}`,
			`Type|${ev.Type}`,
			`TriggeredBy|${ev.TriggeredBy}`,
			...(ev.JobID ? [`Job ID|${ev.JobID}`] : []),
			...(ev.NodeID ? [`Node ID|${limit(ev.NodeID as string, n)}`] : []),
			`Namespace|${ev.Namespace}`,
			`Priority|${ev.Priority}`,
			`Placement Failures|${failures}`,
			...(ev.PreviousEval ? [`Previous Eval|${limit(ev.PreviousEval as string, n)}`] : []),
			...(ev.NextEval ? [`Next Eval|${limit(ev.NextEval as string, n)}`] : []),
			...(ev.BlockedEval ? [`Blocked Eval|${limit(ev.BlockedEval as string, n)}`] : []),
		]),
	);
	if (failures) {
		header(ctx, "Failed Placements");
		ctx.ui.out(formatFailures(ev.FailedTGAllocs as Record<string, Obj>, ctx.ui));
	}
	return 0;
}

const evalStatus: Command = {
	name: "eval status",
	synopsis: "Display evaluation status and placement failure reasons",
	usage: "<eval>",
	help: "Shows an evaluation (ID or prefix) and, when it could not place everything, why.",
	flags: [
		VERBOSE,
		{ name: "monitor", kind: "bool", usage: "Follow the evaluation until it completes." },
		...OUTPUT_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument");
		if (ctx.f.monitor === true) {
			const { monitorSubmission } = await import("./evalMonitor.ts");
			return monitorSubmission(ctx, { evalID: ctx.args[0] as string, jobID: "", waitForRunning: false });
		}
		return showEval(ctx, ctx.args[0] as string);
	},
};

const evalList: Command = {
	name: "eval list",
	synopsis: "List the evaluations",
	help: "Lists evaluations, newest first, optionally filtered by job, status or a filter expression.",
	flags: [
		VERBOSE,
		{ name: "job", kind: "string", usage: "Only evaluations of this job." },
		{ name: "status", kind: "string", usage: "Only evaluations with this status." },
		{ name: "filter", kind: "string", usage: "A filter expression on the evaluations." },
		{ name: "per-page", kind: "int", usage: "Results per page." },
		{ name: "page-token", kind: "string", usage: "Where to start (from a previous page)." },
		...OUTPUT_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 0) return ctx.usageError("This command takes no arguments");
		let evals: Obj[];
		let next = "";
		try {
			const r = await ctx.client().raw("GET", "/v1/evaluations", {
				query: {
					job: ctx.f.job as string,
					status: ctx.f.status as string,
					filter: ctx.f.filter as string,
					per_page: ctx.f["per-page"] as number,
					next_token: ctx.f["page-token"] as string,
				},
			});
			if (r.status !== 200) throw new Error(`Unexpected response code: ${r.status} (${r.body.toString().trim()})`);
			evals = JSON.parse(r.body.toString()) ?? [];
			next = String(r.headers["x-nomad-nexttoken"] ?? "");
		} catch (e) {
			return fail(ctx, "Error querying evaluations", e);
		}
		if (ctx.formatted(evals)) return 0;
		if (evals.length === 0) {
			ctx.ui.out("No evals found");
			return 0;
		}
		const n = idLength(ctx);
		ctx.ui.out(formatList([EVAL_HEAD, ...evals.map((e) => evalRow(e, n))]));
		if (next)
			ctx.ui.out(`\nResults have been paginated. To get the next page run:\n\nnomad-ts eval list -page-token ${next}`);
		return 0;
	},
};

export const evalCommands: Command[] = [evalStatus, evalList];
