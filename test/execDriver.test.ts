// The exec driver on a dev agent: the task runs as nobody, chrooted in its task dir, as PID 1 of its
// own PID namespace, under cgroups holding its memory and CPU limits; an allocation that blows its
// memory limit is killed by the kernel and reported OOM-killed; stopping removes cgroups and
// processes. Needs root and cgroups (as the driver does); skipped otherwise.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { freePorts, type StartedAgent, startAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const CG = "/sys/fs/cgroup";
const v1 = existsSync(`${CG}/memory/memory.limit_in_bytes`);
const usable =
	process.platform === "linux" && process.geteuid?.() === 0 && (v1 || existsSync(`${CG}/cgroup.controllers`));
const skip = usable ? false : "needs root on Linux with cgroups";

const dir = tempDir();
let agent: StartedAgent;
before(async () => {
	if (!usable) return;
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "dev.json", { ports, limits: { http_max_conns_per_client: 0 } });
	agent = await startAgent(["-dev", `-config=${cfg}`, `-data-dir=${dir.path}/data`, "-log-level=INFO"], ports);
});
after(async () => {
	await agent?.stop();
	dir.cleanup();
});

const get = async (path: string) => (await fetch(`${agent.url}${path}`)).json() as Promise<any>;
const memDir = (allocID: string, task: string) =>
	v1 ? `${CG}/memory/nomad-ts/${allocID}.${task}` : `${CG}/nomad-ts.slice/${allocID}.${task}`;

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function execJob(id: string, type: string, script: string, memoryMB: number): unknown {
	return {
		ID: id,
		Type: type,
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				RestartPolicy: { Attempts: 0, Mode: "fail" },
				ReschedulePolicy: { Attempts: 0, Unlimited: false },
				Tasks: [
					{
						Name: "t",
						Driver: "exec",
						Config: { command: "/bin/sh", args: ["-c", script] },
						KillTimeout: 1e9,
						Resources: { CPU: 150, MemoryMB: memoryMB },
					},
				],
			},
		],
	};
}

async function register(job: unknown): Promise<void> {
	const r = await fetch(`${agent.url}/v1/jobs`, { method: "PUT", body: JSON.stringify({ Job: job }) });
	assert.equal(r.status, 200, await r.text());
}

test("the node reports exec detected and healthy", { skip }, async () => {
	const node = await waitFor(async () => {
		const n = await get("/v1/nodes");
		return n.length === 1 && n[0].Status === "ready" ? n[0] : undefined;
	});
	const full = await get(`/v1/node/${node.ID}`);
	assert.equal(full.Drivers.exec.Detected, true);
	assert.equal(full.Drivers.exec.Healthy, true);
	assert.equal(full.Drivers.exec.HealthDescription, "Healthy");
	assert.equal(full.Drivers.exec.Attributes["driver.exec"], "true");
	assert.equal(full.Attributes["driver.exec"], "1");
});

test("an exec task runs as nobody in its chroot and PID namespace, under its cgroups", { skip }, async () => {
	await register(
		execJob(
			"iso",
			"service",
			'id -u; id -g; ls /; echo "cmdline=$(tr "\\0" " " < /proc/1/cmdline)"; echo "pid=$$"; echo "dir=$NOMAD_ALLOC_DIR"; echo ready; exec sleep 30',
			64,
		),
	);
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/iso/allocations"))[0];
		return a?.ClientStatus === "running" ? a : undefined;
	});
	const out = await waitFor(async () => {
		const r = await fetch(`${agent.url}/v1/client/fs/logs/${alloc.ID}?task=t&type=stdout&plain=true`);
		const s = r.ok ? await r.text() : "";
		return s.includes("ready") ? s : undefined;
	});
	const lines = out.trim().split("\n");
	assert.equal(lines[0], "65534", out);
	assert.equal(lines[1], "65534", out);
	for (const d of ["alloc", "local", "secrets", "tmp", "bin", "usr", "proc"])
		assert.ok(lines.includes(d), `${d} in /: ${out}`);
	assert.ok(
		!lines.includes("work") && !lines.includes("root") && !lines.includes("home"),
		`the host's root is not visible: ${out}`,
	);
	assert.ok(lines.includes("pid=1"), `the task is PID 1 of its namespace: ${out}`);
	assert.match(out, /cmdline=\/bin\/sh -c id -u/);
	assert.ok(lines.includes("dir=/alloc"), out);

	const mem = memDir(alloc.ID, "t");
	if (v1) {
		assert.equal(readFileSync(`${mem}/memory.limit_in_bytes`, "utf8").trim(), String(64 * 1024 * 1024));
		assert.equal(readFileSync(`${CG}/cpu/nomad-ts/${alloc.ID}.t/cpu.shares`, "utf8").trim(), "150");
	} else {
		assert.equal(readFileSync(`${mem}/memory.max`, "utf8").trim(), String(64 * 1024 * 1024));
	}
	const pids = readFileSync(`${mem}/cgroup.procs`, "utf8").trim().split("\n").map(Number);
	assert.ok(pids.length >= 1 && pids.every(alive), `task processes in the cgroup: ${pids}`);

	// Stats of a task in cgroups come from its cgroups (cache and usage are measured), as Nomad's.
	const stats = await get(`/v1/client/allocation/${alloc.ID}/stats`);
	const ms = stats.Tasks.t.ResourceUsage.MemoryStats;
	assert.ok(ms.Measured.includes("Cache") && ms.Measured.includes("Usage"), JSON.stringify(ms.Measured));
	assert.ok(ms.Usage > 0, `cgroup memory usage: ${ms.Usage}`);

	const r = await fetch(`${agent.url}/v1/job/iso`, { method: "DELETE" });
	assert.equal(r.status, 200);
	const stopped = await waitFor(async () => {
		const a = (await get("/v1/job/iso/allocations"))[0];
		return a?.ClientStatus === "complete" ? a : undefined;
	});
	await waitFor(async () => !existsSync(mem), 5000, 50);
	assert.ok(!existsSync(`${CG}/cpu/nomad-ts/${alloc.ID}.t`));
	for (const pid of pids)
		assert.equal(
			alive(pid),
			false,
			`pid ${pid} is gone: ${existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, "utf8") : ""}`,
		);
	const events = stopped.TaskStates.t.Events.map((e: any) => e.Type);
	assert.ok(events.includes("Killed"), events.join(","));
});

test("a task over its memory limit is OOM-killed and reported so", { skip }, async () => {
	// tail keeps the whole line (no newline ever comes) in memory: 100 MB against a 32 MB limit.
	await register(execJob("oom", "batch", "head -c 100000000 /dev/zero | tail", 32));
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/oom/allocations"))[0];
		return a && (a.ClientStatus === "failed" || a.ClientStatus === "complete") ? a : undefined;
	}, 30_000);
	assert.equal(alloc.ClientStatus, "failed");
	const full = await get(`/v1/allocation/${alloc.ID}`);
	const term = full.TaskStates.t.Events.find((e: any) => e.Type === "Terminated");
	assert.ok(term, JSON.stringify(full.TaskStates.t.Events));
	assert.equal(term.Details.oom_killed, "true");
	assert.equal(term.ExitCode, 137, "sh reports its pipeline's SIGKILL");
	assert.ok(!existsSync(memDir(alloc.ID, "t")), "the cgroup is removed");
	const stderr = await (await fetch(`${agent.url}/v1/client/fs/logs/${alloc.ID}?task=t&type=stderr&plain=true`)).text();
	assert.match(stderr, /Killed/);
	await fetch(`${agent.url}/v1/job/oom`, { method: "DELETE" });
});
