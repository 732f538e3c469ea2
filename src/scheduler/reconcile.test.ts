import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation, Job, ReschedulePolicy } from "../api/types/index.ts";
import { mockAlloc, mockGroup, mockJob, mockNode } from "./mock.ts";
import { type AllocUpdateFn, reconcile } from "./reconcile.ts";
import { nextDelay, nextRescheduleTime, rescheduleTrackerFor, shouldFilter } from "./reschedule.ts";

const SEC = 1_000_000_000;
const NOW = 1_704_067_200_000_000_000;
const node = mockNode();
const ignore: AllocUpdateFn = () => ({ kind: "ignore" });

function allocs(job: Job, n: number, over: (i: number) => Partial<Allocation> = () => ({})): Allocation[] {
	return [...Array(n)].map((_, i) =>
		mockAlloc(job, node, {
			ID: `a${i}`,
			Name: `${job.ID}.web[${i}]`,
			CreateIndex: 10,
			ModifyTime: NOW - 100 * SEC,
			...over(i),
		}),
	);
}

function rec(job: Job | undefined, as: Allocation[], opts: { batch?: boolean; tainted?: Map<string, null> } = {}) {
	let id = 0;
	return reconcile({
		job,
		jobID: "example",
		isBatch: opts.batch ?? false,
		allocs: as,
		tainted: opts.tainted ?? new Map(),
		now: NOW,
		evalID: "ev",
		evalPriority: 50,
		updateFn: ignore,
		newID: () => `id-${id++}`,
	});
}

test("migrating allocations (drain) are stopped and replaced under the same name", () => {
	const job = mockJob({ TaskGroups: [mockGroup({ Count: 3 })] });
	const as = allocs(job, 3, (i) => (i === 1 ? { DesiredTransition: { Migrate: true } } : {}));
	const r = rec(job, as);
	assert.equal(r.desired.web.Migrate, 1);
	assert.deepEqual(
		r.stop.map((s) => [s.alloc.ID, s.desc]),
		[["a1", "alloc is being migrated"]],
	);
	assert.deepEqual(
		r.place.map((p) => [p.name, p.previous?.ID]),
		[["example.web[1]", "a1"]],
	);
});

test("a removed task group stops all its allocations", () => {
	const job = mockJob({ TaskGroups: [mockGroup({ Name: "api", Count: 1 })] });
	const r = rec(job, allocs(mockJob(), 2));
	assert.equal(r.desired.web.Stop, 2);
	assert.equal(r.stop.length, 2);
	assert.equal(r.place.length, 1);
	assert.equal(r.place[0].name, "example.api[0]");
});

test("allocations on a node that no longer exists are lost", () => {
	const job = mockJob({ TaskGroups: [mockGroup({ Count: 2 })] });
	const r = rec(job, allocs(job, 2), { tainted: new Map([[node.ID, null]]) });
	assert.deepEqual(
		r.stop.map((s) => [s.clientStatus, s.desc]),
		[
			["lost", "alloc is lost since its node is down"],
			["lost", "alloc is lost since its node is down"],
		],
	);
	assert.ok(r.place.every((p) => p.lost && p.previous));
});

test("batch: terminal allocations of an older job version are ignored", () => {
	const v1 = mockJob({ Type: "batch", Version: 1, TaskGroups: [mockGroup({ Count: 2 })] });
	const v2 = { ...v1, Version: 2 };
	const as = allocs(v1, 2, () => ({ ClientStatus: "complete" }));
	const r = rec(v2, as, { batch: true });
	assert.equal(r.desired.web.Ignore, 2);
	assert.equal(r.place.length, 2, "the new version runs again");
	const same = rec(v1, as, { batch: true });
	assert.equal(same.place.length, 0, "completed allocations of this version count");
});

test("stopped job: client-terminal allocations are left alone", () => {
	const job = mockJob({ Stop: true });
	const as = allocs(job, 3, (i) => (i === 0 ? { ClientStatus: "complete" } : {}));
	const r = rec(job, as);
	assert.equal(r.stop.length, 2);
	assert.equal(r.desired.web.Stop, 2);
});

const policy = (p: Partial<ReschedulePolicy>): Job =>
	mockJob({
		TaskGroups: [
			mockGroup({
				ReschedulePolicy: {
					Attempts: 0,
					Interval: 0,
					Delay: 5 * SEC,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: true,
					...p,
				},
			}),
		],
	});

const failed = (job: Job, events: number[], over: Partial<Allocation> = {}): Allocation =>
	mockAlloc(job, node, {
		ClientStatus: "failed",
		ModifyTime: NOW,
		RescheduleTracker: {
			Events: events.map((d, i) => ({
				RescheduleTime: NOW - (events.length - i) * SEC,
				PrevAllocID: `p${i}`,
				PrevNodeID: "n",
				Delay: d,
			})),
		},
		...over,
	});

test("delay functions: constant, exponential, fibonacci, capped at MaxDelay", () => {
	assert.equal(nextDelay(failed(policy({}), [5 * SEC, 5 * SEC]), undefined), 5 * SEC);
	const exp = policy({ DelayFunction: "exponential", MaxDelay: 60 * SEC });
	assert.equal(nextDelay(failed(exp, []), undefined), 5 * SEC);
	assert.equal(nextDelay(failed(exp, [5 * SEC]), undefined), 10 * SEC);
	assert.equal(nextDelay(failed(exp, [5 * SEC, 10 * SEC, 20 * SEC, 40 * SEC]), undefined), 60 * SEC);
	const fib = policy({ DelayFunction: "fibonacci", MaxDelay: 100 * SEC });
	assert.equal(nextDelay(failed(fib, [5 * SEC]), undefined), 5 * SEC);
	assert.equal(nextDelay(failed(fib, [5 * SEC, 5 * SEC]), undefined), 10 * SEC);
	assert.equal(nextDelay(failed(fib, [5 * SEC, 10 * SEC]), undefined), 15 * SEC);
	assert.equal(nextDelay(failed(fib, [40 * SEC, 80 * SEC]), undefined), 100 * SEC);
	// Once the cap has been in force longer than the delay, the series restarts.
	const stale = failed(exp, [60 * SEC], { ModifyTime: NOW + 3600 * SEC });
	assert.equal(nextDelay(stale, undefined), 5 * SEC);
});

test("next reschedule time: failure time + delay; attempts limited within the interval", () => {
	const job = policy({ Attempts: 2, Interval: 600 * SEC, Unlimited: false });
	assert.deepEqual(nextRescheduleTime(failed(job, []), undefined), { time: NOW + 5 * SEC, eligible: true });
	assert.equal(nextRescheduleTime(failed(job, [5 * SEC]), undefined).eligible, true);
	assert.equal(nextRescheduleTime(failed(job, [5 * SEC, 5 * SEC]), undefined).eligible, false);
	assert.equal(nextRescheduleTime(failed(policy({ Attempts: 0, Unlimited: false }), []), undefined).eligible, false);
	assert.equal(nextRescheduleTime(failed(job, [], { ClientStatus: "complete" }), undefined).eligible, false);
	assert.equal(nextRescheduleTime(failed(job, [], { DesiredStatus: "stop" }), undefined).eligible, false);
});

test("reschedule tracker keeps events within the interval (or the last 5 when unlimited)", () => {
	const bounded = policy({ Attempts: 3, Interval: 2 * SEC, Unlimited: false });
	const t = rescheduleTrackerFor(failed(bounded, [1, 2, 3]), NOW, undefined);
	assert.deepEqual(
		t.Events?.map((e) => e.PrevAllocID),
		["p1", "p2", "a0000000-0000-0000-0000-000000000000"],
	);
	assert.equal(t.LastReschedule, "ok");
	const unlimited = rescheduleTrackerFor(failed(policy({}), [1, 2, 3, 4, 5, 6, 7]), NOW, undefined);
	assert.equal(unlimited.Events?.length, 6);
	assert.equal(unlimited.Events?.[0].PrevAllocID, "p2");
});

test("shouldFilter: batch keeps successful completions, service ignores terminal ones", () => {
	const j = mockJob();
	const done = {
		web: {
			State: "dead" as const,
			Failed: false,
			Restarts: 0,
			LastRestart: null,
			StartedAt: null,
			FinishedAt: null,
			Events: null,
		},
	};
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { ClientStatus: "complete", TaskStates: done }), true), [
		true,
		false,
	]);
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { ClientStatus: "failed" }), true), [false, false]);
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { DesiredStatus: "stop", ClientStatus: "failed" }), true), [
		false,
		true,
	]);
	assert.deepEqual(
		shouldFilter(mockAlloc(j, node, { DesiredStatus: "stop", ClientStatus: "complete", TaskStates: done }), true),
		[true, false],
	);
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { ClientStatus: "complete" }), false), [false, true]);
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { ClientStatus: "failed" }), false), [false, false]);
	assert.deepEqual(shouldFilter(mockAlloc(j, node, { DesiredStatus: "evict" }), false), [false, true]);
});
