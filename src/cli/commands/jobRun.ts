// job run, job plan, job validate: the job file is parsed locally (HCL2 with -var/-var-file, or
// JSON), then submitted; run monitors the evaluation and the allocations live.
import { readFileSync } from "node:fs";
import { ApiError } from "../../api/client.ts";
import type { FlagSpec } from "../flags.ts";
import { formatUnixNano, prettyTimeDiff } from "../format.ts";
import { BIN, type Command, type Ctx, describeError, paint } from "../meta.ts";
import { jobPath, type Obj } from "./common.ts";
import { monitorSubmission } from "./evalMonitor.ts";
import { formatPlan, planExitCode } from "./planDiff.ts";

const PARSE_FLAGS: FlagSpec[] = [
	{ name: "var", kind: "list", usage: "Set an HCL2 input variable: -var 'name=value' (repeatable)." },
	{ name: "var-file", kind: "list", usage: "HCL2 variable file to read (repeatable)." },
	{ name: "json", kind: "bool", usage: "The job file is JSON (detected automatically as well)." },
	{
		name: "hcl2-strict",
		kind: "bool",
		default: true,
		usage: "Values for undeclared variables are errors (default true).",
	},
];

interface LoadedJob {
	job: Obj;
	submission?: Obj;
}

/** Reads and parses the job file ("-" reads standard input). Prints the error and returns undefined. */
async function loadJob(ctx: Ctx, path: string): Promise<LoadedJob | undefined> {
	let src: string;
	try {
		src = path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
	} catch (e) {
		ctx.ui.err(`Error getting job struct: Error opening file "${path}": ${(e as Error).message}`);
		return undefined;
	}
	// The jobspec parser (and its WebAssembly HCL parser) loads only for commands that read job files.
	const { isJSONJobspec, parseJobspecWithSubmission, parseJSONJobspec } = await import("../../jobspec/index.ts");
	try {
		if (ctx.f.json === true || isJSONJobspec(src)) {
			const job = parseJSONJobspec(src);
			if (job && typeof job === "object" && ("TaskGroups" in job || "ID" in job)) return { job };
		}
		const varFiles = (ctx.f["var-file"] as string[]).map((name) => ({ name, content: readFileSync(name, "utf8") }));
		const env: Record<string, string> = {};
		for (const [k, v] of Object.entries(ctx.env)) if (k.startsWith("NOMAD_VAR_") && v !== undefined) env[k] = v;
		const { job, submission } = await parseJobspecWithSubmission(src, {
			filename: path === "-" ? "stdin.hcl" : path,
			vars: ctx.f.var as string[],
			varFiles,
			env,
			allowFS: true,
			strict: ctx.f["hcl2-strict"] !== false,
		});
		return { job, submission: submission as unknown as Obj };
	} catch (e) {
		ctx.ui.err(`Error getting job struct: Error parsing job file from ${path}:\n${(e as Error).message}`);
		return undefined;
	}
}

function printWarnings(ctx: Ctx, warnings: unknown): void {
	if (typeof warnings === "string" && warnings.trim() !== "") {
		ctx.ui.out(paint(ctx.ui).yellow(`Job Warnings:\n${warnings.trim()}\n`));
	}
}

const jobRun: Command = {
	name: "job run",
	synopsis: "Run a new job or update an existing job",
	usage: "<path>",
	help: `Parses the job file (HCL2 or JSON; "-" reads standard input), submits it, and follows the
evaluation and the job's allocations until they run. On a terminal the allocation view is
redrawn in place; otherwise every change is printed as a line.

Exit codes: 0 when the job is placed (and running), 2 when the scheduler could not place every
allocation, 1 on any error or failed allocation.`,
	flags: [
		{ name: "detach", kind: "bool", usage: "Return right after submission, printing the evaluation ID." },
		{ name: "verbose", kind: "bool", usage: "Full IDs." },
		{
			name: "check-index",
			kind: "int",
			usage: "Register only if the job's modify index matches (0: job must not exist).",
		},
		{ name: "preserve-counts", kind: "bool", usage: "Keep the current task group counts of an existing job." },
		{
			name: "policy-override",
			kind: "bool",
			usage: "Override soft-mandatory Sentinel policies (Enterprise; ignored).",
		},
		{ name: "eval-priority", kind: "int", usage: "Priority of the evaluation created by this registration." },
		{ name: "output", kind: "bool", usage: "Print the JSON the job would be submitted as, without submitting it." },
		...PARSE_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <path>");
		const path = ctx.args[0] as string;
		const loaded = await loadJob(ctx, path);
		if (!loaded) return 1;
		if (ctx.f.output === true) {
			ctx.ui.out(JSON.stringify({ Job: loaded.job }, null, 4));
			return 0;
		}
		const body: Obj = { Job: loaded.job, Submission: loaded.submission ?? null };
		if (ctx.set.has("check-index")) {
			body.EnforceIndex = true;
			body.JobModifyIndex = ctx.f["check-index"];
		}
		if (ctx.f["preserve-counts"] === true) body.PreserveCounts = true;
		if (ctx.f["policy-override"] === true) body.PolicyOverride = true;
		if (ctx.set.has("eval-priority")) body.EvalPriority = ctx.f["eval-priority"];
		let resp: Obj;
		try {
			resp = (await ctx.client().put<Obj>("/v1/jobs", body)).data ?? {};
		} catch (e) {
			if (e instanceof ApiError && /check index/i.test(e.body)) {
				ctx.ui.err(
					`Enforcing job modify index ${ctx.f["check-index"]}: job ${e.body.includes("exists") ? "exists with conflicting job modify index" : "does not match"}`,
				);
				return 1;
			}
			ctx.ui.err(`Error submitting job: ${describeError(e)}`);
			return 1;
		}
		printWarnings(ctx, resp.Warnings);
		const jobID = String(loaded.job.ID ?? "");
		const evalID = String(resp.EvalID ?? "");
		const periodic = loaded.job.Periodic != null && (loaded.job.Periodic as Obj).Enabled !== false;
		if (periodic || loaded.job.ParameterizedJob != null || ctx.f.detach === true || !evalID) {
			ctx.ui.out("Job registration successful");
			if (periodic) {
				try {
					const j = (await ctx.client().get<Obj>(jobPath(jobID))).data;
					const next = (j?.Periodic as Obj | undefined)?.Next as number | undefined;
					if (next) ctx.ui.out(`Approximate next launch time: ${formatUnixNano(next)} (${prettyTimeDiff(next / 1e6)})`);
				} catch {
					// The launch time is informational only.
				}
			} else if (evalID) ctx.ui.out(`Evaluation ID: ${evalID}`);
			return 0;
		}
		let version: number | undefined;
		try {
			const j = (await ctx.client().get<Obj>(jobPath(jobID))).data;
			version = typeof j?.Version === "number" ? j.Version : undefined;
		} catch {
			// Without the version every running allocation counts.
		}
		return monitorSubmission(ctx, { evalID, jobID, waitForRunning: true, jobVersion: version });
	},
};

const jobPlan: Command = {
	name: "job plan",
	synopsis: "Dry-run a job update to determine its effects",
	usage: "<path>",
	help: `Shows what submitting the job file would change (a diff against the registered job) and
what the scheduler would do, without changing anything.

Exit codes: 0 no allocations would be created or destroyed, 1 allocations would be created or
destroyed, 255 an error.`,
	flags: [
		{ name: "diff", kind: "bool", default: true, usage: "Show the diff against the registered job (default true)." },
		{ name: "verbose", kind: "bool", usage: "Show every field of the diff and full IDs." },
		{
			name: "policy-override",
			kind: "bool",
			usage: "Override soft-mandatory Sentinel policies (Enterprise; ignored).",
		},
		...PARSE_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) {
			ctx.usageError("This command takes one argument: <path>");
			return 255;
		}
		const path = ctx.args[0] as string;
		const loaded = await loadJob(ctx, path);
		if (!loaded) return 255;
		const id = String(loaded.job.ID ?? "");
		let resp: Obj;
		try {
			resp = (
				await ctx.client().post<Obj>(jobPath(id, "/plan"), {
					Job: loaded.job,
					Diff: ctx.f.diff !== false,
					PolicyOverride: ctx.f["policy-override"] === true,
				})
			).data;
		} catch (e) {
			ctx.ui.err(`Error during plan: ${describeError(e)}`);
			return 255;
		}
		printWarnings(ctx, resp.Warnings);
		ctx.ui.out(formatPlan(resp, ctx.ui, ctx.f.verbose === true, ctx.f.diff !== false));
		const index = resp.JobModifyIndex ?? 0;
		ctx.ui.out(`Job Modify Index: ${index}
To submit the job with version verification run:

${BIN} job run -check-index ${index} ${path}

When running the job with the check-index flag, the job will only be run if the
job modify index given matches the server-side version. If the index has
changed, another user has modified the job and the plan's results are
potentially invalid.`);
		return planExitCode(resp);
	},
};

const jobValidate: Command = {
	name: "job validate",
	synopsis: "Check a job specification for syntax errors",
	usage: "<path>",
	help: "Parses the job file locally and asks the servers to validate it (drivers, constraints, ...).",
	flags: PARSE_FLAGS,
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <path>");
		const loaded = await loadJob(ctx, ctx.args[0] as string);
		if (!loaded) return 1;
		let resp: Obj;
		try {
			resp = (await ctx.client().put<Obj>("/v1/validate/job", { Job: loaded.job })).data ?? {};
		} catch (e) {
			ctx.ui.err(`Error validating job: ${describeError(e)}`);
			return 1;
		}
		const errors = (resp.ValidationErrors as string[] | null) ?? [];
		if (errors.length > 0 || resp.Error) {
			ctx.ui.err(`Job validation errors:\n${errors.length > 0 ? errors.join("\n") : resp.Error}`);
			return 1;
		}
		printWarnings(ctx, resp.Warnings);
		ctx.ui.out(paint(ctx.ui).green("Job validation successful"));
		return 0;
	},
};

export const jobRunCommands: Command[] = [jobRun, jobPlan, jobValidate];
