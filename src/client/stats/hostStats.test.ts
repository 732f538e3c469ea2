import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
	CpuPercentCalculator,
	HostStatsCollector,
	parseMeminfo,
	parseMountinfo,
	parseProcStat,
	physicalFsTypes,
} from "./hostStats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function burn(ms: number): void {
	const end = Date.now() + ms;
	let x = 0;
	while (Date.now() < end) x += Math.sqrt(x + 1);
}

test("parses per-CPU lines of /proc/stat and skips the aggregate", () => {
	const t = parseProcStat(
		"cpu  10 0 5 100 0 0 0 0 0 0\ncpu0 4 1 2 50 3 0 1 0 0 0\ncpu1 6 0 3 50 0 0 0 0 0 0\nintr 1\n",
	);
	assert.deepEqual(
		t.map((c) => c.cpu),
		["cpu0", "cpu1"],
	);
	assert.equal(t[0]?.nice, 1);
	assert.equal(t[0]?.iowait, 3);
	assert.equal(t[0]?.softirq, 1);
});

test("CPU percentages come from deltas between samples, guarded against bad values", () => {
	const c = new CpuPercentCalculator();
	const base = { cpu: "cpu0", nice: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
	c.calculate({ ...base, user: 100, system: 50, idle: 850 });
	const p = c.calculate({ ...base, user: 130, system: 60, idle: 910, iowait: 0 });
	// Δtotal = 30 + 10 + 60 = 100
	assert.equal(p.user, 30);
	assert.equal(p.system, 10);
	assert.equal(p.idle, 60);
	assert.equal(p.total, 40);
	// No progress: NaN → idle 100, the rest 0.
	const q = c.calculate({ ...base, user: 130, system: 60, idle: 910 });
	assert.deepEqual(q, { idle: 100, user: 0, system: 0, total: 0 });
});

test("meminfo in kB becomes bytes, Used as gopsutil computes it", () => {
	const m = parseMeminfo(
		"MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\nCached: 300 kB\nSReclaimable: 50 kB\n",
	);
	assert.deepEqual(m, { Total: 1024000, Available: 614400, Used: 500 * 1024, Free: 102400 });
});

test("mountinfo parsing decodes escapes; only device-backed filesystems count", () => {
	const mounts = parseMountinfo(
		"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n28 27 0:25 / /mnt/a\\040b ro shared:1 - tmpfs tmpfs ro\n",
	);
	assert.deepEqual(mounts, [
		{ device: "/dev/vda", mountpoint: "/", fstype: "ext4" },
		{ device: "tmpfs", mountpoint: "/mnt/a b", fstype: "tmpfs" },
	]);
	const fs = physicalFsTypes("nodev\tsysfs\nnodev\ttmpfs\n\text4\n\txfs\n");
	assert.ok(fs.has("ext4") && fs.has("xfs") && !fs.has("tmpfs"));
});

test("collects plausible host stats from this machine's /proc", async () => {
	const dir = mkdtempSync(join(tmpdir(), "hoststats-"));
	try {
		const c = new HostStatsCollector({ allocDir: dir, compute: () => ({ totalCompute: 2000, numCores: 2 }) });
		const first = c.collect();
		assert.ok(first.CPU.length >= 1);
		assert.match(first.CPU[0]?.CPU ?? "", /^cpu\d+$/);
		burn(150);
		await sleep(100);
		const s = c.collect();
		for (const cpu of s.CPU) {
			for (const v of [cpu.User, cpu.System, cpu.Idle, cpu.TotalPercent]) {
				assert.ok(v >= 0 && v <= 100, `${cpu.CPU} percentage ${v}`);
			}
			assert.ok(Math.abs(cpu.TotalTicks - (cpu.TotalPercent / 100) * (2000 / s.CPU.length)) < 1e-9);
		}
		const busy = s.CPU.reduce((a, x) => a + x.TotalPercent, 0);
		assert.ok(busy > 0, "we burned CPU, some core must show it");
		assert.ok(Math.abs(s.CPUTicksConsumed - s.CPU.reduce((a, x) => a + x.TotalTicks, 0)) < 1e-9);
		const m = s.Memory;
		assert.ok(m && m.Total > 64 * 1024 * 1024 && m.Free <= m.Total && m.Available <= m.Total && m.Used > 0);
		assert.ok(s.Uptime > 0 && Number.isInteger(s.Uptime));
		assert.ok(Math.abs(s.Timestamp / 1e6 - Date.now()) < 5000);
		assert.deepEqual(s.DeviceStats, []);
		assert.equal(s.AllocDirStats.Device, "");
		assert.equal(s.AllocDirStats.Mountpoint, "");
		assert.ok(s.AllocDirStats.Size > 0 && s.AllocDirStats.Used <= s.AllocDirStats.Size);
		assert.ok(s.AllocDirStats.UsedPercent > 0 && s.AllocDirStats.UsedPercent <= 100);
		for (const d of s.DiskStats) {
			assert.ok(d.Device !== "" && d.Mountpoint.startsWith("/"));
			assert.ok(d.Size >= d.Used && d.UsedPercent >= 0 && d.UsedPercent <= 100);
			assert.ok(d.InodesUsedPercent >= 0 && d.InodesUsedPercent <= 100);
		}
		const json = JSON.parse(JSON.stringify(s));
		assert.deepEqual(Object.keys(json).sort(), [
			"AllocDirStats",
			"CPU",
			"CPUTicksConsumed",
			"DeviceStats",
			"DiskStats",
			"Memory",
			"Timestamp",
			"Uptime",
		]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test("start samples periodically and stop ends it", async () => {
	const c = new HostStatsCollector({ allocDir: tmpdir(), intervalMs: 30 });
	c.start();
	const t1 = c.latest().Timestamp;
	await sleep(120);
	const t2 = c.latest().Timestamp;
	assert.ok(t2 > t1, "a new sample was taken");
	c.stop();
	const t3 = c.latest().Timestamp;
	await sleep(100);
	assert.equal(c.latest().Timestamp, t3);
});
