import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation, Evaluation, Job, Node } from "../api/types/index.ts";
import { nullLogger } from "../lib/logger.ts";
import { allocUsage } from "../scheduler/resources.ts";
import type { SchedulerFactory } from "../scheduler/types.ts";
import { EvalCmd } from "./fsm/evalCommands.ts";
import type { TaskGroupSummary } from "./fsm/summary.ts";
import { isValidWorkerConfig } from "./schedulerWorkers.ts";
import { Scheduling, type SchedulingOptions } from "./scheduling.ts";
import {
	fakeScheduler,
	mkEval,
	mkJob,
	mkNode,
	newCluster,
	sleepMs,
	type TestCluster,
	until,
} from "./schedulingFixtures.ts";
import type { Row } from "./state/schema.ts";

interface Env {
	c: TestCluster;
	s: Scheduling;
	/** Applies a command and lets the leader react, as the server's apply hook would. */
	apply: (type: string, payload: Row) => Promise<number>;
	register: (job: Job) => Promise<Evaluation>;
	node: (n: Node) => Promise<number>;
	evalRow: (id: string) => Evaluation | undefined;
	allocs: (jobID?: string) => Allocation[];
	done: () => Promise<void>;
}

async function env(factory: SchedulerFactory, o: Partial<SchedulingOptions> = {}): Promise<Env> {
	const c = await newCluster();
	const s = new Scheduling({
		state: c.state,
		apply: c.apply,
		schedulers: { service: factory, batch: factory, system: factory },
		logger: nullLogger(),
		numSchedulers: 2,
		broker: { nackTimeoutMs: 2_000, initialNackDelayMs: 0, subsequentNackDelayMs: 0 },
		dequeueTimeoutMs: 50,
		...o,
	});
	const apply = async (type: string, payload: Row) => {
		const r = await c.apply(type, payload);
		assert.equal(r.error, undefined, r.error);
		s.afterApply(type, payload, r);
		return r.index;
	};
	return {
		c,
		s,
		apply,
		register: async (job) => {
			const ev = mkEval(job, { Type: job.Type, Priority: job.Priority });
			await apply("JobRegister", { Job: job, Evals: [ev] });
			return ev;
		},
		node: (n) => apply("NodeRegister", { Node: n }),
		evalRow: (id) => c.state.get("evals", id) as Evaluation | undefined,
		allocs: (jobID) =>
			[...c.state.scan("allocs")].filter((a) => !jobID || a.JobID === jobID) as unknown as Allocation[],
		done: async () => {
			await s.revokeLeadership();
			await c.close();
		},
	};
}

const summaryOf = (e: Env, job: string, tg = "web"): TaskGroupSummary =>
	(e.c.state.get("job_summary", `default\u0000${job}`) as { Summary: Record<string, TaskGroupSummary> }).Summary[tg];

test("a registered job's eval is scheduled: allocations placed, eval complete, summary counts", async () => {
	const e = await env(fakeScheduler());
	await e.s.establishLeadership();
	await e.node(mkNode("n1"));
	const ev = await e.register(mkJob("web", { count: 3 }));
	await until(() => e.evalRow(ev.ID)?.Status === "complete", 3_000, "eval complete");
	const allocs = e.allocs("web");
	assert.equal(allocs.length, 3);
	for (const a of allocs) {
		assert.equal(a.EvalID, ev.ID);
		assert.equal(a.ClientStatus, "pending");
		assert.ok(a.Job);
	}
	assert.deepEqual(summaryOf(e, "web"), {
		Queued: 0,
		Complete: 0,
		Failed: 0,
		Running: 0,
		Starting: 3,
		Lost: 0,
		Unknown: 0,
	});
	const row = e.evalRow(ev.ID) as Evaluation;
	assert.ok((row.SnapshotIndex ?? 0) > 0, "the worker stamps the snapshot index");
	assert.equal(e.c.state.get("jobs", "default\u0000web")?.Status, "running");
	await until(() => e.s.stats().broker.TotalUnacked === 0, 1_000, "acked");
	await e.done();
});

test("what does not fit blocks, and is placed once a node of an eligible class registers", async () => {
	const e = await env(fakeScheduler());
	await e.s.establishLeadership();
	await e.node(mkNode("n1", { cpu: 250 }));
	const ev = await e.register(mkJob("web", { count: 3, cpu: 100 }));
	await until(() => e.evalRow(ev.ID)?.Status === "complete", 3_000, "first eval");
	const first = e.evalRow(ev.ID) as Evaluation;
	assert.ok(first.BlockedEval);
	const blockedID = first.BlockedEval as string;
	assert.equal(e.evalRow(blockedID)?.Status, "blocked");
	assert.equal(e.allocs("web").length, 2);
	assert.equal(summaryOf(e, "web").Queued, 1);
	await until(() => e.s.stats().blocked.TotalBlocked === 1, 1_000, "tracked");
	await e.node(mkNode("n2", { cpu: 1000 }));
	await until(() => e.evalRow(blockedID)?.Status === "complete", 3_000, "blocked eval ran");
	assert.equal(e.allocs("web").length, 3);
	assert.equal(e.s.stats().blocked.TotalBlocked, 0);
	assert.equal(summaryOf(e, "web").Queued, 0);
	await e.done();
});

test("a blocked eval that still cannot place is reblocked, and a later capacity change retries it", async () => {
	let runs = 0;
	const e = await env(fakeScheduler({ onProcess: () => void runs++ }));
	await e.s.establishLeadership();
	await e.node(mkNode("n1", { cpu: 100 }));
	const ev = await e.register(mkJob("web", { count: 3, cpu: 100 }));
	await until(() => !!e.evalRow(ev.ID)?.BlockedEval, 3_000, "blocked");
	const blockedID = e.evalRow(ev.ID)?.BlockedEval as string;
	await until(() => e.s.stats().blocked.TotalBlocked === 1, 1_000, "tracked");
	// A node too small: the blocked eval runs, still cannot place, and is reblocked (not duplicated).
	await e.node(mkNode("n2", { cpu: 50 }));
	await until(() => runs >= 2, 2_000, "blocked eval ran");
	await until(
		() => e.s.stats().blocked.TotalBlocked === 1 && e.s.stats().broker.TotalUnacked === 0,
		2_000,
		"reblocked",
	);
	assert.equal(e.evalRow(blockedID)?.Status, "blocked");
	await e.node(mkNode("n3", { cpu: 1000 }));
	await until(() => e.evalRow(blockedID)?.Status === "complete", 3_000, "placed");
	assert.equal(e.allocs("web").length, 3);
	await e.done();
});

test("an eval failing at every delivery is marked failed with a delayed failed-follow-up eval", async () => {
	const e = await env(
		fakeScheduler({
			onProcess: () => {
				throw new Error("boom");
			},
		}),
		{ broker: { deliveryLimit: 2, nackTimeoutMs: 1_000, initialNackDelayMs: 0, subsequentNackDelayMs: 0 } },
	);
	await e.s.establishLeadership();
	const ev = await e.register(mkJob("web"));
	await until(() => e.evalRow(ev.ID)?.Status === "failed", 3_000, "failed");
	const failed = e.evalRow(ev.ID) as Evaluation;
	assert.equal(failed.StatusDescription, "evaluation reached delivery limit (2)");
	const follow = e.evalRow(failed.NextEval as string) as Evaluation;
	assert.equal(follow.TriggeredBy, "failed-follow-up");
	assert.equal(follow.Status, "pending");
	assert.equal(follow.PreviousEval, ev.ID);
	assert.ok((follow.Wait ?? 0) >= 60e9 && (follow.Wait ?? 0) <= 360e9, `wait ${follow.Wait}`);
	await until(() => e.s.stats().broker.TotalWaiting === 1, 1_000, "follow-up waits in the broker");
	await e.done();
});

test("evals queued behind a running one for the same job are canceled once it is acked, all but the newest", async () => {
	let release!: () => void;
	const gate = new Promise<void>((r) => {
		release = r;
	});
	const seen: string[] = [];
	const e = await env(
		fakeScheduler({
			onProcess: async (ev) => {
				seen.push(ev.ID);
				if (seen.length === 1) await gate;
			},
		}),
		{ numSchedulers: 3 },
	);
	await e.s.establishLeadership();
	await e.node(mkNode("n1"));
	const job = mkJob("web", { count: 1 });
	const first = await e.register(job);
	await until(() => seen.length === 1, 2_000, "first running");
	const later: Evaluation[] = [];
	for (let i = 0; i < 3; i++) {
		const ev = mkEval(job, { TriggeredBy: "job-register" });
		later.push(ev);
		await e.apply(EvalCmd.update, { Evals: [ev] });
	}
	await sleepMs(30);
	assert.equal(seen.length, 1, "per-job serialisation: nothing else ran");
	release();
	await until(() => e.evalRow(later[2].ID)?.Status === "complete", 3_000, "newest ran");
	await until(() => later.slice(0, 2).every((l) => e.evalRow(l.ID)?.Status === "canceled"), 3_000, "canceled");
	assert.equal(e.evalRow(first.ID)?.Status, "complete");
	assert.equal(e.evalRow(later[0].ID)?.StatusDescription, "canceled after more recent eval was processed");
	assert.deepEqual(seen, [first.ID, later[2].ID]);
	await e.done();
});

test("on leadership, pending evals in state are enqueued and blocked ones tracked", async () => {
	const e = await env(fakeScheduler());
	await e.node(mkNode("n1"));
	const a = mkJob("a");
	const evA = mkEval(a);
	await e.apply("JobRegister", { Job: a, Evals: [evA] });
	const b = mkJob("b");
	await e.apply("JobRegister", { Job: b, Evals: [] });
	const blocked = mkEval(b, {
		Status: "blocked",
		TriggeredBy: "queued-allocs",
		ClassEligibility: { "v1:class-a": true },
	});
	await e.apply(EvalCmd.update, { Evals: [blocked] });
	assert.equal(e.s.isLeading(), false);
	await e.s.establishLeadership();
	await until(() => e.evalRow(evA.ID)?.Status === "complete", 3_000, "restored eval ran");
	assert.equal(e.s.stats().blocked.TotalBlocked, 1);
	e.s.unblock("v1:class-a", e.c.state.latestIndex);
	await until(() => e.evalRow(blocked.ID)?.Status === "complete", 3_000, "blocked eval ran");
	assert.equal(e.allocs("b").length, 1);
	await e.done();
});

test("PauseEvalBroker in the scheduler config pauses the brokers; unpausing restores the evals", async () => {
	const e = await env(fakeScheduler());
	await e.s.establishLeadership();
	await e.node(mkNode("n1"));
	await e.apply("SchedulerConfig", { Config: { SchedulerAlgorithm: "binpack", PauseEvalBroker: true } });
	await until(() => !e.s.broker.enabled(), 1_000, "paused");
	const ev = await e.register(mkJob("web"));
	await sleepMs(50);
	assert.equal(e.evalRow(ev.ID)?.Status, "pending");
	await e.apply("SchedulerConfig", { Config: { SchedulerAlgorithm: "binpack", PauseEvalBroker: false } });
	await until(() => e.evalRow(ev.ID)?.Status === "complete", 3_000, "ran after unpause");
	await e.done();
});

test("worker pool: reconfigurable size and types, pause/resume with Nomad's status strings", async () => {
	const e = await env(fakeScheduler(), { numSchedulers: 2, enabledSchedulers: ["service", "batch"] });
	await e.s.establishLeadership();
	await until(() => e.s.workerInfo().every((w) => w.status === "Started"), 1_000, "started");
	assert.equal(e.s.workerInfo().length, 2);
	await e.s.setWorkerConfig({ numSchedulers: 4 });
	assert.equal(e.s.workerInfo().length, 4);
	await e.s.setWorkerConfig({ numSchedulers: 1, enabledSchedulers: ["batch"] });
	assert.deepEqual(
		e.s.workerInfo().map((w) => w.enabled_schedulers),
		[["batch"]],
	);
	await e.node(mkNode("n1"));
	const svc = await e.register(mkJob("svc"));
	await sleepMs(60);
	assert.equal(e.evalRow(svc.ID)?.Status, "pending", "no worker takes service evals now");
	e.s.workers.pause();
	await until(
		() => e.s.workerInfo().every((w) => w.status === "Paused" && w.workload_status === "Paused"),
		1_000,
		"paused",
	);
	const bat = await e.register(mkJob("bat", { type: "batch" }));
	await sleepMs(60);
	assert.equal(e.evalRow(bat.ID)?.Status, "pending");
	e.s.workers.resume();
	await until(() => e.evalRow(bat.ID)?.Status === "complete", 3_000, "resumed");
	assert.ok(["WaitingToDequeue", "Scheduling", "Running"].includes(e.s.workerInfo()[0].workload_status));
	await e.done();
});

test("num_schedulers 0 leaves evals queued; raising it schedules them; set before leadership, kept", async () => {
	const e = await env(fakeScheduler(), { numSchedulers: 2 });
	await e.s.setWorkerConfig({ numSchedulers: 0 });
	await e.s.establishLeadership();
	assert.deepEqual(e.s.workerInfo(), []);
	await e.node(mkNode("n1"));
	const ev = await e.register(mkJob("held"));
	await sleepMs(100);
	assert.equal(e.evalRow(ev.ID)?.Status, "pending");
	assert.equal(e.allocs("held").length, 0);
	assert.equal(e.s.stats().broker.TotalReady, 1, "queued in the broker");
	await e.s.setWorkerConfig({ numSchedulers: 2 });
	await until(() => e.evalRow(ev.ID)?.Status === "complete", 3_000, "scheduled");
	assert.equal(e.allocs("held").length, 1);
	const info = e.s.workerInfo();
	assert.equal(info.length, 2);
	for (const w of info) {
		assert.match(w.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
		assert.match(w.id, /^[0-9a-f-]{36}$/);
		assert.equal(w.status, "Started");
	}
	assert.deepEqual(e.s.workers.config(), {
		numSchedulers: 2,
		enabledSchedulers: ["service", "batch", "system", "sysbatch", "_core"],
	});
	await e.done();
});

test("many jobs, several workers, few nodes: nothing overcommitted, every eval settles, the event loop keeps turning", async () => {
	const e = await env(fakeScheduler(), { numSchedulers: 4 });
	await e.s.establishLeadership();
	for (let i = 0; i < 3; i++) await e.node(mkNode(`n${i}`, { cpu: 1000, mem: 1000 }));
	let maxGap = 0;
	let last = performance.now();
	const ticker = setInterval(() => {
		const now = performance.now();
		maxGap = Math.max(maxGap, now - last);
		last = now;
	}, 1);
	const evals: Evaluation[] = [];
	for (let i = 0; i < 40; i++)
		evals.push(await e.register(mkJob(`j${i}`, { count: 3, cpu: 60, mem: 60, priority: 30 + (i % 5) * 10 })));
	await until(
		() => evals.every((ev) => ["complete", "failed"].includes(e.evalRow(ev.ID)?.Status ?? "")),
		10_000,
		"all evals settled",
	);
	await until(
		() => e.s.stats().broker.TotalUnacked === 0 && e.s.stats().broker.TotalReady === 0,
		3_000,
		"queues drained",
	);
	clearInterval(ticker);
	for (let i = 0; i < 3; i++) {
		let cpu = 0;
		for (const a of e.c.state.byIndex("allocs", "node", `n${i}`)) cpu += allocUsage(a as unknown as Allocation).cpu;
		assert.ok(cpu <= 1000, `n${i} cpu ${cpu}`);
	}
	// 3 nodes × 16 allocs of 60 MHz fit; the rest are blocked.
	assert.equal(e.allocs().length, 48);
	assert.ok(e.s.stats().blocked.TotalBlocked > 0);
	assert.ok(maxGap < 250, `event loop stalled for ${maxGap.toFixed(0)} ms`);
	await e.done();
});

test("worker config validation follows Nomad's SchedulerWorkerPoolArgs.IsValid", () => {
	assert.equal(isValidWorkerConfig({ numSchedulers: 2, enabledSchedulers: ["service", "_core"] }, 4), true);
	assert.equal(isValidWorkerConfig({ numSchedulers: 0, enabledSchedulers: ["_core"] }, 4), true);
	assert.equal(isValidWorkerConfig({ numSchedulers: 2, enabledSchedulers: ["service"] }, 4), false, "_core required");
	assert.equal(isValidWorkerConfig({ numSchedulers: 2, enabledSchedulers: ["_core", "magic"] }, 4), false);
	assert.equal(isValidWorkerConfig({ numSchedulers: 5, enabledSchedulers: ["_core"] }, 4), false, "more than CPUs");
	assert.equal(isValidWorkerConfig({ numSchedulers: -1, enabledSchedulers: ["_core"] }, 4), false);
});
