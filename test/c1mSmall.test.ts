// The C1M shape at CI size: correctness, not time. Every allocation placed, each on a node that
// satisfies its job's constraint, no node over its capacity, names unique per job.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runC1M } from "../bench/c1mRun.ts";
import { simID } from "../src/server/simulator/simNodes.ts";

test("C1M shape, CI-sized: 300 nodes, 30 jobs x 100 tasks", async () => {
	const nodes = 300;
	const jobs = 30;
	const tasks = 100;
	const r = await runC1M({ nodes, jobs, tasks, timeoutMs: 120_000 });
	try {
		assert.equal(r.allocations, jobs * tasks);
		const groupOf = new Map<string, number>();
		for (let i = 0; i < nodes; i++) groupOf.set(simID(1, i), i % 10);
		const all: {
			ID: string;
			JobID: string;
			NodeID: string;
			Name: string;
			DesiredStatus: string;
			AllocatedResources: any;
		}[] = [];
		let token = "";
		for (;;) {
			const res = await fetch(
				`${r.url}/v1/allocations?resources=true&per_page=1000${token ? `&next_token=${token}` : ""}`,
			);
			all.push(...((await res.json()) as typeof all));
			token = res.headers.get("x-nomad-nexttoken") ?? "";
			if (!token) break;
		}
		const live = all.filter((a) => a.DesiredStatus === "run");
		assert.equal(live.length, jobs * tasks);
		const cpuByNode = new Map<string, number>();
		const names = new Set<string>();
		for (const a of live) {
			const jobIndex = Number(a.JobID.slice("c1m-".length));
			assert.equal(groupOf.get(a.NodeID), jobIndex % 10, `${a.Name} on a node outside its constraint`);
			assert.ok(!names.has(a.Name), `duplicate name ${a.Name}`);
			names.add(a.Name);
			const cpu = a.AllocatedResources.Tasks.t.Cpu.CpuShares as number;
			cpuByNode.set(a.NodeID, (cpuByNode.get(a.NodeID) ?? 0) + cpu);
		}
		for (const [node, cpu] of cpuByNode) assert.ok(cpu <= 4000, `node ${node} overcommitted: ${cpu} MHz`);
	} finally {
		await r.stop();
	}
});
