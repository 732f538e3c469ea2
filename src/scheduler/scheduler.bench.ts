// Benchmark: one service eval placing 1,000 allocations over 5,000 nodes that already run
// `--existing` allocations each (C1M shape). Run: node src/scheduler/scheduler.bench.ts
import { performance } from "node:perf_hooks";
import type { Allocation, Evaluation, Job, Plan } from "../api/types/index.ts";
import type { Planner } from "./index.ts";
import { schedulers } from "./index.ts";
import { mockAlloc, mockGroup, mockJob, mockNode, mockResources, mockTask } from "./mock.ts";
import { Harness, mockEval } from "./testHarness.ts";

const arg = (name: string, def: number): number => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const NODES = arg("nodes", 5000);
const EXISTING = arg("existing", 100);
const COUNT = arg("count", 1000);
const EVALS = arg("evals", 20);
const batch = process.argv.includes("--batch");
const slow = process.argv.includes("--no-usage");

const h = new Harness({ nodeUsage: !slow });
const nodes = [];
for (let i = 0; i < NODES; i++) {
	const id = `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`;
	nodes.push(
		h.upsertNode(
			mockNode(
				{
					Datacenter: `dc${i % 3}`,
					Meta: { rack: `r${i % 50}` },
					NodeResources: mockResources({
						Cpu: { CpuShares: 64000, TotalCpuCores: 32, ReservableCpuCores: null },
						Memory: { MemoryMB: 256 * 1024 },
					}),
				},
				id,
			),
		),
	);
}
const t0 = performance.now();
const small = mockTask({ Resources: { ...mockTask().Resources, CPU: 100, MemoryMB: 128 } });
const filler: Job = h.upsertJob(mockJob({ ID: "filler", Name: "filler", TaskGroups: [mockGroup({ Tasks: [small] })] }));
let n = 0;
for (const node of nodes) {
	for (let k = 0; k < EXISTING; k++) {
		const a: Allocation = mockAlloc(filler, node, {
			ID: `f${String(n++).padStart(35, "0")}`,
			Name: `filler.web[${n}]`,
		});
		h.upsertAlloc(a);
	}
}
console.log(`prefill ${n} allocs in ${(performance.now() - t0).toFixed(0)} ms`);

// Time the scheduler only: wrap the planner so plan application is excluded.
let plannerMs = 0;
const timed: Planner = {
	submitPlan: async (p: Plan) => {
		const s = performance.now();
		const r = await h.submitPlan(p);
		plannerMs += performance.now() - s;
		return r;
	},
	updateEval: (e: Evaluation) => h.updateEval(e),
	createEval: (e: Evaluation) => h.createEval(e),
	reblockEval: (e: Evaluation) => h.reblockEval(e),
};
const times: number[] = [];
for (let e = 0; e < EVALS; e++) {
	const job = h.upsertJob(
		mockJob({
			ID: `job-${e}`,
			Name: `job-${e}`,
			Type: batch ? "batch" : "service",
			Datacenters: ["dc0", "dc1", "dc2"],
			TaskGroups: [
				mockGroup({
					Count: COUNT,
					Tasks: [mockTask({ Resources: { ...mockTask().Resources, CPU: 100, MemoryMB: 128 } })],
				}),
			],
		}),
	);
	const ctx = { ...h.context({ seed: e + 1 }), planner: timed };
	(globalThis as { gc?: () => void }).gc?.();
	plannerMs = 0;
	const s = performance.now();
	await schedulers[batch ? "batch" : "service"](ctx).process(mockEval(job, { ID: `eval-${e}` }));
	times.push(performance.now() - s - plannerMs);
	const placed = Object.values(h.plans[h.plans.length - 1].NodeAllocation).reduce((x, l) => x + l.length, 0);
	if (placed !== COUNT) throw new Error(`placed ${placed}`);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
console.log(
	`${batch ? "batch" : "service"} eval, ${COUNT} placements over ${NODES} nodes (${EXISTING} allocs/node, nodeUsage=${!slow}): ` +
		`median ${med.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms (scheduler only)`,
);
