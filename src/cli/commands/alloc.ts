// alloc status, alloc stop, alloc restart, alloc signal.
import { agoNano, formatKV, formatList, formatUnixNano, humanBytes, limit } from "../format.ts";
import { type Command, type Ctx, fail, header, OUTPUT_FLAGS, paint } from "../meta.ts";
import { Ambiguous, ambiguous, byPrefix, idLength, type Obj } from "./common.ts";
import { monitorSubmission } from "./evalMonitor.ts";

const VERBOSE = { name: "verbose", kind: "bool", usage: "Full IDs and every task event." } as const;

/** Resolves an allocation ID prefix; prints Nomad's messages and returns undefined when it cannot. */
export async function findAlloc(ctx: Ctx, prefix: string): Promise<Obj | undefined> {
	if (prefix.length < 2) {
		ctx.ui.err("Alloc ID must contain at least two characters.");
		return undefined;
	}
	const n = idLength(ctx);
	try {
		const stub = await byPrefix(
			ctx.client(),
			"/v1/allocations",
			prefix,
			"allocations",
			(a) =>
				`${limit(a.ID, n)}|${limit(a.EvalID as string, n)}|${a.JobID}|${a.TaskGroup}|${a.DesiredStatus}|${a.ClientStatus}`,
			"ID|Eval ID|Job ID|Task Group|Desired Status|Client Status",
		);
		if (!stub) {
			ctx.ui.err(`No allocation(s) with prefix or id "${prefix}" found`);
			return undefined;
		}
		return (await ctx.client().get<Obj>(`/v1/allocation/${stub.ID}`)).data;
	} catch (e) {
		if (e instanceof Ambiguous) ambiguous(ctx, e);
		else fail(ctx, "Error querying allocation", e);
		return undefined;
	}
}

function eventDescription(e: Obj): string {
	if (e.DisplayMessage) return String(e.DisplayMessage);
	const d = (e.Details ?? {}) as Record<string, string>;
	return String(e.Message || d.message || d.restart_reason || d.driver_message || e.Type || "");
}

function taskSection(ctx: Ctx, name: string, st: Obj, task: Obj | undefined, usage: Obj | undefined): string[] {
	const p = paint(ctx.ui);
	const out = [p.bold(`\nTask "${name}" is "${st.State}"`)];
	const res = (task?.Resources ?? {}) as Obj;
	const mem = (usage?.MemoryStats ?? {}) as Obj;
	const cpu = (usage?.CpuStats ?? {}) as Obj;
	out.push("Task Resources:");
	out.push(
		formatList([
			"CPU|Memory|Disk",
			`${usage ? `${Math.round(Number(cpu.TotalTicks ?? 0))}/` : ""}${res.CPU ?? 0} MHz|${usage ? `${humanBytes(Number(mem.RSS ?? mem.Usage ?? 0))}/` : ""}${res.MemoryMB ?? 0} MiB|${res.DiskMB ?? 0} MiB`,
		]),
	);
	const started = Number(Date.parse(String(st.StartedAt ?? "")) || 0);
	const finished = Number(Date.parse(String(st.FinishedAt ?? "")) || 0);
	out.push("", "Task Events:");
	out.push(
		formatKV([
			`Started At|${started > 1000 ? formatUnixNano(started * 1e6) : "N/A"}`,
			`Finished At|${finished > 1000 ? formatUnixNano(finished * 1e6) : "N/A"}`,
			`Total Restarts|${st.Restarts ?? 0}`,
			`Last Restart|${Date.parse(String(st.LastRestart ?? "")) > 1000 ? formatUnixNano(Date.parse(String(st.LastRestart)) * 1e6) : "N/A"}`,
		]),
	);
	let events = [...((st.Events as Obj[] | null) ?? [])].reverse();
	if (ctx.f.verbose !== true) events = events.slice(0, 10);
	out.push("", "Recent Events:");
	out.push(
		formatList([
			"Time|Type|Description",
			...events.map((e) => `${formatUnixNano(e.Time as number)}|${e.Type}|${eventDescription(e)}`),
		]),
	);
	return out;
}

export async function showAlloc(ctx: Ctx, prefix: string): Promise<number> {
	const a = await findAlloc(ctx, prefix);
	if (!a) return 1;
	if (ctx.formatted(a)) return 0;
	const n = idLength(ctx);
	const rows = [
		`ID|${limit(a.ID, n)}`,
		`Eval ID|${limit(a.EvalID as string, n)}`,
		`Name|${a.Name}`,
		`Node ID|${limit(a.NodeID as string, n)}`,
		`Node Name|${a.NodeName ?? ""}`,
		`Job ID|${a.JobID}`,
		`Job Version|${(a.Job as Obj | undefined)?.Version ?? 0}`,
		`Client Status|${a.ClientStatus}`,
		`Client Description|${a.ClientDescription ?? ""}`,
		`Desired Status|${a.DesiredStatus}`,
		`Desired Description|${a.DesiredDescription ?? ""}`,
		`Created|${agoNano(a.CreateTime as number)}`,
		`Modified|${agoNano(a.ModifyTime as number)}`,
	];
	if (a.PreviousAllocation) rows.push(`Replacement Alloc ID|${limit(a.PreviousAllocation as string, n)}`);
	if (a.NextAllocation) rows.push(`Rescheduled Alloc ID|${limit(a.NextAllocation as string, n)}`);
	ctx.ui.out(formatKV(rows));
	const metrics = a.Metrics as Obj | undefined;
	if (ctx.f.verbose === true && metrics) {
		header(ctx, "Placement Metrics");
		const { metricLines } = await import("./evalMonitor.ts");
		const lines = metricLines(metrics, "  ");
		ctx.ui.out(lines.length ? lines.join("\n") : "  * All nodes were eligible");
	}
	let stats: Obj | undefined;
	if (a.ClientStatus === "running" && ctx.f.stats !== false) {
		try {
			stats = (await ctx.client().get<Obj>(`/v1/client/allocation/${a.ID}/stats`)).data;
		} catch {
			// Usage is optional: the client may be unreachable.
		}
	}
	const group = ((a.Job as Obj | undefined)?.TaskGroups as Obj[] | undefined)?.find((g) => g.Name === a.TaskGroup);
	const states = (a.TaskStates ?? {}) as Record<string, Obj>;
	const out: string[] = [];
	for (const name of Object.keys(states).sort()) {
		const task = (group?.Tasks as Obj[] | undefined)?.find((t) => t.Name === name);
		const usage = ((stats?.Tasks as Record<string, Obj> | undefined)?.[name]?.ResourceUsage ?? undefined) as
			| Obj
			| undefined;
		out.push(...taskSection(ctx, name, states[name] as Obj, task, usage));
	}
	if (out.length) ctx.ui.out(out.join("\n"));
	return 0;
}

const allocStatus: Command = {
	name: "alloc status",
	synopsis: "Display allocation status information and metadata",
	usage: "<alloc>",
	help: "Shows an allocation (ID or prefix): its placement, status, and each task's state, resources\nand recent events.",
	flags: [
		VERBOSE,
		{ name: "stats", kind: "bool", default: true, usage: "Show resource usage of running tasks." },
		...OUTPUT_FLAGS,
	],
	run: (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <alloc>");
		return showAlloc(ctx, ctx.args[0] as string);
	},
};

const allocStop: Command = {
	name: "alloc stop",
	synopsis: "Stop and reschedule a running allocation",
	usage: "<alloc>",
	help: "Stops the allocation; the scheduler places a replacement. Monitors the evaluation unless -detach.",
	flags: [{ name: "detach", kind: "bool", usage: "Print the evaluation ID and return." }, VERBOSE],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <alloc>");
		const a = await findAlloc(ctx, ctx.args[0] as string);
		if (!a) return 1;
		let evalID: string;
		try {
			evalID = String((await ctx.client().post<Obj>(`/v1/allocation/${a.ID}/stop`)).data?.EvalID ?? "");
		} catch (e) {
			return fail(ctx, "Error stopping allocation", e);
		}
		if (ctx.f.detach === true) {
			ctx.ui.out(evalID);
			return 0;
		}
		return monitorSubmission(ctx, { evalID, jobID: String(a.JobID), waitForRunning: false });
	},
};

function taskArg(ctx: Ctx, a: Obj, given: string | undefined): string | undefined | null {
	const task = (ctx.f.task as string | undefined) || given;
	if (!task) return undefined;
	if (!(task in ((a.TaskStates ?? {}) as Obj))) {
		ctx.ui.err(
			`Could not find task named: ${task}, found:\n${Object.keys((a.TaskStates ?? {}) as Obj)
				.map((t) => `* ${t}`)
				.join("\n")}`,
		);
		return null;
	}
	return task;
}

/**
 * `<alloc> [<task>]` (or -task) of the per-task commands: the allocation and the task named, if
 * any, or the exit code after a usage or lookup error.
 */
async function allocAndTask(ctx: Ctx): Promise<{ a: Obj; task: string | undefined } | number> {
	if (ctx.args.length < 1 || ctx.args.length > 2)
		return ctx.usageError("This command takes one or two arguments: <alloc> [<task>]");
	const a = await findAlloc(ctx, ctx.args[0] as string);
	if (!a) return 1;
	const task = taskArg(ctx, a, ctx.args[1]);
	if (task === null) return 1;
	return { a, task };
}

const allocRestart: Command = {
	name: "alloc restart",
	synopsis: "Restart a running allocation",
	usage: "<alloc> [<task>]",
	help: "Restarts the allocation's tasks in place (one task when named).",
	flags: [
		{ name: "task", kind: "string", usage: "Restart only this task." },
		{ name: "all-tasks", kind: "bool", usage: "Restart every task, including ones already done (lifecycle hooks)." },
		VERBOSE,
	],
	run: async (ctx) => {
		const target = await allocAndTask(ctx);
		if (typeof target === "number") return target;
		const { a, task } = target;
		try {
			await ctx
				.client()
				.put(`/v1/client/allocation/${a.ID}/restart`, { TaskName: task ?? "", AllTasks: ctx.f["all-tasks"] === true });
		} catch (e) {
			return fail(ctx, "Failed to restart allocation", e);
		}
		return 0;
	},
};

const allocSignal: Command = {
	name: "alloc signal",
	synopsis: "Signal a running allocation",
	usage: "<alloc> [<task>]",
	help: "Sends a signal (default SIGKILL, as Nomad) to the allocation's tasks or to one task.",
	flags: [
		{ name: "s", kind: "string", usage: "Signal to send, e.g. SIGHUP." },
		{ name: "task", kind: "string", usage: "Signal only this task." },
		VERBOSE,
	],
	run: async (ctx) => {
		const target = await allocAndTask(ctx);
		if (typeof target === "number") return target;
		const { a, task } = target;
		try {
			await ctx
				.client()
				.put(`/v1/client/allocation/${a.ID}/signal`, { Task: task ?? "", Signal: (ctx.f.s as string) ?? "" });
		} catch (e) {
			return fail(ctx, "Error signalling allocation", e);
		}
		return 0;
	},
};

export const allocCommands: Command[] = [allocStatus, allocStop, allocRestart, allocSignal];
