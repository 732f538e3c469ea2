// Tasks outlive the agent: a server+client agent (not -dev: its state persists in data_dir) is
// killed with SIGKILL and restarted again and again while a raw_exec task prints numbered lines.
// The task keeps its process (same pid, no restart), not one line of output is lost (the node
// supervisor keeps draining it into the log file while the agent is down), and the server sees
// the allocation running throughout. A task that exits while the agent is down is reported with
// its exit code once the agent is back.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import {
	freePorts,
	type Ports,
	type StartedAgent,
	startAgent,
	startDevAgent,
	stopSupervisor,
	tempDir,
	waitFor,
	writeConfig,
} from "./helpers/agentProcess.ts";

const dir = tempDir();
const dataDir = join(dir.path, "data");
const stateDir = join(dataDir, "client");
let agent: StartedAgent | undefined;
let ports: Ports;
let cfg: string;

after(async () => {
	await agent?.stop("SIGKILL");
	await stopSupervisor(stateDir);
	if (!process.env.KEEP_TEST_DIR) dir.cleanup();
});

const get = async (path: string) => (await fetch(`${agent?.url}${path}`)).json() as Promise<any>;

async function start(): Promise<void> {
	agent = await startAgent([`-config=${cfg}`, "-log-level=INFO"], ports);
}

interface SupTask {
	id: string;
	pid: number;
	startTime: number;
	state: string;
}
const supervisorTasks = (): SupTask[] => JSON.parse(readFileSync(join(stateDir, "supervisor-tasks.json"), "utf8"));

function procStartTime(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
	} catch {
		return undefined;
	}
}

function job(id: string, type: string, script: string, extra: Record<string, unknown> = {}) {
	return {
		Job: {
			ID: id,
			Type: type,
			Datacenters: ["*"],
			TaskGroups: [
				{
					Name: "g",
					...extra,
					Tasks: [
						{
							Name: "t",
							Driver: "raw_exec",
							Config: { command: "/bin/sh", args: ["-c", script] },
							Resources: { CPU: 50, MemoryMB: 32 },
						},
					],
				},
			],
		},
	};
}

async function register(body: unknown): Promise<void> {
	const r = await fetch(`${agent?.url}/v1/jobs`, { method: "PUT", body: JSON.stringify(body) });
	assert.equal(r.status, 200, await r.text());
}

const allocOf = async (jobID: string) => (await get(`/v1/job/${jobID}/allocations`))[0];

test("setup: a non-dev server+client agent with raw_exec", async () => {
	ports = await freePorts();
	cfg = writeConfig(dir.path, "agent.json", {
		name: "reattach",
		data_dir: dataDir,
		bind_addr: "127.0.0.1",
		advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" },
		ports,
		server: { enabled: true, bootstrap_expect: 1 },
		client: { enabled: true },
		plugin: { raw_exec: { config: { enabled: true } } },
		limits: { http_max_conns_per_client: 0 },
	});
	await start();
	await waitFor(async () => {
		const n = await get("/v1/nodes");
		return n.length === 1 && n[0].Status === "ready";
	});
});

test("agent SIGTERM, then 20 agent kill -9 + restart: same pid, no restart, no lost log line, alloc running", async () => {
	await register(
		job("counter", "service", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done", {
			RestartPolicy: { Attempts: 0, Mode: "fail", Interval: 60e9, Delay: 1e9 },
		}),
	);
	const alloc = await waitFor(async () => {
		const a = await allocOf("counter");
		return a?.ClientStatus === "running" ? a : undefined;
	});
	const [task] = supervisorTasks().filter((t) => t.id.startsWith(`${alloc.ID}/`));
	assert.ok(task && task.state === "running");
	const startTime = procStartTime(task.pid);
	assert.equal(startTime, task.startTime);

	// One graceful stop first: a non-dev client leaves its tasks running on SIGTERM, as Nomad.
	await agent?.stop("SIGTERM");
	assert.equal(procStartTime(task.pid), startTime, "the task died with a graceful agent stop");
	await start();
	for (let round = 0; round < 20; round++) {
		await agent?.stop("SIGKILL");
		// Down for a while: the task keeps printing and the supervisor keeps writing it down.
		await new Promise((r) => setTimeout(r, 100 + (round % 4) * 100));
		assert.equal(procStartTime(task.pid), startTime, `round ${round}: the task died with the agent`);
		await start();
		const a = await waitFor(async () => {
			const x = await allocOf("counter");
			return x?.TaskStates?.t?.State === "running" ? x : undefined;
		});
		assert.equal(a.ClientStatus, "running", `round ${round}`);
	}
	// Let the restarted agent settle, then look at everything at once.
	await new Promise((r) => setTimeout(r, 500));
	const a = await allocOf("counter");
	assert.equal(a.ClientStatus, "running");
	assert.equal(a.TaskStates.t.State, "running");
	assert.equal(a.TaskStates.t.Restarts, 0);
	const started = a.TaskStates.t.Events.filter((e: any) => e.Type === "Started");
	assert.equal(started.length, 1, "started once, never again");
	const now = supervisorTasks().filter((t) => t.id.startsWith(`${alloc.ID}/`));
	assert.deepEqual(
		now.map((t) => [t.id, t.pid, t.state]),
		[[task.id, task.pid, "running"]],
	);
	assert.equal(procStartTime(task.pid), startTime);
	// The server sees the allocation running too.
	const node = (await get("/v1/nodes"))[0];
	assert.equal(node.Status, "ready");

	const logDir = join(dataDir, "alloc", alloc.ID, "alloc", "logs");
	const files = readdirSync(logDir)
		.filter((f) => /^t\.stdout\.\d+$/.test(f))
		.sort((x, y) => Number(x.split(".")[2]) - Number(y.split(".")[2]));
	const lines = files
		.map((f) => readFileSync(join(logDir, f), "utf8"))
		.join("")
		.split("\n")
		.filter((l) => l !== "");
	assert.ok(lines.length > 60, `only ${lines.length} lines`);
	lines.forEach((l, i) => {
		assert.equal(l, `line ${i}`, `line ${i} of ${lines.length}`);
	});
});

test("a task that exits while the agent is down is reported with its exit code after the restart", async () => {
	await register(
		job("quitter", "batch", "sleep 1.5; exit 3", {
			RestartPolicy: { Attempts: 0, Mode: "fail", Interval: 60e9, Delay: 1e9 },
		}),
	);
	const alloc = await waitFor(async () => {
		const a = await allocOf("quitter");
		return a?.ClientStatus === "running" ? a : undefined;
	});
	await agent?.stop("SIGKILL");
	const [task] = supervisorTasks().filter((t) => t.id.startsWith(`${alloc.ID}/`));
	assert.ok(task);
	// The task ends while no agent runs; its supervisor keeps the exit status.
	await waitFor(async () => supervisorTasks().find((t) => t.id === task.id)?.state === "exited", 10_000, 50);
	await start();
	const a = await waitFor(async () => {
		const x = await allocOf("quitter");
		return x?.ClientStatus === "failed" ? x : undefined;
	});
	const terminated = a.TaskStates.t.Events.filter((e: any) => e.Type === "Terminated");
	assert.equal(terminated.length, 1);
	assert.equal(terminated[0].ExitCode, 3);
	assert.equal(terminated[0].Details.exit_code, "3");
	assert.equal(a.TaskStates.t.State, "dead");
	assert.equal(a.TaskStates.t.Restarts, 0);
	// Acknowledged: the supervisor no longer keeps it.
	await waitFor(async () => !supervisorTasks().some((t) => t.id === task.id), 5000, 50);
});

test("kill -9 of the node supervisor: the task carries on, a new supervisor adopts it, stopping the job still kills it", async () => {
	const alloc = await allocOf("counter");
	const [task] = supervisorTasks().filter((t) => t.id.startsWith(`${alloc.ID}/`));
	assert.ok(task && task.state === "running");
	const pidFile = join(stateDir, "supervisor.pid");
	const oldSup = Number(readFileSync(pidFile, "utf8").split(" ")[0]);
	process.kill(oldSup, "SIGKILL");
	// The agent notices the dropped connection and starts a new supervisor, which adopts the task.
	const newSup = await waitFor(async () => {
		const pid = Number(readFileSync(pidFile, "utf8").split(" ")[0]);
		return pid !== oldSup && procStartTime(pid) !== undefined ? pid : undefined;
	});
	assert.equal(procStartTime(task.pid), task.startTime, "the task survives its supervisor");
	const logFile = join(dataDir, "alloc", alloc.ID, "alloc", "logs", "t.stdout.0");
	const before = readFileSync(logFile, "utf8").length;
	await new Promise((r) => setTimeout(r, 500));
	assert.ok(readFileSync(logFile, "utf8").length > before, "output still reaches the log file");
	const a = await allocOf("counter");
	assert.equal(a.TaskStates.t.State, "running");
	assert.equal(a.TaskStates.t.Restarts, 0);

	// Stopping the job reaches the adopted task (kill signal, then SIGKILL to its group).
	const r = await fetch(`${agent?.url}/v1/job/counter`, { method: "DELETE" });
	assert.equal(r.status, 200);
	await waitFor(async () => procStartTime(task.pid) === undefined, 15_000);
	const done = await waitFor(async () => {
		const x = await allocOf("counter");
		return x?.ClientStatus === "complete" ? x : undefined;
	});
	assert.equal(done.TaskStates.t.State, "dead");
	assert.ok(procStartTime(newSup) !== undefined, "the new supervisor keeps running");
});

test("-dev: a kill -9 of the agent takes its supervisor and tasks with it", async () => {
	const dev = await startDevAgent();
	try {
		const r = await fetch(`${dev.url}/v1/jobs`, {
			method: "PUT",
			body: JSON.stringify(job("devsleep", "service", "exec sleep 600")),
		});
		assert.equal(r.status, 200);
		const alloc = await waitFor(async () => {
			const a = ((await (await fetch(`${dev.url}/v1/job/devsleep/allocations`)).json()) as any[])[0];
			return a?.ClientStatus === "running" ? a : undefined;
		});
		const stats = (await (await fetch(`${dev.url}/v1/client/allocation/${alloc.ID}/stats`)).json()) as any;
		const taskPid = Number(Object.keys(stats.Tasks.t.Pids)[0]);
		assert.ok(procStartTime(taskPid) !== undefined);
		await dev.stop("SIGKILL");
		await waitFor(async () => procStartTime(taskPid) === undefined, 5000, 50);
	} finally {
		await dev.stop("SIGKILL");
	}
});

const execUsable =
	process.platform === "linux" && process.geteuid?.() === 0 && readdirSync("/sys/fs/cgroup").length > 0;

test("an exec task is reattached too: same process, its cgroup kept, and stopping it still cleans up", {
	skip: execUsable ? false : "needs root and cgroups",
}, async () => {
	const body = job("isolated", "service", "while true; do echo tick; sleep 0.1; done", {
		RestartPolicy: { Attempts: 0, Mode: "fail", Interval: 60e9, Delay: 1e9 },
	}) as any;
	body.Job.TaskGroups[0].Tasks[0].Driver = "exec";
	body.Job.TaskGroups[0].Tasks[0].KillTimeout = 500e6;
	await register(body);
	const alloc = await waitFor(async () => {
		const a = await allocOf("isolated");
		return a?.ClientStatus === "running" ? a : undefined;
	}, 20_000);
	const [task] = supervisorTasks().filter((t) => t.id.startsWith(`${alloc.ID}/`));
	assert.ok(task && task.state === "running", "the exec task runs under the supervisor");
	const startTime = procStartTime(task.pid);
	const memCg = "/sys/fs/cgroup/memory/nomad-ts";
	const cgDir = readdirSync("/sys/fs/cgroup").includes("memory") ? join(memCg, `${alloc.ID}.t`) : undefined;
	const cgExists = () => (cgDir ? readdirSync(memCg).includes(`${alloc.ID}.t`) : true);
	assert.ok(cgExists(), "the task's cgroup exists");
	for (let round = 0; round < 2; round++) {
		await agent?.stop("SIGKILL");
		await new Promise((r) => setTimeout(r, 200));
		assert.equal(procStartTime(task.pid), startTime, `round ${round}: the task died with the agent`);
		await start();
		await waitFor(async () => (await allocOf("isolated"))?.TaskStates?.t?.State === "running");
	}
	await new Promise((r) => setTimeout(r, 300));
	const a = await allocOf("isolated");
	assert.equal(a.TaskStates.t.Restarts, 0);
	assert.equal(a.TaskStates.t.Events.filter((e: any) => e.Type === "Started").length, 1);
	assert.ok(cgExists(), "the cgroup survives the agent's restarts");
	// Stats still come from the reattached task's cgroups.
	const stats = await get(`/v1/client/allocation/${alloc.ID}/stats`);
	assert.ok(stats.Tasks.t.ResourceUsage.MemoryStats.Measured.includes("Usage"));

	const r = await fetch(`${agent?.url}/v1/job/isolated`, { method: "DELETE" });
	assert.equal(r.status, 200);
	await waitFor(async () => (await allocOf("isolated"))?.ClientStatus === "complete", 15_000);
	await waitFor(async () => procStartTime(task.pid) === undefined && !cgExists(), 10_000);
});
