import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { testTask } from "../allocrunner/testing.ts";
import { mockDriver } from "./mock.ts";
import { isRecoverable } from "./types.ts";

function cfg(config: Record<string, unknown>, dir: string) {
	return {
		task: testTask({ Driver: "mock_driver", Config: config }),
		taskDir: dir,
		allocDir: dir,
		env: { A: "1" },
		stdoutPath: join(dir, "out"),
		stderrPath: join(dir, "err"),
	};
}

describe("mock driver", () => {
	it("runs for run_for and exits with exit_code, writing the configured output", async () => {
		const dir = mkdtempSync(join(tmpdir(), "mock-"));
		try {
			const d = mockDriver();
			const t0 = Date.now();
			const h = await d.start(cfg({ run_for: "50ms", exit_code: 4, stdout_string: "hi\n" }, dir));
			assert.deepEqual(await h.wait(), { exitCode: 4, signal: 0 });
			assert.ok(Date.now() - t0 >= 45);
			assert.equal(readFileSync(join(dir, "out"), "utf8"), "hi\n");
			assert.equal(d.handles.length, 1);
			assert.deepEqual(d.handles[0]?.env, { A: "1" });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it("start_error fails the start, recoverable only when asked", async () => {
		const d = mockDriver();
		await assert.rejects(
			d.start(cfg({ start_error: "boom" }, "/tmp")),
			(e) => !isRecoverable(e) && /boom/.test(String(e)),
		);
		await assert.rejects(d.start(cfg({ start_error: "again", start_error_recoverable: true }, "/tmp")), (e) =>
			isRecoverable(e),
		);
	});

	it("dies on terminating signals unless ignore_signals, always on SIGKILL", async () => {
		const d = mockDriver();
		const a = await d.start(cfg({ run_for: "10s" }, "/tmp"));
		a.signal("SIGHUP");
		a.signal("SIGINT");
		assert.deepEqual(await a.wait(), { exitCode: 130, signal: 2 });
		const b = await d.start(cfg({ run_for: "10s", ignore_signals: true }, "/tmp"));
		b.signal("SIGINT");
		b.signal("SIGKILL");
		assert.deepEqual(await b.wait(), { exitCode: 137, signal: 9 });
		assert.deepEqual(d.handles[0]?.signals, ["SIGHUP", "SIGINT"]);
		assert.deepEqual(d.handles[1]?.signals, ["SIGINT", "SIGKILL"]);
	});
});
