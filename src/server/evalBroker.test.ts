import assert from "node:assert/strict";
import { test } from "node:test";
import type { Evaluation } from "../api/types/index.ts";
import { EvalBroker, type EvalBrokerOptions, FAILED_QUEUE } from "./evalBroker.ts";
import { mkEval, sleepMs } from "./schedulingFixtures.ts";

function broker(o: EvalBrokerOptions = {}): EvalBroker {
	const b = new EvalBroker({ nackTimeoutMs: 5_000, initialNackDelayMs: 0, subsequentNackDelayMs: 0, ...o });
	b.setEnabled(true);
	return b;
}

function ev(job: string, o: Partial<Evaluation> = {}): Evaluation {
	return mkEval({ ID: job }, o);
}

async function take(b: EvalBroker, scheds: string[] = ["service"], timeout = 20) {
	return b.dequeue(scheds, timeout);
}

test("dequeue hands out higher priority first, then lower CreateIndex", async () => {
	const b = broker();
	const low = ev("a", { Priority: 20, CreateIndex: 1 });
	const highOld = ev("b", { Priority: 80, CreateIndex: 5 });
	const highNew = ev("c", { Priority: 80, CreateIndex: 9 });
	const mid = ev("d", { Priority: 50, CreateIndex: 2 });
	for (const e of [low, highNew, mid, highOld]) b.enqueue(e);
	const order: string[] = [];
	for (let i = 0; i < 4; i++) {
		const d = await take(b);
		assert.ok(d);
		order.push(d.eval.JobID);
		b.ack(d.eval.ID, d.token);
	}
	assert.deepEqual(order, ["b", "c", "d", "a"]);
	assert.equal(await take(b), undefined);
	b.setEnabled(false);
});

test("dequeue only serves the requested scheduler types and picks the most urgent across them", async () => {
	const b = broker();
	b.enqueue(ev("svc", { Type: "service", Priority: 50 }));
	b.enqueue(ev("bat", { Type: "batch", Priority: 70 }));
	assert.equal(await take(b, ["system"]), undefined);
	const d = await take(b, ["service", "batch"]);
	assert.equal(d?.eval.JobID, "bat");
	const s = await take(b, ["service"]);
	assert.equal(s?.eval.JobID, "svc");
	b.setEnabled(false);
});

test("a blocked dequeue wakes when matching work arrives", async () => {
	const b = broker();
	const p = b.dequeue(["batch"], 2_000);
	await sleepMs(5);
	b.enqueue(ev("x", { Type: "service" }));
	await sleepMs(5);
	const e = ev("y", { Type: "batch" });
	b.enqueue(e);
	const d = await p;
	assert.equal(d?.eval.ID, e.ID);
	b.setEnabled(false);
});

test("one evaluation per job at a time; on ack the newest pending one runs and the rest become cancelable", async () => {
	const b = broker();
	let notified = 0;
	b.onCancelable = () => notified++;
	const first = ev("job", { ModifyIndex: 1, CreateIndex: 1 });
	const p2 = ev("job", { ModifyIndex: 2, CreateIndex: 2 });
	const p3 = ev("job", { ModifyIndex: 3, CreateIndex: 3 });
	const p4 = ev("job", { ModifyIndex: 4, CreateIndex: 4 });
	const other = ev("other", { CreateIndex: 5 });
	for (const e of [first, p2, p3, p4, other]) b.enqueue(e);
	assert.equal(b.stats().TotalPending, 3);
	const d1 = await take(b);
	assert.equal(d1?.eval.ID, first.ID);
	const d2 = await take(b);
	assert.equal(d2?.eval.ID, other.ID, "the job's other evals wait while one is out");
	assert.equal(await take(b), undefined);
	b.ack(first.ID, d1?.token as string);
	assert.equal(notified, 1);
	const d3 = await take(b);
	assert.equal(d3?.eval.ID, p4.ID, "the newest pending eval is kept");
	assert.deepEqual(
		b
			.cancelable(10)
			.map((e) => e.ID)
			.sort(),
		[p2.ID, p3.ID].sort(),
	);
	assert.equal(b.stats().TotalCancelable, 0);
	b.setEnabled(false);
});

test("ack and nack check the token; duplicates of a tracked eval are ignored", async () => {
	const b = broker();
	const e = ev("j");
	b.enqueue(e);
	b.enqueue(e);
	assert.equal(b.stats().TotalReady, 1);
	const d = await take(b);
	assert.ok(d);
	assert.throws(() => b.ack(e.ID, "wrong"), /Token does not match/);
	assert.throws(() => b.outstandingReset(e.ID, "wrong"), /token does not match/);
	assert.equal(b.outstanding(e.ID), d.token);
	b.ack(e.ID, d.token);
	assert.throws(() => b.ack(e.ID, d.token), /not found/);
	assert.throws(() => b.outstandingReset(e.ID, d.token), /not outstanding/);
	b.setEnabled(false);
});

test("nack re-enqueues after 1st/subsequent delays; the delivery limit sends it to the failed queue", async () => {
	const b = broker({ initialNackDelayMs: 30, subsequentNackDelayMs: 40, deliveryLimit: 3 });
	const e = ev("j");
	b.enqueue(e);
	let d = await take(b);
	assert.ok(d);
	b.nack(e.ID, d.token);
	assert.equal(b.stats().TotalWaiting, 1);
	assert.equal(await take(b, ["service"], 10), undefined, "not before the initial delay");
	d = await take(b, ["service"], 200);
	assert.equal(d?.eval.ID, e.ID);
	b.nack(e.ID, d?.token as string);
	const t0 = Date.now();
	d = await take(b, ["service"], 500);
	assert.ok(Date.now() - t0 >= 30, "subsequent delay applies");
	assert.equal(d?.eval.ID, e.ID);
	b.nack(e.ID, d?.token as string);
	assert.equal(await take(b, ["service"], 60), undefined, "three deliveries: no longer in its queue");
	const f = await take(b, [FAILED_QUEUE]);
	assert.equal(f?.eval.ID, e.ID);
	assert.equal(b.stats().ByScheduler[FAILED_QUEUE].Unacked, 1);
	b.ack(e.ID, f?.token as string);
	b.setEnabled(false);
});

test("an unacked eval is nacked after the nack timeout; outstandingReset and pause extend it", async () => {
	const b = broker({ nackTimeoutMs: 40 });
	const e = ev("j");
	b.enqueue(e);
	const d = await take(b);
	assert.ok(d);
	await sleepMs(25);
	b.outstandingReset(e.ID, d.token);
	await sleepMs(25);
	assert.equal(b.outstanding(e.ID), d.token, "reset restarted the timer");
	b.pauseNackTimeout(e.ID, d.token);
	await sleepMs(60);
	assert.equal(b.outstanding(e.ID), d.token, "paused");
	b.resumeNackTimeout(e.ID, d.token);
	await sleepMs(70);
	assert.equal(b.outstanding(e.ID), undefined, "timed out");
	const again = await take(b);
	assert.equal(again?.eval.ID, e.ID);
	assert.notEqual(again?.token, d.token);
	assert.throws(() => b.ack(e.ID, d.token), /Token does not match/);
	b.setEnabled(false);
});

test("evaluations with WaitUntil or Wait are held until due", async () => {
	const b = broker();
	const at = ev("later", { WaitUntil: new Date(Date.now() + 60).toISOString() });
	const wait = ev("wait", { Wait: 40e6 });
	const now = ev("now");
	b.enqueue(at);
	b.enqueue(wait);
	b.enqueue(now);
	assert.equal(b.stats().TotalWaiting, 2);
	assert.deepEqual(Object.keys(b.stats().DelayedEvals), [at.ID]);
	const first = await take(b);
	assert.equal(first?.eval.ID, now.ID);
	const second = await take(b, ["service"], 500);
	assert.equal(second?.eval.ID, wait.ID);
	const third = await take(b, ["service"], 500);
	assert.equal(third?.eval.ID, at.ID);
	assert.equal(b.stats().TotalWaiting, 0);
	b.setEnabled(false);
});

test("dropWaiting forgets a delayed evaluation", async () => {
	const b = broker();
	const at = ev("later", { WaitUntil: new Date(Date.now() + 30).toISOString() });
	b.enqueue(at);
	b.dropWaiting(at);
	assert.equal(b.stats().TotalWaiting, 0);
	assert.equal(await take(b, ["service"], 80), undefined);
	b.setEnabled(false);
});

test("a reblocked eval enqueued with its delivery token runs again only after that delivery is acked", async () => {
	const b = broker();
	const e = ev("j");
	b.enqueue(e);
	const d = await take(b);
	assert.ok(d);
	b.enqueueAll([[e, d.token]]);
	assert.equal(await take(b), undefined);
	b.ack(e.ID, d.token);
	const again = await take(b);
	assert.equal(again?.eval.ID, e.ID);
	// Nacked delivery: the requeue is dropped (the nack itself re-enqueues).
	b.enqueueAll([[e, again?.token as string]]);
	b.nack(e.ID, again?.token as string);
	const third = await take(b);
	assert.equal(third?.eval.ID, e.ID);
	b.ack(e.ID, third?.token as string);
	assert.equal(await take(b), undefined);
	b.setEnabled(false);
});

test("disabled broker: dequeue rejects, waiting dequeues are released, state is flushed", async () => {
	const b = broker();
	b.enqueue(ev("a"));
	const d = await take(b);
	assert.ok(d);
	const waiting = b.dequeue(["batch"], 0);
	b.setEnabled(false);
	await assert.rejects(waiting, /eval broker disabled/);
	await assert.rejects(b.dequeue(["service"], 10), /eval broker disabled/);
	b.enqueue(ev("ignored"));
	b.setEnabled(true);
	assert.equal(b.stats().TotalReady, 0);
	assert.equal(b.stats().TotalUnacked, 0);
	b.setEnabled(false);
});

test("stats count ready, unacked and pending per scheduler", async () => {
	const b = broker();
	b.enqueue(ev("a", { Type: "service" }));
	b.enqueue(ev("a", { Type: "service" }));
	b.enqueue(ev("b", { Type: "batch" }));
	await take(b, ["batch"]);
	const s = b.stats();
	assert.equal(s.TotalReady, 1);
	assert.equal(s.TotalUnacked, 1);
	assert.equal(s.TotalPending, 1);
	assert.deepEqual(s.ByScheduler, { service: { Ready: 1, Unacked: 0 }, batch: { Ready: 0, Unacked: 1 } });
	b.setEnabled(false);
});
