// operator api, operator scheduler get-config|set-config, system gc, server members|join|
// force-leave, monitor.
import { readFileSync } from "node:fs";
import { readFrames } from "../../api/frames.ts";
import { formatKV, formatList } from "../format.ts";
import { type Command, describeError, fail, OUTPUT_FLAGS } from "../meta.ts";
import type { Obj } from "./common.ts";

const operatorApi: Command = {
	name: "operator api",
	synopsis: "Query Nomad's HTTP API",
	usage: "<path>",
	help: `Calls any HTTP API path (or full URL) with the CLI's address, token, region, namespace and TLS
settings, and prints the response body. The body is -d (a string, @file, or "-" for standard
input) or standard input when it is not a terminal; the method defaults to GET, or POST with a body.
Exits 1 when the answer is not 2xx.`,
	flags: [
		{ name: "X", kind: "string", usage: "HTTP method." },
		{ name: "H", kind: "list", usage: "Header 'Name: value' (repeatable)." },
		{ name: "d", kind: "string", usage: "Request body: text, @file, or - for standard input (nomad-ts extension)." },
		{ name: "filter", kind: "string", usage: "A filter expression, sent as ?filter=." },
		{ name: "dryrun", kind: "bool", usage: "Print the equivalent curl command instead of calling." },
		{ name: "verbose", kind: "bool", usage: "Print the status line and response headers on stderr." },
	],
	run: async (ctx) => {
		if (ctx.args.length === 0) return ctx.usageError("A path or URL is required");
		if (ctx.args.length > 1)
			return ctx.usageError(`operator api accepts exactly 1 argument, but ${ctx.args.length} arguments were found`);
		let body: Buffer | undefined;
		const d = ctx.f.d as string | undefined;
		try {
			if (d !== undefined)
				body = d === "-" ? readFileSync(0) : d.startsWith("@") ? readFileSync(d.slice(1)) : Buffer.from(d);
			else if (!process.stdin.isTTY && ctx.f.dryrun !== true) {
				const stdin = readFileSync(0);
				if (stdin.length > 0) body = stdin;
			}
		} catch (e) {
			ctx.ui.err(`Error reading stdin: ${(e as Error).message}`);
			return 1;
		}
		const headers: Record<string, string> = {};
		for (const h of ctx.f.H as string[]) {
			const i = h.indexOf(":");
			if (i < 1) return ctx.usageError(`Headers must be in the form "Name: value", got ${JSON.stringify(h)}`);
			headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
		}
		const method = ((ctx.f.X as string) || (body ? "POST" : "GET")).toUpperCase();
		const client = ctx.client();
		const target = ctx.args[0] as string;
		const u = new URL(target, client.base);
		const query: Record<string, string> = Object.fromEntries(u.searchParams);
		if (ctx.f.filter) query.filter = String(ctx.f.filter);
		if (ctx.f.dryrun === true) {
			const full = client.url(u.pathname, query);
			const parts = ["curl", "\\\n  -X", method];
			for (const [k, v] of Object.entries(headers)) parts.push("\\\n  -H", `'${k}: ${v}'`);
			if (client.config.token) parts.push("\\\n  -H", `'X-Nomad-Token: ${client.config.token}'`);
			if (body) parts.push("\\\n  --data-binary", "@-");
			parts.push("\\\n ", `"${full}"`);
			ctx.ui.out(parts.join(" "));
			return 0;
		}
		try {
			const r = await client.raw(method, u.pathname, { query, headers, body });
			if (ctx.f.verbose === true) {
				ctx.ui.err(`> ${method} ${client.url(u.pathname, query)}\n< HTTP ${r.status}`);
				for (const [k, v] of Object.entries(r.headers)) ctx.ui.err(`< ${k}: ${v}`);
			}
			ctx.ui.write(r.body);
			if (r.body.length > 0 && r.body[r.body.length - 1] !== 0x0a && process.stdout.isTTY) ctx.ui.write("\n");
			return r.status >= 200 && r.status < 300 ? 0 : 1;
		} catch (e) {
			return fail(ctx, "Error performing request", e);
		}
	},
};

const SCHED = "/v1/operator/scheduler/configuration";

const schedulerGet: Command = {
	name: "operator scheduler get-config",
	synopsis: "Display the current scheduler configuration",
	help: "Shows the cluster's scheduler configuration (algorithm, preemption, oversubscription...).",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let cfg: Obj;
		try {
			cfg = ((await ctx.client().get<Obj>(SCHED)).data?.SchedulerConfig ?? {}) as Obj;
		} catch (e) {
			return fail(ctx, "Error querying scheduler configuration", e);
		}
		if (ctx.formatted(cfg)) return 0;
		const pre = (cfg.PreemptionConfig ?? {}) as Obj;
		ctx.ui.out(
			formatKV([
				`Scheduler Algorithm|${cfg.SchedulerAlgorithm}`,
				`Memory Oversubscription|${cfg.MemoryOversubscriptionEnabled === true}`,
				`Reject Job Registration|${cfg.RejectJobRegistration === true}`,
				`Pause Eval Broker|${cfg.PauseEvalBroker === true}`,
			]),
		);
		ctx.ui.out("\nPreemption Options");
		ctx.ui.out(
			formatKV([
				`System Scheduler|${pre.SystemSchedulerEnabled === true}`,
				`SysBatch Scheduler|${pre.SysBatchSchedulerEnabled === true}`,
				`Batch Scheduler|${pre.BatchSchedulerEnabled === true}`,
				`Service Scheduler|${pre.ServiceSchedulerEnabled === true}`,
			]),
		);
		return 0;
	},
};

const BOOL_SETTINGS: [flag: string, path: string[]][] = [
	["memory-oversubscription", ["MemoryOversubscriptionEnabled"]],
	["reject-job-registration", ["RejectJobRegistration"]],
	["pause-eval-broker", ["PauseEvalBroker"]],
	["preempt-system-scheduler", ["PreemptionConfig", "SystemSchedulerEnabled"]],
	["preempt-sysbatch-scheduler", ["PreemptionConfig", "SysBatchSchedulerEnabled"]],
	["preempt-batch-scheduler", ["PreemptionConfig", "BatchSchedulerEnabled"]],
	["preempt-service-scheduler", ["PreemptionConfig", "ServiceSchedulerEnabled"]],
];

const schedulerSet: Command = {
	name: "operator scheduler set-config",
	synopsis: "Modify the current scheduler configuration",
	help: "Changes the given settings of the scheduler configuration; the others keep their values.\nBoolean settings take true or false, e.g. -memory-oversubscription=true.",
	flags: [
		{ name: "scheduler-algorithm", kind: "string", usage: "binpack or spread." },
		...BOOL_SETTINGS.map(([name]) => ({ name, kind: "string" as const, usage: "true or false." })),
		{ name: "check-index", kind: "int", usage: "Update only if the configuration's modify index matches." },
	],
	run: async (ctx) => {
		if (ctx.args.length !== 0) return ctx.usageError("This command takes no arguments");
		let cfg: Obj;
		try {
			cfg = ((await ctx.client().get<Obj>(SCHED)).data?.SchedulerConfig ?? {}) as Obj;
		} catch (e) {
			return fail(ctx, "Error querying scheduler configuration", e);
		}
		if (ctx.set.has("scheduler-algorithm")) cfg.SchedulerAlgorithm = ctx.f["scheduler-algorithm"];
		for (const [flag, path] of BOOL_SETTINGS) {
			if (!ctx.set.has(flag)) continue;
			const v = String(ctx.f[flag]);
			if (v !== "true" && v !== "false")
				return ctx.usageError(`Invalid -${flag} value ${JSON.stringify(v)}: must be true or false`);
			let target = cfg;
			for (const key of path.slice(0, -1)) {
				if (!target[key] || typeof target[key] !== "object") target[key] = {};
				target = target[key] as Obj;
			}
			target[path[path.length - 1] as string] = v === "true";
		}
		const query = ctx.set.has("check-index") ? { cas: ctx.f["check-index"] as number } : undefined;
		try {
			const r = (await ctx.client().put<Obj>(SCHED, cfg, query)).data;
			if (query && r?.Updated === false) {
				ctx.ui.out("Scheduler configuration could not be atomically updated, please try again");
				return 1;
			}
		} catch (e) {
			return fail(ctx, "Error setting scheduler configuration", e);
		}
		ctx.ui.out("Scheduler configuration updated!");
		return 0;
	},
};

const systemGc: Command = {
	name: "system gc",
	synopsis: "Run the system garbage collection process",
	help: "Collects terminal jobs, evaluations, allocations and down nodes now, regardless of their age.",
	run: async (ctx) => {
		try {
			await ctx.client().put("/v1/system/gc");
		} catch (e) {
			return fail(ctx, "Error running system garbage-collection", e);
		}
		return 0;
	},
};

const serverMembers: Command = {
	name: "server members",
	synopsis: "Display a list of the known servers and their status",
	help: "Lists the servers of the gossip pool as the queried agent sees them.",
	flags: [
		{ name: "detailed", kind: "bool", usage: "Show every member tag." },
		{ name: "verbose", kind: "bool", usage: "Same as -detailed." },
		...OUTPUT_FLAGS,
	],
	run: async (ctx) => {
		let data: Obj;
		try {
			data = (await ctx.client().get<Obj>("/v1/agent/members")).data;
		} catch (e) {
			return fail(ctx, "Error querying servers", e);
		}
		const members = (data?.Members as Obj[] | null) ?? [];
		if (ctx.formatted(members)) return 0;
		let leader = "";
		try {
			leader = String((await ctx.client().get<string>("/v1/status/leader")).data ?? "");
		} catch {
			// Without a leader every member shows false.
		}
		const detailed = ctx.f.detailed === true || ctx.f.verbose === true;
		const rows = [
			detailed
				? "Name|Address|Port|Status|Leader|Protocol|Raft Version|Build|Datacenter|Region|Tags"
				: "Name|Address|Port|Status|Leader|Raft Version|Build|Datacenter|Region",
		];
		for (const m of [...members].sort((a, b) => String(a.Name).localeCompare(String(b.Name)))) {
			const tags = (m.Tags ?? {}) as Record<string, string>;
			// Nomad compares the leader's RPC address with the member's address and RPC port tag.
			const isLeader =
				leader !== "" && (leader === `${m.Addr}:${tags.port}` || leader === `${tags.rpc_addr}:${tags.port}`);
			const base = [
				m.Name,
				m.Addr,
				m.Port,
				m.Status,
				isLeader,
				tags.raft_vsn ?? "",
				tags.build ?? "",
				tags.dc ?? "",
				tags.region ?? "",
			];
			if (detailed) {
				base.splice(5, 0, String(m.ProtocolCur ?? ""));
				base.push(
					Object.keys(tags)
						.sort()
						.map((k) => `${k}=${tags[k]}`)
						.join(","),
				);
			}
			rows.push(base.join("|"));
		}
		ctx.ui.out(formatList(rows));
		return 0;
	},
};

const raftListPeers: Command = {
	name: "operator raft list-peers",
	synopsis: "Display the current Raft peer configuration",
	help: "Lists the servers of the Raft configuration with their address, state and voting status.\nNeeds a management token when ACLs are enabled.",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let servers: Obj[];
		try {
			servers = ((await ctx.client().get<Obj>("/v1/operator/raft/configuration")).data?.Servers ?? []) as Obj[];
		} catch (e) {
			return fail(ctx, "Failed to retrieve raft configuration", e);
		}
		if (ctx.formatted(servers)) return 0;
		const rows = ["Node|ID|Address|State|Voter|RaftProtocol"];
		for (const s of servers) {
			rows.push(
				[s.Node, s.ID, s.Address, s.Leader === true ? "leader" : "follower", s.Voter === true, s.RaftProtocol].join(
					"|",
				),
			);
		}
		ctx.ui.out(formatList(rows));
		return 0;
	},
};

const serverJoin: Command = {
	name: "server join",
	synopsis: "Join server nodes together",
	usage: "<addr> [<addr>...]",
	help: "Asks the queried server to join the gossip pool of the servers at the given addresses.",
	run: async (ctx) => {
		if (ctx.args.length === 0) return ctx.usageError("One or more node addresses must be given as arguments");
		const u = new URLSearchParams();
		for (const a of ctx.args) u.append("address", a);
		let r: Obj;
		try {
			r = (await ctx.client().put<Obj>(`/v1/agent/join?${u.toString()}`)).data ?? {};
		} catch (e) {
			return fail(ctx, "Error joining", e);
		}
		if (r.error) {
			ctx.ui.err(`Error joining: ${r.error}`);
			return 1;
		}
		ctx.ui.out(`Joined ${r.num_joined ?? 0} servers successfully`);
		return 0;
	},
};

const serverForceLeave: Command = {
	name: "server force-leave",
	synopsis: "Force a server into the 'left' state",
	usage: "<node>",
	help: "Moves a failed server to the left state so the cluster stops waiting for it.",
	flags: [{ name: "prune", kind: "bool", usage: "Remove the server from the member list entirely." }],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <node>");
		try {
			await ctx
				.client()
				.put("/v1/agent/force-leave", {}, { node: ctx.args[0], prune: ctx.f.prune === true || undefined });
		} catch (e) {
			return fail(ctx, "Error force-leaving server", e);
		}
		return 0;
	},
};

const monitor: Command = {
	name: "monitor",
	synopsis: "Stream logs from a Nomad agent",
	help: "Streams the log of the queried agent (or of -node-id / -server-id through it) until Ctrl-C.",
	flags: [
		{
			name: "log-level",
			kind: "string",
			usage: "Lowest level to show: trace, debug, info, warn, error (default info).",
		},
		{ name: "log-include-location", kind: "bool", usage: "Include file and line (ignored by nomad-ts)." },
		{ name: "node-id", kind: "string", usage: "Stream the logs of this client node." },
		{ name: "server-id", kind: "string", usage: "Stream the logs of this server ('leader' for the leader)." },
		{ name: "json", kind: "bool", usage: "Log lines as JSON." },
	],
	run: async (ctx) => {
		if (ctx.args.length !== 0) return ctx.usageError("This command takes no arguments");
		const ac = new AbortController();
		const stop = () => ac.abort();
		process.once("SIGINT", stop);
		try {
			const res = await ctx.client().stream(
				"/v1/agent/monitor",
				{
					log_level: (ctx.f["log-level"] as string) || "info",
					node_id: ctx.f["node-id"] as string,
					server_id: ctx.f["server-id"] as string,
					log_json: ctx.f.json === true || undefined,
				},
				ac.signal,
			);
			for await (const f of readFrames(res)) if (f.data.length) ctx.ui.write(f.data);
			return 0;
		} catch (e) {
			if (ac.signal.aborted) return 0;
			ctx.ui.err(`Error starting monitor: ${describeError(e)}`);
			return 1;
		} finally {
			process.off("SIGINT", stop);
		}
	},
};

export const operatorCommands: Command[] = [
	operatorApi,
	schedulerGet,
	schedulerSet,
	systemGc,
	raftListPeers,
	serverMembers,
	serverJoin,
	serverForceLeave,
	monitor,
];
