import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Task } from "../../api/types/job.ts";
import { AllocDir } from "../allocrunner/allocDir.ts";
import { decodeExecConfig, decodeExecPluginConfig, execDriver, lookupPasswd } from "./exec.ts";

test("task config: Nomad's decode and validation messages", () => {
	assert.throws(() => decodeExecConfig({}), {
		message: 'failed to decode driver config: missing required attribute "command"',
	});
	assert.throws(() => decodeExecConfig({ command: "x", args: [1] }), /"args" must be a list of strings/);
	assert.throws(() => decodeExecConfig({ command: "x", pid_mode: "shared" }), {
		message: 'failed driver config validation: pid_mode must be "private" or "host", got "shared"',
	});
	assert.throws(() => decodeExecConfig({ command: "x", ipc_mode: "none" }), /ipc_mode must be "private" or "host"/);
	assert.throws(() => decodeExecConfig({ command: "x", cap_add: ["bogus"] }), {
		message: "failed driver config validation: cap_add configured with capabilities not supported by system: bogus",
	});
	assert.throws(() => decodeExecConfig({ command: "x", work_dir: "rel" }), {
		message: 'failed driver config validation: work_dir must be absolute but got relative path "rel"',
	});
	assert.deepEqual(decodeExecConfig({ command: "x", args: ["a"], pid_mode: "host", cap_drop: ["ALL"] }), {
		command: "x",
		args: ["a"],
		pidMode: "host",
		ipcMode: "",
		capAdd: [],
		capDrop: ["ALL"],
		workDir: "",
	});
});

test("plugin config defaults: private namespaces, Nomad's allow_caps", () => {
	const c = decodeExecPluginConfig(undefined);
	assert.equal(c.defaultPidMode, "private");
	assert.equal(c.defaultIpcMode, "private");
	assert.ok(c.allowCaps.includes("chown") && !c.allowCaps.includes("net_raw"));
	assert.throws(
		() => decodeExecPluginConfig({ default_pid_mode: "x" }),
		/default_pid_mode must be "private" or "host"/,
	);
	assert.throws(
		() => decodeExecPluginConfig({ allow_caps: ["nope"] }),
		/allow_caps configured with capabilities not supported/,
	);
});

test("fingerprint: undetected without root, unhealthy without cgroups", () => {
	const nonRoot = execDriver({ euid: () => 1000 }).fingerprint();
	assert.deepEqual(nonRoot, {
		detected: false,
		healthy: false,
		healthDescription: "Driver must run as root",
		attributes: {},
	});
	const noCg = execDriver({ euid: () => 0, cgroupVersion: () => undefined }).fingerprint();
	assert.deepEqual(noCg, {
		detected: true,
		healthy: false,
		healthDescription: "Failed to discover cgroup mount point",
		attributes: {},
	});
});

test("users come from the host's passwd", () => {
	const dir = mkdtempSync(join(tmpdir(), "passwd-"));
	writeFileSync(
		join(dir, "passwd"),
		"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
	);
	assert.deepEqual(lookupPasswd("nobody", join(dir, "passwd")), { uid: 65534, gid: 65534, home: "/nonexistent" });
	assert.throws(() => lookupPasswd("ghost", join(dir, "passwd")), /failed to identify user "ghost": unknown user/);
	rmSync(dir, { recursive: true });
});

// Real tasks: root on Linux with cgroups, as the driver itself needs.
const driver = execDriver();
const fp = driver.fingerprint();
const skip = fp.healthy ? false : `exec driver not usable here: ${fp.healthDescription}`;

describe("running tasks", { skip }, () => {
	const root = mkdtempSync(join(tmpdir(), "exec-test-"));
	after(() => rmSync(root, { recursive: true, force: true }));
	let n = 0;

	async function run(config: Record<string, unknown>, over: { user?: string; env?: Record<string, string> } = {}) {
		const ad = new AllocDir(root, `00000000-0000-0000-0000-00000000000${n++}`);
		ad.build();
		const td = ad.buildTaskDir("t");
		const task = {
			Name: "t",
			Config: config,
			Resources: { CPU: 100, MemoryMB: 64, MemoryMaxMB: 0 },
		} as unknown as Task;
		const h = await driver.start({
			task,
			taskDir: td.dir,
			allocDir: ad.dir,
			env: { PATH: "/usr/bin:/bin", ...over.env },
			stdoutPath: join(td.dir, "out"),
			stderrPath: join(td.dir, "err"),
			user: over.user,
		});
		return {
			h,
			out: () => readFileSync(join(td.dir, "out"), "utf8"),
			err: () => readFileSync(join(td.dir, "err"), "utf8"),
		};
	}

	test("arguments and environment reach the task verbatim; LD_PRELOAD only affects the task", async () => {
		const { h, out } = await run(
			{ command: "/usr/bin/printf", args: ["%s|", "$(id)", "a;b", "*", "$NOMAD_X"] },
			{ env: { LD_PRELOAD: "/nonexistent.so" } },
		);
		const r = await h.wait();
		assert.equal(r.exitCode, 0);
		assert.equal(out(), "$(id)|a;b|*|$NOMAD_X|");
	});

	test("user root, host PID namespace, dropped capabilities and work_dir", async () => {
		const { h, out } = await run(
			{
				command: "/bin/sh",
				args: ["-c", 'id -u; echo "pid=$$"; grep CapEff /proc/self/status; pwd; echo "$HOME $USER"'],
				pid_mode: "host",
				cap_drop: ["all"],
				work_dir: "/local",
			},
			{ user: "root" },
		);
		assert.equal((await h.wait()).exitCode, 0);
		const lines = out().trim().split("\n");
		assert.equal(lines[0], "0");
		assert.notEqual(lines[1], "pid=1");
		assert.equal(lines[1], `pid=${h.pid}`);
		assert.equal(lines[3], "/local");
		assert.equal(lines[4], "/root root");
		const { h: h2, out: out2 } = await run({
			command: "/bin/sh",
			args: ["-c", "grep CapEff /proc/self/status"],
			cap_drop: ["all"],
		});
		await h2.wait();
		assert.equal(out2().trim(), "CapEff:\t0000000000000000");
	});

	test("signals reach the task (PID 1 of its namespace); SIGKILL ends it and its cgroup", async () => {
		const { h, out } = await run({
			command: "/bin/sh",
			args: ["-c", "trap 'echo got-term; exit 3' TERM; echo up; while :; do sleep 0.1; done"],
		});
		while (!out().includes("up")) await new Promise((r) => setTimeout(r, 10));
		h.signal("SIGTERM");
		const r = await h.wait();
		assert.equal(r.exitCode, 3);
		assert.match(out(), /got-term/);
		assert.ok(h.cgroups?.memory && !existsSync(h.cgroups.memory), "cgroup removed once the task exited");

		const { h: h2 } = await run({ command: "/bin/sleep", args: ["60"] });
		const mem = h2.cgroups?.memory as string;
		const pids = readFileSync(join(mem, "cgroup.procs"), "utf8").trim().split("\n").map(Number);
		h2.signal("SIGINT"); // PID 1 without a handler: ignored, as under Nomad's executor
		await new Promise((r) => setTimeout(r, 200));
		assert.ok(existsSync(mem));
		h2.signal("SIGKILL");
		const r2 = await h2.wait();
		assert.deepEqual([r2.exitCode, r2.signal], [137, 9]);
		assert.ok(!existsSync(mem));
		for (const pid of pids) assert.throws(() => process.kill(pid, 0));
	});

	test("the OOM killer taking the task itself (the namespace's init) is reported", async () => {
		// tail keeps reading a line that never ends: it outgrows the 64 MB limit and is killed.
		const { h } = await run({ command: "/usr/bin/tail", args: ["/dev/zero"] });
		const r = await h.wait();
		assert.deepEqual(r, { exitCode: 137, signal: 9, oomKilled: true });
	});

	test("setup problems fail the start as driver errors", async () => {
		await assert.rejects(run({ command: "nope" }), /file nope not found under path/);
		await assert.rejects(run({ command: "/bin/true", work_dir: "/does/not/exist" }), {
			message: "failed to launch command with executor: failed to enter work_dir /does/not/exist",
		});
		await assert.rejects(run({ command: "/bin/true" }, { user: "ghost-user" }), /unknown user/);
		await assert.rejects(
			run({ command: "/bin/true", cap_add: ["net_raw"] }),
			/driver does not allow the following capabilities: net_raw/,
		);
	});
});
