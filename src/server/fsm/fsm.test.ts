import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Row } from "../state/schema.ts";
import { StateStore } from "../state/stateStore.ts";
import { Cmd, coreCommands } from "./coreCommands.ts";
import { FSM } from "./fsm.ts";
import { commandArb } from "./testCommands.ts";

function newFSM(): FSM {
	const fsm = new FSM(new StateStore());
	fsm.registerAll(coreCommands);
	return fsm;
}

function applyAll(fsm: FSM, cmds: { type: string; payload: Row }[], from = 0): void {
	for (let i = from; i < cmds.length; i++) {
		const c = cmds[i] as { type: string; payload: Row };
		fsm.apply(i + 1, c.type, structuredClone(c.payload));
	}
}

test("replaying the same commands gives equal state (determinism)", () => {
	fc.assert(
		fc.property(fc.array(commandArb, { maxLength: 60 }), (cmds) => {
			const a = newFSM();
			const b = newFSM();
			applyAll(a, cmds);
			applyAll(b, cmds);
			assert.deepEqual(a.snapshot(), b.snapshot());
		}),
		{ numRuns: 200 },
	);
});

test("snapshot at any point + replay of the rest equals full replay", () => {
	fc.assert(
		fc.property(fc.array(commandArb, { minLength: 1, maxLength: 60 }), fc.nat(), (cmds, cut) => {
			const k = cut % (cmds.length + 1);
			const full = newFSM();
			applyAll(full, cmds);
			const head = newFSM();
			applyAll(head, cmds.slice(0, k));
			const restored = newFSM();
			restored.restore(JSON.parse(JSON.stringify(head.snapshot())));
			applyAll(restored, cmds, k);
			assert.deepEqual(restored.snapshot(), full.snapshot());
		}),
		{ numRuns: 200 },
	);
});

test("a rejected command changes nothing but still advances the index", () => {
	const fsm = newFSM();
	const before = fsm.snapshot();
	const r = fsm.apply(1, Cmd.namespaceDelete, { Names: ["default"] });
	assert.match(r.error ?? "", /default namespace/);
	const after = fsm.snapshot();
	assert.deepEqual(after.tables, before.tables);
	assert.equal(after.index, 1);
});

test("scheduler config CAS only applies on a matching index", () => {
	const fsm = newFSM();
	fsm.apply(1, Cmd.schedulerConfig, {
		Config: { SchedulerAlgorithm: "binpack" },
	});
	assert.equal(
		fsm.apply(2, Cmd.schedulerConfig, {
			Config: { SchedulerAlgorithm: "spread" },
			CAS: 7,
		}).result,
		false,
	);
	assert.equal(fsm.state.get("scheduler_config", "config")?.SchedulerAlgorithm, "binpack");
	assert.equal(
		fsm.apply(3, Cmd.schedulerConfig, {
			Config: { SchedulerAlgorithm: "spread" },
			CAS: 1,
		}).result,
		true,
	);
	assert.equal(fsm.state.get("scheduler_config", "config")?.SchedulerAlgorithm, "spread");
	assert.equal(fsm.state.get("scheduler_config", "config")?.CreateIndex, 1);
	assert.equal(fsm.state.get("scheduler_config", "config")?.ModifyIndex, 3);
});

test("only one root key stays active", () => {
	const fsm = newFSM();
	fsm.apply(1, Cmd.rootKeyUpsert, {
		RootKey: { KeyID: "k1", State: "active", CreateTime: 1 },
	});
	fsm.apply(2, Cmd.rootKeyUpsert, {
		RootKey: { KeyID: "k2", State: "active", CreateTime: 2 },
	});
	assert.equal(fsm.state.get("root_keys", "k1")?.State, "inactive");
	assert.deepEqual(
		[...fsm.state.byIndex("root_keys", "state", "active")].map((k) => k.KeyID),
		["k2"],
	);
});

test("unknown command types are skipped without wedging replay", () => {
	const fsm = newFSM();
	const r = fsm.apply(1, "FutureThing", {});
	assert.match(r.error ?? "", /unknown command/);
	assert.equal(fsm.state.latestIndex, 1);
	assert.equal(fsm.apply(2, Cmd.namespaceUpsert, { Namespaces: [{ Name: "x" }] }).error, undefined);
});
