// The C1M run itself, shared by bench:c1m and the CI-sized correctness test.
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request } from "undici";
import { BIN, freePort, spawnTracked, stop, waitFor } from "./lib.ts";

export interface C1MOptions {
	nodes: number;
	jobs: number;
	tasks: number;
	/** Jobs submitted concurrently. */
	concurrency?: number;
	log?: (msg: string) => void;
	timeoutMs?: number;
}

export interface C1MResult {
	allocations: number;
	seconds: number;
	evalP50Ms: number;
	evalP99Ms: number;
	peakRssMB: number;
	listIdleP99Ms: number;
	listDuringP99Ms: number;
	/** GET /v1/status/leader p99 while scheduling: event-loop queueing without the list's own cost. */
	leaderDuringP99Ms: number;
	/** Placements per node, for correctness checks. */
	url: string;
}

function pct(values: number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const s = [...values].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

export function c1mJob(i: number, tasks: number): Record<string, unknown> {
	return {
		Job: {
			ID: `c1m-${i}`,
			Type: "service",
			Datacenters: ["dc1"],
			Constraints: [{ LTarget: "${attr.sim.group}", RTarget: String(i % 10), Operand: "=" }],
			TaskGroups: [
				{
					Name: "g",
					Count: tasks,
					Tasks: [
						{
							Name: "t",
							Driver: "mock",
							Config: {},
							Resources: { CPU: 10, MemoryMB: 10 },
							LogConfig: { MaxFiles: 1, MaxFileSizeMB: 1 },
						},
					],
					EphemeralDisk: { SizeMB: 10 },
				},
			],
		},
	};
}

export async function runC1M(opts: C1MOptions): Promise<C1MResult & { stop: () => Promise<void> }> {
	const log = opts.log ?? (() => {});
	const ports = { http: await freePort(), rpc: await freePort(), serf: await freePort() };
	const { mkdtempSync, writeFileSync } = await import("node:fs");
	const { tmpdir } = await import("node:os");
	const dir = mkdtempSync(`${tmpdir()}/nomad-ts-c1m-`);
	writeFileSync(`${dir}/c.json`, JSON.stringify({ ports, limits: { http_max_conns_per_client: 0 } }));
	const proc = spawnTracked(
		process.execPath,
		[
			...(process.env.C1M_AGENT_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
			BIN,
			"agent",
			"-dev",
			`-config=${dir}/c.json`,
			"-log-level=WARN",
			`-dev-sim-nodes=${opts.nodes}`,
			"-dev-sim-client=none",
		],
		{ quiet: !process.env.C1M_AGENT_NODE_ARGS },
	);
	const url = `http://127.0.0.1:${ports.http}`;
	await waitFor(`${url}/v1/status/leader`, (b) => b !== '""', performance.now(), 120_000);
	log(`agent up with ${opts.nodes} simulated nodes`);
	const http = new HttpAgent({ connections: 64 });
	const get = async (path: string) => {
		const r = await request(`${url}${path}`, { dispatcher: http });
		const text = await r.body.text();
		return { status: r.statusCode, text };
	};
	const timeList = async () => {
		const t0 = performance.now();
		const r = await get("/v1/jobs");
		if (r.status !== 200) throw new Error(`GET /v1/jobs: ${r.status}`);
		return {
			ms: performance.now() - t0,
			jobs: JSON.parse(r.text) as { JobSummary: { Summary: Record<string, Record<string, number>> } }[],
		};
	};
	const idle: number[] = [];
	for (let i = 0; i < 40; i++) idle.push((await timeList()).ms);

	const total = opts.jobs * opts.tasks;
	const t0 = performance.now();
	let next = 0;
	const submit = async () => {
		while (next < opts.jobs) {
			const i = next++;
			const r = await request(`${url}/v1/jobs`, {
				method: "PUT",
				body: JSON.stringify(c1mJob(i, opts.tasks)),
				dispatcher: http,
			});
			const text = await r.body.text();
			if (r.statusCode !== 200) throw new Error(`register c1m-${i}: ${r.statusCode} ${text}`);
		}
	};
	const submitting = Promise.all(Array.from({ length: opts.concurrency ?? 16 }, submit));
	const during: number[] = [];
	const leaderDuring: number[] = [];
	let placed = 0;
	const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
	let submitted = false;
	void submitting.then(() => {
		submitted = true;
		log(`all ${opts.jobs} jobs submitted after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
	});
	let lastLog = 0;
	for (;;) {
		const tl = performance.now();
		await get("/v1/status/leader");
		leaderDuring.push(performance.now() - tl);
		if (process.env.C1M_TRACE && performance.now() - tl > 60)
			log(`slow leader ${(performance.now() - tl).toFixed(0)} ms at ${((tl - t0) / 1000).toFixed(2)} s`);
		const { ms, jobs } = await timeList();
		during.push(ms);
		if (process.env.C1M_TRACE && ms > 40)
			log(`slow list ${ms.toFixed(0)} ms at ${((performance.now() - t0) / 1000).toFixed(2)} s`);
		placed = 0;
		for (const j of jobs)
			for (const g of Object.values(j.JobSummary?.Summary ?? {})) placed += (g.Starting ?? 0) + (g.Running ?? 0);
		if (placed >= total && submitted) break;
		if (Date.now() > deadline) throw new Error(`timed out with ${placed}/${total} placed`);
		if (performance.now() - lastLog > 5000) {
			lastLog = performance.now();
			log(
				`${placed}/${total} placed after ${((performance.now() - t0) / 1000).toFixed(1)} s; list p99 so far ${pct(during, 99).toFixed(1)} ms`,
			);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	const seconds = (performance.now() - t0) / 1000;
	await submitting;
	const evals = JSON.parse((await get("/v1/evaluations")).text) as {
		CreateTime: number;
		ModifyTime: number;
		Status: string;
	}[];
	const lat = evals.filter((e) => e.Status === "complete").map((e) => (e.ModifyTime - e.CreateTime) / 1e6);
	const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
	const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
	return {
		allocations: placed,
		seconds,
		evalP50Ms: pct(lat, 50),
		evalP99Ms: pct(lat, 99),
		peakRssMB: peak,
		listIdleP99Ms: pct(idle, 99),
		listDuringP99Ms: pct(during, 99),
		leaderDuringP99Ms: pct(leaderDuring, 99),
		url,
		stop: async () => {
			await http.close();
			await stop(proc);
		},
	};
}
