// job dispatch, scale, revert, periodic force, eval, allocs: small commands that call one job
// endpoint and, when it creates an evaluation, monitor it as job run does.
import { readFileSync } from "node:fs";
import { ApiError } from "../../api/client.ts";
import { formatKV, limit } from "../format.ts";
import { type Command, type Ctx, fail, OUTPUT_FLAGS } from "../meta.ts";
import { allocRows, ambiguous, idLength, jobPath, type Obj, resolveJob } from "./common.ts";
import { monitorSubmission } from "./evalMonitor.ts";

const DETACH = { name: "detach", kind: "bool", usage: "Print the evaluation ID and return." } as const;
const VERBOSE = { name: "verbose", kind: "bool", usage: "Full IDs." } as const;

/** Resolves the job argument; prints Nomad's messages and returns undefined on failure. */
async function jobArg(ctx: Ctx, prefix: string): Promise<string | undefined> {
	try {
		const id = await resolveJob(ctx, prefix);
		if (!id) ctx.ui.err(`No job(s) with prefix or id "${prefix}" found`);
		return id;
	} catch (e) {
		if (e instanceof ApiError) fail(ctx, "Error querying job", e);
		else ambiguous(ctx, e);
		return undefined;
	}
}

/** Prints the eval ID (-detach) or monitors it. */
async function followEval(ctx: Ctx, evalID: string, jobID: string): Promise<number> {
	if (!evalID) return 0;
	if (ctx.f.detach === true) {
		ctx.ui.out(`Evaluation ID: ${evalID}`);
		return 0;
	}
	return monitorSubmission(ctx, { evalID, jobID, waitForRunning: false });
}

const jobDispatch: Command = {
	name: "job dispatch",
	synopsis: "Dispatch an instance of a parameterized job",
	usage: "<parameterized job> [<input source>]",
	help: 'Creates an instance of a parameterized job. The payload is read from the input file, or from\nstandard input when it is "-". -meta key=value sets dispatch metadata.',
	flags: [
		{ name: "meta", kind: "list", usage: "Metadata key=value for the dispatched job (repeatable)." },
		{ name: "idempotency-token", kind: "string", usage: "Do not dispatch again if a job with this token exists." },
		{ name: "id-prefix-template", kind: "string", usage: "Prefix of the dispatched job's ID." },
		DETACH,
		VERBOSE,
	],
	run: async (ctx) => {
		if (ctx.args.length < 1 || ctx.args.length > 2)
			return ctx.usageError("This command takes one or two argument: <parameterized job> [input source]");
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let payload: Buffer | undefined;
		if (ctx.args[1]) {
			try {
				payload = readFileSync(ctx.args[1] === "-" ? 0 : ctx.args[1]);
			} catch (e) {
				ctx.ui.err(`Error reading input data: ${(e as Error).message}`);
				return 1;
			}
		}
		const meta: Record<string, string> = {};
		for (const kv of ctx.f.meta as string[]) {
			const eq = kv.indexOf("=");
			if (eq < 0) return ctx.usageError(`Error parsing meta value: ${kv}`);
			meta[kv.slice(0, eq)] = kv.slice(eq + 1);
		}
		let r: Obj;
		try {
			r = (
				await ctx.client().put<Obj>(jobPath(id, "/dispatch"), {
					JobID: id,
					Payload: payload ? payload.toString("base64") : null,
					Meta: meta,
					IdempotencyToken: (ctx.f["idempotency-token"] as string) ?? "",
					IdPrefixTemplate: (ctx.f["id-prefix-template"] as string) ?? "",
				})
			).data;
		} catch (e) {
			return fail(ctx, "Failed to dispatch job", e);
		}
		const n = idLength(ctx);
		ctx.ui.out(formatKV([`Dispatched Job ID|${r.DispatchedJobID}`, `Evaluation ID|${limit(r.EvalID as string, n)}`]));
		if (ctx.f.detach === true || !r.EvalID) return 0;
		ctx.ui.out("");
		return monitorSubmission(ctx, {
			evalID: String(r.EvalID),
			jobID: String(r.DispatchedJobID),
			waitForRunning: false,
		});
	},
};

const jobScale: Command = {
	name: "job scale",
	synopsis: "Change the count of a job and task group",
	usage: "<job> [<group>] <count>",
	help: "Sets a task group's count. The group may be left out when the job has only one.",
	flags: [DETACH, VERBOSE, { name: "message", kind: "string", usage: "Message recorded with the scaling event." }],
	run: async (ctx) => {
		if (ctx.args.length < 2 || ctx.args.length > 3)
			return ctx.usageError("This command takes two or three arguments: <job> [<group>] <count>");
		const countArg = ctx.args[ctx.args.length - 1] as string;
		if (!/^\d+$/.test(countArg)) {
			ctx.ui.err(`Failed to convert count string to int: strconv.Atoi: parsing "${countArg}": invalid syntax`);
			return 1;
		}
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let group = ctx.args.length === 3 ? ctx.args[1] : undefined;
		if (!group) {
			try {
				const job = (await ctx.client().get<Obj>(jobPath(id))).data;
				const groups = (job.TaskGroups as Obj[] | null) ?? [];
				if (groups.length !== 1) {
					ctx.ui.err("Group name required when the job has more than one task group");
					return 1;
				}
				group = String(groups[0]?.Name);
			} catch (e) {
				return fail(ctx, "Error querying job", e);
			}
		}
		let r: Obj;
		try {
			r = (
				await ctx.client().put<Obj>(jobPath(id, "/scale"), {
					Count: Number(countArg),
					Target: { Group: group },
					Message: (ctx.f.message as string) ?? "",
				})
			).data;
		} catch (e) {
			return fail(ctx, "Error submitting scaling request", e);
		}
		if (r.Warnings) ctx.ui.out(`Job Warnings:\n${r.Warnings}\n`);
		return followEval(ctx, String(r.EvalID ?? ""), id);
	},
};

const jobRevert: Command = {
	name: "job revert",
	synopsis: "Revert to a prior version of the job",
	usage: "<job> <version>",
	help: "Registers an earlier version of the job again (see `job history`).",
	flags: [DETACH, VERBOSE],
	run: async (ctx) => {
		if (ctx.args.length !== 2) return ctx.usageError("This command takes two arguments: <job> <version>");
		const version = ctx.args[1] as string;
		if (!/^\d+$/.test(version)) {
			ctx.ui.err(`The job version to revert to must be a non-negative integer: ${JSON.stringify(version)}`);
			return 1;
		}
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let r: Obj;
		try {
			r = (await ctx.client().put<Obj>(jobPath(id, "/revert"), { JobID: id, JobVersion: Number(version) })).data;
		} catch (e) {
			return fail(ctx, "Error retrieving job versions", e);
		}
		return followEval(ctx, String(r.EvalID ?? ""), id);
	},
};

const periodicForce: Command = {
	name: "job periodic force",
	synopsis: "Force the launch of a periodic job",
	usage: "<job>",
	help: "Launches a periodic job now, whatever its schedule says.",
	flags: [DETACH, VERBOSE],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let r: Obj;
		try {
			r = (await ctx.client().post<Obj>(jobPath(id, "/periodic/force"))).data;
		} catch (e) {
			return fail(ctx, "Error forcing periodic job", e);
		}
		return followEval(ctx, String(r.EvalID ?? ""), id);
	},
};

const jobEval: Command = {
	name: "job eval",
	synopsis: "Force an evaluation for the job",
	usage: "<job>",
	help: "Creates a new evaluation of the job (e.g. to retry placement after adding capacity).",
	flags: [
		DETACH,
		VERBOSE,
		{
			name: "force-reschedule",
			kind: "bool",
			usage: "Reschedule failed allocations even if their policy says not to yet.",
		},
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let r: Obj;
		try {
			r = (
				await ctx.client().post<Obj>(jobPath(id, "/evaluate"), {
					JobID: id,
					EvalOptions: { ForceReschedule: ctx.f["force-reschedule"] === true },
				})
			).data;
		} catch (e) {
			return fail(ctx, "Error evaluating job", e);
		}
		return followEval(ctx, String(r.EvalID ?? ""), id);
	},
};

const jobAllocs: Command = {
	name: "job allocs",
	synopsis: "List allocations for a job",
	usage: "<job>",
	help: "Lists the job's allocations (with -all, also those of earlier job versions).",
	flags: [
		VERBOSE,
		{ name: "all", kind: "bool", usage: "Include allocations of earlier job versions." },
		...OUTPUT_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		const id = await jobArg(ctx, ctx.args[0] as string);
		if (!id) return 1;
		let allocs: Obj[];
		try {
			allocs =
				(await ctx.client().get<Obj[]>(jobPath(id, "/allocations"), { all: ctx.f.all === true || undefined })).data ??
				[];
		} catch (e) {
			return fail(ctx, "Error retrieving allocations", e);
		}
		if (ctx.formatted(allocs)) return 0;
		ctx.ui.out(allocs.length === 0 ? "No allocations placed" : allocRows(allocs, ctx));
		return 0;
	},
};

export const jobMiscCommands: Command[] = [jobDispatch, jobScale, jobRevert, periodicForce, jobEval, jobAllocs];
