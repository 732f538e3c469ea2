import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmdirSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
	clampCpuShares,
	cpuSharesToWeight,
	detectCgroupVersion,
	memoryLimits,
	parseOomKills,
	TaskCgroup,
} from "./cgroups.ts";

const MB = 1024 * 1024;
const temp = mkdtempSync(join(tmpdir(), "cgroups-test-"));
after(() => rmSync(temp, { recursive: true, force: true }));

function fakeRoot(name: string, build: (root: string) => void): string {
	const root = join(temp, name);
	mkdirSync(root, { recursive: true });
	build(root);
	return root;
}
const read = (p: string) => readFileSync(p, "utf8");

test("memory limits as Nomad: memory_max is the hard limit when set, memory the soft one", () => {
	assert.deepEqual(memoryLimits(64, 0), { hard: 64 * MB, reserve: 0 });
	assert.deepEqual(memoryLimits(64, 256), { hard: 256 * MB, reserve: 64 * MB });
	assert.deepEqual(memoryLimits(64, -1), { hard: 0, reserve: 64 * MB });
});

test("cpu shares are clamped to the kernel's range and converted to v2 weights as runc does", () => {
	assert.equal(clampCpuShares(0), 2);
	assert.equal(clampCpuShares(500), 500);
	assert.equal(clampCpuShares(1e9), 262_144);
	assert.equal(cpuSharesToWeight(2), 1);
	assert.equal(cpuSharesToWeight(1024), 39);
	assert.equal(cpuSharesToWeight(262_144), 10_000);
});

test("the oom_kill counter is read from oom_control (v1) and memory.events (v2)", () => {
	assert.equal(parseOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3);
	assert.equal(parseOomKills("low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n"), 1);
	assert.equal(parseOomKills("oom_kill_disable 0\nunder_oom 0\n"), 0);
});

test("v1: one directory per controller under the nomad-ts parent, limits written", () => {
	const root = fakeRoot("v1", (r) => {
		for (const c of ["memory", "cpu", "cpuacct", "pids"]) mkdirSync(join(r, c));
		writeFileSync(join(r, "memory", "memory.limit_in_bytes"), "");
	});
	assert.equal(detectCgroupVersion(root), 1);
	const cg = new TaskCgroup({ version: 1, scope: "a1.web", root });
	cg.create({ memoryBytes: 32 * MB, memoryReserveBytes: 0, cpuShares: 150 });
	const mem = join(root, "memory/nomad-ts/a1.web");
	assert.equal(read(join(mem, "memory.limit_in_bytes")), String(32 * MB));
	assert.equal(read(join(mem, "memory.swappiness")), "0");
	assert.ok(!existsSync(join(mem, "memory.soft_limit_in_bytes")));
	assert.equal(read(join(root, "cpu/nomad-ts/a1.web/cpu.shares")), "150");
	assert.deepEqual(
		cg.procsFiles(),
		["memory", "cpu", "cpuacct", "pids"].map((c) => join(root, c, "nomad-ts/a1.web/cgroup.procs")),
	);
	assert.deepEqual(cg.statsPaths(), {
		memory: mem,
		cpuacct: join(root, "cpuacct/nomad-ts/a1.web"),
		cpu: join(root, "cpu/nomad-ts/a1.web"),
	});
	writeFileSync(join(mem, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	assert.equal(cg.oomKills(), 1);
	writeFileSync(join(mem, "cgroup.procs"), "12\n13\n");
	assert.deepEqual(cg.pids(), [12, 13]);
});

test("v1: co-mounted cpu,cpuacct is joined once; a soft limit is set with memory_max", () => {
	const root = fakeRoot("v1co", (r) => {
		for (const c of ["memory", "pids", "cpu,cpuacct"]) mkdirSync(join(r, c));
		symlinkSync("cpu,cpuacct", join(r, "cpu"));
		symlinkSync("cpu,cpuacct", join(r, "cpuacct"));
	});
	const cg = new TaskCgroup({ version: 1, scope: "a2.web", root, parent: "custom" });
	cg.create({ memoryBytes: 256 * MB, memoryReserveBytes: 64 * MB, cpuShares: 1 });
	assert.equal(cg.procsFiles().length, 3);
	assert.equal(read(join(root, "cpu,cpuacct/custom/a2.web/cpu.shares")), "2");
	assert.equal(read(join(root, "memory/custom/a2.web/memory.soft_limit_in_bytes")), String(64 * MB));
});

test("v1: a missing controller is an error", () => {
	const root = fakeRoot("v1missing", (r) => mkdirSync(join(r, "memory")));
	const cg = new TaskCgroup({ version: 1, scope: "a.t", root });
	assert.throws(() => cg.create({ memoryBytes: MB, memoryReserveBytes: 0, cpuShares: 100 }), /cpu is not mounted/);
});

test("v2: the unified directory gets memory.max, memory.low, cpu.weight, controllers delegated", () => {
	const root = fakeRoot("v2", (r) => writeFileSync(join(r, "cgroup.controllers"), "cpuset cpu io memory pids"));
	assert.equal(detectCgroupVersion(root), 2);
	const cg = new TaskCgroup({ version: 2, scope: "a3.web", root });
	cg.create({ memoryBytes: 256 * MB, memoryReserveBytes: 64 * MB, cpuShares: 1024 });
	const dir = join(root, "nomad-ts.slice/a3.web");
	assert.equal(read(join(dir, "memory.max")), String(256 * MB));
	assert.equal(read(join(dir, "memory.low")), String(64 * MB));
	assert.equal(read(join(dir, "cpu.weight")), "39");
	// Each controller is enabled by its own write (the fake file keeps the last one).
	assert.equal(read(join(root, "nomad-ts.slice/cgroup.subtree_control")), "+pids");
	assert.deepEqual(cg.procsFiles(), [join(dir, "cgroup.procs")]);
	assert.deepEqual(cg.statsPaths(), { memory: dir, cpuacct: dir });
	writeFileSync(join(dir, "memory.events"), "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
	assert.equal(cg.oomKills(), 1);

	const unlimited = new TaskCgroup({ version: 2, scope: "a4.web", root });
	unlimited.create({ memoryBytes: 0, memoryReserveBytes: 0, cpuShares: 100 });
	assert.equal(read(join(root, "nomad-ts.slice/a4.web/memory.max")), "max");
});

const realV1 =
	process.geteuid?.() === 0 && existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes")
		? false
		: "needs root and cgroup v1";

test("v1 for real: a process in the cgroup is killed and the directories removed", { skip: realV1 }, async () => {
	const cg = new TaskCgroup({ version: 1, scope: `unit-${process.pid}.t`, parent: "nomad-ts-unit" });
	cg.create({ memoryBytes: 16 * MB, memoryReserveBytes: 0, cpuShares: 100 });
	assert.equal(read(join(cg.mainDir, "memory.limit_in_bytes")).trim(), String(16 * MB));
	const child = spawn("/bin/sh", [
		"-c",
		`for f in "$@"; do echo 0 > "$f"; done; exec sleep 60`,
		"sh",
		...cg.procsFiles(),
	]);
	const exited = new Promise((r) => child.once("exit", (_c, s) => r(s)));
	while (cg.pids().length === 0) await new Promise((r) => setTimeout(r, 10));
	assert.deepEqual(cg.pids(), [child.pid]);
	await cg.destroy();
	assert.equal(await exited, "SIGKILL");
	for (const d of cg.dirs) assert.ok(!existsSync(d), d);
	for (const c of ["memory", "cpu", "cpuacct", "pids"]) rmdirSync(`/sys/fs/cgroup/${c}/nomad-ts-unit`);
});
