// /v1/client/fs/{ls,stat,cat,readat,stream,logs}/<alloc>: the files of an allocation, served by the
// client that runs it (this agent's own, or the owning node's through forwarding). cat and
// readat are untrusted content: served as text/plain or application/octet-stream only, with
// nosniff. stream and logs write Nomad's StreamFrame JSON (or raw bytes with logs?plain=true) and
// stop when the HTTP client goes away.
import type { Readable } from "node:stream";
import type { StreamFramer } from "../../../client/fs/index.ts";

type FsModule = typeof import("../../../client/fs/index.ts");
let fsModule: Promise<FsModule> | undefined;
/** The allocation filesystem code loads on the first fs request (idle agents never need it). */
const fsApi = (): Promise<FsModule> => {
	fsModule ??= import("../../../client/fs/index.ts");
	return fsModule;
};

import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { boolQueryParam } from "../query.ts";
import { openStream } from "../respond.ts";
import { HANDLED, type RequestContext, type Route } from "../types.ts";
import { allocTarget } from "./clientTarget.ts";
import type { AgentHandle, LocalAllocRunner } from "./context.ts";

/** Thrown by runnerFor once the owning node answered the request (caught by the route). */
const FORWARDED = Symbol("forwarded");

const OPS = new Set(["ls", "stat", "cat", "readat", "stream", "logs"]);

function intParam(ctx: RequestContext, name: string, required = false): number {
	const v = ctx.query.get(name);
	if (v === null || v === "") {
		if (required) throw new CodedError(400, `error parsing ${name}: strconv.ParseInt: parsing "": invalid syntax`);
		return 0;
	}
	if (!/^[+-]?\d+$/.test(v))
		throw new CodedError(400, `error parsing ${name}: strconv.ParseInt: parsing "${v}": invalid syntax`);
	return Number(v);
}

function requirePath(ctx: RequestContext): string {
	const p = ctx.query.get("path");
	if (!p) throw new CodedError(400, "must provide a file name");
	return p;
}

function origin(ctx: RequestContext): string {
	const o = ctx.query.get("origin") || "start";
	if (o !== "start" && o !== "end") throw new CodedError(400, "origin must be start or end");
	return o;
}

/** Copies a readable into a streamed response; stops when the client disconnects. */
async function pipePlain(ctx: RequestContext, src: Readable, contentType: string): Promise<typeof HANDLED> {
	const w = openStream(ctx, contentType, { "X-Content-Type-Options": "nosniff" });
	const stop = () => src.destroy();
	ctx.signal.addEventListener("abort", stop, { once: true });
	try {
		for await (const chunk of src) {
			if (w.closed) break;
			// Backpressure: a slow reader (or a forwarding server's window) pauses the file read.
			if (!w.write(chunk as Buffer)) await w.drain();
		}
	} catch {
		// Client gone or read error after the status was sent: nothing more to say.
	} finally {
		ctx.signal.removeEventListener("abort", stop);
		src.destroy();
		if (!w.closed) w.end();
	}
	return HANDLED;
}

/** Runs a framed producer against a streamed response. */
async function framed(
	ctx: RequestContext,
	plain: boolean,
	run: (framer: StreamFramer) => Promise<unknown>,
): Promise<typeof HANDLED> {
	const { StreamFramer: Framer } = await fsApi();
	const w = openStream(ctx, plain ? "text/plain" : "application/json");
	const framer = new Framer((c) => w.write(c), { plain, drain: () => w.drain() });
	try {
		await run(framer);
	} catch {
		// Errors after the 200 went out end the stream (Nomad writes them mid-body; EOF is ignored).
	} finally {
		framer.close();
		if (!w.closed) w.end();
	}
	return HANDLED;
}

export function clientFsRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/client/fs/",
			acl: "namespace:read-fs",
			// Logs may be read with read-logs or read-fs, as Nomad.
			aclFor: (ctx) => (ctx.rest.startsWith("logs/") ? "namespace:read-logs|read-fs" : "namespace:read-fs"),
			aclObject: (ctx) => ({ table: "allocs", id: ctx.rest.slice(ctx.rest.indexOf("/") + 1) }),
			cors: true,
			handler: async (ctx) => {
				try {
					return await serveFs(agent, ctx);
				} catch (err) {
					if (err === FORWARDED) return HANDLED;
					throw err;
				}
			},
		},
	];
}

async function serveFs(agent: AgentHandle, ctx: RequestContext): Promise<unknown> {
	const { listDir, planFileStream, planLogs, pumpFile, readAt, statFile, streamLogs } = await fsApi();
	const slash = ctx.rest.indexOf("/");
	const op = slash < 0 ? ctx.rest : ctx.rest.slice(0, slash);
	if (slash < 0 || !OPS.has(op)) throw new CodedError(404, ErrMsg.invalidMethod);
	const allocID = ctx.rest.slice(slash + 1);
	if (!allocID) throw new CodedError(400, "must provide a valid alloc id");
	// Parameters are checked before the allocation is looked for, as Nomad's handlers do.
	// ls and stat are unary RPCs in Nomad; cat, readat, stream and logs streaming ones, which
	// report an unknown node differently.
	const runnerFor = async (id: string): Promise<LocalAllocRunner> => {
		const r = await allocTarget(agent, ctx, id, { streaming: op !== "ls" && op !== "stat" });
		if (r === HANDLED) throw FORWARDED;
		return r;
	};
	switch (op) {
		case "ls": {
			const path = ctx.query.get("path") || "/";
			return listDir((await runnerFor(allocID)).allocDir, path);
		}
		case "stat": {
			const path = requirePath(ctx);
			return statFile((await runnerFor(allocID)).allocDir, path);
		}
		case "cat": {
			const path = requirePath(ctx);
			const { stream, contentType } = await readAt((await runnerFor(allocID)).allocDir, path, 0, 0);
			return pipePlain(ctx, stream, contentType);
		}
		case "readat": {
			const path = requirePath(ctx);
			const offset = intParam(ctx, "offset", true);
			const limit = intParam(ctx, "limit");
			const { stream, contentType } = await readAt((await runnerFor(allocID)).allocDir, path, offset, limit);
			return pipePlain(ctx, stream, contentType);
		}
		case "stream": {
			const path = requirePath(ctx);
			const follow = boolQueryParam(ctx, "follow", true);
			const offset = intParam(ctx, "offset");
			const o = origin(ctx);
			const allocDir = (await runnerFor(allocID)).allocDir;
			const plan = planFileStream(allocDir, path, o, offset);
			return framed(ctx, false, (framer) =>
				pumpFile(framer, { allocDir, path, label: path, offset: plan.offset, follow, signal: ctx.signal }),
			);
		}
		default: {
			const task = ctx.query.get("task");
			if (!task) throw new CodedError(400, "must provide task name");
			const type = ctx.query.get("type") ?? "";
			if (type !== "stdout" && type !== "stderr") throw new CodedError(400, "must provide log type (stdout/stderr)");
			const follow = boolQueryParam(ctx, "follow", false);
			const plain = boolQueryParam(ctx, "plain", false);
			const offset = intParam(ctx, "offset");
			const o = origin(ctx);
			const runner = await runnerFor(allocID);
			const state = runner.taskStates()[task];
			if (!state) throw new CodedError(400, `unknown task name "${task}"`);
			if (!state.StartedAt) throw new CodedError(404, `task "${task}" not started yet. No logs available`);
			const plan = planLogs(runner.allocDir, task, type, o, offset);
			return framed(ctx, plain, (framer) =>
				streamLogs(framer, { allocDir: runner.allocDir, task, type, follow, plan, signal: ctx.signal }),
			);
		}
	}
}
