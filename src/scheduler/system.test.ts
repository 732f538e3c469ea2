// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation, Evaluation, Job } from "../api/types/index.ts";
import { EvalContext } from "./context.ts";
import { schedulers } from "./index.ts";
import { mockAlloc, mockGroup, mockJob, mockNode, mockNodes, mockResources, mockTask } from "./mock.ts";
import { Harness, mockEval } from "./testHarness.ts";

EvalContext.verifyUsage = true;

function sysJob(over: Partial<Job> = {}): Job {
	return mockJob({ ID: "sys", Name: "sys", Type: "system", TaskGroups: [mockGroup({ Count: 1 })], ...over });
}

async function run(h: Harness, job: Job, ev: Partial<Evaluation> = {}) {
	await schedulers[job.Type](h.context()).process(mockEval(job, ev));
	return h.evalUpdates[h.evalUpdates.length - 1];
}

const placed = (h: Harness): Allocation[] => Object.values(h.plans[h.plans.length - 1]?.NodeAllocation ?? {}).flat();
const stopped = (h: Harness): Allocation[] => Object.values(h.plans[h.plans.length - 1]?.NodeUpdate ?? {}).flat();

test("system job: one allocation per ready node in the job's datacenters and pool", async () => {
	const h = new Harness();
	const nodes = mockNodes(
		8,
		(i) =>
			[
				{},
				{},
				{ Datacenter: "dc2" },
				{ NodePool: "other" },
				{ Status: "down" as const },
				{ SchedulingEligibility: "ineligible" as const },
				{ Attributes: { ...mockNode().Attributes, "kernel.name": "darwin" } },
				{},
			][i],
	).map((n) => h.upsertNode(n));
	const job = h.upsertJob(sysJob());
	const ev = await run(h, job);
	const allocs = placed(h);
	assert.deepEqual(allocs.map((a) => a.NodeID).sort(), [nodes[0].ID, nodes[1].ID, nodes[7].ID]);
	assert.ok(allocs.every((a) => a.Name === "sys.web[0]"));
	assert.equal(ev.Status, "complete");
	assert.deepEqual(ev.QueuedAllocations, { web: 0 });
	// The darwin node is filtered by the constraint: not a placement failure while others run it.
	assert.equal(ev.FailedTGAllocs, null);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Place, 3);
	assert.equal(h.createdEvals.length, 0);
});

test("system job: constraint-filtered everywhere reports the filter metrics", async () => {
	const h = new Harness();
	mockNodes(3).forEach((n) => {
		h.upsertNode(n);
	});
	const job = h.upsertJob(
		sysJob({ Constraints: [{ LTarget: "${attr.kernel.name}", RTarget: "windows", Operand: "=" }] }),
	);
	const ev = await run(h, job);
	assert.equal(h.plans.length, 0);
	const m = ev.FailedTGAllocs?.web;
	assert.ok(m);
	assert.equal(m.NodesFiltered, 3);
	assert.equal(m.ConstraintFiltered?.["${attr.kernel.name} = windows"], 3);
});

test("system job: exhausted node gets a blocked eval for that node", async () => {
	const h = new Harness();
	const nodes = mockNodes(2, (i) =>
		i === 1 ? { NodeResources: mockResources({ Memory: { MemoryMB: 300 } }) } : {},
	).map((n) => h.upsertNode(n));
	const job = h.upsertJob(sysJob());
	const ev = await run(h, job);
	assert.equal(placed(h).length, 1);
	assert.equal(ev.FailedTGAllocs?.web.DimensionExhausted?.memory, 1);
	assert.equal(h.createdEvals.length, 1);
	assert.equal(h.createdEvals[0].Status, "blocked");
	assert.equal(h.createdEvals[0].NodeID, nodes[1].ID);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Place, 1);
});

test("system job: allocations on nodes that left stop; down nodes' allocations are lost; new nodes get one", async () => {
	const h = new Harness();
	const nodes = mockNodes(4).map((n) => h.upsertNode(n));
	const job = h.upsertJob(sysJob());
	await run(h, job);
	assert.equal(h.allocs().length, 4);
	h.upsertNode({ ...nodes[0], SchedulingEligibility: "ineligible" });
	h.upsertNode({ ...nodes[1], Datacenter: "elsewhere" });
	h.upsertNode({ ...nodes[2], Status: "down" });
	h.upsertNode(mockNode({}, "00000000-0000-4000-a000-000000000099"));
	await run(h, job, { TriggeredBy: "node-update" });
	const stops = stopped(h);
	const byNode = Object.fromEntries(stops.map((a) => [a.NodeID, a]));
	assert.equal(byNode[nodes[0].ID], undefined, "ineligible node keeps its alloc (same job version)");
	assert.equal(byNode[nodes[1].ID]?.DesiredDescription, "alloc not needed due to job update");
	assert.equal(byNode[nodes[2].ID]?.DesiredDescription, "alloc is lost since its node is down");
	assert.equal(byNode[nodes[2].ID]?.ClientStatus, "lost");
	assert.deepEqual(
		placed(h).map((a) => a.NodeID),
		["00000000-0000-4000-a000-000000000099"],
	);
});

test("system job: destructive update replaces per node, in-place update keeps the alloc", async () => {
	const h = new Harness();
	mockNodes(3).forEach((n) => {
		h.upsertNode(n);
	});
	const job = h.upsertJob(sysJob());
	await run(h, job);
	const ids = new Set(h.allocs().map((a) => a.ID));
	const tg = job.TaskGroups[0];
	const v2 = h.upsertJob({ ...job, TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], KillTimeout: 1 }] }] });
	let ev = await run(h, v2);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.InPlaceUpdate, 3);
	assert.ok(placed(h).every((a) => ids.has(a.ID)));
	const v3 = h.upsertJob({ ...v2, TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], Env: { A: "1" } }] }] });
	ev = await run(h, v3);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.DestructiveUpdate, 3);
	assert.equal(stopped(h).length, 3);
	assert.ok(stopped(h).every((a) => a.DesiredDescription === "alloc is being updated due to job update"));
	assert.ok(placed(h).every((a) => !ids.has(a.ID) && ids.has(a.PreviousAllocation ?? "")));
});

test("system job stopped: every allocation stops", async () => {
	const h = new Harness();
	mockNodes(3).forEach((n) => {
		h.upsertNode(n);
	});
	const job = h.upsertJob(sysJob());
	await run(h, job);
	const stop = h.upsertJob({ ...job, Stop: true });
	await run(h, stop, { TriggeredBy: "job-deregister" });
	assert.equal(stopped(h).length, 3);
	assert.equal(placed(h).length, 0);
});

test("sysbatch: completed allocations are not run again; failed ones are not replaced either", async () => {
	const h = new Harness();
	const nodes = mockNodes(3).map((n) => h.upsertNode(n));
	const job = h.upsertJob(sysJob({ Type: "sysbatch" }));
	await run(h, job);
	const [a0, a1] = h.allocs().sort((a, b) => a.NodeID.localeCompare(b.NodeID));
	const done = {
		State: "dead" as const,
		Failed: false,
		Restarts: 0,
		LastRestart: null,
		StartedAt: null,
		FinishedAt: null,
		Events: null,
	};
	h.upsertAlloc({ ...a0, ClientStatus: "complete", TaskStates: { web: done } });
	h.upsertAlloc({ ...a1, ClientStatus: "failed", TaskStates: { web: { ...done, Failed: true } } });
	await run(h, job, { TriggeredBy: "node-update" });
	assert.equal(h.plans.length, 1, "nothing to do");
	// A new job version runs again where the old one completed.
	const tg = job.TaskGroups[0];
	const v2 = h.upsertJob({ ...job, TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], Env: { V: "2" } }] }] });
	await run(h, v2);
	assert.ok(placed(h).some((a) => a.NodeID === nodes[0].ID));
});

test("sysbatch handles periodic-job; system does not", async () => {
	const h = new Harness();
	mockNodes(1).forEach((n) => {
		h.upsertNode(n);
	});
	const sb = h.upsertJob(sysJob({ ID: "sb", Type: "sysbatch" }));
	assert.equal((await run(h, sb, { TriggeredBy: "periodic-job" })).Status, "complete");
	const s = h.upsertJob(sysJob());
	const ev = await run(h, s, { TriggeredBy: "periodic-job" });
	assert.equal(ev.Status, "failed");
	assert.equal(ev.StatusDescription, "scheduler cannot handle 'periodic-job' evaluation reason");
});

test("system job with two groups and count 2 runs every name on every node", async () => {
	const h = new Harness();
	mockNodes(2).forEach((n) => {
		h.upsertNode(n);
	});
	const job = h.upsertJob(
		sysJob({
			TaskGroups: [
				mockGroup({ Name: "a", Count: 2 }),
				mockGroup({ Name: "b", Count: 1, Tasks: [mockTask({ Name: "t" })] }),
			],
		}),
	);
	await run(h, job);
	const names = placed(h)
		.map((a) => `${a.NodeID.slice(-1)}:${a.Name}`)
		.sort();
	assert.deepEqual(names, ["0:sys.a[0]", "0:sys.a[1]", "0:sys.b[0]", "1:sys.a[0]", "1:sys.a[1]", "1:sys.b[0]"]);
	assert.ok(mockAlloc);
});
