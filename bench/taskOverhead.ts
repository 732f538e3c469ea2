#!/usr/bin/env node
// Client memory per running task: a dev agent (server + client, raw_exec) runs 200 raw_exec tasks
// (`sleep 1000`) under its node supervisor. The overhead is everything the node spends beyond the
// tasks themselves: (agent RSS + supervisor RSS − agent RSS with no task) / 200. The supervisor's
// fixed cost (it does not run before the first task) is counted in, so the figure is an upper bound.
// Nomad spends ~36 MB per task (logmon + executor processes); the budget here is 2 MB.
import { readFileSync } from "node:fs";
import { figure, rssMB, startDevAgent, stop } from "./lib.ts";

const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children of `pid` (from /proc/<pid>/task/*\/children). */
function childrenOf(pid: number): number[] {
	try {
		return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

function cmdline(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
	} catch {
		return "";
	}
}

async function main(): Promise<void> {
	const agent = await startDevAgent({ limits: { http_max_conns_per_client: 0 } });
	const agentPid = agent.proc.pid as number;
	try {
		await sleep(3000); // settle: first node registration, heartbeats, lazy loads
		const baseline = rssMB(agentPid);
		const job = {
			ID: "overhead",
			Type: "service",
			Datacenters: ["*"],
			TaskGroups: [
				{
					Name: "g",
					Count: TASKS,
					Tasks: [
						{
							Name: "t",
							Driver: "raw_exec",
							Config: { command: "/bin/sleep", args: ["1000"] },
							Resources: { CPU: 10, MemoryMB: 10 },
						},
					],
				},
			],
		};
		const t0 = performance.now();
		const r = await fetch(`${agent.url}/v1/jobs`, { method: "PUT", body: JSON.stringify({ Job: job }) });
		if (!r.ok) throw new Error(`register: ${r.status} ${await r.text()}`);
		for (;;) {
			const allocs = (await (await fetch(`${agent.url}/v1/job/overhead/allocations`)).json()) as {
				ClientStatus: string;
			}[];
			const running = allocs.filter((a) => a.ClientStatus === "running").length;
			if (running === TASKS) break;
			if (performance.now() - t0 > 120_000) throw new Error(`only ${running}/${TASKS} running after 120 s`);
			await sleep(250);
		}
		const startMs = performance.now() - t0;
		await sleep(3000); // let status updates and persistence settle
		const supervisor = childrenOf(agentPid).find((p) => cmdline(p).includes("supervisor"));
		if (!supervisor) throw new Error("no node supervisor among the agent's children");
		const tasks = childrenOf(supervisor);
		const agentRss = rssMB(agentPid);
		const supRss = rssMB(supervisor);
		const taskRss = tasks.reduce((s, p) => s + rssMB(p), 0) / Math.max(1, tasks.length);
		figure("baseline_agent_rss_no_tasks_mb", baseline, "MB");
		figure(`agent_rss_${TASKS}_tasks_mb`, agentRss, "MB");
		figure(`supervisor_rss_${TASKS}_tasks_mb`, supRss, "MB");
		figure("task_processes_seen", tasks.length, "");
		figure("task_own_rss_each_mb (sleep, not overhead)", taskRss, "MB");
		figure(`time_to_${TASKS}_running_ms`, Math.round(startMs), "ms");
		figure("task_overhead_rss_per_task_mb", (agentRss + supRss - baseline) / TASKS, "MB");
		figure("task_overhead_rss_per_task_without_supervisor_fixed_mb", (agentRss - baseline) / TASKS, "MB");
	} finally {
		// -dev: stopping the agent stops its tasks and its supervisor.
		await stop(agent.proc);
	}
}

await main();
