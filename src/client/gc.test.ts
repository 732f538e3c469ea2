import assert from "node:assert/strict";
import { test } from "node:test";
import { AllocGarbageCollector, type DiskUsage, diskUsage, type GcTarget } from "./gc.ts";

function fakeTarget(terminal: { id: string; finishedAt: number }[], running = 0) {
	const collected: string[] = [];
	const t: GcTarget = {
		terminal: () => terminal.filter((x) => !collected.includes(x.id)),
		count: () => running + terminal.length - collected.length,
		collect: async (id) => {
			collected.push(id);
			return true;
		},
	};
	return { t, collected };
}

const policy = { intervalMs: 0, maxAllocs: 4, diskUsageThreshold: 80, inodeUsageThreshold: 70 };

test("over the disk threshold, the oldest terminal allocations go first until usage is back under", async () => {
	const { t, collected } = fakeTarget([
		{ id: "new", finishedAt: 300 },
		{ id: "old", finishedAt: 100 },
		{ id: "mid", finishedAt: 200 },
	]);
	// Each collection frees 10 points of disk.
	let disk = 95;
	const usage = (): DiskUsage => ({ diskPercent: disk - collected.length * 10, inodePercent: 10 });
	const gc = new AllocGarbageCollector(t, policy, usage);
	assert.equal(await gc.keepUsageBelowThreshold(), 2);
	assert.deepEqual(collected, ["old", "mid"]);
	disk = 50;
	assert.equal(await gc.keepUsageBelowThreshold(), 0, "under the thresholds nothing is collected");
});

test("the inode threshold triggers collection too", async () => {
	const { t, collected } = fakeTarget([{ id: "a", finishedAt: 1 }]);
	const gc = new AllocGarbageCollector(t, policy, () => ({ diskPercent: 1, inodePercent: collected.length ? 10 : 75 }));
	assert.equal(await gc.keepUsageBelowThreshold(), 1);
});

test("new allocations make room beyond gc_max_allocs, oldest terminal first", async () => {
	const { t, collected } = fakeTarget(
		[
			{ id: "b", finishedAt: 2 },
			{ id: "a", finishedAt: 1 },
			{ id: "c", finishedAt: 3 },
		],
		1,
	);
	const gc = new AllocGarbageCollector(t, policy, () => ({ diskPercent: 0, inodePercent: 0 }));
	// 4 kept + 2 incoming > 4 → 2 go.
	assert.equal(await gc.makeRoomFor(2), 2);
	assert.deepEqual(collected, ["a", "b"]);
	assert.equal(await gc.makeRoomFor(0), 0);
});

test("diskUsage reads the real file system", () => {
	const u = diskUsage("/tmp");
	assert.ok(u.diskPercent >= 0 && u.diskPercent <= 100);
	assert.ok(u.inodePercent >= 0 && u.inodePercent <= 100);
});
