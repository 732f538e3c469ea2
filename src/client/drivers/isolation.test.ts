import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
	envAssignments,
	LAUNCH_PATH,
	LAUNCH_SCRIPT,
	type LaunchPlan,
	launchCommand,
	privilegeArgs,
	setupOperations,
	taskArgv,
} from "./isolation.ts";

const temp = mkdtempSync(join(tmpdir(), "isolation-test-"));
after(() => rmSync(temp, { recursive: true, force: true }));

function plan(over: Partial<LaunchPlan> = {}): LaunchPlan {
	return {
		taskDir: "/a/id/web",
		sharedAllocDir: "/a/id/alloc",
		mounts: [{ src: "/usr", dest: "/usr", isDir: true }],
		cgroupProcs: ["/cg/memory/x/cgroup.procs", "/cg/cpu/x/cgroup.procs"],
		pidMode: "private",
		ipcMode: "private",
		statusFile: "/tmp/s/status",
		devTemplate: "/tmp/s/dev",
		workDir: "/",
		setprivPath: "/usr/bin/setpriv",
		envPath: "/usr/bin/env",
		uid: 65534,
		gid: 65534,
		caps: ["chown", "kill"],
		rootCaps: ["chown", "sys_admin"],
		command: "/bin/sh",
		args: ["-c", 'echo "$(id)"; rm -rf /'],
		env: { A: "1", LD_PRELOAD: "/local/x.so" },
		...over,
	};
}

const tools = { unshare: "/usr/bin/unshare", sh: "/bin/sh" };

test("the launch: namespaces by mode, the script as one word, a clean environment", () => {
	const l = launchCommand(plan(), tools);
	assert.equal(l.command, "/usr/bin/unshare");
	assert.deepEqual(l.args.slice(0, 10), [
		"--mount",
		"--propagation",
		"private",
		"--pid",
		"--fork",
		"--kill-child",
		"--ipc",
		"--",
		"/bin/sh",
		"-c",
	]);
	assert.equal(l.args[10], LAUNCH_SCRIPT);
	assert.equal(l.args[11], "nomad-ts-exec");
	assert.deepEqual(l.env, { PATH: LAUNCH_PATH });
	const host = launchCommand(plan({ pidMode: "host", ipcMode: "host" }), tools);
	assert.deepEqual(host.args.slice(0, 6), ["--mount", "--propagation", "private", "--", "/bin/sh", "-c"]);
});

test("job-controlled words stay separate argv entries, and the env is applied by env(1) last", () => {
	const l = launchCommand(plan(), tools);
	const tail = l.args.slice(l.args.indexOf("exec"));
	assert.deepEqual(tail, [
		"exec",
		"/",
		"/usr/bin/setpriv",
		"--regid=65534",
		"--reuid=65534",
		"--clear-groups",
		"--bounding-set=-all,+chown,+kill",
		"--inh-caps=-all,+chown,+kill",
		"--ambient-caps=-all,+chown,+kill",
		"--pdeathsig=keep",
		"--",
		"/usr/bin/env",
		"-i",
		"--",
		"A=1",
		"LD_PRELOAD=/local/x.so",
		"/bin/sh",
		"-c",
		'echo "$(id)"; rm -rf /',
	]);
	assert.ok(!LAUNCH_SCRIPT.includes("rm -rf"));
});

test("root keeps Nomad's legacy set, bounded, without switching users", () => {
	assert.deepEqual(privilegeArgs(plan({ uid: 0, gid: 0 })), [
		"--bounding-set=-all,+chown,+sys_admin",
		"--inh-caps=-all",
	]);
});

test("setup operations: cgroups joined first, the root bound onto itself, chroot_env read-only, pivot last", () => {
	const ops = setupOperations(plan());
	assert.deepEqual(ops.slice(0, 9), [
		"status",
		"/tmp/s/status",
		"cg",
		"/cg/memory/x/cgroup.procs",
		"cg",
		"/cg/cpu/x/cgroup.procs",
		"bind",
		"/a/id/web",
		"/a/id/web",
	]);
	assert.deepEqual(ops.slice(9, 15), ["rbind", "/usr", "/a/id/web/usr", "bind", "/a/id/alloc", "/a/id/web/alloc"]);
	assert.deepEqual(ops.slice(-2), ["pivot", "/a/id/web"]);
	assert.ok(ops.includes("/a/id/web/dev/mqueue"));
	assert.deepEqual(ops.slice(ops.indexOf("devcp"), ops.indexOf("devcp") + 3), ["devcp", "/tmp/s/dev", "/a/id/web/dev"]);
	assert.ok(!setupOperations(plan({ ipcMode: "host" })).includes("/a/id/web/dev/mqueue"));
});

test("env names env(1) cannot carry and '=' in the command are refused", () => {
	assert.throws(() => envAssignments({ "A=B": "x" }), /invalid environment variable name/);
	assert.throws(() => envAssignments({ "": "x" }), /invalid environment variable name/);
	assert.throws(() => taskArgv(plan({ command: "/local/a=b" })), /must not contain "="/);
});

function runScript(ops: string[]): { status: number | null; stdout: string; stderr: string } {
	const r = spawnSync("/bin/sh", ["-c", LAUNCH_SCRIPT, "nomad-ts-exec", ...ops], {
		encoding: "utf8",
		env: { PATH: LAUNCH_PATH },
	});
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the script reports ok and execs its argv untouched (no root needed for this part)", () => {
	const status = join(temp, "ok");
	const r = runScript([
		"status",
		status,
		"mask",
		join(temp, "missing"),
		"roself",
		join(temp, "missing"),
		"exec",
		temp,
		"/usr/bin/printf",
		"%s|",
		"$(id)",
		"a b",
		"*",
	]);
	assert.equal(r.status, 0, r.stderr);
	assert.equal(r.stdout, "$(id)|a b|*|");
	assert.equal(readFileSync(status, "utf8"), "ok\n");
});

test("a failing operation is reported in the status file and on stderr, exit 125", () => {
	const status = join(temp, "bad");
	const r = runScript(["status", status, "bogus", "exec", "/", "/bin/true"]);
	assert.equal(r.status, 125);
	assert.equal(readFileSync(status, "utf8"), "unknown launch operation bogus\n");
	assert.match(r.stderr, /nomad-ts exec: unknown launch operation bogus/);
	const wd = runScript(["status", status, "exec", "/nonexistent-dir", "/bin/true"]);
	assert.equal(wd.status, 125);
	assert.equal(readFileSync(status, "utf8"), "failed to enter work_dir /nonexistent-dir\n");
});
