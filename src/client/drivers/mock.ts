// A driver for tests that runs no process: the task "runs" for config.run_for, then exits with
// config.exit_code. config.start_error makes start() fail (start_error_recoverable: true makes that
// failure restartable); config.stdout_string / stderr_string are written to the log paths;
// config.ignore_signals makes it survive everything but SIGKILL (to exercise kill escalation).
import { appendFileSync } from "node:fs";
import { parseDuration } from "../../lib/duration.ts";
import { signalNumber } from "./process.ts";
import {
	type ExitResult,
	RecoverableStartError,
	type TaskDriver,
	type TaskHandle,
	type TaskStartConfig,
} from "./types.ts";

export interface MockHandle extends TaskHandle {
	task: string;
	env: Record<string, string>;
	/** Every signal delivered, in order. */
	signals: NodeJS.Signals[];
}

export interface MockDriver extends TaskDriver {
	/** Every task started, in order. */
	handles: MockHandle[];
}

let nextPid = 900_000;

function durationMs(v: unknown): number {
	if (v === undefined || v === null || v === "") return 0;
	if (typeof v === "number") return v / 1e6;
	return parseDuration(String(v)) / 1e6;
}

export function mockDriver(): MockDriver {
	const handles: MockHandle[] = [];
	return {
		name: "mock_driver",
		handles,
		fingerprint: () => ({
			detected: true,
			healthy: true,
			healthDescription: "Healthy",
			attributes: { "driver.mock_driver": "true" },
		}),
		async start(cfg: TaskStartConfig): Promise<TaskHandle> {
			const c = cfg.task.Config ?? {};
			if (typeof c.start_error === "string" && c.start_error !== "") {
				throw c.start_error_recoverable === true ? new RecoverableStartError(c.start_error) : new Error(c.start_error);
			}
			if (typeof c.stdout_string === "string") appendFileSync(cfg.stdoutPath, c.stdout_string);
			if (typeof c.stderr_string === "string") appendFileSync(cfg.stderrPath, c.stderr_string);
			const exitCode = typeof c.exit_code === "number" ? c.exit_code : 0;
			const ignoreSignals = c.ignore_signals === true;
			let finish!: (r: ExitResult) => void;
			let exited = false;
			const done = new Promise<ExitResult>((resolve) => {
				finish = (r) => {
					if (exited) return;
					exited = true;
					clearTimeout(timer);
					resolve(r);
				};
			});
			const runFor = durationMs(c.run_for);
			const timer = setTimeout(() => finish({ exitCode, signal: 0 }), runFor);
			const h: MockHandle = {
				pid: nextPid++,
				task: cfg.task.Name,
				env: cfg.env,
				signals: [],
				wait: () => done,
				signal(sig) {
					if (exited) return;
					h.signals.push(sig);
					const terminating = sig === "SIGKILL" || sig === "SIGINT" || sig === "SIGTERM" || sig === "SIGQUIT";
					if (sig === "SIGKILL" || (terminating && !ignoreSignals)) {
						const n = signalNumber(sig);
						finish({ exitCode: 128 + n, signal: n });
					}
				},
			};
			handles.push(h);
			return h;
		},
	};
}
