import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import {
	type ClientStateStore,
	MemoryClientStateStore,
	openClientStateStore,
	SqliteClientStateStore,
} from "./stateStore.ts";

const state = (s: string, restarts: number): TaskState => ({ State: s, Restarts: restarts }) as unknown as TaskState;

test("node identity, allocations and task states with handles survive a reopen", (t) => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-state-"));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const path = join(dir, "state.db");
	let s: ClientStateStore = new SqliteClientStateStore(path);
	s.putMeta("node_id", "n1");
	s.putAlloc({ ID: "a1", ModifyIndex: 3 } as unknown as Allocation);
	s.putAlloc({ ID: "a2" } as unknown as Allocation);
	const h = { driver: "raw_exec", taskId: "a1/web/x", pid: 42, startTime: 99 };
	s.putTasks("a1", { web: state("running", 2), side: state("dead", 0) }, { web: h });
	s.putTasks("a2", { t: state("pending", 0) }, {});
	s.deleteAlloc("a2");
	s.close();

	s = new SqliteClientStateStore(path);
	assert.equal(s.getMeta("node_id"), "n1");
	assert.equal(s.getMeta("nope"), undefined);
	const all = s.loadAllocs();
	assert.equal(all.length, 1);
	assert.equal(all[0]?.alloc.ModifyIndex, 3);
	assert.deepEqual(all[0]?.tasks.web, { state: state("running", 2), handle: h });
	assert.deepEqual(all[0]?.tasks.side, { state: state("dead", 0) });
	// A later write without a handle clears it (the task exited).
	s.putTasks("a1", { web: state("dead", 2) }, {});
	assert.equal(s.loadAllocs()[0]?.tasks.web?.handle, undefined);
	s.close();
});

test(":memory: keeps nothing across instances and never opens SQLite; within one it behaves as the file store", (t) => {
	const s = openClientStateStore(":memory:");
	assert.ok(s instanceof MemoryClientStateStore);
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-state-"));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const file = openClientStateStore(join(dir, "state.db"));
	const h = { driver: "raw_exec", taskId: "a1/web/x", pid: 42, startTime: 99 };
	for (const store of [s, file]) {
		store.putMeta("k", "v");
		store.putAlloc({ ID: "a1", ModifyIndex: 3 } as unknown as Allocation);
		store.putAlloc({ ID: "a2" } as unknown as Allocation);
		store.putTasks("a1", { web: state("running", 2), side: state("dead", 0) }, { web: h });
		store.putTasks("a2", { t: state("pending", 0) }, {});
		store.deleteAlloc("a2");
		store.putTasks("a1", { side: state("dead", 1) }, {});
	}
	assert.equal(s.getMeta("k"), "v");
	assert.deepEqual(s.loadAllocs(), file.loadAllocs());
	s.close();
	file.close();
	assert.equal(openClientStateStore(":memory:").getMeta("k"), undefined);
});
