import assert from "node:assert/strict";
import { test } from "node:test";
import type { Evaluation } from "../api/types/index.ts";
import { BlockedEvals } from "./blockedEvals.ts";
import { EvalBroker } from "./evalBroker.ts";
import { mkEval } from "./schedulingFixtures.ts";

function setup() {
	const broker = new EvalBroker({ initialNackDelayMs: 0 });
	broker.setEnabled(true);
	const blocked = new BlockedEvals(broker);
	blocked.setEnabled(true);
	return { broker, blocked };
}

function blockedEval(job: string, o: Partial<Evaluation> = {}): Evaluation {
	return mkEval({ ID: job }, { Status: "blocked", TriggeredBy: "queued-allocs", ...o });
}

async function readyIDs(broker: EvalBroker): Promise<string[]> {
	const out: string[] = [];
	for (;;) {
		const d = await broker.dequeue(["service"], 5);
		if (!d) return out.sort();
		out.push(d.eval.ID);
		broker.ack(d.eval.ID, d.token);
	}
}

test("capacity on an eligible class unblocks; an ineligible class does not; escaped evals unblock on any", async () => {
	const { broker, blocked } = setup();
	const eligible = blockedEval("a", { ClassEligibility: { "v1:gpu": true, "v1:small": false } });
	const ineligible = blockedEval("b", { ClassEligibility: { "v1:small": false } });
	const unknown = blockedEval("c", { ClassEligibility: { "v1:other": true } });
	const escaped = blockedEval("d", { EscapedComputedClass: true, ClassEligibility: { "v1:small": false } });
	for (const e of [eligible, ineligible, unknown, escaped]) blocked.block(e);
	assert.equal(blocked.stats().TotalBlocked, 4);
	assert.equal(blocked.stats().TotalEscaped, 1);

	blocked.unblock("v1:small", 10);
	// Escaped evals always; "c" has never seen class small (could fit); "a" and "b" ruled it out.
	assert.deepEqual(await readyIDs(broker), [unknown.ID, escaped.ID].sort());
	assert.equal(blocked.stats().TotalBlocked, 2);

	blocked.unblock("v1:gpu", 11);
	// Eligible for gpu, and "b" only ruled out small.
	assert.deepEqual(await readyIDs(broker), [eligible.ID, ineligible.ID].sort());
	assert.equal(blocked.stats().TotalBlocked, 0);
	broker.setEnabled(false);
});

test("one blocked eval per job: the older one is reported as a duplicate", () => {
	const { broker, blocked } = setup();
	const older = blockedEval("j", { CreateIndex: 5 });
	const newer = blockedEval("j", { CreateIndex: 9 });
	let notified = 0;
	blocked.onDuplicate = () => notified++;
	blocked.block(older);
	blocked.block(newer);
	assert.deepEqual(
		blocked.takeDuplicates().map((e) => e.ID),
		[older.ID],
	);
	// An even older one arriving late is the duplicate itself.
	const stale = blockedEval("j", { CreateIndex: 2 });
	blocked.block(stale);
	assert.deepEqual(
		blocked.takeDuplicates().map((e) => e.ID),
		[stale.ID],
	);
	assert.equal(notified, 2);
	assert.equal(blocked.stats().TotalBlocked, 1);
	assert.equal(blocked.has(newer.ID), true);
	// The same eval seen twice (write + reblock) is not a duplicate of itself.
	blocked.reblock(newer, "tok");
	assert.deepEqual(blocked.takeDuplicates(), []);
	assert.equal(blocked.stats().TotalBlocked, 1);
	broker.setEnabled(false);
});

test("an unblock that happened after the eval's snapshot is not missed", async () => {
	const { broker, blocked } = setup();
	blocked.unblock("v1:a", 20);
	const late = blockedEval("late", { SnapshotIndex: 15, ClassEligibility: { "v1:a": true } });
	const fresh = blockedEval("fresh", { SnapshotIndex: 25, ClassEligibility: { "v1:a": true } });
	const notEligible = blockedEval("ne", { SnapshotIndex: 15, ClassEligibility: { "v1:a": false } });
	blocked.block(late);
	blocked.block(fresh);
	blocked.block(notEligible);
	assert.deepEqual(await readyIDs(broker), [late.ID]);
	assert.equal(blocked.stats().TotalBlocked, 2);
	broker.setEnabled(false);
});

test("untrack, unblockNode, unblockFailed and unblockAll", async () => {
	const { broker, blocked } = setup();
	const a = blockedEval("a");
	const sys = blockedEval("sys", { Type: "system", NodeID: "n1" });
	const maxPlans = blockedEval("mp", { TriggeredBy: "max-plan-attempts" });
	const c = blockedEval("c");
	for (const e of [a, sys, maxPlans, c]) blocked.block(e);
	blocked.untrack("default", "a");
	assert.equal(blocked.has(a.ID), false);
	blocked.unblockNode("n2");
	assert.equal(blocked.stats().TotalBlocked, 3);
	blocked.unblockNode("n1");
	const sysReady = await broker.dequeue(["system"], 5);
	assert.equal(sysReady?.eval.ID, sys.ID);
	blocked.unblockFailed();
	assert.deepEqual(await readyIDs(broker), [maxPlans.ID]);
	blocked.unblockAll();
	assert.deepEqual(await readyIDs(broker), [c.ID]);
	assert.equal(blocked.stats().TotalBlocked, 0);
	broker.setEnabled(false);
});

test("disabling flushes; a disabled tracker ignores blocks", () => {
	const { broker, blocked } = setup();
	blocked.block(blockedEval("a"));
	blocked.setEnabled(false);
	assert.equal(blocked.stats().TotalBlocked, 0);
	blocked.block(blockedEval("b"));
	assert.equal(blocked.stats().TotalBlocked, 0);
	broker.setEnabled(false);
});
