// alloc logs and alloc fs over the client's framed streams (/v1/client/fs/logs and /stream),
// plus ls / stat / cat for the allocation directory.
import type { IncomingMessage } from "node:http";
import { readFrames } from "../../api/frames.ts";
import { formatList, formatTime, humanBytes } from "../format.ts";
import { type Command, type Ctx, fail } from "../meta.ts";
import { findAlloc } from "./alloc.ts";
import type { Obj } from "./common.ts";

/** Bytes requested per wanted line when tailing (Nomad assumes ~120 bytes a line). */
const BYTES_PER_LINE = 120;
const DEFAULT_TAIL_LINES = 10;

/** Keeps only the last `n` lines of `buf`. */
export function lastLines(buf: Buffer, n: number): Buffer {
	let end = buf.length;
	if (end > 0 && buf[end - 1] === 0x0a) end--;
	let count = 0;
	for (let i = end - 1; i >= 0; i--) {
		if (buf[i] === 0x0a && ++count === n) return buf.subarray(i + 1);
	}
	return buf;
}

/** Streams frames to stdout; with a line limit, the first burst is trimmed to the last lines. */
async function pipeFrames(ctx: Ctx, res: IncomingMessage, lines: number | undefined, follow: boolean): Promise<void> {
	const stop = () => res.destroy();
	process.once("SIGINT", stop);
	try {
		if (lines === undefined) {
			for await (const f of readFrames(res)) if (f.data.length) ctx.ui.write(f.data);
			return;
		}
		// Collect the first burst (the tail of the file) and trim it to the last lines; when
		// following, the burst ends once no frame has arrived for a moment, then frames pass through.
		const first: Buffer[] = [];
		let flushed = false;
		let timer: NodeJS.Timeout | undefined;
		const flush = () => {
			if (flushed) return;
			flushed = true;
			ctx.ui.write(lastLines(Buffer.concat(first), lines));
		};
		const arm = (ms: number) => {
			if (!follow || flushed) return;
			clearTimeout(timer);
			timer = setTimeout(flush, ms);
		};
		arm(1000);
		for await (const f of readFrames(res)) {
			if (!f.data.length) continue;
			if (flushed) ctx.ui.write(f.data);
			else {
				first.push(f.data);
				arm(150);
			}
		}
		clearTimeout(timer);
		flush();
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== "ECONNRESET" && (e as Error).name !== "AbortError") throw e;
	} finally {
		process.off("SIGINT", stop);
	}
}

function tailOptions(ctx: Ctx): { origin: string; offset: number; lines?: number } | undefined {
	const tail = ctx.f.tail === true;
	const n = ctx.set.has("n") ? Number(ctx.f.n) : undefined;
	const c = ctx.set.has("c") ? Number(ctx.f.c) : undefined;
	if (!tail) {
		if (n !== undefined || c !== undefined) return undefined;
		return { origin: "start", offset: 0 };
	}
	if (c !== undefined) return { origin: "end", offset: c };
	const lines = n ?? DEFAULT_TAIL_LINES;
	return { origin: "end", offset: lines * BYTES_PER_LINE, lines };
}

const allocLogs: Command = {
	name: "alloc logs",
	synopsis: "Streams the logs of a task",
	usage: "<alloc> [<task>]",
	help: "Prints a task's stdout (or stderr with -stderr); -f keeps following new output, -tail starts\nfrom the end (-n lines or -c bytes).",
	flags: [
		{ name: "stderr", kind: "bool", usage: "Show stderr instead of stdout." },
		{ name: "f", kind: "bool", usage: "Follow the log as it grows (Ctrl-C to stop)." },
		{ name: "tail", kind: "bool", usage: "Start from the end of the log." },
		{ name: "n", kind: "int", usage: "With -tail: number of lines (default 10)." },
		{ name: "c", kind: "int", usage: "With -tail: number of bytes." },
		{ name: "task", kind: "string", usage: "Task name (instead of the second argument)." },
		{ name: "verbose", kind: "bool", usage: "Full IDs." },
	],
	run: async (ctx) => {
		if (ctx.args.length < 1 || ctx.args.length > 2)
			return ctx.usageError("This command takes one or two arguments: <alloc> [<task>]");
		const opts = tailOptions(ctx);
		if (!opts) return ctx.usageError("The -n and -c flags require -tail");
		const a = await findAlloc(ctx, ctx.args[0] as string);
		if (!a) return 1;
		const tasks = Object.keys((a.TaskStates ?? {}) as Obj).sort();
		let task = (ctx.f.task as string | undefined) || ctx.args[1];
		if (!task) {
			if (tasks.length !== 1) {
				ctx.ui.err(
					`Allocation "${String(a.ID).slice(0, 8)}" is running the following tasks:\n${tasks.map((t) => `  * ${t}`).join("\n")}\n\nPlease specify the task.`,
				);
				return 1;
			}
			task = tasks[0] as string;
		} else if (!tasks.includes(task)) {
			ctx.ui.err(`Could not find task named: ${task}, found:\n${tasks.map((t) => `* ${t}`).join("\n")}`);
			return 1;
		}
		try {
			const res = await ctx.client().stream(`/v1/client/fs/logs/${a.ID}`, {
				task,
				type: ctx.f.stderr === true ? "stderr" : "stdout",
				follow: ctx.f.f === true,
				origin: opts.origin,
				offset: opts.offset,
			});
			await pipeFrames(ctx, res, opts.lines, ctx.f.f === true);
		} catch (e) {
			return fail(ctx, "Error reading file", e);
		}
		return 0;
	},
};

function modeAndTime(f: Obj): string {
	const t = Date.parse(String(f.ModTime ?? ""));
	return `${f.FileMode}|${f.IsDir ? humanBytes(Number(f.Size ?? 0)) : humanBytes(Number(f.Size ?? 0))}|${Number.isNaN(t) ? "" : formatTime(t)}`;
}

const allocFs: Command = {
	name: "alloc fs",
	synopsis: "Inspect the contents of an allocation directory",
	usage: "<alloc> [<path>]",
	help: 'Lists a directory, or prints a file, of the allocation directory (default "/").\n-stat shows a file\'s details; -f follows a file as it grows; -tail starts from its end.',
	flags: [
		{ name: "stat", kind: "bool", usage: "Show the file's details instead of its content." },
		{ name: "f", kind: "bool", usage: "Follow the file (Ctrl-C to stop)." },
		{ name: "tail", kind: "bool", usage: "Start from the end of the file." },
		{ name: "n", kind: "int", usage: "With -tail: number of lines (default 10)." },
		{ name: "c", kind: "int", usage: "With -tail: number of bytes." },
		{ name: "H", kind: "bool", usage: "Machine-friendly sizes (bytes)." },
		{ name: "verbose", kind: "bool", usage: "Full IDs." },
	],
	run: async (ctx) => {
		if (ctx.args.length < 1 || ctx.args.length > 2)
			return ctx.usageError("This command takes one or two arguments: <alloc> [<path>]");
		const opts = tailOptions(ctx);
		if (!opts) return ctx.usageError("The -n and -c flags require -tail");
		const a = await findAlloc(ctx, ctx.args[0] as string);
		if (!a) return 1;
		const path = ctx.args[1] ?? "/";
		const c = ctx.client();
		let st: Obj;
		try {
			st = (await c.get<Obj>(`/v1/client/fs/stat/${a.ID}`, { path })).data;
		} catch (e) {
			return fail(ctx, "Error stating file", e);
		}
		const size = (f: Obj) => (ctx.f.H === true ? String(f.Size ?? 0) : humanBytes(Number(f.Size ?? 0)));
		const row = (f: Obj) => `${f.FileMode}|${size(f)}|${modeAndTime(f).split("|")[2]}|${f.Name}${f.IsDir ? "/" : ""}`;
		if (ctx.f.stat === true) {
			ctx.ui.out(
				formatList([
					"Mode|Size|Modified Time|Content Type|Name",
					row(st).replace(/\|([^|]*)$/, `|${st.ContentType ?? ""}|$1`),
				]),
			);
			return 0;
		}
		if (st.IsDir) {
			let files: Obj[];
			try {
				files = (await c.get<Obj[]>(`/v1/client/fs/ls/${a.ID}`, { path })).data ?? [];
			} catch (e) {
				return fail(ctx, "Error listing alloc dir", e);
			}
			ctx.ui.out(formatList(["Mode|Size|Modified Time|Name", ...files.map(row)]));
			return 0;
		}
		try {
			if (ctx.f.f === true || ctx.f.tail === true) {
				const res = await c.stream(`/v1/client/fs/stream/${a.ID}`, {
					path,
					follow: ctx.f.f === true,
					origin: opts.origin,
					offset: opts.origin === "end" ? Math.min(opts.offset, Number(st.Size ?? 0)) : 0,
				});
				await pipeFrames(ctx, res, opts.lines, ctx.f.f === true);
			} else {
				const r = await c.raw("GET", `/v1/client/fs/cat/${a.ID}`, { query: { path } });
				if (r.status !== 200)
					return fail(
						ctx,
						"Error reading file",
						new Error(`Unexpected response code: ${r.status} (${r.body.toString().trim()})`),
					);
				ctx.ui.write(r.body);
			}
		} catch (e) {
			return fail(ctx, "Error reading file", e);
		}
		return 0;
	},
};

export const allocFsCommands: Command[] = [allocLogs, allocFs];
