import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CGROUP_MEASURED_CPU, CGROUP_V1_MEASURED_MEM, CgroupStatsSampler, cgroupStats } from "./cgroupStats.ts";

const root = mkdtempSync(join(tmpdir(), "cgroup-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
	const d = join(root, name);
	mkdirSync(d, { recursive: true });
	for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
	return d;
}

const V1_MEMORY_STAT = [
	"cache 1744896",
	"rss 1486848",
	"rss_huge 0",
	"shmem 0",
	"mapped_file 40960",
	"swap 8192",
	"total_cache 99999999",
	"total_rss 99999999",
	"",
].join("\n");

const compute = { totalCompute: 4000, numCores: 4 };

test("cgroup v1: every memory number and Nomad's full Measured lists", () => {
	const memory = dir("v1/memory/nomad-ts/a.t", {
		"memory.stat": V1_MEMORY_STAT,
		"memory.usage_in_bytes": "4300000\n",
		"memory.max_usage_in_bytes": "4710400\n",
		"memory.kmem.usage_in_bytes": "65536\n",
		"memory.kmem.max_usage_in_bytes": "131072\n",
		"memory.memsw.usage_in_bytes": "4308192\n",
	});
	const cpuacct = dir("v1/cpuacct/nomad-ts/a.t", {
		"cpuacct.usage": "5000000000\n",
		"cpuacct.usage_user": "3000000000\n",
		"cpuacct.usage_sys": "2000000000\n",
	});
	const cpu = dir("v1/cpu/nomad-ts/a.t", {
		"cpu.stat": "nr_periods 120\nnr_throttled 7\nthrottled_time 350000000\nnr_bursts 0\nburst_time 0\n",
	});
	const r = cgroupStats({ memory, cpuacct, cpu });
	assert.deepEqual(r.MemoryStats, {
		RSS: 1486848,
		Cache: 1744896,
		Swap: 8192,
		MappedFile: 40960,
		Usage: 4300000,
		MaxUsage: 4710400,
		KernelUsage: 65536,
		KernelMaxUsage: 131072,
		Measured: CGROUP_V1_MEASURED_MEM,
	});
	assert.equal(r.CpuStats.ThrottledPeriods, 7);
	assert.equal(r.CpuStats.ThrottledTime, 350000000);
	assert.deepEqual(r.CpuStats.Measured, CGROUP_MEASURED_CPU);
	assert.deepEqual(r.cpuTimeNs, { total: 5e9, user: 3e9, system: 2e9 });
});

test("cgroup v1 without swap or kernel accounting: those numbers are not claimed as measured", () => {
	const memory = dir("v1-noswap/memory", {
		"memory.stat": "cache 100\nrss 200\nmapped_file 0\n",
		"memory.usage_in_bytes": "300\n",
		"memory.max_usage_in_bytes": "400\n",
	});
	// Co-mounted cpu,cpuacct: cpu.stat lives beside cpuacct's files; only cpuacct.stat (ticks).
	const cpuacct = dir("v1-noswap/cpu,cpuacct", {
		"cpuacct.usage": "1000\n",
		"cpuacct.stat": "user 250\nsystem 50\n",
		"cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
	});
	const r = cgroupStats({ memory, cpuacct });
	assert.deepEqual(r.MemoryStats.Measured, ["RSS", "Cache", "Usage", "Max Usage"]);
	assert.equal(r.MemoryStats.Swap, 0);
	assert.equal(r.MemoryStats.KernelUsage, 0);
	assert.deepEqual(r.cpuTimeNs, { total: 1000, user: 2.5e9, system: 0.5e9 });
	assert.deepEqual(r.CpuStats.Measured, CGROUP_MEASURED_CPU);
});

test("cgroup v2: anon/file/swap.current/current/peak and cpu.stat in microseconds", () => {
	const unified = dir("v2/nomad.slice/a.t.scope", {
		"memory.stat": "anon 2000\nfile 3000\nfile_mapped 500\n",
		"memory.current": "6000\n",
		"memory.peak": "9000\n",
		"memory.swap.current": "0\n",
		"cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 40\n",
	});
	const r = cgroupStats({ memory: unified, cpuacct: unified });
	assert.equal(r.MemoryStats.RSS, 2000);
	assert.equal(r.MemoryStats.Cache, 3000);
	assert.equal(r.MemoryStats.MappedFile, 500);
	assert.equal(r.MemoryStats.Usage, 6000);
	assert.equal(r.MemoryStats.MaxUsage, 9000);
	assert.deepEqual(r.MemoryStats.Measured, ["RSS", "Cache", "Swap", "Usage", "Max Usage"]);
	assert.deepEqual(r.cpuTimeNs, { total: 1.5e6, user: 1e6, system: 5e5 });
	assert.equal(r.CpuStats.ThrottledPeriods, 2);
	assert.equal(r.CpuStats.ThrottledTime, 40000);
});

test("missing cgroups measure nothing (Measured null), never invented zeros", () => {
	const r = cgroupStats({ memory: join(root, "gone"), cpuacct: join(root, "gone") });
	assert.equal(r.MemoryStats.Measured, null);
	assert.equal(r.CpuStats.Measured, null);
	assert.deepEqual(cgroupStats({}).MemoryStats.Measured, null);
});

test("the sampler turns CPU time deltas into percentages and ticks", () => {
	const cpuacct = dir("sampler/cpuacct", {
		"cpuacct.usage": "1000000000\n",
		"cpuacct.usage_user": "600000000\n",
		"cpuacct.usage_sys": "400000000\n",
	});
	let now = 1e12;
	const s = new CgroupStatsSampler(() => now);
	const first = s.sample({ cpuacct }, compute);
	assert.equal(first.CpuStats.Percent, 0);
	// One second later the cgroup used half a CPU second: 50 %, 30 % user, 20 % system.
	now += 1e9;
	writeFileSync(join(cpuacct, "cpuacct.usage"), "1500000000\n");
	writeFileSync(join(cpuacct, "cpuacct.usage_user"), "900000000\n");
	writeFileSync(join(cpuacct, "cpuacct.usage_sys"), "600000000\n");
	const second = s.sample({ cpuacct }, compute);
	assert.ok(Math.abs(second.CpuStats.Percent - 50) < 1e-9);
	assert.ok(Math.abs(second.CpuStats.UserMode - 30) < 1e-9);
	assert.ok(Math.abs(second.CpuStats.SystemMode - 20) < 1e-9);
	assert.ok(Math.abs(second.CpuStats.TotalTicks - 500) < 1e-6);
	assert.deepEqual(second.DeviceStats, []);
});

test("reads this host's real root memory cgroup (v1) when there is one", {
	skip: !existsSync("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
}, () => {
	const r = cgroupStats({ memory: "/sys/fs/cgroup/memory", cpuacct: "/sys/fs/cgroup/cpuacct" });
	assert.ok(r.MemoryStats.Usage > 0);
	assert.ok(r.MemoryStats.Measured?.includes("Usage"));
	assert.ok((r.cpuTimeNs.total ?? 0) > 0);
});
