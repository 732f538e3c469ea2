// /v1/agent/pprof/trace: Go's execution tracer has no Node equivalent that `go tool trace` reads;
// the closest is Node's trace events (V8 GC and compilation, async operations, fs, http, perf
// marks) for `seconds`, collected in memory through the inspector's NodeTracing domain and served as
// Chrome trace-event JSON ({"traceEvents":[...]}), which chrome://tracing and Perfetto open.
import { CodedError } from "../../lib/errors.ts";
import { inspectorSession, sleep } from "./inspector.ts";

export const TRACE_CATEGORIES = ["v8", "node", "node.async_hooks", "node.perf", "node.fs.async", "node.http"];

let tracing = false;

export async function traceEvents(seconds: number, signal?: AbortSignal): Promise<Buffer> {
	if (tracing) throw new CodedError(500, "runtime: tracing already enabled");
	tracing = true;
	const s = inspectorSession();
	const events: unknown[] = [];
	const onData = (m: { params: { value: unknown[] } }) => {
		for (const e of m.params.value) events.push(e);
	};
	s.on("NodeTracing.dataCollected", onData);
	try {
		const complete = new Promise<void>((resolve) => s.once("NodeTracing.tracingComplete", () => resolve()));
		await s.post("NodeTracing.start", { traceConfig: { includedCategories: TRACE_CATEGORIES } });
		await sleep(seconds * 1000, signal);
		await s.post("NodeTracing.stop");
		await complete;
		return Buffer.from(JSON.stringify({ traceEvents: events }));
	} finally {
		s.off("NodeTracing.dataCollected", onData);
		tracing = false;
	}
}
