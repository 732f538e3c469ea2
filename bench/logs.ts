// bench:logs — reading a task's log through the API against `cat` of the same file, in the same
// run: (1) follow throughput (plain and framed) until every byte of a ~64 MB log has arrived;
// (2) 100 concurrent followers of a log being written: the agent's CPU and RSS cost, against the
// same window with no follower.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { figure, rssMB, startDevAgent, stop } from "./lib.ts";

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.LOGS_MB ?? 64);

const agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
const pid = agent.proc.pid as number;
const api = (path: string, init?: RequestInit) => fetch(`${agent.url}${path}`, init);

async function runJob(id: string, script: string): Promise<{ allocID: string; logPath: string }> {
	const job = {
		Job: {
			ID: id,
			Datacenters: ["*"],
			TaskGroups: [
				{
					Name: "g",
					Tasks: [
						{
							Name: "t",
							Driver: "raw_exec",
							Config: { command: "/bin/sh", args: ["-c", script] },
							LogConfig: { MaxFiles: 2, MaxFileSizeMB: SIZE_MB * 2 },
							Resources: { CPU: 100, MemoryMB: 64 },
							KillTimeout: 100e6,
						},
					],
					EphemeralDisk: { SizeMB: SIZE_MB * 5 },
				},
			],
		},
	};
	const r = await api("/v1/jobs", { method: "PUT", body: JSON.stringify(job) });
	if (r.status !== 200) throw new Error(`register ${id}: ${r.status} ${await r.text()}`);
	for (;;) {
		const allocs = (await (await api(`/v1/job/${id}/allocations`)).json()) as { ID: string; ClientStatus: string }[];
		const a = allocs.find((x) => x.ClientStatus === "running");
		if (a) {
			const self = (await (await api("/v1/agent/self")).json()) as { config: { DataDir: string } };
			return { allocID: a.ID, logPath: `${self.config.DataDir}/alloc/${a.ID}/alloc/logs/t.stdout.0` };
		}
		await new Promise((r) => setTimeout(r, 20));
	}
}

function cpuSeconds(p: number): number {
	const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
	return (Number(f[11]) + Number(f[12])) / 100;
}

/** Reads the follow stream until `bytes` of payload arrived; returns MB/s. */
async function follow(allocID: string, bytes: number, plain: boolean): Promise<number> {
	const t0 = performance.now();
	const ctl = new AbortController();
	const r = await api(
		`/v1/client/fs/logs/${allocID}?task=t&type=stdout&origin=start&offset=0&follow=true${plain ? "&plain=true" : ""}`,
		{ signal: ctl.signal },
	);
	const reader = (r.body as ReadableStream<Uint8Array>).getReader();
	let got = 0;
	let text = "";
	while (got < bytes) {
		const { value, done } = await reader.read();
		if (done) break;
		if (plain) {
			got += value.length;
			continue;
		}
		// Framed: count decoded Data bytes of complete frames.
		text += Buffer.from(value).toString("latin1");
		for (;;) {
			const end = text.indexOf("}");
			if (end < 0) break;
			const frame = text.slice(0, end + 1);
			text = text.slice(end + 1);
			const m = /"Data":"([^"]*)"/.exec(frame);
			if (m) got += Buffer.from(m[1], "base64").length;
		}
	}
	ctl.abort();
	return bytes / MB / ((performance.now() - t0) / 1000);
}

// (1) throughput
const big = await runJob(
	"logs-big",
	`head -c ${SIZE_MB * MB} /dev/urandom | od -An -tx1 | head -c ${SIZE_MB * MB}; sleep 1000`,
);
for (;;) {
	try {
		if (statSync(big.logPath).size >= SIZE_MB * MB) break;
	} catch {
		// not yet
	}
	await new Promise((r) => setTimeout(r, 100));
}
const bytes = SIZE_MB * MB;
const c0 = performance.now();
const cat = spawnSync("cat", [big.logPath], { maxBuffer: bytes * 2 });
if (cat.status !== 0) throw new Error("cat failed");
const catMBs = bytes / MB / ((performance.now() - c0) / 1000);
const plainMBs = await follow(big.allocID, bytes, true);
const framedMBs = await follow(big.allocID, bytes, false);
figure(
	"logs_follow_plain_mb_per_s",
	plainMBs,
	`MB/s (${SIZE_MB} MB through /v1/client/fs/logs?follow=true&plain=true)`,
);
figure("logs_follow_framed_mb_per_s", framedMBs, "MB/s (same, Nomad's base64 frames)");
figure("cat_mb_per_s", catMBs, "MB/s (baseline: cat of the same file into this process)");
figure("logs_follow_plain_vs_cat", (100 * plainMBs) / catMBs, "%");

// (2) 100 followers of a log being written at ~1 line / 10 ms.
const chatty = await runJob("logs-chatty", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.01; done");
const WINDOW_S = 10;
const measure = async (label: string) => {
	const cpu0 = cpuSeconds(pid);
	const t0 = performance.now();
	let peak = rssMB(pid);
	while (performance.now() - t0 < WINDOW_S * 1000) {
		await new Promise((r) => setTimeout(r, 250));
		peak = Math.max(peak, rssMB(pid));
	}
	return { cpuPct: (100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000), peak, label };
};
const idle = await measure("no followers");
const ctls: AbortController[] = [];
let received = 0;
for (let i = 0; i < 100; i++) {
	const ctl = new AbortController();
	ctls.push(ctl);
	void api(`/v1/client/fs/logs/${chatty.allocID}?task=t&type=stdout&origin=end&follow=true`, { signal: ctl.signal })
		.then(async (r) => {
			for await (const chunk of r.body as AsyncIterable<Uint8Array>) received += chunk.length;
		})
		.catch(() => {});
}
const busy = await measure("100 followers");
for (const c of ctls) c.abort();
figure("followers_100_agent_cpu", busy.cpuPct, "% of one core (agent process, 100 followers, 10 s)");
figure("followers_0_agent_cpu", idle.cpuPct, "% of one core (baseline: same log, no follower)");
figure("followers_100_agent_rss_peak", busy.peak, "MB");
figure("followers_0_agent_rss_peak", idle.peak, "MB (baseline)");
figure("followers_100_bytes_received", received, "bytes (all followers)");
execFileSync("true");
await stop(agent.proc);
process.exit(0);
