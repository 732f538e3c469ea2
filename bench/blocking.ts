// bench:blocking — 10,000 concurrent blocking queries held by one dev agent: how long after a write
// until every one has its answer, and what they cost in agent memory. Baseline, same run: the wake
// latency of a single blocking query.
import { connect } from "node:net";
import { Agent, request } from "undici";
import { figure, rssMB, startDevAgent, stop } from "./lib.ts";

const N = Number(process.env.BENCH_QUERIES ?? 10_000);
const agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
const dispatcher = new Agent({ connections: N + 10, headersTimeout: 0, bodyTimeout: 0, pipelining: 0 });
const path = "/v1/namespace/default";

async function currentIndex(): Promise<number> {
	const r = await request(`${agent.url}${path}`, { dispatcher });
	await r.body.text();
	return Number(r.headers["x-nomad-index"]);
}

async function write(i: number): Promise<void> {
	const r = await request(`${agent.url}${path}`, {
		method: "PUT",
		body: JSON.stringify({ Name: "default", Description: `write ${i}` }),
		dispatcher,
	});
	await r.body.text();
	if (r.statusCode !== 200) throw new Error(`write failed: ${r.statusCode}`);
}

/** Starts `n` blocking queries, waits until the agent holds them, writes, times the wake-up. */
async function round(n: number, i: number): Promise<{ wakeMs: number; heldRssDelta: number }> {
	const index = await currentIndex();
	const rssBefore = rssMB(agent.proc.pid as number);
	let done = 0;
	let stale = 0;
	let lastAt = 0;
	// Raw keep-alive sockets: a full HTTP client per query would make the load generator, not the
	// agent, the thing being measured on a 2-core machine.
	const all = Array.from({ length: n }, () =>
		blockingOnSocket(index).then((got) => {
			if (got <= index) stale++;
			done++;
			lastAt = performance.now();
		}),
	);
	// Let every query reach the agent and park: poll the agent's RSS settling and a grace period.
	await new Promise((r) => setTimeout(r, Math.max(500, n / 4)));
	const held = rssMB(agent.proc.pid as number) - rssBefore;
	if (done > 0) throw new Error(`${done} queries returned before the write`);
	const t0 = performance.now();
	await write(i);
	await Promise.all(all);
	if (stale > 0) throw new Error(`${stale} queries answered without a newer index`);
	return { wakeMs: lastAt - t0, heldRssDelta: held };
}

const { hostname: host, port } = new URL(agent.url);

/** One blocking GET over its own TCP connection; resolves with the X-Nomad-Index answered. */
function blockingOnSocket(index: number): Promise<number> {
	return new Promise((resolve, reject) => {
		const sock = connect(Number(port), host.replace(/^\[|\]$/g, ""));
		let buf = "";
		sock.setNoDelay(true);
		sock.once("connect", () => {
			sock.write(`GET ${path}?index=${index}&wait=5m HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
		});
		sock.on("data", (d: Buffer) => {
			buf += d.toString("latin1");
			const m = /x-nomad-index: (\d+)/i.exec(buf);
			if (m && buf.includes("\r\n\r\n")) {
				sock.destroy();
				resolve(Number(m[1]));
			}
		});
		sock.once("error", reject);
	});
}

const single = await round(1, 0);
const many = await round(N, 1);
figure("blocking_single_wake_ms", single.wakeMs, "ms (baseline: one blocking query)");
figure("blocking_queries", N, "queries");
figure("blocking_all_woken_ms", many.wakeMs, "ms (write sent → last of all queries answered)");
figure("blocking_memory_mb", many.heldRssDelta, `MB agent RSS while holding ${N} queries`);
figure("blocking_memory_per_query_kb", (many.heldRssDelta * 1024) / N, "KB");
await dispatcher.close();
await stop(agent.proc);
