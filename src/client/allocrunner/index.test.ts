// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Allocation, TaskState } from "../../api/types/alloc.ts";
import type { Task } from "../../api/types/job.ts";
import { nullLogger } from "../../lib/logger.ts";
import { mockDriver } from "../drivers/mock.ts";
import { rawExecDriver } from "../drivers/rawExec.ts";
import type { TaskDriver, TaskHandle } from "../drivers/types.ts";
import { AllocRunner, type ClientAllocUpdate, clientStatusOf } from "./index.ts";
import { alive, recordingDriver, testAlloc, testGroup, testJob, testTask } from "./testing.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) throw new Error("condition not met in time");
		await sleep(10);
	}
}

const types = (s: TaskState | undefined) => (s?.Events ?? []).map((e) => e.Type);
const display = (s: TaskState | undefined, type: string) =>
	(s?.Events ?? []).filter((e) => e.Type === type).map((e) => e.DisplayMessage);

describe("AllocRunner", () => {
	let root: string;
	let updates: ClientAllocUpdate[];
	let started: TaskHandle[];
	let runners: AllocRunner[];

	beforeEach(() => {
		root = mkdtempSync(join(tmpdir(), "allocrunner-"));
		updates = [];
		started = [];
		runners = [];
	});

	afterEach(async () => {
		for (const r of runners) await r.destroy();
		for (const h of started) {
			assert.equal(alive(h.pid), false, `task pid ${h.pid} survived`);
			assert.equal(alive(-h.pid), false, `task process group ${h.pid} survived`);
		}
		rmSync(root, { recursive: true, force: true });
	});

	function runner(alloc: Allocation, extra: { drivers?: Record<string, TaskDriver>; logMaxBytes?: number } = {}) {
		const raw = recordingDriver(rawExecDriver({ enabled: true }));
		const mock = recordingDriver(mockDriver());
		const r = new AllocRunner(alloc, {
			allocDirRoot: root,
			node: {
				ID: "node-1",
				Name: "node-one",
				Datacenter: "dc1",
				Attributes: { "kernel.name": "linux" },
				Meta: { rack: "r1" },
			},
			region: "global",
			drivers: { raw_exec: raw, mock_driver: mock, ...extra.drivers },
			logger: nullLogger(),
			onUpdate: (u) => updates.push(u),
			logMaxBytes: extra.logMaxBytes,
		});
		// Processes started by either driver are checked after the test.
		const origRaw = raw.started;
		const origMock = mock.started;
		const track = () => started.push(...origRaw, ...origMock);
		runners.push(r);
		const run = r.run.bind(r);
		r.run = async () => {
			try {
				await run();
			} finally {
				track();
			}
		};
		return r;
	}

	function sh(script: string, over: Partial<Task> = {}): Task {
		return testTask({ Config: { command: "/bin/sh", args: ["-c", script] }, ...over });
	}

	it("runs a batch task to completion with Nomad's events, logs and statuses", async () => {
		const alloc = testAlloc(testJob([testGroup([sh("echo hello; echo err >&2; exit 0")])]));
		const r = runner(alloc);
		await r.run();
		assert.equal(r.clientStatus(), "complete");
		const s = r.taskStates().web;
		assert.equal(s?.State, "dead");
		assert.equal(s?.Failed, false);
		assert.ok(s?.StartedAt && s.FinishedAt);
		assert.deepEqual(types(s), ["Received", "Task Setup", "Started", "Terminated"]);
		assert.deepEqual(
			s?.Events?.map((e) => e.DisplayMessage),
			["Task received by client", "Building Task Directory", "Task started by client", "Exit Code: 0"],
		);
		const term = s?.Events?.[3];
		assert.deepEqual(term?.Details, { exit_code: "0", signal: "0", oom_killed: "false" });
		assert.equal(readFileSync(join(r.allocDir, "alloc/logs/web.stdout.0"), "utf8"), "hello\n");
		assert.equal(readFileSync(join(r.allocDir, "alloc/logs/web.stderr.0"), "utf8"), "err\n");
		// The fifos are gone once the task is dead.
		assert.deepEqual(readdirSync(join(r.allocDir, "alloc/logs")).sort(), ["web.stderr.0", "web.stdout.0"]);
		const statuses = updates.map((u) => u.ClientStatus).filter((v, i, a) => a[i - 1] !== v);
		assert.deepEqual(statuses, ["pending", "running", "complete"]);
		const last = updates.at(-1);
		assert.equal(last?.ClientDescription, "All tasks have completed");
		assert.equal(last?.ID, alloc.ID);
		assert.ok((last?.ModifyTime ?? 0) > 1e18);
	});

	it("builds the alloc dir as Nomad (layout and modes) and destroy removes it", async () => {
		const alloc = testAlloc(testJob([testGroup([sh("exit 0")])]));
		const r = runner(alloc);
		await r.run();
		assert.equal(r.allocDir, join(root, alloc.ID));
		const mode = (p: string) => statSync(join(r.allocDir, p)).mode & 0o7777;
		assert.equal(mode("."), 0o755);
		for (const p of [
			"alloc",
			"alloc/logs",
			"alloc/tmp",
			"alloc/data",
			"web",
			"web/local",
			"web/secrets",
			"web/private",
		]) {
			assert.equal(mode(p), 0o777, p);
		}
		assert.equal(mode("web/tmp"), 0o1777);
		await r.destroy();
		assert.equal(existsSync(r.allocDir), false);
	});

	it("gives the task the NOMAD_* environment, host env and interpolated env/args", async () => {
		process.env.NOMAD_TS_TEST_HOST_VAR = "from-host";
		try {
			const job = testJob(
				[
					testGroup(
						[
							sh('env > "$NOMAD_TASK_DIR/env.txt"; echo "$1" > "$NOMAD_TASK_DIR/arg.txt"', {
								Config: {
									command: "/bin/sh",
									args: [
										"-c",
										'env > "$NOMAD_TASK_DIR/env.txt"; echo "$1" > "$NOMAD_TASK_DIR/arg.txt"',
										"sh",
										"${NOMAD_SHORT_ALLOC_ID}-${node.datacenter}",
									],
								},
								Env: {
									GREETING: "hi ${NOMAD_TASK_NAME} on ${node.unique.name} ${attr.kernel.name} ${meta.rack}",
									FROM_HOST: '${env["NOMAD_TS_TEST_HOST_VAR"]}',
									NOMAD_TS_TEST_HOST_VAR: "overridden",
								},
								Meta: { "my-key": "tv" },
								Resources: { ...testTask().Resources, CPU: 250, MemoryMB: 128, MemoryMaxMB: 256 },
							}),
						],
						{ Meta: { gk: "gv" } },
					),
				],
				{ Meta: { jk: "jv", "my-key": "job" }, ParentID: "parent-job" },
			);
			const alloc = testAlloc(job);
			alloc.AllocatedResources = {
				Tasks: {
					web: {
						Cpu: { CpuShares: 250, ReservedCores: null },
						Memory: { MemoryMB: 128, MemoryMaxMB: 256 },
						Networks: null,
						Devices: null,
					},
				},
				TaskLifecycles: {},
				Shared: {
					Networks: null,
					DiskMB: 300,
					Ports: [
						{ Label: "http", Value: 23456, To: 8080, HostIP: "10.0.0.5" },
						{ Label: "admin", Value: 23457, To: 0, HostIP: "10.0.0.5" },
					],
				},
			};
			const r = runner(alloc);
			await r.run();
			assert.equal(r.clientStatus(), "complete");
			const env = Object.fromEntries(
				readFileSync(join(r.allocDir, "web/local/env.txt"), "utf8")
					.trim()
					.split("\n")
					.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
			);
			const want: Record<string, string> = {
				NOMAD_ALLOC_DIR: join(r.allocDir, "alloc"),
				NOMAD_TASK_DIR: join(r.allocDir, "web/local"),
				NOMAD_SECRETS_DIR: join(r.allocDir, "web/secrets"),
				NOMAD_MEMORY_LIMIT: "128",
				NOMAD_MEMORY_MAX_LIMIT: "256",
				NOMAD_CPU_LIMIT: "250",
				NOMAD_ALLOC_ID: alloc.ID,
				NOMAD_SHORT_ALLOC_ID: alloc.ID.slice(0, 8),
				NOMAD_ALLOC_NAME: "example.g[0]",
				NOMAD_ALLOC_INDEX: "0",
				NOMAD_TASK_NAME: "web",
				NOMAD_GROUP_NAME: "g",
				NOMAD_JOB_ID: "example",
				NOMAD_JOB_NAME: "example",
				NOMAD_JOB_PARENT_ID: "parent-job",
				NOMAD_DC: "dc1",
				NOMAD_NAMESPACE: "default",
				NOMAD_REGION: "global",
				NOMAD_META_jk: "jv",
				NOMAD_META_JK: "jv",
				NOMAD_META_gk: "gv",
				NOMAD_META_my_key: "tv",
				NOMAD_META_MY_KEY: "tv",
				NOMAD_PORT_http: "8080",
				NOMAD_HOST_PORT_http: "23456",
				NOMAD_IP_http: "10.0.0.5",
				NOMAD_ADDR_http: "10.0.0.5:23456",
				NOMAD_PORT_admin: "23457",
				NOMAD_ADDR_admin: "10.0.0.5:23457",
				GREETING: "hi web on node-one linux r1",
				FROM_HOST: "from-host",
				NOMAD_TS_TEST_HOST_VAR: "overridden",
				PATH: process.env.PATH ?? "",
			};
			for (const [k, v] of Object.entries(want)) assert.equal(env[k], v, k);
			assert.equal(readFileSync(join(r.allocDir, "web/local/arg.txt"), "utf8"), `${alloc.ID.slice(0, 8)}-dc1\n`);
		} finally {
			delete process.env.NOMAD_TS_TEST_HOST_VAR;
		}
	});

	it("a failing batch task with no restarts fails the alloc", async () => {
		const r = runner(testAlloc(testJob([testGroup([sh("exit 3")])])));
		await r.run();
		assert.equal(r.clientStatus(), "failed");
		const s = r.taskStates().web;
		assert.equal(s?.Failed, true);
		assert.deepEqual(types(s), ["Received", "Task Setup", "Started", "Terminated", "Not Restarting"]);
		assert.deepEqual(display(s, "Terminated"), ["Exit Code: 3"]);
		assert.deepEqual(display(s, "Not Restarting"), ["Policy allows no restarts"]);
		assert.equal(s?.Events?.at(-1)?.Details?.fails_task, "true");
		assert.equal(updates.at(-1)?.ClientDescription, "Failed tasks");
	});

	it("restarts within policy with a real delay, then fails in mode fail", async () => {
		const policy = { Attempts: 2, Interval: 10e9, Delay: 60e6, Mode: "fail" as const, RenderTemplates: false };
		const r = runner(
			testAlloc(
				testJob([testGroup([sh("echo run >> $NOMAD_ALLOC_DIR/data/runs; exit 1")], { RestartPolicy: policy })]),
			),
		);
		const t0 = Date.now();
		await r.run();
		assert.ok(Date.now() - t0 >= 120, "two delays of at least 60ms");
		const s = r.taskStates().web;
		assert.equal(r.clientStatus(), "failed");
		assert.equal(s?.Restarts, 2);
		assert.ok(s?.LastRestart);
		assert.equal(readFileSync(join(r.allocDir, "alloc/data/runs"), "utf8"), "run\nrun\nrun\n");
		// 11 events happened; only the last 10 are kept (Received dropped).
		assert.deepEqual(types(s), [
			"Task Setup",
			"Started",
			"Terminated",
			"Restarting",
			"Started",
			"Terminated",
			"Restarting",
			"Started",
			"Terminated",
			"Not Restarting",
		]);
		for (const m of display(s, "Restarting")) assert.match(m, /^Task restarting in (60|6\d|7[0-5])(\.\d+)?ms$/);
		assert.deepEqual(display(s, "Not Restarting"), ['Exceeded allowed attempts 2 in interval 10s and mode is "fail"']);
	});

	it("mode delay waits for the rest of the interval once attempts are used up", async () => {
		const policy = { Attempts: 1, Interval: 5e9, Delay: 10e6, Mode: "delay" as const, RenderTemplates: false };
		const alloc = testAlloc(testJob([testGroup([sh("exit 1")], { RestartPolicy: policy })]));
		const r = runner(alloc);
		const done = r.run();
		await waitFor(() => display(r.taskStates().web, "Restarting").length === 2);
		const msgs = display(r.taskStates().web, "Restarting");
		assert.match(msgs[1] ?? "", /^Exceeded allowed attempts, applying a delay - Task restarting in 4\.\d+s$/);
		r.update({ ...alloc, DesiredStatus: "stop" });
		await done;
		assert.equal(r.clientStatus(), "complete");
		assert.equal(r.taskStates().web?.State, "dead");
	});

	it("a service task is restarted even after exit 0; a batch task is not", async () => {
		const policy = { Attempts: 1, Interval: 10e9, Delay: 10e6, Mode: "fail" as const, RenderTemplates: false };
		const svc = runner(testAlloc(testJob([testGroup([sh("exit 0")], { RestartPolicy: policy })], { Type: "service" })));
		await svc.run();
		const s = svc.taskStates().web;
		assert.equal(s?.Restarts, 1);
		assert.equal(svc.clientStatus(), "failed");
		const batch = runner(testAlloc(testJob([testGroup([sh("exit 0")], { RestartPolicy: policy })])));
		await batch.run();
		assert.equal(batch.taskStates().web?.Restarts, 0);
		assert.equal(batch.clientStatus(), "complete");
	});

	it("stop kills a long-running task with kill_signal and reports complete", async () => {
		const alloc = testAlloc(
			testJob([testGroup([testTask({ Config: { command: "/bin/sleep", args: ["30"] }, KillSignal: "SIGTERM" })])], {
				Type: "service",
			}),
		);
		const r = runner(alloc);
		const done = r.run();
		await waitFor(() => r.clientStatus() === "running");
		r.update({ ...alloc, DesiredStatus: "stop" });
		await done;
		const s = r.taskStates().web;
		assert.deepEqual(types(s), ["Received", "Task Setup", "Started", "Killing", "Terminated", "Killed"]);
		assert.deepEqual(display(s, "Killing"), ["Sent interrupt. Waiting 2s before force killing"]);
		assert.deepEqual(display(s, "Terminated"), ["Exit Code: 143, Signal: 15"]);
		assert.deepEqual(display(s, "Killed"), ["Task successfully killed"]);
		assert.equal(s?.Failed, false);
		assert.equal(r.clientStatus(), "complete");
	});

	it("escalates to SIGKILL after kill_timeout and leaves no process behind", async () => {
		const alloc = testAlloc(
			testJob(
				[
					testGroup([
						sh("trap '' INT; sleep 30 & echo $! > $NOMAD_ALLOC_DIR/data/child; wait", { KillTimeout: 300e6 }),
					]),
				],
				{ Type: "service" },
			),
		);
		const r = runner(alloc);
		const done = r.run();
		const pidFile = join(root, alloc.ID, "alloc/data/child");
		await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
		const child = Number(readFileSync(pidFile, "utf8"));
		const t0 = Date.now();
		r.update({ ...alloc, DesiredStatus: "stop" });
		await done;
		assert.ok(Date.now() - t0 >= 290, "waited kill_timeout before SIGKILL");
		const s = r.taskStates().web;
		assert.deepEqual(display(s, "Killing"), ["Sent interrupt. Waiting 300ms before force killing"]);
		assert.deepEqual(display(s, "Terminated"), ["Exit Code: 137, Signal: 9"]);
		await waitFor(() => !alive(child));
	});

	it("signal and restart reach a running task", async () => {
		const alloc = testAlloc(
			testJob(
				[
					testGroup([
						sh("trap 'echo got-hup' HUP; echo start; while true; do sleep 0.05; done", { KillTimeout: 200e6 }),
					]),
				],
				{
					Type: "service",
				},
			),
		);
		const r = runner(alloc);
		const done = r.run();
		const out = join(root, alloc.ID, "alloc/logs/web.stdout.0");
		await waitFor(() => existsSync(out) && readFileSync(out, "utf8").includes("start"));
		await r.signal("web", "SIGHUP");
		await waitFor(() => readFileSync(out, "utf8").includes("got-hup"));
		await assert.rejects(r.signal("nope", "SIGHUP"), /Task not found/);
		await r.restart("web");
		await waitFor(() => readFileSync(out, "utf8").split("start").length === 3);
		const s = r.taskStates().web;
		assert.equal(s?.Restarts, 1);
		assert.deepEqual(display(s, "Restart Signaled"), ["User requested task to restart"]);
		assert.deepEqual(display(s, "Restarting"), ["Task restarting in 0s"]);
		assert.deepEqual(display(s, "Signaling"), ["Task being sent a signal"]);
		assert.equal(s?.Events?.find((e) => e.Type === "Signaling")?.Details?.signal, "SIGHUP");
		assert.equal(r.clientStatus(), "running");
		r.update({ ...alloc, DesiredStatus: "stop" });
		await done;
		assert.equal(r.clientStatus(), "complete");
	});

	it("rotates logs by size and keeps max_files", async () => {
		const task = sh("for i in 1 2 3 4 5 6 7 8; do echo 0123456789; done", {
			LogConfig: { MaxFiles: 3, MaxFileSizeMB: 1, Disabled: false },
		});
		const r = runner(testAlloc(testJob([testGroup([task])])), { logMaxBytes: 25 });
		await r.run();
		const files = readdirSync(join(r.allocDir, "alloc/logs"))
			.filter((f) => f.startsWith("web.stdout."))
			.sort();
		assert.deepEqual(files, ["web.stdout.1", "web.stdout.2", "web.stdout.3"]);
		const all = files.map((f) => readFileSync(join(r.allocDir, "alloc/logs", f), "utf8")).join("");
		assert.equal(all, "0123456789\n".repeat(8).slice(25));
	});

	describe("with the mock driver", () => {
		const mt = (name: string, config: Record<string, unknown>, over: Partial<Task> = {}) =>
			testTask({ Name: name, Driver: "mock_driver", Config: config, ...over });

		it("an unrecoverable start error is a Driver Failure and Not Restarting", async () => {
			const policy = { Attempts: 3, Interval: 10e9, Delay: 1e6, Mode: "fail" as const, RenderTemplates: false };
			const r = runner(
				testAlloc(testJob([testGroup([mt("web", { start_error: "no way" })], { RestartPolicy: policy })])),
			);
			await r.run();
			const s = r.taskStates().web;
			assert.deepEqual(types(s), ["Received", "Task Setup", "Driver Failure", "Not Restarting"]);
			assert.deepEqual(display(s, "Driver Failure"), ["no way"]);
			assert.deepEqual(display(s, "Not Restarting"), ["Error was unrecoverable"]);
			assert.equal(r.clientStatus(), "failed");
		});

		it("a recoverable start error is retried per policy", async () => {
			const policy = { Attempts: 2, Interval: 10e9, Delay: 1e6, Mode: "fail" as const, RenderTemplates: false };
			const r = runner(
				testAlloc(
					testJob([
						testGroup([mt("web", { start_error: "later", start_error_recoverable: true })], { RestartPolicy: policy }),
					]),
				),
			);
			await r.run();
			const s = r.taskStates().web;
			assert.equal(s?.Restarts, 2);
			assert.equal(display(s, "Driver Failure").length, 3);
			assert.equal(r.clientStatus(), "failed");
		});

		it("an unknown driver fails the task", async () => {
			const r = runner(testAlloc(testJob([testGroup([testTask({ Driver: "nope" })])])));
			await r.run();
			assert.deepEqual(display(r.taskStates().web, "Driver Failure"), [
				'failed to start task: driver "nope" not found',
			]);
			assert.equal(r.clientStatus(), "failed");
		});

		it("a failed task kills its siblings (Sibling Task Failed)", async () => {
			const r = runner(
				testAlloc(
					testJob([
						testGroup([
							mt("bad", { run_for: "20ms", exit_code: 1 }),
							mt("good", { run_for: "30s" }, { KillTimeout: 100e6 }),
						]),
					]),
				),
			);
			await r.run();
			const good = r.taskStates().good;
			assert.deepEqual(types(good), [
				"Received",
				"Task Setup",
				"Started",
				"Sibling Task Failed",
				"Killing",
				"Terminated",
				"Killed",
			]);
			assert.deepEqual(display(good, "Sibling Task Failed"), ['Task\'s sibling "bad" failed']);
			assert.equal(good?.Failed, false);
			assert.equal(r.clientStatus(), "failed");
		});

		it("a dead leader stops the others; SIGKILL follows when they ignore kill_signal", async () => {
			const r = runner(
				testAlloc(
					testJob([
						testGroup([
							mt("leader", { run_for: "20ms" }, { Leader: true }),
							mt("stubborn", { run_for: "30s", ignore_signals: true }, { KillTimeout: 100e6 }),
						]),
					]),
				),
			);
			await r.run();
			const s = r.taskStates().stubborn;
			assert.ok(types(s).includes("Leader Task Dead"));
			assert.deepEqual(display(s, "Leader Task Dead"), ["Leader Task in Group dead"]);
			assert.deepEqual(display(s, "Terminated"), ["Exit Code: 137, Signal: 9"]);
			assert.equal(r.clientStatus(), "complete");
		});

		it("runs lifecycle stages in order: prestart, main, poststart; poststop after stop", async () => {
			const order: string[] = [];
			const inner = mockDriver();
			const spy: TaskDriver = {
				name: "mock_driver",
				fingerprint: () => inner.fingerprint(),
				start: (cfg) => {
					order.push(cfg.task.Name);
					return inner.start(cfg);
				},
			};
			const alloc = testAlloc(
				testJob(
					[
						testGroup([
							mt("post", { run_for: "10ms" }, { Lifecycle: { Hook: "poststart", Sidecar: false } }),
							mt("main", { run_for: "30s" }),
							mt("init", { run_for: "30ms" }, { Lifecycle: { Hook: "prestart", Sidecar: false } }),
							mt("cleanup", { run_for: "10ms" }, { Lifecycle: { Hook: "poststop", Sidecar: false } }),
							mt("side", { run_for: "30s" }, { Lifecycle: { Hook: "prestart", Sidecar: true } }),
						]),
					],
					{ Type: "service" },
				),
			);
			const r = runner(alloc, { drivers: { mock_driver: spy } });
			const done = r.run();
			await waitFor(() => r.taskStates().post?.State === "dead");
			assert.deepEqual(order.slice(0, 2).sort(), ["init", "side"]);
			assert.deepEqual(order.slice(2), ["main", "post"]);
			assert.equal(r.taskStates().cleanup?.State, "pending");
			assert.equal(r.clientStatus(), "running");
			r.update({ ...alloc, DesiredStatus: "stop" });
			await done;
			assert.deepEqual(order.slice(4), ["cleanup"]);
			const st = r.taskStates();
			assert.equal(st.cleanup?.State, "dead");
			assert.ok(types(st.main).includes("Killed"));
			assert.ok(!types(st.init).includes("Killing"), "finished tasks are not sent Killing");
			assert.equal(r.clientStatus(), "complete");
		});

		it("main tasks dead → sidecars stopped (Main Tasks Dead)", async () => {
			const r = runner(
				testAlloc(
					testJob([
						testGroup([
							mt("main", { run_for: "20ms" }),
							mt("side", { run_for: "30s" }, { Lifecycle: { Hook: "prestart", Sidecar: true } }),
						]),
					]),
				),
			);
			await r.run();
			assert.deepEqual(display(r.taskStates().side, "Main Tasks Dead"), ["Main tasks in the group died"]);
			assert.equal(r.clientStatus(), "complete");
		});

		it("destroy kills a running alloc and removes its dir", async () => {
			const r = runner(testAlloc(testJob([testGroup([mt("web", { run_for: "30s" })])], { Type: "service" })));
			const done = r.run();
			await waitFor(() => r.clientStatus() === "running");
			await r.destroy();
			await done;
			assert.equal(existsSync(r.allocDir), false);
			assert.equal(r.taskStates().web?.State, "dead");
		});

		it("an alloc that is already stopped runs nothing", async () => {
			const r = runner(testAlloc(testJob([testGroup([mt("web", { run_for: "30s" })])]), { DesiredStatus: "stop" }));
			await r.run();
			assert.deepEqual(types(r.taskStates().web), ["Received"]);
			assert.equal(r.taskStates().web?.State, "dead");
			assert.equal(r.clientStatus(), "complete");
		});
	});
});

describe("clientStatusOf", () => {
	const st = (State: TaskState["State"], Failed = false): TaskState => ({
		State,
		Failed,
		Restarts: 0,
		LastRestart: null,
		StartedAt: null,
		FinishedAt: null,
		Events: null,
	});
	it("derives failed > running > pending > complete", () => {
		assert.deepEqual(clientStatusOf({ a: st("dead", true), b: st("running") }), {
			status: "failed",
			description: "Failed tasks",
		});
		assert.deepEqual(clientStatusOf({ a: st("running"), b: st("pending") }), {
			status: "running",
			description: "Tasks are running",
		});
		assert.deepEqual(clientStatusOf({ a: st("pending"), b: st("dead") }), {
			status: "pending",
			description: "No tasks have started",
		});
		assert.deepEqual(clientStatusOf({ a: st("dead") }), {
			status: "complete",
			description: "All tasks have completed",
		});
	});
});
