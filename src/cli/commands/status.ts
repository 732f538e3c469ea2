// version, status [prefix] (jobs, or whatever object an ID prefix names), agent-info.
import { versionLine } from "../../lib/version.ts";
import { formatKV } from "../format.ts";
import { type Command, type Ctx, fail, OUTPUT_FLAGS } from "../meta.ts";
import { showAlloc } from "./alloc.ts";
import { type Obj, sanitizePrefix } from "./common.ts";
import { showEval } from "./eval.ts";
import { showJob } from "./job.ts";
import { showNode } from "./node.ts";

const version: Command = {
	name: "version",
	synopsis: "Prints the Nomad version",
	help: "Prints the version of nomad-ts and the Nomad version it is compatible with.",
	noApi: true,
	run: (ctx) => {
		ctx.ui.out(versionLine());
		return 0;
	},
};

/** Which kind of object a prefix names: jobs first, then allocations, nodes, evaluations. */
async function findContext(ctx: Ctx, prefix: string): Promise<"jobs" | "allocs" | "nodes" | "evals" | undefined> {
	const c = ctx.client();
	const jobs = (await c.get<Obj[]>("/v1/jobs", { prefix })).data ?? [];
	if (jobs.length > 0) return "jobs";
	const uuid = sanitizePrefix(prefix);
	if (uuid.length < 2) return undefined;
	const probe = async (path: string) => ((await c.get<Obj[]>(path, { prefix: uuid })).data ?? []).length > 0;
	if (await probe("/v1/allocations")) return "allocs";
	if (await probe("/v1/nodes")) return "nodes";
	if (await probe("/v1/evaluations")) return "evals";
	return undefined;
}

const status: Command = {
	name: "status",
	synopsis: "Display the status output for a resource",
	usage: "[<identifier>]",
	help: "Without an argument, lists the jobs (as `job status`). With an identifier or ID prefix, finds\nthe job, allocation, node or evaluation it names and shows its status.",
	flags: [{ name: "verbose", kind: "bool", usage: "Full IDs." }, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length > 1) return ctx.usageError("This command takes either no arguments or one: <identifier>");
		const id = ctx.args[0];
		if (!id) {
			const { jobCommands } = await import("./job.ts");
			return (jobCommands[0] as Command).run(ctx);
		}
		let kind: Awaited<ReturnType<typeof findContext>>;
		try {
			kind = await findContext(ctx, id);
		} catch (e) {
			return fail(ctx, "Error querying identifier", e);
		}
		switch (kind) {
			case "jobs":
				return showJob(ctx, id);
			case "allocs":
				return showAlloc(ctx, id);
			case "nodes":
				return showNode(ctx, id);
			case "evals":
				return showEval(ctx, id);
			default:
				ctx.ui.err(`No matches returned for query: "${id}"`);
				return 1;
		}
	},
};

const agentInfo: Command = {
	name: "agent-info",
	synopsis: "Display status information about the local agent",
	help: "Shows the agent's build, its runtime and the stats of its server and client parts\n(from /v1/agent/self).",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let self: Obj;
		try {
			self = (await ctx.client().get<Obj>("/v1/agent/self")).data;
		} catch (e) {
			return fail(ctx, "Error querying agent info", e);
		}
		if (ctx.formatted(self)) return 0;
		const stats = (self.stats ?? self.Stats ?? {}) as Record<string, Record<string, unknown>>;
		const sections = Object.keys(stats).sort();
		const out: string[] = [];
		for (const s of sections) {
			out.push(s);
			const kv = Object.keys(stats[s] ?? {})
				.sort()
				.map((k) => `${k}|${(stats[s] as Obj)[k]}`);
			out.push(
				formatKV(kv)
					.split("\n")
					.map((l) => `  ${l}`)
					.join("\n"),
			);
		}
		ctx.ui.out(out.join("\n"));
		return 0;
	},
};

export const statusCommands: Command[] = [version, status, agentInfo];
