// Crash durability: a child process appends continuously and prints each acknowledged index; it is
// SIGKILLed mid-stream. Reopening must show every acknowledged index, with its data, and no gap.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createSqliteLog } from "./sqlite.ts";
import { tempDir } from "./testutil.ts";

const CHILD = `
import { createSqliteLog } from ${JSON.stringify(new URL("./sqlite.ts", import.meta.url).href)};
const [path, sync, padLen, inflight] = process.argv.slice(2);
const pad = "p".repeat(Number(padLen));
const log = createSqliteLog({ path, sync });
await log.open();
let next = log.lastIndex() + 1;
process.stdout.write("start " + next + "\\n");
const pump = () => {
	const expected = next++;
	log.append("set", JSON.stringify({ k: expected, pad })).then(
		(idx) => {
			if (idx !== expected) {
				process.stdout.write("bad " + idx + " " + expected + "\\n");
				process.exit(3);
			}
			process.stdout.write(idx + "\\n"); // synchronous on a pipe (Linux)
			pump();
		},
		(err) => {
			process.stdout.write("err " + err.message + "\\n");
			process.exit(4);
		},
	);
};
for (let i = 0; i < Number(inflight); i++) pump();
`;

interface Run {
	start: number;
	acked: number[];
	signal: NodeJS.Signals | null;
}

/** Runs the appender until it acknowledged `minAcks` (plus a random moment), then SIGKILLs it. */
async function appendAndKill(
	script: string,
	path: string,
	sync: string,
	padLen: number,
	inflight: number,
): Promise<Run> {
	const child: ChildProcess = spawn(process.execPath, [script, path, sync, String(padLen), String(inflight)], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	const closed = new Promise<{
		code: number | null;
		signal: NodeJS.Signals | null;
	}>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
	let out = "";
	let err = "";
	let ackCount = 0;
	let wake = (): void => {};
	child.stdout?.setEncoding("utf8");
	child.stderr?.setEncoding("utf8");
	child.stdout?.on("data", (chunk: string) => {
		out += chunk;
		ackCount += chunk.split("\n").length - 1;
		wake();
	});
	child.stderr?.on("data", (chunk: string) => {
		err += chunk;
	});
	try {
		const deadline = Date.now() + 15_000;
		let early: { code: number | null; signal: NodeJS.Signals | null } | null = null;
		void closed.then((c) => {
			early = c;
			wake();
		});
		while (ackCount < 300 && early === null && Date.now() < deadline) {
			await new Promise<void>((resolve) => {
				wake = resolve;
				setTimeout(resolve, 100).unref();
			});
		}
		assert.equal(early, null, `appender exited on its own: ${JSON.stringify(early)} ${out.slice(-200)} ${err}`);
		assert.ok(ackCount >= 300, `appender too slow: ${ackCount} lines in 15 s; stderr: ${err}`);
		await sleep(Math.floor(Math.random() * 40));
		child.kill("SIGKILL");
	} finally {
		if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
		await closed;
	}
	const { signal } = await closed;
	// A line torn by the kill is not an acknowledgement we can read; ignore it.
	const lines = out.split("\n").slice(0, -1);
	const first = lines.shift() ?? "";
	assert.match(first, /^start \d+$/, `unexpected first line ${first}; stderr: ${err}`);
	for (const l of lines) assert.match(l, /^\d+$/, `appender reported: ${l}`);
	return { start: Number(first.slice(6)), acked: lines.map(Number), signal };
}

async function checkDurable(path: string, sync: "commit" | "group", acked: number[]): Promise<number> {
	const log = createSqliteLog({ path, sync });
	try {
		const { snapshot, entries } = await log.open();
		assert.equal(snapshot, null);
		entries.forEach((e, i) => {
			assert.equal(e.index, i + 1, "gap in the log");
			assert.equal(e.type, "set");
			assert.equal(JSON.parse(e.data).k, e.index, `entry ${e.index} carries the wrong data`);
		});
		const last = log.lastIndex();
		assert.equal(last, entries.length);
		const maxAcked = acked[acked.length - 1] ?? 0;
		assert.ok(last >= maxAcked, `acknowledged index ${maxAcked} lost (log ends at ${last})`);
		return last;
	} finally {
		await log.close();
	}
}

describe("sqlite log survives SIGKILL", () => {
	let tmp: ReturnType<typeof tempDir>;
	let script: string;
	beforeEach(() => {
		tmp = tempDir();
		script = tmp.file("appender.mjs");
		writeFileSync(script, CHILD);
	});
	afterEach(() => tmp.remove());

	const cases = [
		{ sync: "commit", padLen: 300, inflight: 1 },
		{ sync: "commit", padLen: 2000, inflight: 8 },
		{ sync: "group", padLen: 300, inflight: 64 },
		{ sync: "group", padLen: 3000, inflight: 16 },
	] as const;
	for (const c of cases) {
		it(`sync=${c.sync}, ${c.inflight} in flight, ${c.padLen}-byte entries: no acknowledged append lost, no gap`, {
			timeout: 60_000,
		}, async () => {
			const path = tmp.file("log.db");
			let expectedStart = 1;
			for (let round = 0; round < 2; round++) {
				const run = await appendAndKill(script, path, c.sync, c.padLen, c.inflight);
				assert.equal(run.signal, "SIGKILL");
				assert.equal(run.start, expectedStart, "indexes must continue after the last durable one");
				for (const [i, idx] of run.acked.entries()) {
					assert.equal(idx, run.start + i, "acknowledgements out of order");
				}
				const last = await checkDurable(path, c.sync, run.acked);
				expectedStart = last + 1;
			}
		});
	}
});
