import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Allocation, Job, Node } from "../api/types/index.ts";
import { nullLogger } from "../lib/logger.ts";
import { allocsFit, allocUsage } from "../scheduler/resources.ts";
import { PlanCmd } from "./fsm/planCommands.ts";
import { evaluatePlan, type FullPlan, PlanApplier, PlanQueue } from "./planApplier.ts";
import { SnapshotSchedulerState } from "./schedulerState.ts";
import {
	emptyPlan,
	freeOn,
	mkAlloc,
	mkEval,
	mkJob,
	mkNode,
	newCluster,
	registerJob,
	registerNode,
	type TestCluster,
	testID,
} from "./schedulingFixtures.ts";
import type { Row } from "./state/schema.ts";

async function cluster(nodes: Node[], jobs: Job[] = [mkJob("web")]) {
	const c = await newCluster();
	for (const n of nodes) await registerNode(c, n);
	const evals = [];
	for (const j of jobs) {
		const ev = mkEval(j);
		evals.push(ev);
		await registerJob(c, j, [ev]);
	}
	return { c, evals };
}

function storedJob(c: TestCluster, id = "web"): Job {
	return c.state.get("jobs", `default\u0000${id}`) as unknown as Job;
}

function startApplier(c: TestCluster) {
	const queue = new PlanQueue();
	queue.setEnabled(true);
	let n = 0;
	const applier = new PlanApplier({
		state: c.state,
		queue,
		apply: c.apply,
		logger: nullLogger(),
		newID: () => `pre-${++n}`,
	});
	applier.start();
	return {
		queue,
		applier,
		stop: async () => {
			queue.setEnabled(false);
			await applier.stop();
		},
	};
}

test("the applier's fit check (the scheduler's allocsFit) covers cpu, memory, disk, lifecycles and ports", () => {
	const node = mkNode("n", { cpu: 1000, mem: 1000, disk: 100 });
	node.ReservedResources = {
		Cpu: { CpuShares: 100, ReservedCpuCores: null },
		Memory: { MemoryMB: 100 },
		Disk: { DiskMB: 0 },
		Networks: { ReservedHostPorts: "22,8000-8010" },
	};
	const job = mkJob("j");
	const a = (cpu: number, mem: number) => mkAlloc(job, "n", { cpu, mem });
	assert.equal(allocsFit(node, [a(450, 450), a(450, 450)]).fit, true);
	assert.equal(allocsFit(node, [a(450, 450), a(451, 10)]).dimension, "cpu");
	assert.equal(allocsFit(node, [a(10, 901)]).dimension, "memory");
	assert.equal(
		allocsFit(node, [{ ...a(10, 10), ClientStatus: "complete" }, a(900, 900)]).fit,
		true,
		"terminal allocs use nothing",
	);
	const disk = a(1, 1);
	(disk.AllocatedResources as NonNullable<Allocation["AllocatedResources"]>).Shared.DiskMB = 101;
	assert.equal(allocsFit(node, [disk]).dimension, "disk");
	const port = (p: number) => {
		const x = a(1, 1);
		(x.AllocatedResources as NonNullable<Allocation["AllocatedResources"]>).Shared.Ports = [
			{ Label: "http", Value: p, To: 0, HostIP: "10.0.0.1" },
		];
		return x;
	};
	assert.equal(allocsFit(node, [port(9000), port(9001)]).fit, true);
	assert.match(allocsFit(node, [port(9000), port(9000)]).dimension ?? "", /collision/);
	assert.match(allocsFit(node, [port(8005)]).dimension ?? "", /reserved/);
	// Prestart tasks do not add up with the main task.
	const lc = a(300, 300);
	const r = lc.AllocatedResources as NonNullable<Allocation["AllocatedResources"]>;
	r.Tasks.init = {
		Cpu: { CpuShares: 500, ReservedCores: null },
		Memory: { MemoryMB: 500, MemoryMaxMB: 0 },
		Networks: null,
		Devices: null,
	};
	r.TaskLifecycles.init = { Hook: "prestart", Sidecar: false };
	assert.deepEqual({ cpu: allocUsage(lc).cpu, mem: allocUsage(lc).mem }, { cpu: 500, mem: 500 });
});

test("evaluatePlan commits fitting nodes, rejects the rest with a refresh index; AllAtOnce rejects all", async () => {
	const { c, evals } = await cluster([
		mkNode("n1", { cpu: 1000, mem: 1000 }),
		mkNode("n2", { cpu: 300, mem: 1000 }),
		mkNode("n3", { Status: "down" }),
		mkNode("n4", { SchedulingEligibility: "ineligible" }),
	]);
	const job = storedJob(c);
	const plan: FullPlan = emptyPlan(evals[0], job);
	plan.NodeAllocation.n1 = [mkAlloc(job, "n1", { cpu: 500 })];
	plan.NodeAllocation.n2 = [mkAlloc(job, "n2", { cpu: 500 })];
	plan.NodeAllocation.n3 = [mkAlloc(job, "n3")];
	plan.NodeAllocation.n4 = [mkAlloc(job, "n4")];
	plan.NodeAllocation.ghost = [mkAlloc(job, "ghost")];
	plan.NodeUpdate.gone = [mkAlloc(job, "gone", { DesiredStatus: "stop" })];
	const snap = c.state.snapshot();
	const r = evaluatePlan(snap, plan);
	assert.deepEqual(Object.keys(r.NodeAllocation), ["n1"]);
	assert.deepEqual(Object.keys(r.NodeUpdate), ["gone"], "stops are always allowed");
	assert.deepEqual([...r.RejectedNodes].sort(), ["ghost", "n2", "n3", "n4"]);
	assert.equal(r.RefreshIndex, snap.maxIndex("nodes", "allocs"));
	assert.ok(r.RefreshIndex > 0);
	const all = evaluatePlan(snap, { ...plan, AllAtOnce: true });
	assert.deepEqual(all.NodeAllocation, {});
	assert.deepEqual(all.NodeUpdate, {});
	assert.ok(all.RefreshIndex > 0);
	await c.close();
});

test("evaluatePlan counts existing allocations minus those the plan stops or updates in place", async () => {
	const { c, evals } = await cluster([mkNode("n1", { cpu: 1000, mem: 1000 })]);
	const job = storedJob(c);
	const old = mkAlloc(job, "n1", { cpu: 800, EvalID: evals[0].ID });
	const ap = startApplier(c);
	const first = emptyPlan(evals[0], job);
	first.NodeAllocation.n1 = [old];
	await ap.queue.enqueue(first);
	const fresh = mkAlloc(job, "n1", { cpu: 500 });
	const crowded = emptyPlan(evals[0], job);
	crowded.NodeAllocation.n1 = [fresh];
	assert.deepEqual(evaluatePlan(c.state.snapshot(), crowded).RejectedNodes, ["n1"]);
	// Stopping the old one in the same plan frees its room.
	crowded.NodeUpdate.n1 = [{ ...old, DesiredStatus: "stop" }];
	assert.deepEqual(evaluatePlan(c.state.snapshot(), crowded).RejectedNodes, []);
	// An in-place update of the old one (bigger) replaces it rather than adding to it.
	const inplace = emptyPlan(evals[0], job);
	inplace.NodeAllocation.n1 = [{ ...old, AllocatedResources: mkAlloc(job, "n1", { cpu: 900 }).AllocatedResources }];
	assert.deepEqual(evaluatePlan(c.state.snapshot(), inplace).RejectedNodes, []);
	await ap.stop();
	await c.close();
});

test("the applier commits a partial plan, answers with AllocIndex/RefreshIndex, and logs allocs without their job", async () => {
	const { c, evals } = await cluster([mkNode("n1", { cpu: 1000 }), mkNode("n2", { cpu: 100 })]);
	const job = storedJob(c);
	const ap = startApplier(c);
	const plan = emptyPlan(evals[0], job);
	const a1 = {
		...mkAlloc(job, "n1", { cpu: 400, EvalID: evals[0].ID }),
		SignedIdentities: { task: "jwt" },
	} as Allocation;
	const a2 = mkAlloc(job, "n1", { cpu: 400, EvalID: evals[0].ID });
	const a3 = mkAlloc(job, "n2", { cpu: 400, EvalID: evals[0].ID });
	plan.NodeAllocation.n1 = [a1, a2];
	plan.NodeAllocation.n2 = [a3];
	const before = Date.now() * 1e6;
	const res = await ap.queue.enqueue(plan);
	assert.deepEqual(res.RejectedNodes, ["n2"]);
	assert.ok(res.AllocIndex > 0);
	assert.equal(res.RefreshIndex, res.AllocIndex);
	assert.deepEqual(Object.keys(res.NodeAllocation), ["n1"]);
	const entry = c.log.at(-1) as { type: string; payload: Row };
	assert.equal(entry.type, PlanCmd.applyPlanResults);
	assert.equal(entry.payload.Job, undefined, "the job is not repeated in the log when state has it");
	const logged = entry.payload.AllocsUpdated as Row[];
	assert.equal(logged.length, 2);
	for (const l of logged) {
		assert.equal(l.Job, undefined);
		assert.equal("SignedIdentities" in l, false);
		assert.ok((l.CreateTime as number) >= before);
	}
	const row = c.state.get("allocs", a1.ID) as Row;
	assert.equal(row.Job, c.state.get("job_versions", `default\u0000web\u0000${"0".padStart(20, "0")}`));
	assert.equal("SignedIdentities" in row, false);
	assert.equal(c.state.get("allocs", a3.ID), undefined);
	await ap.stop();
	await c.close();
});

test("a 1,000-allocation plan makes a small log entry", async () => {
	const big = mkJob("web");
	big.Meta = { blob: "x".repeat(20_000) };
	const { c, evals } = await cluster([mkNode("n1", { cpu: 1_000_000, mem: 1_000_000 })], [big]);
	const job = storedJob(c);
	const ap = startApplier(c);
	const plan = emptyPlan(evals[0], job);
	plan.NodeAllocation.n1 = Array.from({ length: 1000 }, () => mkAlloc(job, "n1", { EvalID: evals[0].ID }));
	const res = await ap.queue.enqueue(plan);
	assert.equal(res.RejectedNodes.length, 0);
	const text = JSON.stringify((c.log.at(-1) as { payload: Row }).payload);
	assert.ok(text.length < 1000 * 1_000, `payload ${text.length} bytes`);
	assert.equal(text.includes("xxxxxxxxxx"), false, "the 20 KB job is not in the entry at all");
	assert.equal(c.state.count("allocs"), 1000);
	await ap.stop();
	await c.close();
});

test("disabling the queue fails queued plans", async () => {
	const q = new PlanQueue();
	await assert.rejects(q.enqueue(emptyPlan(mkEval({ ID: "j" }), null)), /plan queue is disabled/);
	q.setEnabled(true);
	const p = q.enqueue(emptyPlan(mkEval({ ID: "j" }), null));
	q.setEnabled(false);
	await assert.rejects(p, /plan queue is disabled/);
});

/**
 * Several schedulers plan concurrently from stale snapshots, each greedily filling the same nodes,
 * retrying on partial commits. Whatever the interleaving, no node ends up overcommitted.
 */
test("no node is overcommitted whatever the interleaving of concurrent plans", async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.integer({ min: 2, max: 6 }),
			fc.integer({ min: 1, max: 4 }),
			fc.array(fc.integer({ min: 50, max: 400 }), { minLength: 6, maxLength: 6 }),
			fc.array(fc.nat(5), { minLength: 12, maxLength: 12 }),
			async (schedulers, nodeCount, sizes, delays) => {
				const nodes = Array.from({ length: nodeCount }, (_, i) => mkNode(`n${i}`, { cpu: 1000, mem: 1000 }));
				const jobs = Array.from({ length: schedulers }, (_, i) => mkJob(`job${i}`, { count: 20 }));
				const { c, evals } = await cluster(nodes, jobs);
				const ap = startApplier(c);
				const run = async (i: number) => {
					const job = storedJob(c, `job${i}`);
					let state = new SnapshotSchedulerState(c.state.snapshot());
					for (let attempt = 0; attempt < 4; attempt++) {
						// Plan from this (possibly stale) view: fill every node as far as it looks free.
						const plan = emptyPlan(evals[i], job);
						const size = sizes[i % sizes.length];
						for (const n of nodes) {
							const free = freeOn(state, n);
							for (let k = 0; free.cpu >= size && free.mem >= size && k < 10; k++) {
								free.cpu -= size;
								free.mem -= size;
								const list = plan.NodeAllocation[n.ID] ?? [];
								plan.NodeAllocation[n.ID] = list;
								list.push(mkAlloc(job, n.ID, { ID: testID("p"), cpu: size, mem: size }));
							}
						}
						await new Promise((r) => setTimeout(r, delays[(i + attempt) % delays.length]));
						if (Object.keys(plan.NodeAllocation).length === 0) return;
						const res = await ap.queue.enqueue(plan);
						if (res.RefreshIndex === 0) return;
						state = new SnapshotSchedulerState(c.state.snapshot());
					}
				};
				await Promise.all(jobs.map((_, i) => run(i)));
				for (const n of nodes) {
					let cpu = 0;
					let mem = 0;
					for (const a of c.state.byIndex("allocs", "node", n.ID)) {
						const u = allocUsage(a as unknown as Allocation);
						cpu += u.cpu;
						mem += u.mem;
					}
					assert.ok(cpu <= 1000, `node ${n.ID} cpu ${cpu}`);
					assert.ok(mem <= 1000, `node ${n.ID} mem ${mem}`);
				}
				await ap.stop();
				await c.close();
			},
		),
		{ numRuns: 30 },
	);
});
