// The node supervisor as a real detached process, driven through SupervisorClient over its unix
// socket: start/list/signal/forget, exit statuses kept for an absent agent, log capture and
// rotation, a kill -9 of the supervisor (its tasks are adopted by the next one, their output keeps
// flowing), the pid-file lock, -dev (ephemeral) and idle exits, and bad requests.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SupervisorClient, supervisorEntry } from "./client.ts";
import { processStartTime } from "./procStat.ts";
import { pidFilePath, type StartRequest, socketPath } from "./protocol.ts";

const dirs: string[] = [];
const clients: SupervisorClient[] = [];
const strayPids = new Set<number>();

after(async () => {
	for (const c of clients) await c.shutdown().catch(() => {});
	for (const d of dirs) {
		try {
			const pid = Number(readFileSync(pidFilePath(d), "utf8").split(" ")[0]);
			if (pid > 0) process.kill(pid, "SIGKILL");
		} catch {
			// gone
		}
		rmSync(d, { recursive: true, force: true });
	}
	for (const pid of strayPids) {
		try {
			process.kill(-pid, "SIGKILL");
		} catch {
			// gone
		}
	}
});

function setup(opts: { ephemeral?: boolean; idleExitMs?: number } = {}) {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-sup-"));
	dirs.push(dir);
	const client = new SupervisorClient({
		stateDir: dir,
		ephemeral: opts.ephemeral ?? false,
		idleExitMs: opts.idleExitMs,
	});
	clients.push(client);
	return { dir, client };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => T | undefined | false, ms = 5000): Promise<T> {
	const t0 = Date.now();
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() - t0 > ms) throw new Error("timed out");
		await sleep(20);
	}
}

const alive = (pid: number) => processStartTime(pid) !== undefined;

function sh(id: string, dir: string, script: string, extra: Partial<StartRequest> = {}): StartRequest {
	return {
		id,
		command: "/bin/sh",
		args: ["-c", script],
		cwd: dir,
		env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
		logs: { dir, stdoutBase: "t.stdout", stderrBase: "t.stderr", maxFiles: 10, maxFileBytes: 1 << 20 },
		...extra,
	};
}

test("start, list, exit statuses (code and signal), forget", { timeout: 30_000 }, async () => {
	const { dir, client } = setup();
	const info = await client.start(sh("a", dir, "echo out; echo err >&2; exit 7"));
	assert.equal(info.state, "running");
	assert.equal(info.child, true);
	const h = client.handle("raw_exec", info);
	assert.deepEqual(await h.wait(), { exitCode: 7, signal: 0, err: undefined });
	await until(() => readFileSync(join(dir, "t.stdout.0"), "utf8") === "out\n");
	await until(() => readFileSync(join(dir, "t.stderr.0"), "utf8") === "err\n");
	assert.equal((await client.list()).find((t) => t.id === "a")?.state, "exited");
	h.release?.();
	await until(() => true);
	await sleep(50);
	assert.equal((await client.list()).length, 0);

	const s = await client.start(sh("b", dir, "sleep 30"));
	assert.equal(processStartTime(s.pid), s.startTime);
	const hb = client.handle("raw_exec", s);
	hb.signal("SIGTERM");
	assert.deepEqual(await hb.wait(), { exitCode: 128 + 15, signal: 15, err: undefined });
});

test("an exit that arrives with the start answer is not lost", { timeout: 30_000 }, async () => {
	const { dir, client } = setup();
	// Keep this process busy while the task starts and exits, so that the answer to `start` and the
	// exit event wait in the socket together and are read at once.
	const results = [];
	for (let i = 0; i < 3; i++) {
		const pending = client.start(sh(`fast-${i}`, dir, "exit 5", { logs: null }));
		const t0 = Date.now();
		while (Date.now() - t0 < 300) {
			// busy
		}
		const info = await pending;
		results.push(await client.handle("raw_exec", info).wait());
	}
	for (const r of results) assert.equal(r.exitCode, 5);
});

test("a group kill reaches the task's children; signals of exited or unknown tasks", { timeout: 30_000 }, async () => {
	const { dir, client } = setup();
	const info = await client.start(sh("g", dir, "sleep 100 & echo $! > child.pid; wait"));
	const childPid = await until(() => {
		try {
			return Number(readFileSync(join(dir, "child.pid"), "utf8"));
		} catch {
			return undefined;
		}
	});
	assert.ok(alive(childPid));
	assert.equal(await client.signal("g", "SIGKILL", true), true);
	await client.handle("raw_exec", info).wait();
	await until(() => !alive(childPid));
	assert.equal(await client.signal("g", "SIGTERM"), false, "exited: nothing to signal");
	await assert.rejects(client.signal("nope", "SIGTERM"), /unknown task nope/);
	await assert.rejects(client.signal("g", "SIGNOPE"), /invalid signal/);
});

test("bad starts and bad requests are answered with errors; the connection stays usable", {
	timeout: 30_000,
}, async () => {
	const { dir, client } = setup();
	await assert.rejects(client.start(sh("x", dir, "true", { command: "/no/such/binary" })), /ENOENT/);
	await assert.rejects(client.start({ ...sh("y", dir, "true"), args: "nope" as unknown as string[] }), /args/);
	await assert.rejects(
		client.start(sh("z", dir, "true", { logs: { ...sh("z", dir, "").logs!, stdoutBase: "../escape" } })),
		/log base/,
	);
	await client.start(sh("dup", dir, "sleep 5"));
	await assert.rejects(client.start(sh("dup", dir, "true")), /exists/);
	await client.forget("dup");

	assert.equal(statSync(socketPath(dir)).mode & 0o777, 0o600, "the socket is the owner's alone");

	// Raw protocol: a broken line is skipped, an unknown op is an error, the next request works.
	const sock = connect(socketPath(dir));
	await new Promise((r) => sock.once("connect", r));
	let got = "";
	sock.on("data", (d) => {
		got += d.toString();
	});
	sock.write('{not json\n{"id":1,"op":"explode"}\n{"id":2,"op":"list"}\n');
	await until(() => got.split("\n").length >= 3);
	const [r1, r2] = got
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l));
	assert.deepEqual(r1, { id: 1, ok: false, error: 'unknown op "explode"' });
	assert.equal(r2.id, 2);
	assert.equal(r2.ok, true);
	sock.destroy();
});

test("output is rotated; disabled logs go nowhere; wrapper and cgroupProcs are applied", {
	timeout: 30_000,
}, async () => {
	const { dir, client } = setup();
	const logs = { dir, stdoutBase: "r.stdout", stderrBase: "r.stderr", maxFiles: 2, maxFileBytes: 100 };
	const h = client.handle(
		"raw_exec",
		await client.start(sh("r", dir, "for i in $(seq 1 100); do echo line-$i; done", { logs })),
	);
	await h.wait();
	await until(() => readdirSync(dir).filter((f) => f.startsWith("r.stdout.")).length === 2);
	await sleep(100);
	const files = readdirSync(dir).filter((f) => f.startsWith("r.stdout."));
	const idx = files.map((f) => Number(f.split(".")[2])).sort((a, b) => a - b);
	assert.equal(idx.length, 2);
	assert.equal(idx[1], idx[0] + 1);
	const last = readFileSync(join(dir, `r.stdout.${idx[1]}`), "utf8");
	assert.ok(last.endsWith("line-100\n"), last);

	const procs = join(dir, "cgroup.procs");
	writeFileSync(procs, "");
	const wrapped = await client.start(
		sh("w", dir, 'echo "$FOO"', {
			wrapper: ["/usr/bin/env", "FOO=wrapped"],
			cgroupProcs: [procs, "/no/such/cgroup.procs"],
		}),
	);
	await client.handle("raw_exec", wrapped).wait();
	assert.equal(readFileSync(procs, "utf8"), `${wrapped.pid}\n`);
	await until(() => readFileSync(join(dir, "t.stdout.0"), "utf8") === "wrapped\n");

	const quiet = await client.start(sh("q", dir, "echo hidden", { logs: null }));
	assert.equal((await client.handle("raw_exec", quiet).wait()).exitCode, 0);
	assert.equal(readdirSync(dir).filter((f) => f.startsWith("t.stdout.") && f !== "t.stdout.0").length, 0);
	assert.equal(readFileSync(join(dir, "t.stdout.0"), "utf8"), "wrapped\n");
});

test("exit statuses wait for an absent agent; a second supervisor for the same dir steps aside", {
	timeout: 30_000,
}, async () => {
	const { dir, client } = setup();
	const info = await client.start(sh("k", dir, "sleep 0.3; exit 4"));
	const supPid = client.supervisorPid;
	client.close();
	await sleep(700);
	// Another supervisor for this dir finds the live one through the pid file and exits.
	const second = spawnSync(process.execPath, [supervisorEntry(dir), "--state-dir", dir], { timeout: 10_000 });
	assert.equal(second.status, 0);
	assert.match(second.stdout.toString(), /another supervisor runs/);

	const again = new SupervisorClient({ stateDir: dir, ephemeral: false });
	clients.push(again);
	await again.connect();
	assert.equal(again.supervisorPid, supPid);
	const t = (await again.list()).find((x) => x.id === "k");
	assert.equal(t?.state, "exited");
	assert.equal(t?.exitCode, 4);
	assert.equal(t && (await again.handle("raw_exec", t).wait()).exitCode, 4);
	assert.equal(t?.pid, info.pid);
});

test("kill -9 of the supervisor: tasks keep running and writing; the next one adopts them", {
	timeout: 30_000,
}, async () => {
	const { dir, client } = setup();
	const info = await client.start(sh("c", dir, "i=0; while true; do echo n$i; i=$((i+1)); sleep 0.01; done"));
	strayPids.add(info.pid);
	const h = client.handle("raw_exec", info);
	await until(() => readFileSync(join(dir, "t.stdout.0"), "utf8").length > 20);
	const first = client.supervisorPid;
	process.kill(first, "SIGKILL");
	await sleep(300);
	assert.equal(processStartTime(info.pid), info.startTime, "the task survives its supervisor");
	// The client reconnects by itself, starting a new supervisor that adopts the task.
	await until(() => client.connected && client.supervisorPid !== first, 10_000);
	const adopted = (await client.list()).find((t) => t.id === "c");
	assert.equal(adopted?.state, "running");
	assert.equal(adopted?.child, false);
	assert.equal(adopted?.pid, info.pid);
	await sleep(300);
	// Not its parent, but it can still signal it, and notices the exit by polling /proc.
	assert.equal(await client.signal("c", "SIGKILL", true), true);
	const res = await h.wait();
	assert.equal(res.exitCode, -1);
	assert.match(res.err ?? "", /exit status unknown/);
	// Every line is there, in order, across the supervisor's death.
	await sleep(200);
	const lines = readFileSync(join(dir, "t.stdout.0"), "utf8").split("\n").filter(Boolean);
	assert.ok(lines.length > 30);
	assert.deepEqual(
		lines,
		lines.map((_, i) => `n${i}`),
	);
});

test("-dev (ephemeral): the supervisor stops its tasks and exits when the agent goes away", {
	timeout: 30_000,
}, async () => {
	const { dir, client } = setup({ ephemeral: true });
	const info = await client.start(sh("e", dir, "sleep 100"));
	strayPids.add(info.pid);
	const sup = client.supervisorPid;
	client.close();
	await until(() => !alive(info.pid) && !alive(sup), 5000);
});

test("idle exit: no task and no agent for idleExitMs", { timeout: 30_000 }, async () => {
	const { client } = setup({ idleExitMs: 300 });
	await client.connect();
	const sup = client.supervisorPid;
	client.close();
	await until(() => !alive(sup), 5000);
});

test("a restarted task (new start, same stream) carries on in the same log files", { timeout: 30_000 }, async () => {
	const { dir, client } = setup();
	for (const word of ["first", "second", "third"]) {
		const h = client.handle("raw_exec", await client.start(sh(word, dir, `echo ${word}`)));
		await h.wait();
		h.release?.();
	}
	await until(() => readFileSync(join(dir, "t.stdout.0"), "utf8") === "first\nsecond\nthird\n");
	assert.ok(readdirSync(dir, { withFileTypes: true }).some((e) => e.name === ".t.stdout.fifo" && e.isFIFO()));
});
