// /v1/agent/schedulers and /v1/agent/schedulers/config on a real dev agent: the worker pool is
// resized, paused (0 workers: evaluations wait in the broker) and restricted at run time; plus
// /v1/agent/self's stats and /v1/agent/health of a server without a leader.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, test } from "node:test";
import {
	freePorts,
	type StartedAgent,
	startAgent,
	startDevAgent,
	tempDir,
	waitFor,
	writeConfig,
} from "./helpers/agentProcess.ts";

const agents: StartedAgent[] = [];
const dir = tempDir();
after(async () => {
	for (const a of agents.reverse()) await a.stop();
	dir.cleanup();
});

interface WorkerInfo {
	id: string;
	enabled_schedulers: string[];
	started: string;
	status: string;
	workload_status: string;
}
const ALL = ["service", "batch", "system", "sysbatch", "_core"];

test("scheduler workers: pause with 0, resume, restrict types, Nomad's validation", async () => {
	const dev = await startDevAgent();
	agents.push(dev);
	const get = async (path: string) => {
		const r = await fetch(`${dev.url}${path}`);
		assert.equal(r.status, 200, path);
		return r.json() as Promise<any>;
	};
	const put = (body: string) => fetch(`${dev.url}/v1/agent/schedulers/config`, { method: "PUT", body });
	const cfg0 = await get("/v1/agent/schedulers/config");
	assert.match(cfg0.server_id, /\.global$/);
	assert.equal(cfg0.num_schedulers, availableParallelism());
	assert.deepEqual(cfg0.enabled_schedulers, ALL);
	const list0 = await get("/v1/agent/schedulers");
	assert.equal(list0.server_id, cfg0.server_id);
	assert.equal(list0.schedulers.length, availableParallelism());

	// Invalid requests change nothing.
	for (const [body, msg] of [
		[JSON.stringify({ num_schedulers: -1, enabled_schedulers: ALL }), "Invalid request"],
		[JSON.stringify({ num_schedulers: availableParallelism() + 1, enabled_schedulers: ALL }), "Invalid request"],
		[JSON.stringify({ num_schedulers: 1, enabled_schedulers: ["service"] }), "Invalid request"],
		[JSON.stringify({ num_schedulers: 1, enabled_schedulers: ["_core", "magic"] }), "Invalid request"],
		[JSON.stringify({ num_schedulers: 1 }), "Invalid request"],
		["", "Invalid request: Request body is empty"],
		[
			'{"num_schedulers":"1"}',
			"Invalid request: json: cannot unmarshal string into Go struct field AgentSchedulerWorkerConfigRequest.num_schedulers of type int",
		],
	]) {
		const r = await put(body);
		assert.equal(r.status, 400, body);
		assert.equal(await r.text(), msg, body);
	}
	const bad = await put("{nope");
	assert.equal(bad.status, 400);
	assert.match(await bad.text(), /^Invalid request: /);
	assert.equal((await fetch(`${dev.url}/v1/agent/schedulers/config`, { method: "DELETE" })).status, 405);
	assert.equal((await fetch(`${dev.url}/v1/agent/schedulers`, { method: "PUT" })).status, 405);
	assert.deepEqual(await get("/v1/agent/schedulers/config"), cfg0);

	// 0 workers: the job's evaluation waits.
	const paused = await put(JSON.stringify({ num_schedulers: 0, enabled_schedulers: ALL, server_id: "ignored" }));
	assert.equal(paused.status, 200);
	assert.deepEqual(await paused.json(), { server_id: cfg0.server_id, num_schedulers: 0, enabled_schedulers: ALL });
	assert.deepEqual((await get("/v1/agent/schedulers")).schedulers, []);
	const job = (id: string, type: string, command: string, args: string[] = []) =>
		fetch(`${dev.url}/v1/jobs`, {
			method: "PUT",
			body: JSON.stringify({
				Job: {
					ID: id,
					Type: type,
					Datacenters: ["*"],
					TaskGroups: [{ Name: "g", Tasks: [{ Name: "t", Driver: "raw_exec", Config: { command, args } }] }],
				},
			}),
		});
	assert.equal((await job("held", "batch", "/bin/true")).status, 200);
	await new Promise((r) => setTimeout(r, 500));
	const evals = await get("/v1/job/held/evaluations");
	assert.equal(evals.length, 1);
	assert.equal(evals[0].Status, "pending");
	assert.deepEqual(await get("/v1/job/held/allocations"), []);

	// Two workers (or one on a single-CPU machine): the evaluation is scheduled.
	const n = Math.min(2, availableParallelism());
	const resumed = await put(JSON.stringify({ NUM_SCHEDULERS: n, Enabled_Schedulers: ALL }));
	assert.equal(resumed.status, 200);
	await waitFor(async () => (await get("/v1/job/held/evaluations"))[0]?.Status === "complete");
	assert.equal((await get("/v1/job/held/allocations")).length, 1);
	const list = (await get("/v1/agent/schedulers")).schedulers as WorkerInfo[];
	assert.equal(list.length, n);
	for (const w of list) {
		assert.match(w.id, /^[0-9a-f-]{36}$/);
		assert.deepEqual(w.enabled_schedulers, ALL);
		assert.match(w.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
		assert.ok(Math.abs(Date.parse(w.started) - Date.now()) < 60_000);
		assert.equal(w.status, "Started");
		assert.ok(["WaitingToDequeue", "WaitingForRaft", "Scheduling", "Submitting"].includes(w.workload_status));
	}

	// Only batch (and _core): a service job waits until service is enabled again.
	const restricted = await put(JSON.stringify({ num_schedulers: 1, enabled_schedulers: ["batch", "_core"] }));
	assert.deepEqual((await restricted.json()).enabled_schedulers, ["batch", "_core"]);
	assert.deepEqual(
		((await get("/v1/agent/schedulers")).schedulers as WorkerInfo[]).map((w) => w.enabled_schedulers),
		[["batch", "_core"]],
	);
	assert.equal((await job("svc", "service", "/bin/sleep", ["30"])).status, 200);
	assert.equal((await job("bat", "batch", "/bin/true")).status, 200);
	await waitFor(async () => (await get("/v1/job/bat/evaluations"))[0]?.Status === "complete");
	assert.equal((await get("/v1/job/svc/evaluations"))[0].Status, "pending");
	await put(JSON.stringify({ num_schedulers: 1, enabled_schedulers: ALL }));
	await waitFor(async () => (await get("/v1/job/svc/allocations")).length === 1);

	// Health in a region this server cannot reach.
	const elsewhere = await fetch(`${dev.url}/v1/agent/health?type=server&region=mars`);
	assert.equal(elsewhere.status, 500);
	assert.equal(await elsewhere.text(), '{"server":{"ok":false,"message":"No path to region"}}');

	// Stats of a dev agent (server + client).
	const self = await get("/v1/agent/self");
	const raft = self.stats.raft as Record<string, string>;
	assert.equal(raft.state, "Leader");
	assert.equal(raft.fsm_pending, "0");
	assert.ok(Number(raft.applied_index) > 0);
	assert.equal(raft.last_log_index, raft.commit_index);
	assert.equal(
		raft.latest_configuration,
		`[{Suffrage:Voter ID:127.0.0.1:${dev.ports.rpc} Address:127.0.0.1:${dev.ports.rpc}}]`,
	);
	assert.deepEqual(Object.keys(self.stats.runtime).sort(), [
		"arch",
		"cpu_count",
		"goroutines",
		"kernel.name",
		"max_procs",
		"version",
	]);
	assert.equal(self.stats.runtime["kernel.name"], process.platform);
	assert.equal(self.stats.nomad.bootstrap, "true");
	assert.equal(self.stats.nomad.leader_addr, `127.0.0.1:${dev.ports.rpc}`);
	assert.equal(self.stats.client.num_allocations, "3");
	assert.match(self.stats.client.heartbeat_ttl, /^\d+(\.\d+)?(ms|s)$/);
	assert.match(self.stats.client.last_heartbeat, /^[\d.]+(ns|µs|ms|s)$|^\d+m[\d.]+s$/);
	for (const group of Object.values(self.stats) as Record<string, unknown>[]) {
		for (const v of Object.values(group)) assert.equal(typeof v, "string");
	}
});

test("a server without a leader: unhealthy (500, no leader), Follower raft stats, no workers running", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "expect3.json", {
		name: "lonely",
		data_dir: `${dir.path}/lonely`,
		bind_addr: "127.0.0.1",
		advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" },
		ports,
		server: { enabled: true, bootstrap_expect: 3 },
	});
	const srv = await startAgent([`-config=${cfg}`], ports, { waitLeader: false });
	agents.push(srv);
	const h = await fetch(`${srv.url}/v1/agent/health`);
	assert.equal(h.status, 500);
	assert.equal(h.headers.get("content-type"), "text/plain; charset=utf-8");
	assert.equal(await h.text(), '{"server":{"ok":false,"message":"no leader"}}');
	const self = (await (await fetch(`${srv.url}/v1/agent/self`)).json()) as any;
	assert.equal(self.stats.raft.state, "Follower");
	assert.equal(self.stats.raft.last_contact, "never");
	assert.equal(self.stats.nomad.leader, "false");
	assert.equal(self.stats.nomad.bootstrap, "false");
	assert.equal(self.stats.client, undefined);
	const cfgRes = (await (await fetch(`${srv.url}/v1/agent/schedulers/config`)).json()) as any;
	assert.equal(cfgRes.server_id, "lonely.global");
	// Workers run while this server leads (see docs/architecture.md).
	const list = (await (await fetch(`${srv.url}/v1/agent/schedulers`)).json()) as any;
	assert.deepEqual(list, { server_id: "lonely.global", schedulers: [] });
});
