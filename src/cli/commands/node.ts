// node status (list and one node), node drain, node eligibility.
import { parseDuration } from "../../lib/duration.ts";
import { formatKV, formatList, formatTime, limit } from "../format.ts";
import { type Command, type Ctx, fail, header, OUTPUT_FLAGS } from "../meta.ts";
import { Ambiguous, allocRows, ambiguous, byPrefix, idLength, type Obj } from "./common.ts";

const VERBOSE = { name: "verbose", kind: "bool", usage: "Full IDs and every attribute." } as const;

async function findNode(ctx: Ctx, prefix: string): Promise<Obj | undefined> {
	if (prefix.length < 1) {
		ctx.ui.err("Node ID must contain at least one character.");
		return undefined;
	}
	const n = idLength(ctx);
	try {
		const stub = await byPrefix(
			ctx.client(),
			"/v1/nodes",
			prefix,
			"nodes",
			(o) =>
				`${limit(o.ID, n)}|${o.Datacenter}|${o.Name}|${o.NodeClass || ""}|${o.Drain}|${o.SchedulingEligibility}|${o.Status}`,
			"ID|DC|Name|Class|Drain|Eligibility|Status",
		);
		if (!stub) {
			ctx.ui.err(`No node(s) with prefix "${prefix}" found`);
			return undefined;
		}
		return (await ctx.client().get<Obj>(`/v1/node/${stub.ID}`)).data;
	} catch (e) {
		if (e instanceof Ambiguous) ambiguous(ctx, e);
		else fail(ctx, "Error querying node info", e);
		return undefined;
	}
}

/** Node ID of the agent answering (node status -self). */
async function selfNodeID(ctx: Ctx): Promise<string | undefined> {
	const self = (await ctx.client().get<Obj>("/v1/agent/self")).data;
	const stats = (self.stats ?? {}) as Record<string, Obj>;
	return (stats.client?.node_id as string | undefined) ?? undefined;
}

export async function showNode(ctx: Ctx, prefix: string): Promise<number> {
	const node = await findNode(ctx, prefix);
	if (!node) return 1;
	if (ctx.formatted(node)) return 0;
	const n = idLength(ctx);
	const drivers = Object.entries((node.Drivers ?? {}) as Record<string, Obj>)
		.filter(([, d]) => d.Detected && d.Healthy)
		.map(([name]) => name)
		.sort();
	const uptime = Number(((node.Attributes ?? {}) as Obj)["unique.platform.uptime"] ?? 0);
	ctx.ui.out(
		formatKV([
			`ID|${limit(node.ID, n)}`,
			`Name|${node.Name}`,
			`Node Pool|${node.NodePool ?? ""}`,
			`Class|${node.NodeClass ?? ""}`,
			`DC|${node.Datacenter}`,
			`Drain|${node.DrainStrategy != null}`,
			`Eligibility|${node.SchedulingEligibility}`,
			`Status|${node.Status}`,
			`HTTP Addr|${node.HTTPAddr ?? ""}`,
			...(uptime ? [`Uptime|${Math.floor(uptime / 3600)}h${Math.floor((uptime % 3600) / 60)}m${uptime % 60}s`] : []),
			`Driver Status|${drivers.join(",")}`,
		]),
	);
	const events = [...((node.Events as Obj[] | null) ?? [])].reverse().slice(0, ctx.f.verbose === true ? undefined : 10);
	header(ctx, "Node Events");
	ctx.ui.out(
		formatList([
			"Time|Subsystem|Message",
			...events.map((e) => `${formatTime(Date.parse(String(e.Timestamp)))}|${e.Subsystem}|${e.Message}`),
		]),
	);
	let allocs: Obj[] = [];
	try {
		allocs = (await ctx.client().get<Obj[]>(`/v1/node/${node.ID}/allocations`)).data ?? [];
	} catch (e) {
		return fail(ctx, "Error querying node allocations", e);
	}
	const res = (node.NodeResources ?? {}) as Obj;
	const reserved = (node.ReservedResources ?? {}) as Obj;
	const live = allocs.filter((a) => a.ClientStatus === "running" || a.ClientStatus === "pending");
	let cpu = 0;
	let mem = 0;
	for (const a of live) {
		for (const t of Object.values(((a.AllocatedResources as Obj | undefined)?.Tasks ?? {}) as Record<string, Obj>)) {
			cpu += Number((t.Cpu as Obj | undefined)?.CpuShares ?? 0);
			mem += Number((t.Memory as Obj | undefined)?.MemoryMB ?? 0);
		}
	}
	const totalCpu =
		Number((res.Cpu as Obj | undefined)?.CpuShares ?? 0) - Number((reserved.Cpu as Obj | undefined)?.CpuShares ?? 0);
	const totalMem =
		Number((res.Memory as Obj | undefined)?.MemoryMB ?? 0) -
		Number((reserved.Memory as Obj | undefined)?.MemoryMB ?? 0);
	header(ctx, "Allocated Resources");
	ctx.ui.out(formatList(["CPU|Memory", `${cpu}/${totalCpu} MHz|${mem} MiB/${totalMem} MiB`]));
	header(ctx, "Allocations");
	ctx.ui.out(allocs.length === 0 ? "No allocations placed" : allocRows(allocs, ctx, { node: false, job: true }));
	if (ctx.f.verbose === true) {
		header(ctx, "Attributes");
		const attrs = (node.Attributes ?? {}) as Record<string, string>;
		ctx.ui.out(
			formatKV(
				Object.keys(attrs)
					.sort()
					.map((k) => `${k}|${attrs[k]}`),
			),
		);
	}
	return 0;
}

const nodeStatus: Command = {
	name: "node status",
	synopsis: "Display status information about nodes",
	usage: "[<node>]",
	help: "Without an argument, lists the client nodes. With a node ID or prefix (or -self), shows the\nnode, its events, allocated resources and allocations.",
	flags: [
		VERBOSE,
		{ name: "self", kind: "bool", usage: "Show the node of the agent being queried." },
		{ name: "allocs", kind: "bool", usage: "With the list: count running allocations per node." },
		...OUTPUT_FLAGS,
	],
	run: async (ctx) => {
		if (ctx.args.length > 1) return ctx.usageError("This command takes either one or no arguments");
		if (ctx.f.self === true) {
			let id: string | undefined;
			try {
				id = await selfNodeID(ctx);
			} catch (e) {
				return fail(ctx, "Error querying agent info", e);
			}
			if (!id) {
				ctx.ui.err("The agent is not running a client");
				return 1;
			}
			return showNode(ctx, id);
		}
		if (ctx.args[0]) return showNode(ctx, ctx.args[0]);
		let nodes: Obj[];
		try {
			nodes = (await ctx.client().get<Obj[]>("/v1/nodes")).data ?? [];
		} catch (e) {
			return fail(ctx, "Error querying node status", e);
		}
		if (ctx.formatted(nodes)) return 0;
		if (nodes.length === 0) {
			ctx.ui.out("No nodes registered");
			return 0;
		}
		const n = idLength(ctx);
		const head = ["ID", "Node Pool", "DC", "Name", "Class"];
		if (ctx.f.verbose === true) head.push("Address", "Version");
		head.push("Drain", "Eligibility", "Status");
		if (ctx.f.allocs === true) head.push("Running Allocs");
		const rows = [head.join("|")];
		for (const o of nodes) {
			const r = [limit(o.ID, n), o.NodePool ?? "", o.Datacenter, o.Name, o.NodeClass || ""];
			if (ctx.f.verbose === true) r.push(o.Address ?? "", o.Version ?? "");
			r.push(String(o.Drain), String(o.SchedulingEligibility), String(o.Status));
			if (ctx.f.allocs === true) {
				const allocs = (await ctx.client().get<Obj[]>(`/v1/node/${o.ID}/allocations`)).data ?? [];
				r.push(String(allocs.filter((a) => a.ClientStatus === "running").length));
			}
			rows.push(r.join("|"));
		}
		ctx.ui.out(formatList(rows));
		return 0;
	},
};

const nodeDrain: Command = {
	name: "node drain",
	synopsis: "Toggle drain mode on a given node",
	usage: "<node>",
	help: "Starts (-enable) or stops (-disable) draining a node: its allocations are migrated and it\nreceives no new work. -deadline bounds the drain (-force: now, -no-deadline: none).",
	flags: [
		{ name: "enable", kind: "bool", usage: "Start draining." },
		{ name: "disable", kind: "bool", usage: "Stop draining." },
		{ name: "deadline", kind: "string", usage: "Time after which remaining allocations are stopped (default 1h)." },
		{ name: "force", kind: "bool", usage: "Stop allocations immediately (deadline -1)." },
		{ name: "no-deadline", kind: "bool", usage: "Drain without a deadline." },
		{ name: "ignore-system", kind: "bool", usage: "Leave system jobs running." },
		{ name: "keep-ineligible", kind: "bool", usage: "With -disable: keep the node ineligible." },
		{ name: "m", kind: "string", usage: "A message recorded with the drain." },
		{ name: "self", kind: "bool", usage: "Drain the node of the agent being queried." },
		{ name: "yes", kind: "bool", usage: "Do not ask for confirmation." },
		{ name: "detach", kind: "bool", usage: "Return at once (nomad-ts never waits for the drain)." },
		{ name: "monitor", kind: "bool", usage: "Not supported by nomad-ts yet." },
	],
	run: async (ctx) => {
		const enable = ctx.f.enable === true;
		const disable = ctx.f.disable === true;
		if (enable === disable) return ctx.usageError("Ethier the '-enable' or '-disable' flag must be set");
		let id: string | undefined = ctx.args[0];
		if (ctx.f.self === true) id = await selfNodeID(ctx);
		if (!id || ctx.args.length > 1) return ctx.usageError("This command takes one argument: <node>");
		const node = await findNode(ctx, id);
		if (!node) return 1;
		let spec: Obj | null = null;
		if (enable) {
			let deadline = 3600e9;
			if (ctx.f.force === true) deadline = -1;
			else if (ctx.f["no-deadline"] === true) deadline = 0;
			else if (ctx.f.deadline) {
				try {
					deadline = parseDuration(String(ctx.f.deadline));
				} catch (e) {
					ctx.ui.err(`Failed to parse deadline ${JSON.stringify(ctx.f.deadline)}: ${(e as Error).message}`);
					return 1;
				}
			}
			spec = { Deadline: deadline, IgnoreSystemJobs: ctx.f["ignore-system"] === true };
		}
		try {
			await ctx.client().put(`/v1/node/${node.ID}/drain`, {
				NodeID: node.ID,
				DrainSpec: spec,
				MarkEligible: disable && ctx.f["keep-ineligible"] !== true,
				Meta: ctx.f.m ? { message: ctx.f.m } : null,
			});
		} catch (e) {
			return fail(ctx, "Error updating drain specification", e);
		}
		ctx.ui.out(
			enable
				? `${formatTime(Date.now())}: Ctrl-C to stop monitoring: will not cancel the node drain\n${formatTime(Date.now())}: Node "${node.ID}" drain strategy set`
				: `Node "${node.ID}" drain strategy unset`,
		);
		return 0;
	},
};

const nodeEligibility: Command = {
	name: "node eligibility",
	synopsis: "Toggle scheduling eligibility for a given node",
	usage: "<node>",
	help: "Marks a node eligible (-enable) or ineligible (-disable) for new allocations; running\nallocations are left alone.",
	flags: [
		{ name: "enable", kind: "bool", usage: "Mark eligible." },
		{ name: "disable", kind: "bool", usage: "Mark ineligible." },
		{ name: "self", kind: "bool", usage: "The node of the agent being queried." },
	],
	run: async (ctx) => {
		const enable = ctx.f.enable === true;
		if (enable === (ctx.f.disable === true))
			return ctx.usageError("Ethier the '-enable' or '-disable' flag must be set");
		let id: string | undefined = ctx.args[0];
		if (ctx.f.self === true) id = await selfNodeID(ctx);
		if (!id || ctx.args.length > 1) return ctx.usageError("This command takes one argument: <node>");
		const node = await findNode(ctx, id);
		if (!node) return 1;
		try {
			await ctx
				.client()
				.put(`/v1/node/${node.ID}/eligibility`, { NodeID: node.ID, Eligibility: enable ? "eligible" : "ineligible" });
		} catch (e) {
			return fail(ctx, "Error updating scheduling eligibility", e);
		}
		ctx.ui.out(`Node "${node.ID}" scheduling eligibility set: ${enable ? "eligible" : "ineligible"} for scheduling`);
		return 0;
	},
};

export const nodeCommands: Command[] = [nodeStatus, nodeDrain, nodeEligibility];
