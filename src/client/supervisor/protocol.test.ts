import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { isSameProcess, processStartTime } from "./procStat.ts";
import { lineReader, socketPath } from "./protocol.ts";

test("lineReader: frames split anywhere, bad lines reported and skipped", () => {
	const got: unknown[] = [];
	const bad: string[] = [];
	const feed = lineReader(
		(m) => got.push(m),
		(l) => bad.push(l),
	);
	feed(Buffer.from('{"a":1}\n{"b"'));
	feed(Buffer.from(':2}\nnope\n\n{"c":"é"}'));
	assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
	feed(Buffer.from("\n"));
	assert.deepEqual(got, [{ a: 1 }, { b: 2 }, { c: "é" }]);
	assert.deepEqual(bad, ["nope"]);
});

test("socketPath: in the state dir unless too long for a unix socket address", () => {
	assert.equal(socketPath("/var/lib/nomad/client"), "/var/lib/nomad/client/supervisor.sock");
	const long = `/tmp/${"x".repeat(120)}`;
	const p = socketPath(long);
	assert.match(p, /nomad-ts-supervisor-[0-9a-f]{16}\.sock$/);
	assert.equal(socketPath(long), p, "stable for the same dir");
	assert.notEqual(socketPath(`${long}y`), p);
});

test("pid + start time identify a process; a dead or reused pid does not match", async () => {
	const me = processStartTime(process.pid);
	assert.ok(me !== undefined && me > 0);
	assert.equal(isSameProcess(process.pid, me), true);
	assert.equal(isSameProcess(process.pid, me + 1), false);
	assert.equal(processStartTime(0), undefined);
	assert.equal(processStartTime(-5), undefined);
	const child = spawn("sleep", ["10"]);
	await new Promise((r) => child.once("spawn", r));
	const pid = child.pid as number;
	const start = processStartTime(pid) as number;
	assert.ok(start >= me);
	child.kill("SIGKILL");
	await new Promise((r) => child.once("exit", r));
	assert.equal(isSameProcess(pid, start), false);
});
