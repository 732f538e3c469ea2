import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import { ClientStateStore } from "./stateStore.ts";

const state = (s: string, restarts: number): TaskState => ({ State: s, Restarts: restarts }) as unknown as TaskState;

test("node identity, allocations and task states with handles survive a reopen", (t) => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-state-"));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	const path = join(dir, "state.db");
	let s = new ClientStateStore(path);
	s.putMeta("node_id", "n1");
	s.putAlloc({ ID: "a1", ModifyIndex: 3 } as unknown as Allocation);
	s.putAlloc({ ID: "a2" } as unknown as Allocation);
	const h = { driver: "raw_exec", taskId: "a1/web/x", pid: 42, startTime: 99 };
	s.putTasks("a1", { web: state("running", 2), side: state("dead", 0) }, { web: h });
	s.putTasks("a2", { t: state("pending", 0) }, {});
	s.deleteAlloc("a2");
	s.close();

	s = new ClientStateStore(path);
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

test(":memory: keeps nothing", () => {
	const s = new ClientStateStore(":memory:");
	s.putMeta("k", "v");
	assert.equal(s.getMeta("k"), "v");
	s.close();
	assert.equal(new ClientStateStore(":memory:").getMeta("k"), undefined);
});
