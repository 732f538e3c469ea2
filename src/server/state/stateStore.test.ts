import assert from "node:assert/strict";
import { test } from "node:test";
import { StateStore } from "./stateStore.ts";

const alloc = (id: string, node: string, job = "web") => ({
	ID: id,
	NodeID: node,
	Namespace: "default",
	JobID: job,
	EvalID: "e1",
});

test("put, get, ordered scans with prefix, from and reverse", () => {
	const s = new StateStore();
	s.write(1, (tx) => {
		for (const id of ["b2", "a1", "b1", "c1", "a2"]) tx.put("allocs", alloc(id, "n1"));
	});
	assert.deepEqual(
		[...s.scan("allocs")].map((r) => r.ID),
		["a1", "a2", "b1", "b2", "c1"],
	);
	assert.deepEqual(
		[...s.scan("allocs", { prefix: "b" })].map((r) => r.ID),
		["b1", "b2"],
	);
	assert.deepEqual(
		[...s.scan("allocs", { from: "b2" })].map((r) => r.ID),
		["b2", "c1"],
	);
	assert.deepEqual(
		[...s.scan("allocs", { reverse: true })].map((r) => r.ID),
		["c1", "b2", "b1", "a2", "a1"],
	);
	assert.deepEqual(
		[...s.scan("allocs", { reverse: true, prefix: "a" })].map((r) => r.ID),
		["a2", "a1"],
	);
	assert.equal(s.get("allocs", "b1")?.NodeID, "n1");
	assert.equal(s.tableIndex("allocs"), 1);
	assert.equal(s.tableIndex("nodes"), 0);
	assert.equal(s.latestIndex, 1);
});

test("secondary indexes follow updates and deletes", () => {
	const s = new StateStore();
	s.write(1, (tx) => {
		tx.put("allocs", alloc("a1", "n1"));
		tx.put("allocs", alloc("a2", "n1"));
		tx.put("allocs", alloc("a3", "n2"));
	});
	s.write(2, (tx) => {
		tx.put("allocs", alloc("a2", "n2"));
		tx.delete("allocs", "a1");
	});
	assert.deepEqual(
		[...s.byIndex("allocs", "node", "n1")].map((r) => r.ID),
		[],
	);
	assert.deepEqual(
		[...s.byIndex("allocs", "node", "n2")].map((r) => r.ID),
		["a2", "a3"],
	);
	assert.deepEqual(
		[...s.byIndex("allocs", "job", "default\u0000web")].map((r) => r.ID),
		["a2", "a3"],
	);
});

test("snapshots do not see later writes", () => {
	const s = new StateStore();
	s.write(1, (tx) => tx.put("nodes", { ID: "n1", Status: "ready" }));
	const snap = s.snapshot();
	s.write(2, (tx) => {
		tx.put("nodes", { ID: "n1", Status: "down" });
		tx.put("nodes", { ID: "n2", Status: "ready" });
	});
	assert.equal(snap.get("nodes", "n1")?.Status, "ready");
	assert.equal(snap.count("nodes"), 1);
	assert.equal(snap.latestIndex, 1);
	assert.equal(s.get("nodes", "n1")?.Status, "down");
	assert.equal(s.count("nodes"), 2);
});

test("a failing write leaves no trace", () => {
	const s = new StateStore();
	s.write(1, (tx) => tx.put("nodes", { ID: "n1" }));
	assert.throws(() =>
		s.write(2, (tx) => {
			tx.put("nodes", { ID: "n2" });
			tx.delete("nodes", "n1");
			throw new Error("boom");
		}),
	);
	assert.equal(s.count("nodes"), 1);
	assert.ok(s.get("nodes", "n1"));
	assert.equal(s.tableIndex("nodes"), 1);
	assert.throws(() => s.write(1, () => {}), /not after/);
});

test("waitForChange wakes only for watched tables", async () => {
	const s = new StateStore();
	let woke = false;
	const p = s.waitForChange(["jobs"]).then(() => {
		woke = true;
	});
	s.write(1, (tx) => tx.put("nodes", { ID: "n1" }));
	await new Promise((r) => setImmediate(r));
	assert.equal(woke, false);
	s.write(2, (tx) => tx.put("jobs", { ID: "j", Namespace: "default" }));
	await p;
	assert.equal(woke, true);
	assert.equal(s.waiterCount(), 0);
});

test("waitForChange resolves and unregisters on abort", async () => {
	const s = new StateStore();
	const ctl = new AbortController();
	const p = s.waitForChange(["jobs", "nodes"], ctl.signal);
	assert.equal(s.waiterCount(), 1);
	ctl.abort();
	await p;
	assert.equal(s.waiterCount(), 0);
});

test("dump and restore round-trip tables, indexes and table indexes", () => {
	const s = new StateStore();
	s.write(3, (tx) => {
		tx.put("allocs", alloc("a1", "n1"));
		tx.put("nodes", { ID: "n1" });
	});
	const copy = new StateStore();
	copy.restore(JSON.parse(JSON.stringify(s.dump())));
	assert.deepEqual(copy.dump(), s.dump());
	assert.deepEqual(
		[...copy.byIndex("allocs", "node", "n1")].map((r) => r.ID),
		["a1"],
	);
	assert.equal(copy.tableIndex("allocs"), 3);
});

test("scanIndex walks rows in secondary-index order", () => {
	const s = new StateStore();
	s.write(5, (tx) => tx.put("evals", { ID: "b", Namespace: "default", JobID: "j", Status: "pending", CreateIndex: 5 }));
	s.write(6, (tx) => tx.put("evals", { ID: "a", Namespace: "default", JobID: "j", Status: "pending", CreateIndex: 6 }));
	s.write(7, (tx) => tx.put("evals", { ID: "c", Namespace: "default", JobID: "j", Status: "pending", CreateIndex: 2 }));
	assert.deepEqual(
		[...s.scanIndex("evals", "create")].map((r) => r.ID),
		["c", "b", "a"],
	);
	assert.deepEqual(
		[...s.scanIndex("evals", "create", { reverse: true })].map((r) => r.ID),
		["a", "b", "c"],
	);
	assert.deepEqual(
		[...s.scanIndex("evals", "create", { from: "00000000000000000005" })].map((r) => r.ID),
		["b", "a"],
	);
});

test("dump writes a job shared by allocations once and restore shares it again", () => {
	const s = new StateStore();
	const job = { ID: "web", Namespace: "default", Version: 3 };
	s.write(1, (tx) => {
		for (const id of ["a1", "a2", "a3"]) tx.put("allocs", { ...alloc(id, "n1"), Job: job });
	});
	const dump = JSON.parse(JSON.stringify(s.dump()));
	assert.equal(dump.sharedJobs.length, 1);
	assert.deepEqual(dump.tables.allocs.rows[0].Job, { $ref: 0 });
	const copy = new StateStore();
	copy.restore(dump);
	const a1 = copy.get("allocs", "a1");
	const a2 = copy.get("allocs", "a2");
	assert.deepEqual(a1?.Job, job);
	assert.equal(a1?.Job, a2?.Job);
});

test("node_usage follows alloc writes and equals a rebuild from scratch", () => {
	const s = new StateStore();
	const res = (cpu: number) => ({
		Tasks: {
			t: {
				Cpu: { CpuShares: cpu, ReservedCores: null },
				Memory: { MemoryMB: 10, MemoryMaxMB: 0 },
				Networks: null,
				Devices: null,
			},
		},
		TaskLifecycles: {},
		Shared: { Networks: null, DiskMB: 5, Ports: null },
	});
	const a = (id: string, node: string, cpu: number, client = "running") => ({
		...alloc(id, node),
		DesiredStatus: "run",
		ClientStatus: client,
		AllocatedResources: res(cpu),
	});
	s.write(1, (tx) => {
		tx.put("allocs", a("a1", "n1", 100));
		tx.put("allocs", a("a2", "n1", 200));
		tx.put("allocs", a("a3", "n2", 50));
	});
	const before = s.snapshot();
	s.write(2, (tx) => {
		tx.put("allocs", a("a2", "n1", 200, "complete"));
		tx.put("allocs", a("a3", "n1", 50));
	});
	const cpu = (v: { aggregate: (n: "node_usage", k: string) => unknown }, n: string) =>
		(v.aggregate("node_usage", n) as { cpu: number } | undefined)?.cpu ?? 0;
	assert.equal(cpu(before, "n1"), 300);
	assert.equal(cpu(s, "n1"), 150);
	assert.equal(cpu(s, "n2"), 0);
	const copy = new StateStore();
	copy.restore(JSON.parse(JSON.stringify(s.dump())));
	assert.equal(cpu(copy, "n1"), 150);
	assert.equal(cpu(copy, "n2"), 0);
});

test("an open write is invisible until commit, excludes other writes, and abort drops it", () => {
	const s = new StateStore();
	const w = s.begin(2);
	w.tx.put("namespaces", { Name: "staged" });
	assert.equal(s.get("namespaces", "staged"), undefined);
	assert.equal(w.tx.get("namespaces", "staged")?.Name, "staged");
	const snap = s.snapshot();
	assert.throws(() => s.write(3, () => {}), /already open/);
	w.commit();
	assert.equal(s.get("namespaces", "staged")?.Name, "staged");
	assert.equal(snap.get("namespaces", "staged"), undefined);
	assert.equal(s.latestIndex, 2);
	const dropped = s.begin(3);
	dropped.tx.put("namespaces", { Name: "dropped" });
	dropped.abort();
	assert.equal(s.get("namespaces", "dropped"), undefined);
	assert.equal(s.latestIndex, 2);
	s.write(3, (tx) => tx.put("namespaces", { Name: "next" }));
	assert.equal(s.tableIndex("namespaces"), 3);
});
