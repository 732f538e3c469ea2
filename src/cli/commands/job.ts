// job status (list and one job), job stop, job inspect, job history, job init.
import { existsSync, writeFileSync } from "node:fs";
import { ApiError } from "../../api/client.ts";
import { formatKV, formatList, formatUnixNano, limit } from "../format.ts";
import { type Command, type Ctx, fail, header, OUTPUT_FLAGS } from "../meta.ts";
import { allocRows, ambiguous, idLength, jobPath, type Obj, resolveJob } from "./common.ts";
import { monitorSubmission } from "./evalMonitor.ts";
import { EXAMPLE_JOB } from "./exampleJob.ts";

const VERBOSE = { name: "verbose", kind: "bool", usage: "Full IDs instead of 8-character prefixes." } as const;

export function jobStatusLabel(status: string, stop: boolean): string {
	return stop ? `${status} (stopped)` : status;
}

async function listJobs(ctx: Ctx): Promise<number> {
	let jobs: Obj[];
	try {
		jobs = (await ctx.client().get<Obj[]>("/v1/jobs")).data ?? [];
	} catch (e) {
		return fail(ctx, "Error querying jobs", e);
	}
	if (ctx.formatted(jobs)) return 0;
	if (jobs.length === 0) {
		ctx.ui.out("No running jobs");
		return 0;
	}
	const rows = ["ID|Type|Priority|Status|Submit Date"];
	for (const j of jobs)
		rows.push(
			`${j.ID}|${j.Type}|${j.Priority}|${jobStatusLabel(String(j.Status), j.Stop === true)}|${formatUnixNano(j.SubmitTime as number)}`,
		);
	ctx.ui.out(formatList(rows));
	return 0;
}

export async function showJob(ctx: Ctx, prefix: string): Promise<number> {
	const client = ctx.client();
	let id: string | undefined;
	try {
		id = await resolveJob(ctx, prefix);
	} catch (e) {
		if (e instanceof ApiError) return fail(ctx, "Error querying job", e);
		return ambiguous(ctx, e);
	}
	if (!id) {
		ctx.ui.err(`No job(s) with prefix or id "${prefix}" found`);
		return 1;
	}
	try {
		const job = (await client.get<Obj>(jobPath(id))).data;
		if (ctx.formatted(job)) return 0;
		const periodic = job.Periodic != null && (job.Periodic as Obj).Enabled !== false;
		const parameterized = job.ParameterizedJob != null;
		ctx.ui.out(
			formatKV([
				`ID|${job.ID}`,
				`Name|${job.Name}`,
				`Submit Date|${formatUnixNano(job.SubmitTime as number)}`,
				`Type|${job.Type}`,
				`Priority|${job.Priority}`,
				`Datacenters|${((job.Datacenters as string[]) ?? []).join(",")}`,
				`Namespace|${job.Namespace}`,
				`Node Pool|${job.NodePool ?? ""}`,
				`Status|${jobStatusLabel(String(job.Status), job.Stop === true)}`,
				`Periodic|${periodic}`,
				`Parameterized|${parameterized}`,
			]),
		);
		if (ctx.f.short === true) return 0;
		const summary = (await client.get<Obj>(jobPath(id, "/summary"))).data;
		if (!periodic && !parameterized) {
			const groups = (summary?.Summary ?? {}) as Record<string, Obj>;
			const names = Object.keys(groups).sort();
			if (names.length > 0) {
				header(ctx, "Summary");
				const rows = ["Task Group|Queued|Starting|Running|Failed|Complete|Lost|Unknown"];
				for (const g of names) {
					const s = groups[g] as Obj;
					rows.push(
						[g, s.Queued, s.Starting, s.Running, s.Failed, s.Complete, s.Lost, s.Unknown ?? 0]
							.map((v) => v ?? 0)
							.join("|"),
					);
				}
				ctx.ui.out(formatList(rows));
			}
		} else {
			const c = (summary?.Children ?? {}) as Obj;
			header(ctx, parameterized ? "Parameterized Job Summary" : "Children Job Summary");
			ctx.ui.out(formatList(["Pending|Running|Dead", `${c.Pending ?? 0}|${c.Running ?? 0}|${c.Dead ?? 0}`]));
			// The children are the jobs named <id>/periodic-<time> or <id>/dispatch-<time>-<suffix>.
			const suffix = parameterized ? "/dispatch-" : "/periodic-";
			const children = ((await client.get<Obj[]>("/v1/jobs", { prefix: `${id}${suffix}` })).data ?? []).filter((j) =>
				String(j.ID).startsWith(`${id}${suffix}`),
			);
			const title = parameterized ? "Dispatched Jobs" : "Previously Launched Jobs";
			if (children.length === 0)
				ctx.ui.out(
					`\nNo ${parameterized ? "dispatched instances of parameterized" : "instances of periodic"} job found`,
				);
			else {
				header(ctx, title);
				ctx.ui.out(formatList(["ID|Status", ...children.map((j) => `${j.ID}|${j.Status}`)]));
			}
			return 0;
		}
		const evals = (await client.get<Obj[]>(jobPath(id, "/evaluations"))).data ?? [];
		const blocked = evals.filter((e) => e.Status === "blocked");
		const failures = evals.find((e) => e.FailedTGAllocs && Object.keys(e.FailedTGAllocs as Obj).length > 0);
		if (ctx.f.evals === true || ctx.f.verbose === true) {
			header(ctx, "Evaluations");
			const n = idLength(ctx);
			const rows = ["ID|Priority|Triggered By|Status|Placement Failures"];
			for (const e of evals)
				rows.push(
					`${limit(e.ID, n)}|${e.Priority}|${e.TriggeredBy}|${e.Status}|${e.FailedTGAllocs && Object.keys(e.FailedTGAllocs as Obj).length > 0}`,
				);
			ctx.ui.out(formatList(rows));
		}
		if (blocked.length > 0 && failures) {
			header(ctx, "Placement Failure");
			const { formatFailures } = await import("./evalMonitor.ts");
			ctx.ui.out(formatFailures(failures.FailedTGAllocs as Record<string, Obj>, ctx.ui));
		}
		const allocs = (await client.get<Obj[]>(jobPath(id, "/allocations"), { all: ctx.f.all === true })).data ?? [];
		header(ctx, "Allocations");
		ctx.ui.out(allocs.length === 0 ? "No allocations placed" : allocRows(allocs, ctx));
		return 0;
	} catch (e) {
		return fail(ctx, "Error querying job", e);
	}
}

const jobStatus: Command = {
	name: "job status",
	synopsis: "Display status information about a job",
	usage: "[<job>]",
	help: "Without an argument, lists the registered jobs. With a job ID or an ID prefix, shows the job,\nits task group summary and its allocations.",
	flags: [
		VERBOSE,
		{ name: "all-allocs", kind: "bool", usage: "Include allocations of earlier job versions." },
		{ name: "evals", kind: "bool", usage: "Show the job's evaluations." },
		{ name: "short", kind: "bool", usage: "Only the job's basic information." },
		...OUTPUT_FLAGS,
	],
	run: (ctx) => {
		if (ctx.args.length > 1) return ctx.usageError("This command takes either no arguments or one: <job>");
		return ctx.args[0] ? showJob(ctx, ctx.args[0]) : listJobs(ctx);
	},
};

const jobStop: Command = {
	name: "job stop",
	synopsis: "Stop a running job",
	usage: "<job>",
	help: "Deregisters the job: its allocations are stopped. With -purge the job is removed from the\nstate at once instead of being garbage collected later. Monitors the evaluation unless -detach.",
	flags: [
		{ name: "detach", kind: "bool", usage: "Return the evaluation ID at once instead of monitoring it." },
		{ name: "purge", kind: "bool", usage: "Remove the job from the state store immediately." },
		{ name: "global", kind: "bool", usage: "Stop a multi-region job in all its regions." },
		{ name: "yes", kind: "bool", usage: "Do not ask for confirmation." },
		{ name: "no-shutdown-delay", kind: "bool", usage: "Ignore the groups' shutdown_delay." },
		VERBOSE,
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		let id: string | undefined;
		try {
			id = await resolveJob(ctx, ctx.args[0] as string);
		} catch (e) {
			if (e instanceof ApiError) return fail(ctx, "Error finding jobs with prefix", e);
			return ambiguous(ctx, e);
		}
		if (!id) {
			ctx.ui.err(`No job(s) with prefix or id "${ctx.args[0]}" found`);
			return 1;
		}
		let evalID: string;
		try {
			const r = await ctx.client().delete<Obj>(jobPath(id), {
				purge: ctx.f.purge === true || undefined,
				global: ctx.f.global === true || undefined,
				no_shutdown_delay: ctx.f["no-shutdown-delay"] === true || undefined,
			});
			evalID = String(r.data?.EvalID ?? "");
		} catch (e) {
			return fail(ctx, "Error deregistering job", e);
		}
		if (!evalID) return 0;
		if (ctx.f.detach === true) {
			ctx.ui.out(evalID);
			return 0;
		}
		return monitorSubmission(ctx, { evalID, jobID: id, waitForRunning: false });
	},
};

const jobInspect: Command = {
	name: "job inspect",
	synopsis: "Inspect a submitted job",
	usage: "<job>",
	help: "Prints the job as the servers hold it, in JSON (the shape `job run` accepts with -json).",
	flags: [
		{ name: "version", kind: "int", usage: "Inspect this version of the job." },
		{ name: "json", kind: "bool", usage: "Accepted for Nomad compatibility; output is JSON already." },
		{ name: "t", kind: "string", usage: "Format the job with a Go-template subset." },
	],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		try {
			const id = await resolveJob(ctx, ctx.args[0] as string);
			if (!id) {
				ctx.ui.err(`No job(s) with prefix or id "${ctx.args[0]}" found`);
				return 1;
			}
			let job: Obj;
			if (ctx.set.has("version")) {
				const versions = (await ctx.client().get<Obj>(jobPath(id, "/versions"))).data?.Versions as Obj[];
				const found = (versions ?? []).find((v) => v.Version === ctx.f.version);
				if (!found) {
					ctx.ui.err(`Error inspecting job: job "${id}" has no version ${ctx.f.version}`);
					return 1;
				}
				job = found;
			} else job = (await ctx.client().get<Obj>(jobPath(id))).data;
			if (ctx.f.t) return ctx.formatted(job) ? 0 : 0;
			ctx.ui.out(JSON.stringify({ Job: job }, null, 4));
			return 0;
		} catch (e) {
			if (e instanceof ApiError) return fail(ctx, "Error inspecting job", e);
			return ambiguous(ctx, e);
		}
	},
};

const jobHistory: Command = {
	name: "job history",
	synopsis: "Display all tracked versions of a job",
	usage: "<job>",
	help: "Lists the versions of a job the servers keep, newest first.",
	flags: [{ name: "p", kind: "bool", usage: "Show the differences between versions." }, VERBOSE, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <job>");
		try {
			const id = await resolveJob(ctx, ctx.args[0] as string);
			if (!id) {
				ctx.ui.err(`No job(s) with prefix or id "${ctx.args[0]}" found`);
				return 1;
			}
			const data = (await ctx.client().get<Obj>(jobPath(id, "/versions"), { diffs: ctx.f.p === true || undefined }))
				.data;
			const versions = (data?.Versions as Obj[]) ?? [];
			if (ctx.formatted(versions)) return 0;
			const blocks = versions.map((v) =>
				formatKV([
					`Version|${v.Version}`,
					`Stable|${v.Stable === true}`,
					`Submit Date|${formatUnixNano(v.SubmitTime as number)}`,
					...(v.VersionTag ? [`Tag Name|${(v.VersionTag as Obj).Name}`] : []),
				]),
			);
			ctx.ui.out(blocks.join("\n\n"));
			return 0;
		} catch (e) {
			if (e instanceof ApiError) return fail(ctx, "Error retrieving job versions", e);
			return ambiguous(ctx, e);
		}
	},
};

const jobInit: Command = {
	name: "job init",
	synopsis: "Create an example job file",
	usage: "[<path>]",
	help: "Writes a commented example job (default example.nomad.hcl) that runs on a fresh dev agent\n(`nomad-ts agent -dev`) with the raw_exec driver.",
	noApi: true,
	flags: [
		{ name: "short", kind: "bool", usage: "Write the example without comments." },
		{ name: "connect", kind: "bool", usage: "Not supported by nomad-ts (no Consul Connect)." },
	],
	run: (ctx) => {
		if (ctx.args.length > 1) return ctx.usageError("This command takes no arguments or one: <filename>");
		if (ctx.f.connect === true) {
			ctx.ui.err("Error: nomad-ts has no Consul Connect support; -connect is not available");
			return 1;
		}
		const file = ctx.args[0] ?? "example.nomad.hcl";
		if (existsSync(file)) {
			ctx.ui.err(`Job '${file}' already exists`);
			return 1;
		}
		const text =
			ctx.f.short === true
				? `${EXAMPLE_JOB.split("\n")
						.filter((l) => !l.trim().startsWith("#"))
						.join("\n")
						.replace(/\n{3,}/g, "\n\n")
						.trim()}\n`
				: EXAMPLE_JOB;
		try {
			writeFileSync(file, text);
		} catch (e) {
			ctx.ui.err(`Failed to write '${file}': ${(e as Error).message}`);
			return 1;
		}
		ctx.ui.out(`Example job file written to ${file}`);
		return 0;
	},
};

export const jobCommands: Command[] = [jobStatus, jobStop, jobInspect, jobHistory, jobInit];
