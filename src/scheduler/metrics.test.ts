import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation } from "../api/types/index.ts";
import { schedulers } from "./index.ts";
import {
	exhaustedNode,
	exhaustResources,
	filterNode,
	mergeNodeFiltered,
	newMetric,
	populateScoreMetaData,
	recordScores,
	scoreMetaList,
} from "./metrics.ts";
import { mockAlloc, mockGroup, mockJob, mockNode, mockNodes, mockTask } from "./mock.ts";
import { Harness, mockEval } from "./testHarness.ts";

test("filter/exhaust counters by class, constraint and dimension", () => {
	const m = newMetric();
	const n = mockNode({ NodeClass: "big" });
	filterNode(m, n, "missing drivers");
	filterNode(m, mockNode({ NodeClass: "" }), "missing drivers");
	exhaustedNode(m, n, "memory");
	assert.equal(m.m.NodesFiltered, 2);
	assert.deepEqual(m.m.ClassFiltered, { big: 1 });
	assert.deepEqual(m.m.ConstraintFiltered, { "missing drivers": 2 });
	assert.equal(m.m.NodesExhausted, 1);
	assert.deepEqual(m.m.ClassExhausted, { big: 1 });
	assert.deepEqual(m.m.DimensionExhausted, { memory: 1 });
	const tg = mockGroup({ Tasks: [mockTask({ Name: "a" }), mockTask({ Name: "b" })] });
	exhaustResources(m.m, tg);
	exhaustResources(m.m, tg);
	assert.equal(m.m.ResourcesExhausted?.a.MemoryMB, 512);
	assert.equal(m.m.ResourcesExhausted?.a.CPU, 0, "cpu was not an exhausted dimension");
	const acc = mergeNodeFiltered(undefined, m.m);
	mergeNodeFiltered(acc, m.m);
	assert.equal(acc.NodesFiltered, 4);
	assert.deepEqual(acc.ConstraintFiltered, { "missing drivers": 4 });
	assert.equal(m.m.NodesFiltered, 2, "the first metric was copied, not aliased");
});

test("score metadata keeps the top 5 by normalized score, best first", () => {
	const m = newMetric();
	const scores = [0.1, 0.9, 0.5, 0.3, 0.7, 0.2, 0.8, 0.05];
	scores.forEach((s, i) => {
		recordScores(m, mockNode({}, `n${i}`), ["binpack"], [s], s);
	});
	populateScoreMetaData(m);
	assert.deepEqual(
		scoreMetaList(m.m)?.map((x) => [x.NodeID, x.NormScore]),
		[
			["n1", 0.9],
			["n6", 0.8],
			["n4", 0.7],
			["n2", 0.5],
			["n3", 0.3],
		],
	);
	assert.deepEqual(scoreMetaList(m.m)?.[0].Scores, { binpack: 0.9 });
});

test("AllocationTime comes from the optional monotonic clock", async () => {
	const h = new Harness();
	for (const n of mockNodes(3)) h.upsertNode(n);
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 2 })] }));
	let t = 0;
	await schedulers.service({ ...h.context(), clock: () => (t += 1000) }).process(mockEval(job));
	const allocs = Object.values(h.plans[0].NodeAllocation).flat();
	assert.ok(allocs.every((a) => a.Metrics?.AllocationTime === 1000));
	const h2 = new Harness();
	for (const n of mockNodes(3)) h2.upsertNode(n);
	const j2 = h2.upsertJob(mockJob());
	await schedulers.service(h2.context()).process(mockEval(j2));
	assert.ok(
		Object.values(h2.plans[0].NodeAllocation)
			.flat()
			.every((a) => a.Metrics?.AllocationTime === 0),
	);
});

test("sticky ephemeral disk prefers the previous node on a destructive update", async () => {
	const h = new Harness();
	const nodes = mockNodes(6).map((n) => h.upsertNode(n));
	const job = h.upsertJob(
		mockJob({ TaskGroups: [mockGroup({ Count: 3, EphemeralDisk: { Sticky: true, SizeMB: 100, Migrate: false } })] }),
	);
	const olds: Allocation[] = [];
	for (let i = 0; i < 3; i++)
		olds.push(h.upsertAlloc(mockAlloc(job, nodes[i + 2], { ID: `old-${i}`, Name: `example.web[${i}]` })));
	const tg = job.TaskGroups[0];
	const v2 = h.upsertJob({ ...job, TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], Config: { command: "new" } }] }] });
	await schedulers.service(h.context()).process(mockEval(v2));
	const placed = Object.values(h.plans[0].NodeAllocation).flat();
	assert.equal(placed.length, 3);
	for (const a of placed) {
		const prev = olds.find((o) => o.ID === a.PreviousAllocation);
		assert.equal(a.NodeID, prev?.NodeID, "same node as the allocation it replaces");
	}
});
