// The agent's /v1/agent/pprof/<kind>, Nomad's command/agent/pprof for Node: cmdline, a CPU profile,
// a trace, and the named profiles (heap, allocs, goroutine, threadcreate, block, mutex), with the
// headers Go's net/http/pprof sets. docs/agent-debug.md says what each kind measures here.
import { CodedError } from "../../lib/errors.ts";
import type { ProfileBuilder } from "./build.ts";
import { cpuProfile } from "./cpu.ts";
import { heapProfile } from "./heap.ts";
import { contentionProfile, goroutineProfile, threadcreateProfile } from "./runtimeProfiles.ts";
import { traceEvents } from "./trace.ts";

export const NAMED_PROFILES = ["allocs", "block", "goroutine", "heap", "mutex", "threadcreate"] as const;

export interface PprofRequest {
	/** What follows /v1/agent/pprof/: "cmdline", "profile", "trace" or a profile name. */
	kind: string;
	seconds: number;
	debug: number;
	gc: number;
	signal?: AbortSignal;
}

export interface PprofResult {
	body: Buffer | string;
	headers: Record<string, string>;
}

/** Go's strconv.Atoi with the error dropped, as Nomad parses seconds/debug/gc: junk reads as 0. */
export function atoiOrZero(v: string | null): number {
	if (v === null || !/^[+-]?\d+$/.test(v)) return 0;
	const n = Number(v);
	return Number.isSafeInteger(n) ? n : 0;
}

/** seconds (default 1, at least 1), debug and gc from the query, as Nomad's agentPprof reads them. */
export function pprofParams(query: URLSearchParams): { seconds: number; debug: number; gc: number } {
	const seconds = atoiOrZero(query.get("seconds"));
	return {
		seconds: seconds <= 0 ? 1 : seconds,
		debug: atoiOrZero(query.get("debug")),
		gc: atoiOrZero(query.get("gc")),
	};
}

const attachment = (name: string): Record<string, string> => ({
	"X-Content-Type-Options": "nosniff",
	"Content-Type": "application/octet-stream",
	"Content-Disposition": `attachment; filename="${name}"`,
});

/** The process's command line, NUL-separated, as Go's os.Args joined. */
export function cmdline(): string {
	return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join("\u0000");
}

async function namedProfile(req: PprofRequest): Promise<ProfileBuilder> {
	switch (req.kind) {
		case "heap":
		case "allocs":
			return heapProfile({ seconds: req.seconds, gc: req.gc > 0, signal: req.signal });
		case "goroutine":
			return goroutineProfile();
		case "threadcreate":
			return threadcreateProfile();
		case "block":
		case "mutex":
			return contentionProfile();
		default:
			throw new CodedError(404, `Pprof profile not found profile: ${req.kind}`);
	}
}

export async function runPprof(req: PprofRequest): Promise<PprofResult> {
	switch (req.kind) {
		case "cmdline":
			return {
				body: cmdline(),
				headers: { "X-Content-Type-Options": "nosniff", "Content-Type": "text/plain; charset=utf-8" },
			};
		case "profile":
			return { body: await cpuProfile(req.seconds, req.signal), headers: attachment("profile") };
		case "trace":
			return { body: await traceEvents(req.seconds, req.signal), headers: attachment("trace") };
		default: {
			const p = await namedProfile(req);
			if (req.debug !== 0) {
				return {
					body: p.text(req.kind),
					headers: { "X-Content-Type-Options": "nosniff", "Content-Type": "text/plain; charset=utf-8" },
				};
			}
			return { body: p.encode(), headers: attachment(req.kind) };
		}
	}
}
