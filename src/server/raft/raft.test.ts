import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { nullLogger } from "../../lib/logger.ts";
import { coreCommands } from "../fsm/coreCommands.ts";
import { FSM } from "../fsm/fsm.ts";
import { commandArb } from "../fsm/testCommands.ts";
import { createMemoryLog } from "../raftlog/memory.ts";
import { createSqliteLog } from "../raftlog/sqlite.ts";
import type { LogStore } from "../raftlog/types.ts";
import { StateStore } from "../state/stateStore.ts";
import { Raft } from "./raft.ts";

function newRaft(log: LogStore, snapshotThreshold = 8192): Raft {
	const fsm = new FSM(new StateStore());
	fsm.registerAll(coreCommands);
	return new Raft({
		log,
		fsm,
		logger: nullLogger(),
		snapshotThreshold,
		trailingLogs: 4,
	});
}

test("concurrent applies are applied in index order and resolve with their index", async () => {
	const raft = newRaft(createMemoryLog());
	await raft.start();
	const results = await Promise.all(
		Array.from({ length: 50 }, (_, i) => raft.apply("NamespaceUpsert", { Namespaces: [{ Name: `ns${i}` }] })),
	);
	assert.deepEqual(
		results.map((r) => r.index),
		Array.from({ length: 50 }, (_, i) => i + 1),
	);
	assert.equal(raft.fsm.state.get("namespaces", "ns49")?.ModifyIndex, 50);
	await raft.close();
});

test("a server restarted on the same log comes back with exactly its state and index", async () => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-raft-"));
	try {
		await fc.assert(
			fc.asyncProperty(
				fc.array(commandArb, { minLength: 1, maxLength: 40 }),
				fc.integer({ min: 3, max: 50 }),
				async (cmds, threshold) => {
					const path = join(dir, `${Math.random().toString(36).slice(2)}.db`);
					const first = newRaft(createSqliteLog({ path, sync: "group" }), threshold);
					await first.start();
					for (const c of cmds) await first.apply(c.type, c.payload);
					await first.snapshot();
					const before = first.fsm.snapshot();
					await first.close();
					const second = newRaft(createSqliteLog({ path, sync: "group" }), threshold);
					await second.start();
					assert.deepEqual(second.fsm.snapshot(), before);
					assert.equal(second.appliedIndex, cmds.length);
					// New commands continue the index sequence.
					const r = await second.apply("NamespaceUpsert", {
						Namespaces: [{ Name: "after" }],
					});
					assert.equal(r.index, cmds.length + 1);
					await second.close();
				},
			),
			{ numRuns: 25 },
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test("stats: hashicorp/raft's keys with string values from the log and the FSM", async () => {
	const raft = newRaft(createMemoryLog(), 3);
	await raft.start();
	const empty = raft.stats({ leader: false, address: "127.0.0.1:4647" });
	assert.equal(empty.state, "Follower");
	assert.equal(empty.last_contact, "never");
	assert.equal(empty.last_log_index, "0");
	for (let i = 0; i < 4; i++) await raft.apply("NamespaceUpsert", { Namespaces: [{ Name: `s${i}` }] });
	await raft.snapshot();
	const s = raft.stats({ leader: true, address: "127.0.0.1:4647" });
	assert.equal(s.state, "Leader");
	assert.equal(s.applied_index, "4");
	assert.equal(s.commit_index, "4");
	assert.equal(s.last_log_index, "4");
	assert.equal(s.last_snapshot_index, "4");
	assert.equal(s.fsm_pending, "0");
	assert.equal(s.num_peers, "0");
	assert.equal(s.last_contact, "0");
	assert.equal(s.latest_configuration, "[{Suffrage:Voter ID:127.0.0.1:4647 Address:127.0.0.1:4647}]");
	for (const v of Object.values(s)) assert.equal(typeof v, "string");
	await raft.close();
});

test("a big stepped command is applied in slices: readers see the old state until it commits, timers run, order holds", async () => {
	const fsm = new FSM(new StateStore());
	fsm.registerAll(coreCommands);
	// A stepped handler writing many rows, slow enough to span several slices, failing on demand.
	fsm.register("Bulk", function* (tx, p) {
		for (let i = 0; i < (p.N as number); i++) {
			if (p.FailAt === i) throw new Error("bulk failed");
			tx.put("namespaces", { Name: `${p.Prefix as string}${i}` });
			const until = performance.now() + 0.05;
			while (performance.now() < until);
			yield;
		}
		return p.N;
	});
	const raft = new Raft({ log: createMemoryLog(), fsm, logger: nullLogger() });
	await raft.start();
	const state = fsm.state;
	const seen: number[] = [];
	let ticks = 0;
	const timer = setInterval(() => {
		ticks++;
		seen.push(state.count("namespaces"));
	}, 1);
	const bulk = raft.apply("Bulk", { N: 2000, Prefix: "b" });
	const after = raft.apply("NamespaceUpsert", { Namespaces: [{ Name: "after" }] });
	const failing = raft.apply("Bulk", { N: 500, FailAt: 300, Prefix: "f" });
	const last = raft.apply("NamespaceUpsert", { Namespaces: [{ Name: "last" }] });
	const [b, a, f, l] = await Promise.all([bulk, after, failing, last]);
	clearInterval(timer);
	assert.deepEqual([b.index, a.index, f.index, l.index], [1, 2, 3, 4]);
	assert.equal(b.result, 2000);
	assert.equal(f.error, "bulk failed");
	// ~100 ms of work: the event loop ran timers in between, and never saw a half-applied command.
	assert.ok(ticks >= 5, `timers ran ${ticks} times during the apply`);
	for (const n of seen) assert.ok(n === 1 || n === 2001 || n === 2002 || n === 2003, `a reader saw ${n} namespaces`);
	assert.equal(state.count("namespaces"), 2003);
	assert.equal(state.get("namespaces", "f0"), undefined);
	assert.equal(state.get("namespaces", "last")?.ModifyIndex, 4);
	assert.equal(state.latestIndex, 4);
	await raft.close();
});
