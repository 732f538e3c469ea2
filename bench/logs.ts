// bench:logs — reading a task's log through the API against `cat` of the same file, in the same
// run: (1) follow throughput (plain and framed) until every byte of a ~64 MB log has arrived;
// (2) 100 concurrent followers of a log being written: the agent's CPU and RSS cost, against the
// same window with no follower.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { figure, rssMB, startDevAgent, stop } from "./lib.ts";

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.LOGS_MB ?? 64);

const agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
const pid = agent.proc.pid as number;
const api = (path: string, init?: RequestInit) => fetch(`${agent.url}${path}`, init);

const tmp = mkdtempSync(join(tmpdir(), "nomad-ts-logs-"));

/** Runs the script as a raw_exec task; the task tells where its alloc dir is (dev agents use a temp dir). */
async function runJob(id: string, script: string): Promise<{ allocID: string; logPath: string }> {
	const marker = join(tmp, id);
	script = `echo "$NOMAD_ALLOC_DIR" > ${marker}; ${script}`;
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
		if (a && existsSync(marker)) {
			const allocDir = readFileSync(marker, "utf8").trim();
			if (allocDir) return { allocID: a.ID, logPath: join(allocDir, "logs", "t.stdout.0") };
		}
		await new Promise((r) => setTimeout(r, 20));
	}
}

function cpuSeconds(p: number): number {
	const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
	return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Reads the follow stream until `bytes` of payload arrived; returns MB/s. node:http is the reader
 * (fetch's web streams cap out well below what the agent serves).
 */
function follow(allocID: string, bytes: number, plain: boolean, gzip = false): Promise<number> {
	const t0 = performance.now();
	const path = `/v1/client/fs/logs/${allocID}?task=t&type=stdout&origin=start&offset=0&follow=true${plain ? "&plain=true" : ""}`;
	return new Promise((resolve, reject) => {
		const req = http.get(
			`${agent.url}${path}`,
			// identity is what `cat` is compared with; gzip is what browsers ask for.
			{ headers: { "Accept-Encoding": gzip ? "gzip" : "identity" } },
			(res) => {
				const body: NodeJS.ReadableStream = gzip ? res.pipe(createGunzip()) : res;
				let got = 0;
				let carry = "";
				const done = () => {
					req.destroy();
					resolve(bytes / MB / ((performance.now() - t0) / 1000));
				};
				body.on("data", (chunk: Buffer) => {
					if (plain) got += chunk.length;
					else {
						// Framed: sum the decoded length of each complete frame's base64 Data.
						carry += chunk.toString("latin1");
						let at = 0;
						for (;;) {
							const d = carry.indexOf('"Data":"', at);
							if (d < 0) break;
							const end = carry.indexOf('"', d + 8);
							if (end < 0) break;
							const len = end - (d + 8);
							got += (len / 4) * 3 - (carry[end - 1] === "=" ? (carry[end - 2] === "=" ? 2 : 1) : 0);
							at = end + 1;
						}
						carry = carry.slice(at);
					}
					if (got >= bytes) done();
				});
				body.on("error", () => {});
			},
		);
		req.on("error", (e) => {
			if (!req.destroyed) reject(e);
		});
	});
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
const catOnce = () => {
	const c0 = performance.now();
	const cat = spawnSync("cat", [big.logPath], { maxBuffer: bytes * 2 });
	if (cat.status !== 0) throw new Error("cat failed");
	return bytes / MB / ((performance.now() - c0) / 1000);
};
// Best of three each (the first pass also warms the agent's code paths and the page cache).
const best = async (f: () => Promise<number> | number) => Math.max(await f(), await f(), await f());
const catMBs = await best(catOnce);
const plainMBs = await best(() => follow(big.allocID, bytes, true));
const framedMBs = await best(() => follow(big.allocID, bytes, false));
const gzipMBs = await best(() => follow(big.allocID, bytes, true, true));
figure(
	"logs_follow_plain_mb_per_s",
	plainMBs,
	`MB/s (${SIZE_MB} MB through /v1/client/fs/logs?follow=true&plain=true)`,
);
figure("logs_follow_framed_mb_per_s", framedMBs, "MB/s (same, Nomad's base64 frames)");
figure("logs_follow_plain_gzip_mb_per_s", gzipMBs, "MB/s (plain, gzip-encoded response, decoded by the reader)");
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
await stop(agent.proc);
rmSync(tmp, { recursive: true, force: true });
process.exit(0);
