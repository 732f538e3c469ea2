// The client stats API of a dev agent: host stats sampled from /proc, and the resource usage of a
// running raw_exec task (its whole process tree) through /v1/client/allocation/<id>/stats.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePorts, type StartedAgent, startAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
let agent: StartedAgent;
before(async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "dev.json", {
		ports,
		limits: { http_max_conns_per_client: 0 },
		telemetry: { collection_interval: "250ms" },
	});
	agent = await startAgent(["-dev", `-config=${cfg}`, `-data-dir=${dir.path}/data`, "-log-level=INFO"], ports);
});
after(async () => {
	await agent?.stop();
	dir.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = async (path: string) => (await fetch(`${agent.url}${path}`)).json() as Promise<any>;

test("/v1/client/stats returns the host's stats in Nomad's shape", async () => {
	const node = await waitFor(async () => {
		const n = await get("/v1/nodes");
		return n.length === 1 && n[0].Status === "ready" ? n[0] : undefined;
	});
	await sleep(600); // a few collection intervals: percentages come from deltas
	const r = await fetch(`${agent.url}/v1/client/stats`);
	assert.equal(r.status, 200);
	const s = (await r.json()) as any;
	assert.deepEqual(Object.keys(s).sort(), [
		"AllocDirStats",
		"CPU",
		"CPUTicksConsumed",
		"DeviceStats",
		"DiskStats",
		"Memory",
		"Timestamp",
		"Uptime",
	]);
	assert.ok(s.CPU.length >= 1);
	for (const c of s.CPU) {
		assert.deepEqual(Object.keys(c).sort(), ["CPU", "Idle", "System", "TotalPercent", "TotalTicks", "User"]);
		assert.ok(c.Idle >= 0 && c.Idle <= 100 && c.TotalPercent >= 0 && c.TotalPercent <= 100);
	}
	assert.ok(s.Memory.Total > 0 && s.Memory.Available > 0 && s.Memory.Used > 0 && s.Memory.Free > 0);
	assert.equal(s.AllocDirStats.Device, "");
	assert.ok(s.AllocDirStats.Size > 0);
	assert.ok(s.Uptime > 0);
	assert.ok(Math.abs(s.Timestamp / 1e6 - Date.now()) < 5000);
	assert.deepEqual(s.DeviceStats, []);
	assert.equal((await fetch(`${agent.url}/v1/client/stats?node_id=${node.ID}`)).status, 200);
	const other = await fetch(`${agent.url}/v1/client/stats?node_id=00000000-0000-0000-0000-000000000000`);
	assert.equal(other.status, 404);
	// As Nomad's server: a node missing from the state is "Unknown node <id>" (404).
	assert.equal(await other.text(), "Unknown node 00000000-0000-0000-0000-000000000000");
});

test("/v1/client/allocation/<id>/stats reports the running task's process tree", async () => {
	const job = {
		ID: "burner",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Tasks: [
					{
						Name: "b",
						Driver: "raw_exec",
						// A descendant burns CPU; the task's own process just waits. The loop counts in the
						// shell itself: a loop that forks (e.g. `date`) leaves most of its CPU time in the
						// short-lived children, which no sample of the tree sees.
						Config: {
							command: "/bin/sh",
							args: ["-c", "( i=0; while [ $i -lt 400000000 ]; do i=$((i+1)); done ) & sleep 600"],
						},
						KillTimeout: 1e9,
						Resources: { CPU: 100, MemoryMB: 64 },
					},
				],
			},
		],
	};
	await fetch(`${agent.url}/v1/jobs`, { method: "PUT", body: JSON.stringify({ Job: job }) });
	const alloc = await waitFor(async () => {
		const a = (await get("/v1/job/burner/allocations"))[0];
		return a?.ClientStatus === "running" ? a : undefined;
	});
	const url = `${agent.url}/v1/client/allocation/${alloc.ID}/stats`;
	const first = await fetch(url);
	assert.equal(first.status, 200);
	// CPU percent comes from deltas between samples; on a loaded machine give it a few tries.
	let s: any;
	for (let i = 0; i < 10; i++) {
		await sleep(1000);
		s = (await (await fetch(url)).json()) as any;
		if (s.ResourceUsage.CpuStats.Percent > 10) break;
	}
	assert.deepEqual(Object.keys(s).sort(), ["ResourceUsage", "Tasks", "Timestamp"]);
	const t = s.Tasks.b;
	assert.ok(t, "task b is reported");
	assert.ok(Object.keys(t.Pids).length >= 2, `the task's descendants are included: ${Object.keys(t.Pids)}`);
	const mem = s.ResourceUsage.MemoryStats;
	assert.ok(mem.RSS > 0);
	assert.deepEqual(mem.Measured, ["RSS", "Swap"]);
	assert.deepEqual(Object.keys(mem).sort(), [
		"Cache",
		"KernelMaxUsage",
		"KernelUsage",
		"MappedFile",
		"MaxUsage",
		"Measured",
		"RSS",
		"Swap",
		"Usage",
	]);
	const cpu = s.ResourceUsage.CpuStats;
	assert.deepEqual(cpu.Measured, ["System Mode", "User Mode", "Percent"]);
	assert.ok(cpu.Percent > 10, `the burning child shows: ${cpu.Percent}`);
	assert.ok(cpu.TotalTicks > 0);
	assert.equal(s.ResourceUsage.MemoryStats.RSS, t.ResourceUsage.MemoryStats.RSS);
	assert.equal(s.Timestamp, t.Timestamp);

	const filtered = (await (await fetch(`${url}?task=b`)).json()) as any;
	assert.deepEqual(Object.keys(filtered.Tasks), ["b"]);
	const none = (await (await fetch(`${url}?task=nope`)).json()) as any;
	assert.deepEqual(none.Tasks, {});
	assert.equal(none.ResourceUsage.MemoryStats.RSS, 0);

	const unknown = await fetch(`${agent.url}/v1/client/allocation/00000000-0000-0000-0000-000000000000/stats`);
	assert.equal(unknown.status, 404);

	await fetch(`${agent.url}/v1/job/burner`, { method: "DELETE" });
	await waitFor(async () => (await get("/v1/job/burner/allocations"))[0]?.ClientStatus === "complete");
});
