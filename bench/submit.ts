// bench:submit — submit → task running for a raw_exec job on a dev agent: from the PUT /v1/jobs
// request until the task's process has started (it creates a marker file, watched here), p50/p99
// over many jobs. Baseline in the same run: a bare child_process.spawn of the same command until
// its marker exists.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, startDevAgent, stop } from "./lib.ts";

const RUNS = Number(process.env.SUBMIT_RUNS ?? 40);
const dir = mkdtempSync(join(tmpdir(), "nomad-ts-submit-"));

function pct(v: number[], p: number): number {
	const s = [...v].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

async function until(path: string, t0: number, timeoutMs = 10_000): Promise<number> {
	for (;;) {
		if (existsSync(path)) return performance.now() - t0;
		if (performance.now() - t0 > timeoutMs) throw new Error(`${path} never appeared`);
		await new Promise((r) => setImmediate(r));
	}
}

const script = (marker: string) => `touch ${marker}; echo hi; sleep 1000`;

// Baseline: bare spawn.
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
	const marker = join(dir, `bare-${i}`);
	const t0 = performance.now();
	const p = spawn("/bin/sh", ["-c", script(marker)], { stdio: "ignore", detached: true });
	bare.push(await until(marker, t0));
	process.kill(-(p.pid as number), "SIGKILL");
}

const agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
const lat: number[] = [];
for (let i = 0; i < RUNS; i++) {
	const marker = join(dir, `job-${i}`);
	const job = {
		Job: {
			ID: `submit-${i}`,
			Datacenters: ["*"],
			TaskGroups: [
				{
					Name: "g",
					Tasks: [
						{
							Name: "t",
							Driver: "raw_exec",
							Config: { command: "/bin/sh", args: ["-c", script(marker)] },
							Resources: { CPU: 20, MemoryMB: 16 },
							KillTimeout: 100e6,
						},
					],
				},
			],
		},
	};
	const t0 = performance.now();
	const r = await fetch(`${agent.url}/v1/jobs`, { method: "PUT", body: JSON.stringify(job) });
	if (r.status !== 200) throw new Error(`register: ${r.status} ${await r.text()}`);
	lat.push(await until(marker, t0));
	await fetch(`${agent.url}/v1/job/submit-${i}?purge=true`, { method: "DELETE" });
}
figure("submit_to_running_p50", pct(lat, 50), "ms (PUT /v1/jobs → raw_exec task process started)");
figure("submit_to_running_p99", pct(lat, 99), "ms");
figure("bare_spawn_p50", pct(bare, 50), "ms (baseline: child_process.spawn of the same command)");
figure("bare_spawn_p99", pct(bare, 99), "ms (baseline)");
await stop(agent.proc);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
