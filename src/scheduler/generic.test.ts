// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation, Evaluation, Job, Node } from "../api/types/index.ts";
import { EvalContext } from "./context.ts";
import { schedulers } from "./index.ts";
import { scoreMetaList } from "./metrics.ts";
import { mockAlloc, mockGroup, mockJob, mockNode, mockNodes, mockResources, mockTask } from "./mock.ts";
import { Harness, mockEval } from "./testHarness.ts";

EvalContext.verifyUsage = true;

const NOW = 1_704_067_200_000_000_000;
const SEC = 1_000_000_000;

function setup(nodes = 10, job: Partial<Job> = {}) {
	const h = new Harness();
	const ns = mockNodes(nodes).map((n) => h.upsertNode(n));
	const j = h.upsertJob(mockJob(job));
	return { h, nodes: ns, job: j };
}

async function run(h: Harness, job: Job, ev: Partial<Evaluation> = {}, seed = 1) {
	const e = mockEval(job, ev);
	await schedulers[job.Type](h.context({ seed, now: NOW })).process(e);
	return h.evalUpdates[h.evalUpdates.length - 1];
}

function placed(h: Harness, i = h.plans.length - 1): Allocation[] {
	return Object.values(h.plans[i]?.NodeAllocation ?? {}).flat();
}

function stopped(h: Harness, i = h.plans.length - 1): Allocation[] {
	return Object.values(h.plans[i]?.NodeUpdate ?? {}).flat();
}

/** Commits `count` running allocs of the job's first group, index i on node i % nodes. */
function existing(h: Harness, job: Job, nodes: Node[], count: number, over: Partial<Allocation> = {}): Allocation[] {
	const out: Allocation[] = [];
	for (let i = 0; i < count; i++) {
		out.push(
			h.upsertAlloc(
				mockAlloc(job, nodes[i % nodes.length], {
					ID: `a${String(i).padStart(7, "0")}-0000-4000-a000-000000000000`,
					Name: `${job.ID}.web[${i}]`,
					...over,
				}),
			),
		);
	}
	return out;
}

test("service job: places count allocations named <job>.<group>[i] and completes the eval", async () => {
	const { h, job } = setup();
	const ev = await run(h, job);
	const allocs = placed(h);
	assert.equal(allocs.length, 10);
	assert.deepEqual(allocs.map((a) => a.Name).sort(), [...Array(10)].map((_, i) => `example.web[${i}]`).sort());
	for (const a of allocs) {
		assert.equal(a.DesiredStatus, "run");
		assert.equal(a.ClientStatus, "pending");
		assert.equal(a.AllocatedResources?.Tasks.web.Cpu.CpuShares, 500);
		assert.equal(a.AllocatedResources?.Tasks.web.Memory.MemoryMB, 256);
		assert.equal(a.AllocatedResources?.Shared.DiskMB, 150);
		assert.equal(a.Metrics?.NodesInPool, 10);
		assert.deepEqual(a.Metrics?.NodesAvailable, { dc1: 10 });
		assert.ok((scoreMetaList(a.Metrics)?.length ?? 0) > 0);
	}
	assert.equal(ev.Status, "complete");
	assert.deepEqual(ev.QueuedAllocations, { web: 0 });
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Place, 10);
	assert.equal(h.createdEvals.length, 0);
	assert.equal(h.plans[0].Job?.ID, "example");
	assert.equal(h.plans[0].Annotations, null);
});

test("AnnotatePlan puts DesiredTGUpdates on the plan", async () => {
	const { h, job } = setup();
	await run(h, job, { AnnotatePlan: true });
	assert.equal(h.plans[0].Annotations?.DesiredTGUpdates?.web.Place, 10);
});

test("unknown trigger fails the eval with Nomad's message", async () => {
	const { h, job } = setup();
	const ev = await run(h, job, { TriggeredBy: "bogus" });
	assert.equal(ev.Status, "failed");
	assert.equal(ev.StatusDescription, "scheduler cannot handle 'bogus' evaluation reason");
	assert.equal(h.plans.length, 0);
});

for (const trig of [
	"job-register",
	"node-update",
	"alloc-stop",
	"periodic-job",
	"failed-follow-up",
	"alloc-failure",
	"queued-allocs",
	"job-scaling",
	"alloc-reschedule",
	"job-deregister",
	"node-drain",
	"rolling-update",
]) {
	test(`generic scheduler handles trigger ${trig}`, async () => {
		const { h, job } = setup(3);
		const ev = await run(h, job, { TriggeredBy: trig });
		assert.equal(ev.Status, "complete");
	});
}

test("scale down stops the highest indexes; scale up reuses the free ones", async () => {
	const { h, job, nodes } = setup();
	existing(h, job, nodes, 10);
	const down = h.upsertJob({ ...job, TaskGroups: [{ ...job.TaskGroups[0], Count: 7 }] });
	const ev = await run(h, down);
	// The new job version updates the 7 survivors in place (same spec, new JobModifyIndex).
	assert.equal(placed(h).length, 7);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.InPlaceUpdate, 7);
	const stops = stopped(h);
	assert.deepEqual(stops.map((a) => a.Name).sort(), ["example.web[7]", "example.web[8]", "example.web[9]"]);
	for (const a of stops) {
		assert.equal(a.DesiredStatus, "stop");
		assert.equal(a.DesiredDescription, "alloc not needed due to job update");
	}
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Stop, 3);

	const h2 = new Harness();
	const n2 = mockNodes(5).map((n) => h2.upsertNode(n));
	const j2 = h2.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 5 })] }));
	h2.upsertAlloc(mockAlloc(j2, n2[0], { ID: "x0", Name: "example.web[0]" }));
	h2.upsertAlloc(mockAlloc(j2, n2[1], { ID: "x2", Name: "example.web[2]" }));
	await run(h2, j2);
	assert.deepEqual(
		placed(h2)
			.map((a) => a.Name)
			.sort(),
		["example.web[1]", "example.web[3]", "example.web[4]"],
	);
});

test("stopping the job stops every allocation; a purged job too", async () => {
	const { h, job, nodes } = setup();
	existing(h, job, nodes, 4);
	const stop = h.upsertJob({ ...job, Stop: true });
	const ev = await run(h, stop, { TriggeredBy: "job-deregister" });
	assert.equal(stopped(h).length, 4);
	assert.ok(stopped(h).every((a) => a.DesiredDescription === "alloc not needed due to job update"));
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Stop, 4);
	assert.deepEqual(ev.QueuedAllocations, { web: 0 });

	const { h: h2, job: j2, nodes: n2 } = setup();
	existing(h2, j2, n2, 3);
	h2.deleteJob("default", "example");
	await run(h2, j2, { TriggeredBy: "job-deregister" });
	assert.equal(stopped(h2).length, 3);
	assert.equal(h2.plans[0].Job?.ID, "example", "plan carries the job from the allocations");
});

test("non-destructive change updates in place; a destructive one replaces the allocation", async () => {
	const { h, job, nodes } = setup();
	const old = existing(h, job, nodes, 10);
	const tg = job.TaskGroups[0];
	const inplace = h.upsertJob({ ...job, TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], KillTimeout: 9 * SEC }] }] });
	let ev = await run(h, inplace);
	let up = placed(h);
	assert.equal(up.length, 10);
	assert.deepEqual(new Set(up.map((a) => a.ID)), new Set(old.map((a) => a.ID)));
	assert.equal(stopped(h).length, 0);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.InPlaceUpdate, 10);
	assert.equal(up[0].EvalID, mockEval(job).ID);

	const destructive = h.upsertJob({
		...inplace,
		TaskGroups: [{ ...tg, Tasks: [{ ...tg.Tasks[0], Config: { command: "/bin/other" } }] }],
	});
	ev = await run(h, destructive);
	up = placed(h);
	assert.equal(up.length, 10);
	assert.ok(up.every((a) => !old.some((o) => o.ID === a.ID)));
	assert.ok(up.every((a) => old.some((o) => o.ID === a.PreviousAllocation)));
	assert.equal(stopped(h).length, 10);
	assert.ok(stopped(h).every((a) => a.DesiredDescription === "alloc is being updated due to job update"));
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.DestructiveUpdate, 10);
});

test("update.max_parallel limits destructive updates and leaves a rolling follow-up eval", async () => {
	const { h, job, nodes } = setup();
	existing(h, job, nodes, 10);
	const tg = job.TaskGroups[0];
	const upd = { ...job.Update, MaxParallel: 3 };
	const next = h.upsertJob({
		...job,
		TaskGroups: [{ ...tg, Update: upd, Tasks: [{ ...tg.Tasks[0], Config: { command: "x" } }] }],
	});
	const ev = await run(h, next);
	assert.equal(placed(h).length, 3);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.DestructiveUpdate, 3);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Ignore, 7);
	const f = h.createdEvals.find((e) => e.TriggeredBy === "rolling-update");
	assert.ok(f);
	assert.equal(f.Wait, 30 * SEC);
});

test("allocations on a down node are lost and replaced", async () => {
	const { h, job, nodes } = setup(4, { TaskGroups: [mockGroup({ Count: 8 })] });
	existing(h, job, nodes, 8);
	h.upsertNode({ ...nodes[1], Status: "down" });
	const ev = await run(h, job, { TriggeredBy: "node-update" });
	const stops = stopped(h);
	assert.equal(stops.length, 2);
	for (const s of stops) {
		assert.equal(s.NodeID, nodes[1].ID);
		assert.equal(s.ClientStatus, "lost");
		assert.equal(s.DesiredDescription, "alloc is lost since its node is down");
	}
	const repl = placed(h);
	assert.equal(repl.length, 2);
	assert.ok(repl.every((a) => a.NodeID !== nodes[1].ID));
	assert.deepEqual(repl.map((a) => a.PreviousAllocation).sort(), stops.map((a) => a.ID).sort());
	assert.deepEqual(repl.map((a) => a.Name).sort(), stops.map((a) => a.Name).sort());
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Stop, 2);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.Place, 2);
});

function failedAt(ns: number): Partial<Allocation> {
	const t = new Date(ns / 1e6).toISOString();
	return {
		ClientStatus: "failed",
		TaskStates: {
			web: {
				State: "dead",
				Failed: true,
				Restarts: 0,
				LastRestart: null,
				StartedAt: null,
				FinishedAt: t,
				Events: null,
			},
		},
	};
}

test("a failed allocation past its delay is rescheduled now, with a reschedule tracker", async () => {
	const { h, job, nodes } = setup(4, {
		TaskGroups: [
			mockGroup({
				Count: 2,
				ReschedulePolicy: {
					Attempts: 3,
					Interval: 3600 * SEC,
					Delay: 5 * SEC,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: false,
				},
			}),
		],
	});
	const [a0] = existing(h, job, nodes, 2);
	h.upsertAlloc({ ...a0, ...failedAt(NOW - 10 * SEC) });
	await run(h, job, { TriggeredBy: "alloc-failure" });
	const stops = stopped(h);
	assert.equal(stops.length, 1);
	assert.equal(stops[0].ID, a0.ID);
	assert.equal(stops[0].DesiredDescription, "alloc was rescheduled because it failed");
	const [repl] = placed(h);
	assert.equal(repl.PreviousAllocation, a0.ID);
	assert.equal(repl.Name, a0.Name);
	assert.notEqual(repl.NodeID, a0.NodeID, "the failed node is penalised");
	const ev0 = repl.RescheduleTracker?.Events?.[0];
	assert.equal(ev0?.PrevAllocID, a0.ID);
	assert.equal(ev0?.PrevNodeID, a0.NodeID);
	assert.equal(ev0?.RescheduleTime, NOW);
	assert.equal(ev0?.Delay, 5 * SEC);
	assert.equal(
		scoreMetaList(repl.Metrics)?.find((s) => s.NodeID === a0.NodeID)?.Scores["node-reschedule-penalty"] ?? -1,
		-1,
	);
});

test("a failed allocation within its delay gets a follow-up alloc-reschedule eval", async () => {
	const { h, job, nodes } = setup(4, {
		TaskGroups: [
			mockGroup({
				Count: 2,
				ReschedulePolicy: {
					Attempts: 3,
					Interval: 3600 * SEC,
					Delay: 60 * SEC,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: false,
				},
			}),
		],
	});
	const [a0, a1] = existing(h, job, nodes, 2);
	h.upsertAlloc({ ...a0, ...failedAt(NOW - 10 * SEC) });
	h.upsertAlloc({ ...a1, ...failedAt(NOW - 8 * SEC) });
	const ev = await run(h, job, { TriggeredBy: "alloc-failure" });
	assert.equal(h.createdEvals.length, 1, "both failures batched in one follow-up");
	const f = h.createdEvals[0];
	assert.equal(f.TriggeredBy, "alloc-reschedule");
	assert.equal(f.Status, "pending");
	assert.equal(f.StatusDescription, "created for delayed rescheduling");
	assert.equal(f.WaitUntil, new Date((NOW + 50 * SEC) / 1e6).toISOString().replace(".000", ""));
	assert.equal(f.PreviousEval, ev.ID);
	assert.equal(ev.NextEval, f.ID);
	const ups = placed(h);
	assert.equal(ups.length, 2);
	assert.ok(ups.every((a) => a.FollowupEvalID === f.ID && a.ClientStatus === "failed"));
	assert.equal(stopped(h).length, 0);
	assert.equal(ev.PlanAnnotations?.DesiredTGUpdates?.web.RescheduleLater, 2);

	// The follow-up eval itself reschedules them (its ID matches FollowupEvalID).
	const h2ev = { ...f, ID: f.ID };
	await schedulers.service(h.context({ now: NOW })).process(h2ev);
	assert.equal(placed(h).filter((a) => a.ClientStatus === "pending").length, 2);
});

test("reschedule attempts are bounded by the policy", async () => {
	const { h, job, nodes } = setup(4, {
		TaskGroups: [
			mockGroup({
				Count: 1,
				ReschedulePolicy: {
					Attempts: 1,
					Interval: 3600 * SEC,
					Delay: 0,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: false,
				},
			}),
		],
	});
	const [a0] = existing(h, job, nodes, 1);
	h.upsertAlloc({
		...a0,
		...failedAt(NOW - 10 * SEC),
		RescheduleTracker: {
			Events: [{ RescheduleTime: NOW - 100 * SEC, PrevAllocID: "p", PrevNodeID: nodes[2].ID, Delay: 0 }],
		},
	});
	await run(h, job, { TriggeredBy: "alloc-failure" });
	assert.equal(h.plans.length, 0, "no more attempts: nothing to do");
});

test("batch: completed allocations are not replaced, failed ones are", async () => {
	const { h, job, nodes } = setup(4, {
		Type: "batch",
		TaskGroups: [
			mockGroup({
				Count: 3,
				ReschedulePolicy: {
					Attempts: 1,
					Interval: 86400 * SEC,
					Delay: 0,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: false,
				},
			}),
		],
	});
	const [a0, a1] = existing(h, job, nodes, 3);
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
	h.upsertAlloc({ ...a1, ...failedAt(NOW - 5 * SEC) });
	await run(h, job, { TriggeredBy: "alloc-failure" });
	const p = placed(h);
	assert.equal(p.length, 1);
	assert.equal(p[0].PreviousAllocation, a1.ID);
});

test("placement failures: one blocked eval, FailedTGAllocs with metrics, queued counts", async () => {
	const { h, job } = setup(2, {
		TaskGroups: [mockGroup({ Count: 20, Tasks: [mockTask({ Resources: { ...mockTask().Resources, CPU: 1000 } })] })],
	});
	const ev = await run(h, job);
	// 3900 MHz free per node: 3 per node fit.
	assert.equal(placed(h).length, 6);
	assert.equal(ev.Status, "complete");
	assert.deepEqual(ev.QueuedAllocations, { web: 14 });
	const m = ev.FailedTGAllocs?.web;
	assert.ok(m);
	assert.equal(m.CoalescedFailures, 13);
	assert.equal(m.NodesEvaluated, 2);
	assert.equal(m.NodesExhausted, 2);
	assert.deepEqual(m.DimensionExhausted, { cpu: 2 });
	assert.equal(m.ResourcesExhausted?.web.CPU, 14000);
	assert.equal(h.createdEvals.length, 1);
	const b = h.createdEvals[0];
	assert.equal(b.Status, "blocked");
	assert.equal(b.TriggeredBy, "queued-allocs");
	assert.equal(b.StatusDescription, "created to place remaining allocations");
	assert.equal(b.PreviousEval, ev.ID);
	assert.equal(ev.BlockedEval, b.ID);
	assert.equal(b.EscapedComputedClass, false);
	assert.deepEqual(Object.values(b.ClassEligibility ?? {}), [true]);
	assert.deepEqual(b.QueuedAllocations, { web: 14 });
});

test("constraint filtering is reported per constraint string and per class", async () => {
	const h = new Harness();
	for (const n of mockNodes(6, (i) => ({
		Attributes: { ...mockNode().Attributes, "kernel.name": i < 2 ? "linux" : "windows" },
	})))
		h.upsertNode(n);
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 30 })] }));
	const ev = await run(h, job);
	const m = ev.FailedTGAllocs?.web;
	assert.ok(m);
	// By the time placements fail the windows class is known ineligible (cached per computed class).
	assert.equal(m.NodesFiltered, 4);
	assert.deepEqual(m.ConstraintFiltered, { "computed class ineligible": 4 });
	assert.equal(m.ClassFiltered?.["linux-medium-pci"], 4);
	// The first selection evaluated the constraint on one windows node and cached the class.
	const first = placed(h).find((a) => a.Metrics?.ConstraintFiltered?.["${attr.kernel.name} = linux"]);
	assert.ok(first);
});

test("a blocked eval that still cannot place is re-blocked, not completed", async () => {
	const { h, job } = setup(1, { TaskGroups: [mockGroup({ Count: 50 })] });
	await run(h, job, { Status: "blocked", TriggeredBy: "queued-allocs" });
	assert.equal(h.reblocked.length, 1);
	assert.equal(h.evalUpdates.length, 0);
	assert.equal(h.createdEvals.length, 0);
});

test("partial commit: the scheduler refreshes and retries the rejected part", async () => {
	const { h, job, nodes } = setup(3);
	h.rejectOnce.add(nodes[0].ID);
	h.rejectOnce.add(nodes[1].ID);
	const ev = await run(h, job);
	assert.ok(h.plans.length >= 2);
	assert.equal(h.allocs().length, 10);
	assert.equal(ev.Status, "complete");
	assert.deepEqual(ev.QueuedAllocations, { web: 0 });
});

test("no progress after max attempts: eval failed plus a max-plan-attempts blocked eval", async () => {
	const { h, job, nodes } = setup(1, { Type: "batch", TaskGroups: [mockGroup({ Count: 1 })] });
	const reject = () => {
		h.rejectOnce.add(nodes[0].ID);
	};
	h.beforeApply = reject;
	const ev = await run(h, job);
	assert.equal(h.plans.length, 2, "batch: 2 attempts");
	assert.equal(ev.Status, "failed");
	assert.equal(ev.StatusDescription, "maximum attempts reached (2)");
	assert.equal(h.createdEvals.length, 1);
	assert.equal(h.createdEvals[0].TriggeredBy, "max-plan-attempts");
	assert.equal(h.createdEvals[0].StatusDescription, "created due to placement conflicts");

	const s = setup(1, { TaskGroups: [mockGroup({ Count: 1 })] });
	s.h.beforeApply = () => s.h.rejectOnce.add(s.nodes[0].ID);
	const ev2 = await run(s.h, s.job);
	assert.equal(s.h.plans.length, 5, "service: 5 attempts");
	assert.equal(ev2.StatusDescription, "maximum attempts reached (5)");
});

test("AllAtOnce: a plan that does not fully fit commits nothing", async () => {
	const { h, job, nodes } = setup(3, { AllAtOnce: true });
	let first = true;
	h.beforeApply = () => {
		if (first) h.rejectOnce.add(nodes[2].ID);
		first = false;
	};
	await run(h, job);
	assert.equal(h.results[0].AllocIndex, 0);
	assert.equal(Object.keys(h.results[0].NodeAllocation).length, 0);
	assert.ok(h.results[0].RejectedNodes.length >= 2);
	assert.equal(h.allocs().length, 10, "the retry placed everything");
});

test("ports: static ports avoid collisions, dynamic ports come from the node's range", async () => {
	const h = new Harness();
	const nodes = mockNodes(3, () => ({
		NodeResources: mockResources({ MinDynamicPort: 25000, MaxDynamicPort: 25010 }),
	})).map((n) => h.upsertNode(n));
	const net = {
		Mode: "host",
		ReservedPorts: [{ Label: "http", Value: 8080 }],
		DynamicPorts: [{ Label: "admin", To: -1 }],
	};
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 4, Networks: [net] })] }));
	const ev = await run(h, job);
	const allocs = placed(h);
	assert.equal(allocs.length, 3, "8080 fits once per node");
	assert.equal(ev.FailedTGAllocs?.web.DimensionExhausted?.["network: reserved port collision http=8080"], 3);
	const seen = new Set<string>();
	for (const a of allocs) {
		const ports = a.AllocatedResources?.Shared.Ports ?? [];
		assert.equal(ports.length, 2);
		const http = ports.find((p) => p.Label === "http");
		const admin = ports.find((p) => p.Label === "admin");
		assert.equal(http?.Value, 8080);
		assert.equal(http?.HostIP, "192.168.0.100");
		assert.ok(admin && admin.Value >= 25000 && admin.Value <= 25010);
		assert.equal(admin.To, admin.Value, "To -1 maps to the host port");
		const nw = a.AllocatedResources?.Shared.Networks?.[0];
		assert.equal(nw?.IP, "192.168.0.100");
		assert.equal(nw?.DynamicPorts?.[0].Value, admin.Value);
		seen.add(a.NodeID);
	}
	assert.equal(seen.size, 3);
	assert.ok(nodes.length === 3);
});

test("distinct_hosts puts each allocation on a different node", async () => {
	const { h, job } = setup(5, {
		Constraints: [{ LTarget: "", RTarget: "", Operand: "distinct_hosts" }],
		TaskGroups: [mockGroup({ Count: 7 })],
	});
	const ev = await run(h, job);
	const allocs = placed(h);
	assert.equal(allocs.length, 5);
	assert.equal(new Set(allocs.map((a) => a.NodeID)).size, 5);
	assert.equal(ev.FailedTGAllocs?.web.ConstraintFiltered?.distinct_hosts, 5);
});

test("CVE-2019-15928: every task's driver must be detected and healthy", async () => {
	const h = new Harness();
	const base = mockNode();
	const nodes = mockNodes(4, (i) => ({
		Attributes: { ...base.Attributes, "driver.raw_exec": i === 3 ? "1" : "0" },
		Drivers: {
			...base.Drivers,
			raw_exec: {
				Attributes: null,
				Detected: i >= 2,
				Healthy: i >= 2 && i !== 2,
				HealthDescription: "",
				UpdateTime: null,
			},
		},
	})).map((n) => h.upsertNode(n));
	const job = h.upsertJob(
		mockJob({
			TaskGroups: [
				mockGroup({
					Count: 5,
					Tasks: [mockTask({ Name: "a", Driver: "exec" }), mockTask({ Name: "b", Driver: "raw_exec" })],
				}),
			],
		}),
	);
	const ev = await run(h, job);
	const allocs = placed(h);
	assert.ok(allocs.length > 0);
	assert.ok(
		allocs.every((a) => a.NodeID === nodes[3].ID),
		"only the node with both drivers healthy",
	);
	assert.equal(ev.FailedTGAllocs?.web.NodesFiltered, 3);
	assert.ok(allocs.some((a) => (a.Metrics?.ConstraintFiltered?.["missing drivers"] ?? 0) > 0));
});

test("datacenter globs and node pools select the candidate nodes", async () => {
	const h = new Harness();
	mockNodes(6, (i) => ({
		Datacenter: ["us-east-1", "us-west-1", "eu-1"][i % 3],
		NodePool: i < 4 ? "default" : "gpu",
	})).forEach((n) => {
		h.upsertNode(n);
	});
	const job = h.upsertJob(mockJob({ Datacenters: ["us-*"], TaskGroups: [mockGroup({ Count: 6 })] }));
	await run(h, job);
	const nodes = new Set(placed(h).map((a) => h.snapshot().node(a.NodeID)?.Datacenter));
	assert.ok([...nodes].every((dc) => dc?.startsWith("us-")));
	const m = placed(h)[0].Metrics;
	assert.equal(m?.NodesInPool, 3, "us-* nodes in pool default: 0,1,3");
	assert.deepEqual(m?.NodesAvailable, { "us-east-1": 2, "us-west-1": 1 });

	const h2 = new Harness();
	mockNodes(6, (i) => ({ NodePool: i < 4 ? "default" : "gpu" })).forEach((n) => {
		h2.upsertNode(n);
	});
	const all = h2.upsertJob(mockJob({ NodePool: "all", TaskGroups: [mockGroup({ Count: 6 })] }));
	await run(h2, all);
	assert.equal(placed(h2)[0].Metrics?.NodesInPool, 6);
	const gpu = h2.upsertJob(mockJob({ ID: "g", NodePool: "gpu", TaskGroups: [mockGroup({ Count: 2 })] }));
	await run(h2, gpu);
	assert.ok(placed(h2).every((a) => Number(a.NodeID.slice(-2)) >= 4));
});

test("ineligible, draining and down nodes get no placements", async () => {
	const h = new Harness();
	const nodes = mockNodes(
		4,
		(i) =>
			[
				{},
				{ SchedulingEligibility: "ineligible" as const },
				{ Status: "down" as const },
				{ DrainStrategy: { Deadline: 0, IgnoreSystemJobs: false, ForceDeadline: null, StartedAt: null } },
			][i],
	).map((n) => h.upsertNode(n));
	const job = h.upsertJob(mockJob({ TaskGroups: [mockGroup({ Count: 3 })] }));
	await run(h, job);
	assert.ok(placed(h).every((a) => a.NodeID === nodes[0].ID));
	assert.equal(placed(h).length, 3);
});

test("same seed, same placements", async () => {
	const runOnce = async (seed: number) => {
		const { h, job } = setup(20, { TaskGroups: [mockGroup({ Count: 15 })] });
		await run(h, job, {}, seed);
		return placed(h).map((a) => `${a.Name}@${a.NodeID}`);
	};
	assert.deepEqual(await runOnce(7), await runOnce(7));
	assert.notDeepEqual(await runOnce(7), await runOnce(8));
});
