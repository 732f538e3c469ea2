// bench:monitor — how many log lines per second a /v1/agent/monitor stream keeps up with.
// The agent side runs in this process: its log hub, the real HTTP server and the real monitor
// route (no agent start-up, no test hook in the agent's API). A generator logs DEBUG lines as fast
// as it can, yielding to the event loop every BATCH lines so the HTTP side can write; a reader in a
// worker thread (its own event loop, like a separate client) reads the stream and counts the lines
// it decodes. Baseline: the same generator with no monitor, its lines formatted into a discarding
// sink (what the agent pays to log at DEBUG to an output nobody reads).
import { setImmediate as yieldLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { HttpServer } from "../src/agent/http/httpServer.ts";
import { Router } from "../src/agent/http/router.ts";
import { agentDebugRoutes } from "../src/agent/http/routes/agentDebugRoutes.ts";
import type { AgentHandle } from "../src/agent/http/routes/context.ts";
import { Logger, LogHub } from "../src/lib/logger.ts";
import { MetricsRegistry } from "../src/lib/metrics.ts";
import { figure } from "./lib.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const BATCH = 200;

/** Logs realistic DEBUG lines for `ms`; returns how many were logged. */
async function generate(log: Logger, ms: number): Promise<number> {
	let n = 0;
	const end = performance.now() + ms;
	while (performance.now() < end) {
		for (let i = 0; i < BATCH; i++) {
			log.debug("request complete", { method: "GET", path: "/v1/job/example/allocations", duration: "0.412ms", n });
			n++;
		}
		await yieldLoop();
	}
	return n;
}

/** The reader: streams the monitor, decodes frames (or plain text), counts lines and drop notices. */
const READER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
let lines = 0, dropped = 0, buf = "", text = "";
const count = (s) => {
	text += s;
	let i;
	while ((i = text.indexOf("\\n")) >= 0) {
		const line = text.slice(0, i);
		text = text.slice(i + 1);
		const m = /Monitor dropped (\\d+) logs/.exec(line);
		if (m) dropped += Number(m[1]); else lines++;
	}
};
const req = http.get(workerData.url, (res) => {
	res.setEncoding("utf8");
	res.on("data", (d) => {
		if (workerData.plain) return count(d);
		buf += d;
		// Frames are concatenated JSON objects; Data never contains braces (base64).
		let end;
		while ((end = buf.indexOf("}")) >= 0) {
			const f = JSON.parse(buf.slice(0, end + 1));
			buf = buf.slice(end + 1);
			if (f.Data) count(Buffer.from(f.Data, "base64").toString());
		}
	});
	parentPort.postMessage({ ready: true });
});
parentPort.on("message", () => {
	req.destroy();
	parentPort.postMessage({ lines, dropped });
});
`;

async function withMonitor(
	hub: LogHub,
	base: string,
	plain: boolean,
): Promise<{ generated: number; lines: number; dropped: number; notices: number }> {
	const url = `${base}/v1/agent/monitor?log_level=debug${plain ? "&plain=true" : ""}`;
	const worker = new Worker(READER, { eval: true, workerData: { url, plain } });
	const messages: { ready?: boolean; lines?: number; dropped?: number }[] = [];
	let wake: (() => void) | undefined;
	worker.on("message", (m) => {
		messages.push(m);
		wake?.();
	});
	const next = async () => {
		while (messages.length === 0) await new Promise<void>((r) => (wake = r));
		return messages.shift() ?? {};
	};
	await next(); // the stream is open and the sink registered
	const t0 = performance.now();
	const generated = await generate(new Logger(hub, "agent.http"), SECONDS * 1000);
	// Let the tail of the stream (batched up to 200 ms) reach the reader before counting.
	await new Promise((r) => setTimeout(r, 500));
	const elapsed = (performance.now() - t0) / 1000;
	worker.postMessage("stop");
	const res = await next();
	await worker.terminate();
	const received = res.lines ?? 0;
	return {
		generated: generated / elapsed,
		lines: received / elapsed,
		// Logged but never received: dropped by the bounded buffer (the last 3 s window's notice
		// may not have been sent yet, hence counted from both ends rather than from the notices).
		dropped: generated - received,
		notices: res.dropped ?? 0,
	};
}

async function main(): Promise<void> {
	// Baseline: no monitor; one DEBUG sink that takes the formatted line and discards it.
	const baseHub = new LogHub();
	let sunk = 0;
	baseHub.addSink({ level: "debug", json: false, write: () => sunk++ });
	const t0 = performance.now();
	const baseline = await generate(new Logger(baseHub, "agent.http"), SECONDS * 1000);
	const baseRate = baseline / ((performance.now() - t0) / 1000);

	const hub = new LogHub();
	const agent: AgentHandle = {
		region: "global",
		server: undefined,
		client: undefined,
		metrics: new MetricsRegistry(),
		prometheusMetrics: false,
		enableDebug: true,
		aclEnabled: false,
		logHub: hub,
	};
	const router = new Router();
	for (const r of agentDebugRoutes(agent)) router.add(r);
	const http = new HttpServer({ host: "127.0.0.1", port: 0, router, logger: new Logger(new LogHub()) });
	const base = `http://127.0.0.1:${(await http.listen()).port}`;
	const framed = await withMonitor(hub, base, false);
	const plain = await withMonitor(hub, base, true);
	await http.close();

	console.log(`# ${SECONDS} s of DEBUG logging, yielding every ${BATCH} lines; reader in a worker thread`);
	figure("baseline_lines_per_second", Math.round(baseRate), "lines/s (no monitor; formatted into a discarding sink)");
	figure(
		"monitor_lines_per_second",
		Math.round(framed.lines),
		"lines/s (received by a framed /v1/agent/monitor reader)",
	);
	figure("monitor_generated_lines_per_second", Math.round(framed.generated), "lines/s (logged while that monitor ran)");
	figure("monitor_dropped_lines", framed.dropped, `lines (logged, never received; ${framed.notices} in drop notices)`);
	figure("monitor_plain_lines_per_second", Math.round(plain.lines), "lines/s (received with plain=true)");
	figure("monitor_plain_dropped_lines", plain.dropped, `lines (${plain.notices} in drop notices)`);
	if (sunk !== baseline) throw new Error("baseline sink missed lines");
}

await main();
