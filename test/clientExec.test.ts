// The dev agent's own client runs real processes: a raw_exec batch task sees its NOMAD_* env and
// writes into the allocation directory; a service task runs until the job is stopped, and then
// the process is gone.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { freePorts, type StartedAgent, startAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
let agent: StartedAgent;
before(async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "dev.json", { ports, limits: { http_max_conns_per_client: 0 } });
	agent = await startAgent(["-dev", `-config=${cfg}`, `-data-dir=${dir.path}/data`, "-log-level=INFO"], ports);
});
after(async () => {
	await agent?.stop();
	dir.cleanup();
});

const get = async (path: string) => (await fetch(`${agent.url}${path}`)).json() as Promise<any>;
const put = async (path: string, body?: unknown, method = "PUT") =>
	(
		await fetch(`${agent.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
	).json() as Promise<any>;

test("a raw_exec batch task runs for real with Nomad's environment and directories", async () => {
	const nodes = await waitFor(async () => {
		const n = await get("/v1/nodes");
		return n.length === 1 && n[0].Status === "ready" ? n : undefined;
	});
	assert.equal(nodes[0].Drivers.raw_exec.Detected, true);
	const job = {
		ID: "hello",
		Type: "batch",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Tasks: [
					{
						Name: "t",
						Driver: "raw_exec",
						Config: {
							command: "/bin/sh",
							args: [
								"-c",
								'echo "$NOMAD_ALLOC_ID $NOMAD_JOB_NAME $GREETING" > "$NOMAD_ALLOC_DIR/out.txt"; echo to-stdout',
							],
						},
						Env: { GREETING: "hi-${NOMAD_TASK_NAME}" },
						Resources: { CPU: 100, MemoryMB: 64 },
					},
				],
			},
		],
	};
	await put("/v1/jobs", { Job: job });
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/hello/allocations"))[0];
		return a?.ClientStatus === "complete" ? a : undefined;
	});
	const events = alloc.TaskStates.t.Events.map((e: any) => e.Type);
	assert.deepEqual(events.slice(0, 4), ["Received", "Task Setup", "Started", "Terminated"]);
	const base = join(dir.path, "data", "alloc", alloc.ID);
	assert.equal(readFileSync(join(base, "alloc", "out.txt"), "utf8").trim(), `${alloc.ID} hello hi-t`);
	assert.equal(readFileSync(join(base, "alloc", "logs", "t.stdout.0"), "utf8"), "to-stdout\n");
	for (const d of ["alloc/data", "alloc/tmp", "t/local", "t/secrets", "t/tmp", "t/private"])
		assert.ok(existsSync(join(base, d)), d);
	assert.equal((await get("/v1/job/hello")).Status, "dead");
});

test("/v1/client/gc removes terminal allocations' directories", async () => {
	const alloc = (await get("/v1/job/hello/allocations"))[0];
	const base = join(dir.path, "data", "alloc", alloc.ID);
	assert.equal(existsSync(base), true);
	const r = await fetch(`${agent.url}/v1/client/gc`);
	assert.equal(r.status, 200);
	assert.equal((await r.text()).length, 0);
	assert.equal(existsSync(base), false);
	const other = await fetch(`${agent.url}/v1/client/gc?node_id=not-this-node`);
	assert.equal(other.status, 404);
});

test("a service task keeps running until its job is stopped; then the process is gone", async () => {
	const marker = `nomad-ts-test-${process.pid}-${Date.now()}`;
	const job = {
		ID: "sleeper",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Tasks: [
					{
						Name: "s",
						Driver: "raw_exec",
						Config: { command: "/bin/sh", args: ["-c", `sleep 600; : ${marker}`] },
						KillTimeout: 1e9,
						Resources: { CPU: 100, MemoryMB: 64 },
					},
				],
			},
		],
	};
	await put("/v1/jobs", { Job: job });
	await waitFor(async () => (await get("/v1/job/sleeper/allocations"))[0]?.ClientStatus === "running");
	const running = () => {
		try {
			return execFileSync("pgrep", ["-f", marker], { encoding: "utf8" }).trim() !== "";
		} catch {
			return false;
		}
	};
	assert.equal(running(), true);
	await put("/v1/job/sleeper", undefined, "DELETE");
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/sleeper/allocations"))[0];
		return a?.ClientStatus === "complete" ? a : undefined;
	});
	assert.ok(alloc.TaskStates.s.Events.some((e: any) => e.Type === "Killed"));
	await waitFor(async () => !running());
});

test("signal and restart reach a running task through /v1/client/allocation", async () => {
	const job = {
		ID: "trapper",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Tasks: [
					{
						Name: "s",
						Driver: "raw_exec",
						Config: {
							command: "/bin/sh",
							args: ["-c", 'trap "echo got >> $NOMAD_ALLOC_DIR/sig.txt" USR1; while true; do sleep 0.1; done'],
						},
						KillTimeout: 1e9,
						Resources: { CPU: 100, MemoryMB: 64 },
					},
				],
			},
		],
	};
	await put("/v1/jobs", { Job: job });
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/trapper/allocations"))[0];
		return a?.ClientStatus === "running" ? a : undefined;
	});
	const sig = await fetch(`${agent.url}/v1/client/allocation/${alloc.ID}/signal`, {
		method: "POST",
		body: JSON.stringify({ Task: "s", Signal: "SIGUSR1" }),
	});
	assert.equal(sig.status, 200, await sig.text());
	const file = join(dir.path, "data", "alloc", alloc.ID, "alloc", "sig.txt");
	await waitFor(async () => existsSync(file) && readFileSync(file, "utf8").includes("got"));
	const restart = await fetch(`${agent.url}/v1/client/allocation/${alloc.ID}/restart`, { method: "POST", body: "{}" });
	assert.equal(restart.status, 200, await restart.text());
	await waitFor(async () => (await get(`/v1/allocation/${alloc.ID}`)).TaskStates?.s?.Restarts === 1);
	const unknown = await fetch(`${agent.url}/v1/client/allocation/00000000-0000-0000-0000-000000000000/signal`, {
		method: "POST",
	});
	assert.equal(unknown.status, 404);
	const early = await fetch(`${agent.url}/v1/client/allocation/${alloc.ID}/gc`);
	assert.equal(early.status, 400, "a running allocation is not eligible for GC");
	await put("/v1/job/trapper", undefined, "DELETE");
	await waitFor(async () => (await get("/v1/job/trapper/allocations"))[0]?.ClientStatus === "complete");
	const gc = await fetch(`${agent.url}/v1/client/allocation/${alloc.ID}/gc`);
	assert.equal(gc.status, 200);
	assert.equal(existsSync(join(dir.path, "data", "alloc", alloc.ID)), false);
});

test("agent shutdown stops its tasks within the 5 s budget and leaves no process behind", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "dev2.json", { ports, limits: { http_max_conns_per_client: 0 } });
	const other = await startAgent(["-dev", `-config=${cfg}`, `-data-dir=${dir.path}/data2`], ports);
	const marker = `nomad-ts-shutdown-${process.pid}-${Date.now()}`;
	await fetch(`${other.url}/v1/jobs`, {
		method: "PUT",
		body: JSON.stringify({
			Job: {
				ID: "longrun",
				Datacenters: ["*"],
				TaskGroups: [
					{
						Name: "g",
						Tasks: [
							{ Name: "s", Driver: "raw_exec", Config: { command: "/bin/sh", args: ["-c", `sleep 600; : ${marker}`] } },
						],
					},
				],
			},
		}),
	});
	await waitFor(async () => {
		const a = (await (await fetch(`${other.url}/v1/job/longrun/allocations`)).json()) as any[];
		return a[0]?.ClientStatus === "running";
	});
	const t0 = Date.now();
	const code = await other.stop("SIGTERM");
	assert.equal(code, 0);
	assert.ok(Date.now() - t0 < 5000, `shutdown took ${Date.now() - t0} ms`);
	let alive = true;
	try {
		alive = execFileSync("pgrep", ["-f", marker], { encoding: "utf8" }).trim() !== "";
	} catch {
		alive = false;
	}
	assert.equal(alive, false);
});
