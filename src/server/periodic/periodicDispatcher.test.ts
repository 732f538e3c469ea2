import assert from "node:assert/strict";
import { test } from "node:test";
import type { Job } from "../../api/types/job.ts";
import {
	deriveChildJob,
	isPeriodicActive,
	launchTimeFromChildID,
	PeriodicDispatcher,
	type PeriodicHost,
} from "./periodicDispatcher.ts";
import { periodicJob, testJob } from "./testJob.ts";

class FakeHost implements PeriodicHost {
	clock: number;
	jobs = new Map<string, Job>();
	running = new Set<string>();
	launches: { child: Job; launchTime: Date }[] = [];
	logs: string[] = [];
	failLaunch = false;
	lastLaunches = new Map<string, Date>();
	/** when set, launch() waits on this before committing */
	gate: Promise<void> | null = null;

	constructor(now: string) {
		this.clock = Date.parse(now);
	}
	set(now: string): void {
		this.clock = Date.parse(now);
	}
	now(): Date {
		return new Date(this.clock);
	}
	job(ns: string, id: string): Job | undefined {
		return this.jobs.get(`${ns}/${id}`);
	}
	childrenRunning(ns: string, parentID: string): boolean {
		return this.running.has(`${ns}/${parentID}`);
	}
	async launch(child: Job, launchTime: Date): Promise<void> {
		if (this.gate) await this.gate;
		if (this.failLaunch) throw new Error("raft apply failed");
		this.launches.push({ child, launchTime });
	}
	lastLaunch(ns: string, id: string): Date | undefined {
		return this.lastLaunches.get(`${ns}/${id}`);
	}
	logger = (msg: string): void => {
		this.logs.push(msg);
	};
	store(job: Job): Job {
		this.jobs.set(`${job.Namespace}/${job.ID}`, job);
		return job;
	}
	ids(): string[] {
		return this.launches.map((l) => l.child.ID);
	}
}

const unix = (s: string): number => Date.parse(s) / 1000;

function setup(now = "2025-01-01T10:30:00Z"): { host: FakeHost; d: PeriodicDispatcher } {
	const host = new FakeHost(now);
	const d = new PeriodicDispatcher(host, { timers: false });
	d.setEnabled(true);
	return { host, d };
}

test("launches when due, derives child IDs from the launch time, advances the schedule", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("0 * * * *")));
	assert.deepEqual(
		d.tracked().map((t) => [t.namespace, t.id, t.next?.toISOString()]),
		[["default", "cron", "2025-01-01T11:00:00.000Z"]],
	);
	assert.equal(await d.tick(), 0);
	host.set("2025-01-01T10:59:59.999Z");
	assert.equal(await d.tick(), 0);
	host.set("2025-01-01T11:00:00.200Z");
	assert.equal(await d.tick(), 1);
	assert.deepEqual(host.ids(), [`cron/periodic-${unix("2025-01-01T11:00:00Z")}`]);
	assert.equal(host.launches[0].launchTime.toISOString(), "2025-01-01T11:00:00.000Z");
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T12:00:00.000Z");

	// a late tick launches every missed instance in turn (Nomad computes next from the launch)
	host.set("2025-01-01T14:00:30Z");
	assert.equal(await d.tick(), 3);
	assert.deepEqual(
		host.launches.slice(1).map((l) => l.launchTime.toISOString()),
		["2025-01-01T12:00:00.000Z", "2025-01-01T13:00:00.000Z", "2025-01-01T14:00:00.000Z"],
	);
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T15:00:00.000Z");
});

test("prohibit_overlap skips a launch while a child runs, without stalling the schedule", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("*/10 * * * *", {}, { ProhibitOverlap: true })));
	host.running.add("default/cron");
	host.set("2025-01-01T10:40:00Z");
	assert.equal(await d.tick(), 0);
	assert.ok(host.logs.some((m) => m.includes("prohibits overlap")));
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T10:50:00.000Z");
	host.running.clear();
	host.set("2025-01-01T10:50:00Z");
	assert.equal(await d.tick(), 1);
	assert.deepEqual(host.ids(), [`cron/periodic-${unix("2025-01-01T10:50:00Z")}`]);

	// without prohibit_overlap running children do not matter
	const { host: h2, d: d2 } = setup();
	d2.add(h2.store(periodicJob("*/10 * * * *")));
	h2.running.add("default/cron");
	h2.set("2025-01-01T10:40:00Z");
	assert.equal(await d2.tick(), 1);
});

test("forceRun launches now regardless of schedule and overlap; errors as Nomad", async () => {
	const { host, d } = setup("2025-01-01T10:30:07.400Z");
	d.add(host.store(periodicJob("0 0 1 1 *", {}, { ProhibitOverlap: true })));
	host.running.add("default/cron");
	const child = await d.forceRun("default", "cron");
	assert.equal(child.ID, `cron/periodic-${unix("2025-01-01T10:30:07Z")}`);
	assert.deepEqual(host.ids(), [child.ID]);
	assert.equal(host.launches[0].launchTime.toISOString(), "2025-01-01T10:30:07.400Z");
	assert.equal(d.tracked()[0].next?.toISOString(), "2026-01-01T00:00:00.000Z"); // schedule untouched

	await assert.rejects(d.forceRun("default", "nope"), { message: `can't force run non-tracked job "nope" (default)` });
	d.setEnabled(false);
	await assert.rejects(d.forceRun("default", "cron"), { message: "periodic dispatch disabled" });
});

test("add / remove / re-add with a changed spec, and jobs that must not be tracked", async () => {
	const { host, d } = setup("2025-01-01T10:15:00Z");
	d.add(host.store(periodicJob("0 * * * *")));
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T11:00:00.000Z");
	// re-register with another spec: next launch recomputed from now
	d.add(host.store(periodicJob("30 * * * *")));
	assert.equal(d.tracked().length, 1);
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T10:30:00.000Z");
	host.set("2025-01-01T10:30:00Z");
	assert.equal(await d.tick(), 1);

	d.remove("default", "cron");
	assert.deepEqual(d.tracked(), []);
	host.set("2025-01-01T12:00:00Z");
	assert.equal(await d.tick(), 0);
	d.remove("default", "cron"); // no-op

	d.add(host.store(periodicJob("0 * * * *")));
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T13:00:00.000Z");

	// updates that make it inactive untrack it
	for (const inactive of [
		testJob(),
		periodicJob("0 * * * *", { Stop: true }),
		periodicJob("0 * * * *", {}, { Enabled: false }),
		periodicJob("0 * * * *", { ParameterizedJob: { Payload: "optional", MetaRequired: null, MetaOptional: null } }),
	]) {
		d.add(host.store(periodicJob("0 * * * *")));
		assert.equal(d.tracked().length, 1);
		assert.equal(isPeriodicActive(inactive), false);
		d.add(inactive);
		assert.deepEqual(d.tracked(), []);
	}
	// a dispatched child of a periodic parameterized job is itself periodic
	const dispatched = periodicJob("0 * * * *", {
		ID: "cron/dispatch-1-abcd1234",
		Dispatched: true,
		ParameterizedJob: { Payload: "optional", MetaRequired: null, MetaOptional: null },
	});
	d.add(dispatched);
	assert.deepEqual(
		d.tracked().map((t) => t.id),
		["cron/dispatch-1-abcd1234"],
	);
	// an unparsable spec is logged, not tracked, and never throws
	d.add(periodicJob("nonsense", { ID: "bad" }));
	assert.ok(host.logs.includes("failed adding periodic job"));
	assert.deepEqual(
		d.tracked().map((t) => t.id),
		["cron/dispatch-1-abcd1234"],
	);
});

test("at launch the committed job wins; a job no longer active is dropped", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("0 * * * *")));
	host.store(periodicJob("0 * * * *", { Meta: { owner: "new" } }));
	host.set("2025-01-01T11:00:00Z");
	assert.equal(await d.tick(), 1);
	assert.deepEqual(host.launches[0].child.Meta, { owner: "new" });
	host.store(periodicJob("0 * * * *", { Stop: true }));
	host.set("2025-01-01T12:00:00Z");
	assert.equal(await d.tick(), 0);
	assert.deepEqual(d.tracked(), []);
	// purged from state without remove(): no orphan children
	d.add(host.store(periodicJob("0 * * * *", { ID: "gone" })));
	host.jobs.delete("default/gone");
	host.set("2025-01-01T13:00:00Z");
	assert.equal(await d.tick(), 0);
	assert.deepEqual(d.tracked(), []);
});

test("leadership: disabled dispatcher tracks and launches nothing", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("0 * * * *")));
	d.setEnabled(false);
	assert.deepEqual(d.tracked(), []);
	d.add(host.store(periodicJob("0 * * * *")));
	assert.deepEqual(d.tracked(), []);
	host.set("2025-01-01T11:00:00Z");
	assert.equal(await d.tick(), 0);
	assert.deepEqual(host.launches, []);

	// leadership regained: jobs are re-added by the server (restore)
	d.setEnabled(true);
	d.add(host.store(periodicJob("0 * * * *")));
	host.set("2025-01-01T12:00:00Z");
	assert.equal(await d.tick(), 1);
});

test("losing leadership mid-tick stops the remaining launches", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("0 * * * *")));
	let open!: () => void;
	host.gate = new Promise((r) => {
		open = r;
	});
	host.set("2025-01-01T15:00:00Z"); // 11, 12, 13, 14, 15 due
	const ticking = d.tick();
	await new Promise((r) => setImmediate(r));
	d.setEnabled(false);
	open();
	assert.equal(await ticking, 1); // only the one already in flight
	assert.deepEqual(d.tracked(), []);
});

test("launch failures are logged and the schedule moves on", async () => {
	const { host, d } = setup();
	d.add(host.store(periodicJob("0 * * * *")));
	host.failLaunch = true;
	host.set("2025-01-01T11:00:00Z");
	assert.equal(await d.tick(), 0);
	assert.ok(host.logs.includes("failed to dispatch periodic job"));
	assert.equal(d.tracked()[0].next?.toISOString(), "2025-01-01T12:00:00.000Z");
});

test("time zone and multiple specs drive launches", async () => {
	const { host, d } = setup("2025-03-08T12:00:00Z");
	d.add(
		host.store(periodicJob("", {}, { Spec: "", Specs: ["30 2 * * *", "0 8 * * *"], TimeZone: "America/New_York" })),
	);
	const seen: string[] = [];
	for (let i = 0; i < 5; i++) {
		const next = d.tracked()[0].next as Date;
		seen.push(next.toISOString());
		host.clock = next.getTime();
		assert.equal(await d.tick(), 1);
	}
	assert.deepEqual(seen, [
		"2025-03-08T13:00:00.000Z", // Sat 08:00 EST
		"2025-03-09T12:00:00.000Z", // Sun 08:00 EDT (02:30 does not exist that day)
		"2025-03-10T06:30:00.000Z", // Mon 02:30 EDT
		"2025-03-10T12:00:00.000Z",
		"2025-03-11T06:30:00.000Z",
	]);
});

test("many jobs: one heap, launched in time order", async () => {
	const { host, d } = setup("2025-01-01T00:00:00Z");
	const n = 3000;
	for (let i = 0; i < n; i++) {
		d.add(host.store(periodicJob(`${i % 60} ${Math.floor(i / 60) % 24} * * *`, { ID: `job-${i}` })));
	}
	assert.equal(d.tracked().length, n);
	// remove a third, re-add some with other specs
	for (let i = 0; i < n; i += 3) d.remove("default", `job-${i}`);
	for (let i = 1; i < n; i += 7) d.add(host.store(periodicJob("59 23 * * *", { ID: `job-${i}` })));
	const tracked = d.tracked().length;
	assert.equal(tracked, n - Math.ceil(n / 3) + Math.ceil(n / 21)); // removed, some re-added
	host.set("2025-01-01T23:59:59Z");
	const launched = await d.tick(); // every tracked job fires once a day
	assert.equal(launched, tracked);
	const times = host.launches.map((l) => l.launchTime.getTime());
	assert.deepEqual(
		times,
		[...times].sort((a, b) => a - b),
	);
	assert.ok(host.launches.every((l) => !l.child.ID.startsWith("job-0/")));
});

test("one unref'd timer for the earliest launch fires on its own", async (t) => {
	const realSet = globalThis.setTimeout;
	const realClear = globalThis.clearTimeout;
	let live = 0;
	let unrefd = 0;
	const timers = new Set<unknown>();
	t.after(() => {
		globalThis.setTimeout = realSet;
		globalThis.clearTimeout = realClear;
	});
	globalThis.setTimeout = ((fn: () => void, ms?: number) => {
		const h = realSet(() => {
			if (timers.delete(h)) live--;
			fn();
		}, ms);
		timers.add(h);
		live++;
		const unref = h.unref.bind(h);
		h.unref = () => {
			unrefd++;
			return unref();
		};
		return h;
	}) as typeof setTimeout;
	globalThis.clearTimeout = ((h: ReturnType<typeof setTimeout>) => {
		if (timers.delete(h)) live--;
		realClear(h);
	}) as typeof clearTimeout;

	const host = new FakeHost("2025-01-01T00:00:00Z");
	host.clock = Date.now();
	host.now = () => new Date();
	const d = new PeriodicDispatcher(host);
	d.setEnabled(true);
	const base = Math.floor(Date.now() / 1000);
	for (let i = 0; i < 200; i++) {
		// _internal_test spec: explicit unix seconds
		d.add(host.store(periodicJob(`${base + 1 + (i % 2)}`, { ID: `j${i}` }, { SpecType: "_internal_test" as "cron" })));
	}
	assert.equal(live, 1);
	assert.ok(unrefd >= 1);
	for (let waited = 0; host.launches.length < 200 && waited < 5000; waited += 50) {
		await new Promise((r) => realSet(r, 50));
	}
	assert.equal(host.launches.length, 200);
	assert.equal(live, 0); // nothing left to schedule
	d.stop();
});

test("restore force-runs a missed launch once, unless overlap is prohibited and a child runs", async () => {
	const { host, d } = setup("2025-01-01T10:30:00Z");
	const missed = host.store(periodicJob("0 * * * *", { ID: "missed" }));
	const fine = host.store(periodicJob("0 * * * *", { ID: "fine" }));
	const busy = host.store(periodicJob("0 * * * *", { ID: "busy" }, { ProhibitOverlap: true }));
	const never = host.store(periodicJob("0 * * * *", { ID: "never" }));
	host.lastLaunches.set("default/missed", new Date("2025-01-01T07:00:00Z"));
	host.lastLaunches.set("default/fine", new Date("2025-01-01T10:00:00Z"));
	host.lastLaunches.set("default/busy", new Date("2025-01-01T07:00:00Z"));
	host.running.add("default/busy");
	const launched = await d.restore([missed, fine, busy, never, testJob({ ID: "plain" })]);
	assert.deepEqual(
		launched.map((j) => j.ID),
		[`missed/periodic-${unix("2025-01-01T10:30:00Z")}`],
	);
	assert.deepEqual(
		d.tracked().map((t) => t.id),
		["busy", "fine", "missed", "never"],
	);
});

test("deriveChildJob: Nomad's derived job shape", () => {
	const parent = periodicJob("0 * * * *", { ID: "report" });
	const launch = new Date("2025-01-01T11:00:00.750Z");
	const child = deriveChildJob(parent, launch, new Date("2025-01-01T11:00:01Z"));
	assert.equal(child.ID, `report/periodic-${unix("2025-01-01T11:00:00Z")}`);
	assert.equal(child.Name, child.ID);
	assert.equal(child.ParentID, "report");
	assert.equal(child.Periodic, null);
	assert.equal(child.Status, "");
	assert.equal(child.StatusDescription, "");
	assert.equal(child.SubmitTime, Date.parse("2025-01-01T11:00:01Z") * 1e6);
	// everything else is copied (version included; indexes are the FSM's to set)
	assert.equal(child.Version, parent.Version);
	assert.deepEqual(child.TaskGroups, parent.TaskGroups);
	assert.deepEqual(child.Meta, parent.Meta);
	// deep copy: the parent is untouched
	child.TaskGroups[0].Name = "changed";
	(child.Meta as Record<string, string>).owner = "x";
	assert.equal(parent.TaskGroups[0].Name, "g");
	assert.equal(parent.Meta?.owner, "ops");
	assert.notEqual(parent.Periodic, null);
	assert.equal(launchTimeFromChildID(child.ID)?.toISOString(), "2025-01-01T11:00:00.000Z");
	assert.equal(launchTimeFromChildID("a/periodic-b/periodic-1700000000")?.getTime(), 1700000000_000);
	assert.equal(launchTimeFromChildID("report"), null);
	assert.equal(launchTimeFromChildID("report/periodic-x"), null);
});
