import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Allocation } from "../../api/types/index.ts";
import { mkAlloc, mkEval, mkJob, mkNode, newFSM } from "../schedulingFixtures.ts";
import type { Row } from "../state/schema.ts";
import { EvalCmd } from "./evalCommands.ts";
import type { FSM } from "./fsm.ts";
import { clientUpdateFollowupEvals, PlanCmd } from "./planCommands.ts";
import type { TaskGroupSummary } from "./summary.ts";

class Applier {
	readonly fsm: FSM = newFSM();
	index = 0;
	readonly cmds: { type: string; payload: Row }[] = [];
	apply(type: string, payload: Row) {
		this.cmds.push({ type, payload: structuredClone(payload) });
		const r = this.fsm.apply(++this.index, type, structuredClone(payload));
		return r;
	}
	ok(type: string, payload: Row) {
		const r = this.apply(type, payload);
		assert.equal(r.error, undefined, r.error);
		return r;
	}
	get state() {
		return this.fsm.state;
	}
	summary(job = "web", tg = "web"): TaskGroupSummary {
		const s = this.state.get("job_summary", `default\u0000${job}`);
		return (s as { Summary: Record<string, TaskGroupSummary> }).Summary[tg];
	}
}

function depGroup(t: Applier, tg: string): Row {
	return ((t.state.get("deployments", "dep1") as Row).TaskGroups as Record<string, Row>)[tg];
}

/** An allocation as the plan applier puts it in the log: no Job. */
function lean(a: Allocation, now = 1000): Row {
	const { Job: _j, ...rest } = a;
	return { ...rest, CreateTime: now, ModifyTime: now };
}

function planPayload(job: Row, evalID: string, placed: Allocation[], stopped: Row[] = [], extra: Row = {}): Row {
	return {
		EvalID: evalID,
		JobNamespace: job.Namespace,
		JobID: job.ID,
		JobVersion: job.Version,
		JobModifyIndex: job.JobModifyIndex,
		AllocsUpdated: placed.map((a) => lean(a)),
		AllocsStopped: stopped,
		UpdatedAt: 1000,
		...extra,
	};
}

function setup() {
	const t = new Applier();
	t.ok("NodeRegister", { Node: mkNode("n1") });
	const job = mkJob("web", { count: 3 });
	const ev = mkEval(job);
	t.ok("JobRegister", { Job: job, Evals: [ev] });
	const stored = t.state.get("jobs", "default\u0000web") as Row;
	return { t, job: stored, ev };
}

test("the job summary follows queued counts, placements and client status changes", () => {
	const { t, job, ev } = setup();
	t.ok(EvalCmd.update, { Evals: [{ ...ev, Status: "pending", QueuedAllocations: { web: 3 } }] });
	assert.equal(t.summary().Queued, 3);
	const allocs = [0, 1, 2].map(() => mkAlloc(job as never, "n1", { EvalID: ev.ID }));
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, allocs));
	assert.deepEqual(t.summary(), { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 3, Lost: 0, Unknown: 0 });
	const upd = (id: string, status: string) => ({
		ID: id,
		ClientStatus: status,
		ClientDescription: "",
		TaskStates: null,
		ModifyTime: 2000,
	});
	t.ok(PlanCmd.allocClientUpdate, { Allocs: allocs.map((a) => upd(a.ID, "running")) });
	assert.deepEqual(t.summary(), { Queued: 0, Complete: 0, Failed: 0, Running: 3, Starting: 0, Lost: 0, Unknown: 0 });
	t.ok(PlanCmd.allocClientUpdate, { Allocs: [upd(allocs[0].ID, "failed")] });
	// A plan marking an alloc lost (node down) moves it too; stopping alone does not.
	t.ok(
		PlanCmd.applyPlanResults,
		planPayload(
			job,
			ev.ID,
			[],
			[
				{
					ID: allocs[1].ID,
					DesiredDescription: "alloc is lost since its node is down",
					ClientStatus: "lost",
					ModifyTime: 3000,
				},
				{ ID: allocs[2].ID, DesiredDescription: "alloc not needed", ModifyTime: 3000 },
			],
		),
	);
	assert.deepEqual(t.summary(), { Queued: 0, Complete: 0, Failed: 1, Running: 1, Starting: 0, Lost: 1, Unknown: 0 });
	t.ok(PlanCmd.allocClientUpdate, { Allocs: [upd(allocs[2].ID, "complete")] });
	assert.deepEqual(t.summary(), { Queued: 0, Complete: 1, Failed: 1, Running: 0, Starting: 0, Lost: 1, Unknown: 0 });
	const stopped = t.state.get("allocs", allocs[2].ID) as Row;
	assert.equal(stopped.DesiredStatus, "stop");
	assert.equal(stopped.DesiredDescription, "alloc not needed");
	assert.equal(stopped.ClientStatus, "complete");
});

test("plan results link the stored job version by reference, stamp indexes and never keep SignedIdentities", () => {
	const { t, job, ev } = setup();
	const a = { ...mkAlloc(job as never, "n1", { EvalID: ev.ID }), SignedIdentities: { task: "secret.jwt" } };
	const r = t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [a as Allocation]));
	const row = t.state.get("allocs", a.ID) as Row;
	const version = t.state.get("job_versions", `default\u0000web\u0000${"0".padStart(20, "0")}`);
	assert.ok(version);
	assert.equal(row.Job, version, "one shared job object, not a copy per alloc");
	assert.equal(row.JobVersion, 0);
	assert.equal("SignedIdentities" in row, false);
	assert.equal(row.CreateIndex, r.index);
	assert.equal(row.ModifyIndex, r.index);
	assert.equal(row.AllocModifyIndex, r.index);
	assert.equal(row.CreateTime, 1000);
	assert.equal(t.state.get("evals", ev.ID)?.ModifyIndex, r.index, "the plan's eval is touched");
	assert.equal(t.state.get("jobs", "default\u0000web")?.Status, "running");

	// A client update keeps CreateIndex and AllocModifyIndex, bumps ModifyIndex.
	const r2 = t.ok(PlanCmd.allocClientUpdate, {
		Allocs: [
			{
				ID: a.ID,
				ClientStatus: "running",
				ClientDescription: "Tasks are running",
				TaskStates: { task: { State: "running" } },
				ModifyTime: 5,
			},
		],
	});
	const row2 = t.state.get("allocs", a.ID) as Row;
	assert.equal(row2.CreateIndex, r.index);
	assert.equal(row2.AllocModifyIndex, r.index);
	assert.equal(row2.ModifyIndex, r2.index);
	assert.equal(row2.Job, version);

	// An in-place update from a later plan keeps the client's state and bumps AllocModifyIndex.
	const inplace = { ...(row2 as unknown as Allocation), ClientStatus: "pending" as const, TaskStates: null };
	const r3 = t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [inplace]));
	const row3 = t.state.get("allocs", a.ID) as Row;
	assert.equal(row3.ClientStatus, "running");
	assert.deepEqual(row3.TaskStates, { task: { State: "running" } });
	assert.equal(row3.AllocModifyIndex, r3.index);
	assert.equal(row3.CreateIndex, r.index);
});

test("plan results: an inline Job is used when the state lacks that version; failures reject the whole command", () => {
	const { t, job, ev } = setup();
	const placed = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	// Unknown version, no inline job: nothing to link → rejected, state unchanged.
	const before = t.fsm.snapshot().tables.allocs;
	const bad = t.apply(PlanCmd.applyPlanResults, planPayload({ ...job, Version: 7 }, ev.ID, [placed]));
	assert.match(bad.error ?? "", /without a job/);
	assert.deepEqual(t.fsm.snapshot().tables.allocs?.rows, before?.rows);
	// Same payload with the job inline works.
	const inline = { ...job, Version: 7 };
	t.ok(PlanCmd.applyPlanResults, { ...planPayload(inline, ev.ID, [placed]), Job: inline });
	assert.equal(((t.state.get("allocs", placed.ID) as Row).Job as Row).Version, 7);
	// Unknown eval, unknown stopped alloc → rejected.
	assert.match(t.apply(PlanCmd.applyPlanResults, planPayload(job, "nope", [])).error ?? "", /unable to find eval/);
	assert.match(
		t.apply(
			PlanCmd.applyPlanResults,
			planPayload(job, ev.ID, [], [{ ID: "ghost", DesiredDescription: "", ModifyTime: 1 }]),
		).error ?? "",
		/doesn't exist/,
	);
});

test("new allocations of a stopped job are skipped", () => {
	const { t, job, ev } = setup();
	t.ok("JobDeregister", { Namespace: "default", JobID: "web", Purge: false, SubmitTime: 1 });
	const placed = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [placed]));
	assert.equal(t.state.get("allocs", placed.ID), undefined);
});

test("a completed eval without failures cancels the job's blocked evals; failed ones keep them", () => {
	const { t, job, ev } = setup();
	const blocked = mkEval(job as never, { Status: "blocked", TriggeredBy: "queued-allocs" });
	t.ok(EvalCmd.update, { Evals: [blocked] });
	t.ok(EvalCmd.update, { Evals: [{ ...ev, Status: "complete", FailedTGAllocs: { web: {} }, ModifyTime: 9 }] });
	assert.equal(t.state.get("evals", blocked.ID)?.Status, "blocked");
	const next = mkEval(job as never);
	t.ok(EvalCmd.update, { Evals: [{ ...next, Status: "complete", ModifyTime: 10 }] });
	const b = t.state.get("evals", blocked.ID) as Row;
	assert.equal(b.Status, "canceled");
	assert.equal(b.StatusDescription, `evaluation "${next.ID}" successful`);
	assert.equal(b.ModifyTime, 10);
	assert.equal(t.state.get("evals", ev.ID)?.CreateIndex, 2, "CreateIndex kept across updates");
});

test("eval delete (GC) removes evals and allocs; user deletes need a paused broker", () => {
	const { t, job, ev } = setup();
	const a = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [a]));
	assert.match(
		t.apply(EvalCmd.delete, { Evals: [ev.ID], Allocs: [], UserInitiated: true }).error ?? "",
		/must be paused/,
	);
	t.ok(EvalCmd.delete, { Evals: [ev.ID], Allocs: [a.ID] });
	assert.equal(t.state.get("evals", ev.ID), undefined);
	assert.equal(t.state.get("allocs", a.ID), undefined);
	assert.equal(t.state.get("jobs", "default\u0000web")?.Status, "dead");
});

test("desired transitions merge and bump AllocModifyIndex", () => {
	const { t, job, ev } = setup();
	const a = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [a]));
	t.ok(PlanCmd.allocUpdateDesiredTransition, { Allocs: { [a.ID]: { Migrate: true } }, Evals: [] });
	const r = t.ok(PlanCmd.allocUpdateDesiredTransition, { Allocs: { [a.ID]: { Reschedule: true, Migrate: null } } });
	const row = t.state.get("allocs", a.ID) as Row;
	assert.deepEqual(row.DesiredTransition, { Migrate: true, Reschedule: true });
	assert.equal(row.AllocModifyIndex, r.index);
});

test("plan deployments are upserted keeping client counters; placements count into them", () => {
	const { t, job, ev } = setup();
	const dep = {
		ID: "dep1",
		Namespace: "default",
		JobID: "web",
		JobVersion: 0,
		Status: "running",
		TaskGroups: {
			web: { PlacedAllocs: 0, HealthyAllocs: 0, UnhealthyAllocs: 0, DesiredTotal: 3, ProgressDeadline: 0 },
		},
	};
	const a = mkAlloc(job as never, "n1", { EvalID: ev.ID, DeploymentID: "dep1" });
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [a], [], { Deployment: dep }));
	assert.equal(depGroup(t, "web").PlacedAllocs, 1);
	t.ok(PlanCmd.allocClientUpdate, {
		Allocs: [
			{
				ID: a.ID,
				ClientStatus: "running",
				DeploymentStatus: { Healthy: true, Timestamp: "2024-01-01T00:00:00Z" },
				ModifyTime: 5,
			},
		],
	});
	const tg = depGroup(t, "web");
	assert.equal(tg.HealthyAllocs, 1);
	// The scheduler's next copy of the deployment does not reset the client-owned counters.
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [], [], { Deployment: { ...dep, Status: "successful" } }));
	const after = t.state.get("deployments", "dep1") as Row;
	assert.equal((after.TaskGroups as Record<string, Row>).web.HealthyAllocs, 1);
	assert.equal((after.TaskGroups as Record<string, Row>).web.PlacedAllocs, 1);
	assert.equal(t.state.get("jobs", "default\u0000web")?.Stable, true, "a successful deployment marks the job stable");
});

test("client update follow-up evals: failed reschedulable allocs and vanished jobs", () => {
	const { t, job, ev } = setup();
	const a = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	const b = mkAlloc(job as never, "n1", { EvalID: ev.ID });
	t.ok(PlanCmd.applyPlanResults, planPayload(job, ev.ID, [a, b]));
	let n = 0;
	const newID = () => `fu-${++n}`;
	const evals = clientUpdateFollowupEvals(
		t.state,
		[
			{ ID: a.ID, ClientStatus: "failed", ModifyTime: 1 },
			{ ID: b.ID, ClientStatus: "running", ModifyTime: 1 },
		],
		42,
		newID,
	);
	assert.deepEqual(
		evals.map((e) => [e.ID, e.TriggeredBy, e.JobID, e.Status, e.CreateTime]),
		[["fu-1", "alloc-failure", "web", "pending", 42]],
	);
	t.ok("JobDeregister", { Namespace: "default", JobID: "web", Purge: true, SubmitTime: 1 });
	const gone = clientUpdateFollowupEvals(t.state, [{ ID: b.ID, ClientStatus: "complete", ModifyTime: 1 }], 43, newID);
	assert.equal(gone[0]?.TriggeredBy, "job-deregister");
});

// ---- determinism ------------------------------------------------------------------------------

interface Model {
	evals: string[];
	allocs: string[];
}

/** Random scheduling commands over a fixed cluster; some reference missing things and get rejected. */
function commandsArb() {
	const step = fc.oneof(
		fc.record({
			kind: fc.constant("eval" as const),
			status: fc.constantFrom("pending", "blocked", "complete", "failed"),
			queued: fc.nat(4),
		}),
		fc.record({
			kind: fc.constant("place" as const),
			n: fc.integer({ min: 1, max: 3 }),
			node: fc.constantFrom("n1", "n2"),
		}),
		fc.record({
			kind: fc.constant("client" as const),
			pick: fc.nat(),
			status: fc.constantFrom("running", "complete", "failed", "pending"),
		}),
		fc.record({ kind: fc.constant("stop" as const), pick: fc.nat(), lost: fc.boolean() }),
		fc.record({ kind: fc.constant("transition" as const), pick: fc.nat() }),
		fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
	);
	return fc.array(step, { minLength: 1, maxLength: 40 });
}

function buildCommands(
	steps: ReturnType<typeof commandsArb> extends fc.Arbitrary<infer T> ? T : never,
): { type: string; payload: Row }[] {
	const job = mkJob("web", { count: 3 });
	const ev0 = mkEval(job, { ID: "ev-0" });
	const out: { type: string; payload: Row }[] = [
		{ type: "NodeRegister", payload: { Node: mkNode("n1") } },
		{ type: "NodeRegister", payload: { Node: mkNode("n2") } },
		{ type: "JobRegister", payload: { Job: job, Evals: [ev0] } },
	];
	const m: Model = { evals: ["ev-0"], allocs: [] };
	let id = 0;
	const stored = { ...job, Version: 0, JobModifyIndex: 3, CreateIndex: 3 };
	for (const s of steps) {
		const pickAlloc = (k: number) => (m.allocs.length ? m.allocs[k % m.allocs.length] : "none");
		switch (s.kind) {
			case "eval": {
				const e = mkEval(job, {
					ID: `ev-${++id}`,
					Status: s.status,
					QueuedAllocations: { web: s.queued },
					CreateTime: id,
					ModifyTime: id,
				});
				m.evals.push(e.ID);
				out.push({ type: EvalCmd.update, payload: { Evals: [e] } });
				break;
			}
			case "place": {
				const allocs = Array.from({ length: s.n }, () =>
					mkAlloc(job, s.node, { ID: `a-${++id}`, EvalID: m.evals[m.evals.length - 1] }),
				);
				m.allocs.push(...allocs.map((a) => a.ID));
				out.push({ type: PlanCmd.applyPlanResults, payload: planPayload(stored, m.evals[m.evals.length - 1], allocs) });
				break;
			}
			case "client":
				out.push({
					type: PlanCmd.allocClientUpdate,
					payload: {
						Allocs: [
							{
								ID: pickAlloc(s.pick),
								ClientStatus: s.status,
								ClientDescription: "",
								TaskStates: null,
								ModifyTime: id,
							},
						],
					},
				});
				break;
			case "stop":
				out.push({
					type: PlanCmd.applyPlanResults,
					payload: planPayload(
						stored,
						m.evals[0],
						[],
						[
							{
								ID: pickAlloc(s.pick),
								DesiredDescription: "stop",
								ClientStatus: s.lost ? "lost" : undefined,
								ModifyTime: id,
							},
						],
					),
				});
				break;
			case "transition":
				out.push({
					type: PlanCmd.allocUpdateDesiredTransition,
					payload: { Allocs: { [pickAlloc(s.pick)]: { Migrate: true } } },
				});
				break;
			case "delete":
				out.push({
					type: EvalCmd.delete,
					payload: { Evals: [m.evals[s.pick % m.evals.length]], Allocs: [pickAlloc(s.pick)] },
				});
				break;
		}
	}
	return JSON.parse(JSON.stringify(out));
}

function replay(cmds: { type: string; payload: Row }[], fsm = newFSM(), from = 0): FSM {
	for (let i = from; i < cmds.length; i++) fsm.apply(i + 1, cmds[i].type, structuredClone(cmds[i].payload));
	return fsm;
}

test("replaying the same scheduling commands gives equal state; snapshot + replay of the rest too", () => {
	fc.assert(
		fc.property(commandsArb(), fc.nat(), (steps, cut) => {
			const cmds = buildCommands(steps);
			const a = replay(cmds);
			const b = replay(cmds);
			assert.deepEqual(a.snapshot(), b.snapshot());
			const k = cut % (cmds.length + 1);
			const head = replay(cmds.slice(0, k));
			const restored = newFSM();
			restored.restore(JSON.parse(JSON.stringify(head.snapshot())));
			replay(cmds, restored, k);
			assert.deepEqual(JSON.parse(JSON.stringify(restored.snapshot())), JSON.parse(JSON.stringify(a.snapshot())));
			// Summary invariant: counters never go negative.
			const s = a.state.get("job_summary", "default\u0000web");
			for (const v of Object.values((s as { Summary: Record<string, TaskGroupSummary> }).Summary.web))
				assert.ok(v >= 0);
		}),
		{ numRuns: 150 },
	);
});
