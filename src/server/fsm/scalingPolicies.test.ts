import assert from "node:assert/strict";
import { test } from "node:test";
import type { Row } from "../state/schema.ts";
import { StateStore } from "../state/stateStore.ts";
import { FSM } from "./fsm.ts";
import { JobCmd, jobCommands } from "./jobCommands.ts";

function newFSM(): FSM {
	const fsm = new FSM(new StateStore());
	fsm.registerAll(jobCommands);
	return fsm;
}

const job = (groups: Row[]): Row => ({
	ID: "web",
	Namespace: "default",
	Type: "service",
	Priority: 50,
	Datacenters: ["dc1"],
	TaskGroups: groups,
	Version: 0,
});
const group = (name: string, scaling?: Row): Row => ({ Name: name, Count: 1, Tasks: [], Scaling: scaling ?? null });
const scaling = (max: number): Row => ({
	Min: 1,
	Max: max,
	Enabled: true,
	Policy: { cooldown: "1m" },
	Type: "horizontal",
});

function policies(fsm: FSM): Row[] {
	return [...fsm.state.scan("scaling_policies")];
}

test("a job's scaling policies: stored with stable IDs, updated in place, removed with their group or the job", () => {
	const fsm = newFSM();
	let i = 1;
	const apply = (type: string, payload: Row) => {
		const r = fsm.apply(++i, type, payload);
		assert.equal(r.error, undefined, r.error);
		return r;
	};
	apply(JobCmd.register, { Job: job([group("a", scaling(5)), group("b", scaling(3)), group("c")]) });
	const first = policies(fsm);
	assert.equal(first.length, 2);
	const a = first.find((p) => (p.Target as Row).Group === "a") as Row;
	assert.match(a.ID as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
	assert.deepEqual(a.Target, { Namespace: "default", Job: "web", Group: "a" });
	assert.deepEqual([a.CreateIndex, a.ModifyIndex], [2, 2]);
	// The job's own copy shows what was stored.
	const stored = fsm.state.get("jobs", "default\u0000web") as Row;
	const [firstGroup] = stored.TaskGroups as Row[];
	assert.equal((firstGroup?.Scaling as Row | undefined)?.ID, a.ID);

	// Unchanged: the row stays as it was. Changed: same ID and CreateIndex, new ModifyIndex.
	apply(JobCmd.register, { Job: job([group("a", scaling(5)), group("b", scaling(4))]) });
	const second = policies(fsm);
	const a2 = second.find((p) => p.ID === a.ID) as Row;
	assert.equal(a2.ModifyIndex, 2);
	const b2 = second.find((p) => (p.Target as Row).Group === "b") as Row;
	assert.deepEqual([b2.Max, b2.CreateIndex, b2.ModifyIndex], [4, 2, 3]);

	// A group that lost its scaling block loses its policy.
	apply(JobCmd.register, { Job: job([group("a", scaling(5)), group("b")]) });
	assert.deepEqual(
		policies(fsm).map((p) => p.ID),
		[a.ID],
	);

	// Stopping disables; purging deletes.
	apply(JobCmd.deregister, { Namespace: "default", JobID: "web", Purge: false });
	assert.equal(policies(fsm)[0]?.Enabled, false);
	apply(JobCmd.deregister, { Namespace: "default", JobID: "web", Purge: true });
	assert.deepEqual(policies(fsm), []);
});

test("policy IDs are the same on replay (derived from the log, not random)", () => {
	const a = newFSM();
	const b = newFSM();
	for (const fsm of [a, b]) fsm.apply(7, JobCmd.register, { Job: job([group("a", scaling(5))]) });
	assert.deepEqual(policies(a), policies(b));
});

test("a job read back with its stored policy IDs and indexes is the same spec", async () => {
	const { specChanged } = await import("../jobs/specChanged.ts");
	const fsm = newFSM();
	fsm.apply(2, JobCmd.register, { Job: job([group("a", scaling(5))]) });
	const stored = fsm.state.get("jobs", "default\u0000web") as Row;
	// As admission submits it: target filled in, no ID or indexes.
	const submitted = job([group("a", { ...scaling(5), Target: { Namespace: "default", Job: "web", Group: "a" } })]);
	assert.equal(specChanged(stored as never, { ...stored, TaskGroups: submitted.TaskGroups } as never), false);
	assert.equal(
		specChanged(stored as never, { ...stored, TaskGroups: job([group("a", scaling(6))]).TaskGroups } as never),
		true,
	);
});
