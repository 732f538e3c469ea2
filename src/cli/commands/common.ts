// Helpers shared by commands: prefix lookups of jobs, allocations, nodes and evaluations with
// Nomad's "Prefix matched multiple ..." answers, and common table rows.
import type { ApiClient } from "../../api/client.ts";
import { agoNano, formatList, limit, SHORT_ID } from "../format.ts";
import { type Command, type Ctx, fail } from "../meta.ts";

export type Obj = Record<string, unknown> & { ID?: string };

/** Nomad trims an ID prefix to an even length (UUID prefixes are matched on whole bytes). */
export function sanitizePrefix(p: string): string {
	return p.length % 2 === 1 ? p.slice(0, -1) : p;
}

export function idLength(ctx: Ctx): number {
	return ctx.f.verbose === true ? 36 : SHORT_ID;
}

export class Ambiguous extends Error {
	readonly listing: string;
	constructor(what: string, listing: string) {
		super(`Prefix matched multiple ${what}`);
		this.listing = listing;
	}
}

/** Finds one object by ID prefix from a list endpoint; throws Ambiguous with a table on several. */
export async function byPrefix(
	client: ApiClient,
	listPath: string,
	prefix: string,
	what: string,
	row: (o: Obj) => string,
	headerRow: string,
	query: Record<string, string> = {},
): Promise<Obj | undefined> {
	// UUID prefixes are matched on whole bytes by the server; job IDs are free-form.
	const sent = listPath === "/v1/jobs" ? prefix : sanitizePrefix(prefix);
	const { data } = await client.get<Obj[]>(listPath, { prefix: sent, ...query });
	const list = (data ?? []).filter((o) => String(o.ID ?? "").startsWith(prefix));
	if (list.length === 0) return undefined;
	const exact = list.find((o) => o.ID === prefix);
	if (exact || list.length === 1) return exact ?? list[0];
	throw new Ambiguous(what, formatList([headerRow, ...list.map(row)]));
}

/** Reports an Ambiguous match as Nomad does (exit 1); rethrows anything else. */
export function ambiguous(ctx: Ctx, e: unknown): number {
	if (e instanceof Ambiguous) {
		ctx.ui.err(`${e.message}\n\n${e.listing}`);
		return 1;
	}
	throw e;
}

/** Allocation list rows as Nomad's job status / node status print them. */
export function allocRows(allocs: Obj[], ctx: Ctx, opts: { node?: boolean; job?: boolean } = {}): string {
	const n = idLength(ctx);
	const now = Date.now();
	const head = ["ID"];
	if (ctx.f.verbose === true) head.push("Eval ID");
	if (opts.node !== false) head.push("Node ID");
	if (opts.job) head.push("Job ID", "Job Version");
	head.push("Task Group");
	if (!opts.job) head.push("Version");
	head.push("Desired", "Status", "Created", "Modified");
	const rows = [head.join("|")];
	const sorted = [...allocs].sort((a, b) => Number(b.CreateIndex ?? 0) - Number(a.CreateIndex ?? 0));
	for (const a of sorted) {
		const r = [limit(a.ID, n)];
		if (ctx.f.verbose === true) r.push(limit(a.EvalID as string, n));
		if (opts.node !== false) r.push(limit(a.NodeID as string, n));
		if (opts.job) r.push(String(a.JobID), String((a.Job as Obj | undefined)?.Version ?? a.JobVersion ?? 0));
		r.push(String(a.TaskGroup));
		if (!opts.job) r.push(String(a.JobVersion ?? (a.Job as Obj | undefined)?.Version ?? 0));
		r.push(
			String(a.DesiredStatus),
			String(a.ClientStatus),
			agoNano(a.CreateTime as number, now),
			agoNano(a.ModifyTime as number, now),
		);
		rows.push(r.join("|"));
	}
	return formatList(rows);
}

export function jobPath(id: string, suffix = ""): string {
	return `/v1/job/${encodeURIComponent(id)}${suffix}`;
}

/** Resolves a job ID prefix (exact match wins). */
export async function resolveJob(ctx: Ctx, prefix: string): Promise<string | undefined> {
	const n = idLength(ctx);
	const job = await byPrefix(
		ctx.client(),
		"/v1/jobs",
		prefix,
		"jobs",
		(j) => `${j.ID}|${j.Type}|${j.Priority}|${j.Status}|${limit(j.Namespace as string, n)}`,
		"ID|Type|Priority|Status|Namespace",
	);
	return job?.ID;
}

/** Prints one object fetched from `path` (or -json / -t). */
export async function showObject(ctx: Ctx, path: string, what: string, format: (o: Obj) => string): Promise<number> {
	let o: Obj;
	try {
		o = (await ctx.client().get<Obj>(path)).data;
	} catch (e) {
		return fail(ctx, `Error fetching ${what}`, e);
	}
	if (!ctx.formatted(o)) ctx.ui.out(format(o));
	return 0;
}

/** A command deleting one ACL object by its argument. */
export function deleter(
	name: string,
	what: string,
	arg: string,
	path: (id: string) => string,
	done: (id: string) => string,
): Command {
	return {
		name,
		synopsis: `Delete an existing ${what}`,
		usage: `<${arg}>`,
		help: `Deletes an ACL ${what}.`,
		run: async (ctx) => {
			if (ctx.args.length !== 1) return ctx.usageError(`This command takes one argument: <${arg}>`);
			const id = ctx.args[0] as string;
			try {
				await ctx.client().delete(path(encodeURIComponent(id)));
			} catch (e) {
				return fail(ctx, `Error deleting ${what}`, e);
			}
			ctx.ui.out(done(id));
			return 0;
		},
	};
}
