import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import {
	AllocStatsCollector,
	CpuTracker,
	parseProcPidStat,
	parseProcPidStatus,
	processTree,
	TaskStatsSampler,
} from "./allocStats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const compute = { totalCompute: 4000, numCores: 2 };

test("parses /proc/<pid>/stat with awkward command names", () => {
	const fields = ["S", "77", ...Array(9).fill("0"), "250", "30", "0"];
	const st = parseProcPidStat(`1234 (a) b (c)) ${fields.join(" ")}`);
	assert.deepEqual(st, { pid: 1234, ppid: 77, user: 2.5, system: 0.3 });
	assert.equal(parseProcPidStat("garbage"), undefined);
});

test("parses VmRSS/VmSwap from /proc/<pid>/status", () => {
	assert.deepEqual(parseProcPidStatus("Name:\tx\nVmRSS:\t  2048 kB\nVmSwap:\t 4 kB\n"), {
		rss: 2048 * 1024,
		swap: 4096,
	});
	assert.deepEqual(parseProcPidStatus("Name:\tkthread\n"), { rss: 0, swap: 0 });
});

test("CpuTracker: 0 on the first sample, then Δcpu/Δwall·100", () => {
	let now = 1e9;
	const t = new CpuTracker(() => now);
	assert.equal(t.percent(5e8), 0);
	now += 1e9;
	assert.equal(t.percent(7.5e8), 25);
	now += 1e9;
	assert.equal(t.percent(7.5e8), 0);
});

function spawnTree(script: string) {
	const child = spawn("/bin/sh", ["-c", script], { stdio: "ignore", detached: true });
	return child;
}

function killGroup(pid: number | undefined): void {
	try {
		if (pid) process.kill(-pid, "SIGKILL");
	} catch {}
}

test("a task's tree: the pid and its descendants, RSS > 0, CPU percent from two samples", async (t) => {
	// sh → (busy loop subshell) and sleep; the burner is a grandchild-level descendant of the root.
	const child = spawnTree("( while :; do :; done ) & sleep 30");
	t.after(() => {
		killGroup(child.pid);
		for (const pid of tree) {
			try {
				process.kill(pid, "SIGKILL");
			} catch {}
		}
	});
	const root = child.pid as number;
	let tree = new Set<number>();
	for (let i = 0; i < 50 && tree.size < 3; i++) {
		await sleep(20);
		tree = processTree(root);
	}
	assert.ok(tree.has(root));
	assert.ok(tree.size >= 3, `root + burner + sleep, got ${[...tree]}`);
	assert.ok(!tree.has(process.pid), "the tree does not climb to the parent");

	const s = new TaskStatsSampler();
	const first = s.sample(root, compute);
	assert.equal(first.ResourceUsage.CpuStats.Percent, 0);
	await sleep(500);
	const u = s.sample(root, compute);
	assert.ok(Object.keys(u.Pids).length >= 3);
	assert.ok(u.ResourceUsage.MemoryStats.RSS > 0);
	assert.deepEqual(u.ResourceUsage.MemoryStats.Measured, ["RSS", "Swap"]);
	assert.deepEqual(u.ResourceUsage.CpuStats.Measured, ["System Mode", "User Mode", "Percent"]);
	const per = Object.values(u.Pids).map((p) => p.CpuStats.Percent);
	for (const p of per) assert.ok(p >= 0 && p <= 110, `per-pid percent ${p}`);
	const max = Math.max(...per);
	assert.ok(max > 20, `the burning descendant shows up: ${per}`);
	const cpu = u.ResourceUsage.CpuStats;
	assert.ok(Math.abs(cpu.Percent - per.reduce((a, b) => a + b, 0)) < 1e-9);
	assert.ok(Math.abs(cpu.TotalTicks - (cpu.Percent / 100) * 2000) < 1e-9);
	assert.ok(Math.abs(u.Timestamp / 1e6 - Date.now()) < 5000);
});

test("alloc stats: sum over running tasks, ?task filter, vanished tasks dropped", async (t) => {
	const a = spawnTree("sleep 30");
	const b = spawnTree("sleep 30");
	t.after(() => {
		killGroup(a.pid);
		killGroup(b.pid);
	});
	await sleep(50);
	const c = new AllocStatsCollector();
	const pids = { web: a.pid as number, side: b.pid as number };
	const all = c.sample(pids, compute);
	assert.deepEqual(Object.keys(all.Tasks).sort(), ["side", "web"]);
	const sum =
		(all.Tasks.web?.ResourceUsage.MemoryStats.RSS ?? 0) + (all.Tasks.side?.ResourceUsage.MemoryStats.RSS ?? 0);
	assert.equal(all.ResourceUsage.MemoryStats.RSS, sum);
	assert.ok(sum > 0);
	assert.deepEqual(all.ResourceUsage.MemoryStats.Measured, ["RSS", "Swap"]);
	assert.deepEqual(all.ResourceUsage.DeviceStats, []);
	assert.equal(all.Timestamp, Math.max(all.Tasks.web?.Timestamp ?? 0, all.Tasks.side?.Timestamp ?? 0));
	assert.ok(Object.keys(all.Tasks.web?.Pids ?? {}).includes(String(a.pid)));

	const one = c.sample(pids, compute, "web");
	assert.deepEqual(Object.keys(one.Tasks), ["web"]);
	assert.equal(one.ResourceUsage.MemoryStats.RSS, one.Tasks.web?.ResourceUsage.MemoryStats.RSS);

	const none = c.sample({}, compute);
	assert.deepEqual(none.Tasks, {});
	assert.equal(none.ResourceUsage.MemoryStats.RSS, 0);
	assert.equal(none.Timestamp, 0);
});
