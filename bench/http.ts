// bench:http — dev agent start-up time and idle RSS, and GET /v1/status/leader throughput against a
// bare node:http server answering the same bytes, both measured in this run.
import autocannon from "autocannon";
import { BIN, figure, freePort, rssMB, spawnTracked, startDevAgent, stop, waitFor } from "./lib.ts";

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;

async function throughput(url: string): Promise<number> {
	// Warm up JITs on both sides first, then measure.
	await autocannon({ url, connections: CONNECTIONS, duration: 1 });
	const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
	if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
	return r.requests.average;
}

// Baseline: the bare server's start-up and RSS.
const barePort = await freePort();
const t0 = performance.now();
const bare = spawnTracked(process.execPath, [
	`${BIN.replace("bin/nomad-ts.js", "bench/bareServer.mjs")}`,
	String(barePort),
]);
const bareReady = await waitFor(`http://127.0.0.1:${barePort}/`, () => true, t0);

const readies: number[] = [];
let agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
readies.push(agent.readyMs);
for (let i = 0; i < 2; i++) {
	await stop(agent.proc);
	agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
	readies.push(agent.readyMs);
}
readies.sort((a, b) => a - b);
figure("dev_agent_ready_ms", readies[1] ?? Number.NaN, "ms (median of 3; HTTP answering with a known leader)");
figure("bare_http_ready_ms", bareReady, "ms (baseline: bare node:http process, plain JS, answering)");

await new Promise((r) => setTimeout(r, 3000));
figure("dev_agent_idle_rss", rssMB(agent.proc.pid as number), "MB");
figure("bare_http_idle_rss", rssMB(bare.pid as number), "MB (baseline)");

const bareRps = await throughput(`http://127.0.0.1:${barePort}/`);
const agentRps = await throughput(`${agent.url}/v1/status/leader`);
figure("bare_http_rps", bareRps, "req/s (baseline)");
figure("status_leader_rps", agentRps, "req/s");
figure("status_leader_vs_bare", (agentRps / bareRps) * 100, "%");

await stop(agent.proc);
await stop(bare);
