// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation, Job, Node } from "../api/types/index.ts";
import { EvalContext } from "./context.ts";
import { schedulers } from "./index.ts";
import { scoreMetaList } from "./metrics.ts";
import { mockAlloc, mockGroup, mockJob, mockNode, mockNodes, mockResources, mockTask } from "./mock.ts";
import { Harness, mockEval } from "./testHarness.ts";

EvalContext.verifyUsage = true;

async function place(h: Harness, job: Job, seed = 1): Promise<Allocation[]> {
	await schedulers[job.Type](h.context({ seed })).process(mockEval(job));
	return Object.values(h.plans[h.plans.length - 1]?.NodeAllocation ?? {}).flat();
}

function countBy<T>(xs: T[], f: (x: T) => string): Record<string, number> {
	const out: Record<string, number> = {};
	for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
	return out;
}

function cluster(
	n: number,
	over: (i: number) => Partial<Node>,
): { h: Harness; nodes: Node[]; dc: (a: Allocation) => string; rack: (a: Allocation) => string } {
	const h = new Harness();
	const nodes = mockNodes(n, over).map((x) => h.upsertNode(x));
	const byID = new Map(nodes.map((x) => [x.ID, x]));
	return {
		h,
		nodes,
		dc: (a) => byID.get(a.NodeID)?.Datacenter ?? "",
		rack: (a) => byID.get(a.NodeID)?.Meta?.rack ?? "",
	};
}

test("spread with targets follows the percentages", async () => {
	for (const seed of [1, 2, 3]) {
		const { h, dc } = cluster(30, (i) => ({ Datacenter: `dc${(i % 3) + 1}` }));
		const job = h.upsertJob(
			mockJob({
				Datacenters: ["*"],
				Spreads: [
					{
						Attribute: "${node.datacenter}",
						Weight: 100,
						SpreadTarget: [
							{ Value: "dc1", Percent: 50 },
							{ Value: "dc2", Percent: 25 },
							{ Value: "dc3", Percent: 25 },
						],
					},
				],
				TaskGroups: [mockGroup({ Count: 8 })],
			}),
		);
		const allocs = await place(h, job, seed);
		assert.deepEqual(countBy(allocs, dc), { dc1: 4, dc2: 2, dc3: 2 }, `seed ${seed}`);
		assert.ok(allocs.some((a) => scoreMetaList(a.Metrics)?.some((s) => "allocation-spread" in s.Scores)));
	}
});

test("even spread (no targets) balances attribute values", async () => {
	const { h, rack } = cluster(20, (i) => ({ Meta: { rack: `r${i % 4}` } }));
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [mockGroup({ Count: 12, Spreads: [{ Attribute: "${meta.rack}", Weight: 50, SpreadTarget: null }] })],
		}),
	);
	const allocs = await place(h, job);
	assert.deepEqual(countBy(allocs, rack), { r0: 3, r1: 3, r2: 3, r3: 3 });
});

test("spread keeps counting existing allocations of the job", async () => {
	const { h, nodes, rack } = cluster(8, (i) => ({ Meta: { rack: `r${i % 2}` } }));
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [mockGroup({ Count: 6, Spreads: [{ Attribute: "${meta.rack}", Weight: 100, SpreadTarget: null }] })],
		}),
	);
	// Four already run on rack r0.
	for (let i = 0; i < 4; i++) h.upsertAlloc(mockAlloc(job, nodes[2 * i], { ID: `e${i}`, Name: `example.web[${i}]` }));
	const allocs = await place(h, job);
	assert.deepEqual(countBy(allocs, rack), { r1: 2 });
});

test("node affinity pulls allocations to matching nodes; negative weights push them away", async () => {
	const { h, rack } = cluster(10, (i) => ({ Meta: { rack: i < 3 ? "fast" : "slow" } }));
	const pos = h.upsertJob(
		mockJob({
			Affinities: [{ LTarget: "${meta.rack}", RTarget: "fast", Operand: "=", Weight: 100 }],
			TaskGroups: [mockGroup({ Count: 6 })],
		}),
	);
	const allocs = await place(h, pos);
	assert.deepEqual(countBy(allocs, rack), { fast: 6 });
	const affinity = scoreMetaList(allocs[0].Metrics)?.[0].Scores["node-affinity"];
	assert.equal(affinity, 1);

	const c2 = cluster(10, (i) => ({ Meta: { rack: i < 3 ? "fast" : "slow" } }));
	const neg = c2.h.upsertJob(
		mockJob({
			TaskGroups: [
				mockGroup({ Count: 6, Affinities: [{ LTarget: "${meta.rack}", RTarget: "fast", Operand: "=", Weight: -50 }] }),
			],
		}),
	);
	const allocs2 = await place(c2.h, neg);
	assert.deepEqual(countBy(allocs2, c2.rack), { slow: 6 });
});

test("job anti-affinity penalises nodes already running the group", async () => {
	const { h } = cluster(4, () => ({}));
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 4 })] }));
	const allocs = await place(h, job);
	// Binpack alone would stack them; anti-affinity spreads a small group across the 4 nodes.
	assert.equal(new Set(allocs.map((a) => a.NodeID)).size, 4);
	const penalised = allocs
		.flatMap((a) => scoreMetaList(a.Metrics) ?? [])
		.filter((s) => s.Scores["job-anti-affinity"] < 0);
	assert.ok(penalised.length > 0);
	for (const s of penalised) assert.equal(s.Scores["job-anti-affinity"], -0.5, "-(1 collision + 1) / count 4");
});

test("binpack prefers fuller nodes; the spread algorithm prefers emptier ones", async () => {
	for (const algo of ["binpack", "spread"] as const) {
		const h = new Harness({ config: { SchedulerAlgorithm: algo } });
		const nodes = mockNodes(2).map((n) => h.upsertNode(n));
		const other = h.upsertJob(
			mockJob({
				ID: "other",
				TaskGroups: [
					mockGroup({
						Count: 1,
						Tasks: [mockTask({ Resources: { ...mockTask().Resources, CPU: 2000, MemoryMB: 4000 } })],
					}),
				],
			}),
		);
		h.upsertAlloc(
			mockAlloc(other, nodes[0], {
				ID: "big",
				Name: "other.web[0]",
				AllocatedResources: {
					Tasks: {
						web: {
							Cpu: { CpuShares: 2000, ReservedCores: null },
							Memory: { MemoryMB: 4000, MemoryMaxMB: 0 },
							Networks: null,
							Devices: null,
						},
					},
					TaskLifecycles: {},
					Shared: { Networks: null, DiskMB: 0, Ports: null },
				},
			}),
		);
		const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 1 })] }));
		const [a] = await place(h, job);
		assert.equal(a.NodeID, algo === "binpack" ? nodes[0].ID : nodes[1].ID, algo);
		const scores = scoreMetaList(a.Metrics) ?? [];
		assert.equal(scores.length, 2);
		assert.ok(scores[0].NormScore >= scores[1].NormScore, "sorted best first");
		assert.equal(scores[0].NodeID, a.NodeID);
	}
});

test("distinct_property caps allocations per attribute value", async () => {
	const { h, rack } = cluster(12, (i) => ({ Meta: { rack: `r${i % 3}` } }));
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [
				mockGroup({ Count: 8, Constraints: [{ LTarget: "${meta.rack}", RTarget: "2", Operand: "distinct_property" }] }),
			],
		}),
	);
	const allocs = await place(h, job);
	assert.deepEqual(countBy(allocs, rack), { r0: 2, r1: 2, r2: 2 });
	const failed = h.evalUpdates[h.evalUpdates.length - 1].FailedTGAllocs?.web;
	assert.ok(
		Object.keys(failed?.ConstraintFiltered ?? {}).some((k) =>
			/^distinct_property: \$\{meta\.rack\}=r\d used by 2 allocs$/.test(k),
		),
	);
});

test("service jobs rank log2(n) candidates, batch jobs 2", async () => {
	const svc = cluster(64, () => ({}));
	const [s] = await place(svc.h, svc.h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 1 })] })));
	assert.equal(s.Metrics?.NodesEvaluated, 6);
	const bat = cluster(64, () => ({}));
	const [b] = await place(bat.h, bat.h.upsertJob(mockJob({ Type: "batch", TaskGroups: [mockGroup({ Count: 1 })] })));
	assert.equal(b.Metrics?.NodesEvaluated, 2);
	const aff = cluster(200, () => ({}));
	const [f] = await place(
		aff.h,
		aff.h.upsertJob(
			mockJob({
				Affinities: [{ LTarget: "${node.datacenter}", RTarget: "dc1", Operand: "=", Weight: 10 }],
				TaskGroups: [mockGroup({ Count: 1 })],
			}),
		),
	);
	assert.equal(f.Metrics?.NodesEvaluated, 100, "affinities/spreads raise the limit to NodeLimitForFeasibilityChecks");
	assert.equal(scoreMetaList(f.Metrics)?.length, 5, "top 5 kept");
});

test("nodes with no positive score are skipped while better ones exist", async () => {
	const { h, rack } = cluster(10, (i) => ({ Meta: { rack: i < 5 ? "bad" : "good" } }));
	const job = h.upsertJob(
		mockJob({
			Type: "batch",
			Affinities: [{ LTarget: "${meta.rack}", RTarget: "bad", Operand: "=", Weight: -100 }],
			TaskGroups: [mockGroup({ Count: 5 })],
		}),
	);
	const allocs = await place(h, job);
	assert.deepEqual(countBy(allocs, rack), { good: 5 });
});

test("dynamic ports avoid ports already used on the node", async () => {
	const h = new Harness();
	const nodes = mockNodes(1, () => ({
		NodeResources: mockResources({ MinDynamicPort: 30000, MaxDynamicPort: 30004 }),
	})).map((n) => h.upsertNode(n));
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [mockGroup({ Count: 6, Networks: [{ Mode: "host", DynamicPorts: [{ Label: "p", To: 0 }] }] })],
		}),
	);
	const other = mockJob({ ID: "o" });
	h.upsertAlloc(
		mockAlloc(other, nodes[0], {
			ID: "holder",
			AllocatedResources: {
				Tasks: {},
				TaskLifecycles: {},
				Shared: { Networks: null, DiskMB: 0, Ports: [{ Label: "x", Value: 30002, To: 0, HostIP: "192.168.0.100" }] },
			},
		}),
	);
	const allocs = await place(h, job);
	const ports = allocs.map((a) => a.AllocatedResources?.Shared.Ports?.[0].Value).sort();
	assert.deepEqual(ports, [30000, 30001, 30003, 30004]);
	const m = h.evalUpdates[0].FailedTGAllocs?.web;
	assert.equal(m?.DimensionExhausted?.["network: dynamic port selection failed"], 1);
	assert.equal(m?.CoalescedFailures, 1);
});

test("reserved cores are pinned and never shared", async () => {
	const h = new Harness();
	for (const n of mockNodes(1)) h.upsertNode(n);
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [
				mockGroup({ Count: 5, Tasks: [mockTask({ Resources: { ...mockTask().Resources, CPU: 0, Cores: 1 } })] }),
			],
		}),
	);
	const allocs = await place(h, job);
	assert.equal(allocs.length, 3, "4 cores at 1000 MHz each, 100 MHz reserved: the 4th does not fit the cpu");
	const cores = allocs.map((a) => a.AllocatedResources?.Tasks.web.Cpu.ReservedCores?.[0]).sort();
	assert.deepEqual(cores, [0, 1, 2]);
	assert.ok(allocs.every((a) => a.AllocatedResources?.Tasks.web.Cpu.CpuShares === 1000));
	assert.ok(mockNode);
});

test("task-level networks get the node's device address and ports (deprecated Nomad form)", async () => {
	const h = new Harness();
	for (const n of mockNodes(1)) h.upsertNode(n);
	const task = mockTask({
		Resources: {
			...mockTask().Resources,
			Networks: [
				{ MBits: 10, ReservedPorts: [{ Label: "main", Value: 5000 }], DynamicPorts: [{ Label: "dyn", To: -1 }] },
			],
		},
	});
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 2, Tasks: [task] })] }));
	const allocs = await place(h, job);
	assert.equal(allocs.length, 1, "the static port fits once");
	const net = allocs[0].AllocatedResources?.Tasks.web.Networks?.[0];
	assert.equal(net?.Device, "eth0");
	assert.equal(net?.IP, "192.168.0.100");
	assert.equal(net?.ReservedPorts?.[0].Value, 5000);
	const dyn = net?.DynamicPorts?.[0];
	assert.ok(dyn && (dyn.Value ?? 0) >= 20000 && (dyn.Value ?? 0) <= 32000 && dyn.To === dyn.Value);
	assert.equal(
		h.evalUpdates[0].FailedTGAllocs?.web.DimensionExhausted?.["network: reserved port collision main=5000"],
		1,
	);
});
