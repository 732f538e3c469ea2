import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Task } from "../../api/types/job.ts";
import { alive, testTask } from "../allocrunner/testing.ts";
import { decodeRawExecConfig, lookupBin, rawExecDriver } from "./rawExec.ts";
import type { TaskHandle } from "./types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) throw new Error("condition not met in time");
		await sleep(10);
	}
}

describe("raw_exec driver", () => {
	let dir: string;
	let handles: TaskHandle[];
	const driver = rawExecDriver({ enabled: true });

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), "rawexec-"));
		mkdirSync(join(dir, "local"));
		handles = [];
	});
	afterEach(async () => {
		for (const h of handles) {
			h.signal("SIGKILL");
			await h.wait();
			assert.equal(alive(h.pid), false, `pid ${h.pid} survived`);
			assert.equal(alive(-h.pid), false, `process group ${h.pid} survived`);
		}
		rmSync(dir, { recursive: true, force: true });
	});

	async function start(config: Record<string, unknown>, env: Record<string, string> = { PATH: "/usr/bin:/bin" }) {
		const task: Task = testTask({ Config: config });
		const h = await driver.start({
			task,
			taskDir: dir,
			allocDir: dir,
			env,
			stdoutPath: join(dir, "out"),
			stderrPath: join(dir, "err"),
		});
		handles.push(h);
		return h;
	}

	it("fingerprints enabled and disabled as Nomad", () => {
		assert.deepEqual(driver.fingerprint(), {
			detected: true,
			healthy: true,
			healthDescription: "Healthy",
			attributes: { "driver.raw_exec": "true" },
		});
		assert.deepEqual(rawExecDriver({ enabled: false }).fingerprint(), {
			detected: false,
			healthy: false,
			healthDescription: "disabled",
			attributes: {},
		});
	});

	it("refuses to start when disabled", async () => {
		await assert.rejects(
			rawExecDriver({ enabled: false }).start({
				task: testTask(),
				taskDir: dir,
				allocDir: dir,
				env: {},
				stdoutPath: join(dir, "o"),
				stderrPath: join(dir, "e"),
			}),
			/raw_exec is disabled/,
		);
	});

	it("validates its config", () => {
		assert.throws(() => decodeRawExecConfig({}), /missing required attribute "command"/);
		assert.throws(() => decodeRawExecConfig({ command: "x", args: "a b" }), /"args" must be a list/);
		assert.throws(() => decodeRawExecConfig({ command: "x", work_dir: "rel" }), /absolute/);
		assert.deepEqual(decodeRawExecConfig({ command: "x", args: ["a"] }), { command: "x", args: ["a"], workDir: "" });
	});

	it("runs the command in the task dir, appending stdout/stderr, and reports the exit code", async () => {
		writeFileSync(join(dir, "out"), "before\n");
		const h = await start({ command: "/bin/sh", args: ["-c", "echo hello; pwd; echo err >&2; exit 3"] });
		assert.ok(h.pid > 0);
		assert.deepEqual(await h.wait(), { exitCode: 3, signal: 0 });
		assert.equal(readFileSync(join(dir, "out"), "utf8"), `before\nhello\n${dir}\n`);
		assert.equal(readFileSync(join(dir, "err"), "utf8"), "err\n");
	});

	it("uses exactly the given environment and work_dir", async () => {
		const h = await start(
			{ command: "/bin/sh", args: ["-c", "echo $FOO; echo ${HOME:-unset}; pwd"], work_dir: "/tmp" },
			{ FOO: "bar", PATH: "/bin" },
		);
		await h.wait();
		assert.equal(readFileSync(join(dir, "out"), "utf8"), "bar\nunset\n/tmp\n");
	});

	it("finds binaries in local/, the task dir and PATH", () => {
		writeFileSync(join(dir, "local", "tool"), "#!/bin/sh\n");
		chmodSync(join(dir, "local", "tool"), 0o755);
		assert.equal(lookupBin(dir, "tool"), join(dir, "local", "tool"));
		assert.equal(lookupBin(dir, "sh"), lookupBin(dir, "sh"));
		assert.match(lookupBin(dir, "sh"), /\/sh$/);
		assert.throws(() => lookupBin(dir, "definitely-not-a-binary-xyz"), /could not be found/);
	});

	it("fails to start a missing command", async () => {
		await assert.rejects(start({ command: "/nonexistent/cmd" }), /could not be found/);
	});

	it("reports 128+signal for a signalled task", async () => {
		const h = await start({ command: "/bin/sleep", args: ["30"] });
		h.signal("SIGTERM");
		assert.deepEqual(await h.wait(), { exitCode: 143, signal: 15 });
	});

	it("SIGKILL reaches the whole process group, even children ignoring signals", async () => {
		const pidFile = join(dir, "child.pid");
		const h = await start({
			command: "/bin/sh",
			args: ["-c", `trap '' INT TERM; sleep 30 & echo $! > ${pidFile}; wait`],
		});
		await waitFor(() => {
			try {
				return readFileSync(pidFile, "utf8").trim() !== "";
			} catch {
				return false;
			}
		});
		const child = Number(readFileSync(pidFile, "utf8"));
		assert.ok(alive(child));
		h.signal("SIGINT");
		await sleep(100);
		assert.ok(alive(h.pid), "SIGINT was ignored");
		h.signal("SIGKILL");
		assert.deepEqual(await h.wait(), { exitCode: 137, signal: 9 });
		await waitFor(() => !alive(child));
	});

	it("cleans up what the task left running when it exits", async () => {
		const pidFile = join(dir, "bg.pid");
		const h = await start({
			command: "/bin/sh",
			args: ["-c", `sleep 30 > /dev/null 2>&1 & echo $! > ${pidFile}; exit 0`],
		});
		assert.deepEqual(await h.wait(), { exitCode: 0, signal: 0 });
		const bg = Number(readFileSync(pidFile, "utf8"));
		await waitFor(() => !alive(bg));
	});
});
