#!/usr/bin/env node
// Append throughput of the state machine's log backends (src/server/raftlog):
//   memory baseline, sqlite with one fsync per append (sequential, each awaited), and sqlite group
//   commit with many concurrent appenders. Each figure runs ~2 s on a temp file; prints one
//   `name: value unit` line per figure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryLog, createSqliteLog, type LogStore } from "../src/server/raftlog/index.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const IN_FLIGHT = 256;
/** A typical small command (an alloc client update is a few hundred bytes of JSON). */
const DATA = JSON.stringify({
	AllocID: "6c3c9a1e-3c39-7a8f-1f6b-9b1b9c6c8f52",
	ClientStatus: "running",
	pad: "x".repeat(200),
});

async function sequential(log: LogStore, seconds: number): Promise<number> {
	const end = performance.now() + seconds * 1000;
	const start = performance.now();
	let n = 0;
	while (performance.now() < end) {
		for (let i = 0; i < 64; i++) await log.append("alloc-update", DATA);
		n += 64;
	}
	return n / ((performance.now() - start) / 1000);
}

async function concurrent(log: LogStore, seconds: number, inFlight: number): Promise<number> {
	const start = performance.now();
	const end = start + seconds * 1000;
	let n = 0;
	const worker = async (): Promise<void> => {
		while (performance.now() < end) {
			await log.append("alloc-update", DATA);
			n += 1;
		}
	};
	await Promise.all(Array.from({ length: inFlight }, worker));
	return n / ((performance.now() - start) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), "nomad-ts-bench-log-"));
try {
	const memory = createMemoryLog();
	await memory.open();
	const memRate = await sequential(memory, SECONDS);
	await memory.close();
	console.log(`log_append_memory: ${Math.round(memRate)} appends/s`);

	const perCommit = createSqliteLog({
		path: join(dir, "commit.db"),
		sync: "commit",
	});
	await perCommit.open();
	const commitRate = await sequential(perCommit, SECONDS);
	await perCommit.close();
	console.log(`log_append_fsync_per_commit: ${Math.round(commitRate)} appends/s`);

	const grouped = createSqliteLog({
		path: join(dir, "group.db"),
		sync: "group",
	});
	await grouped.open();
	const groupRate = await concurrent(grouped, SECONDS, IN_FLIGHT);
	await grouped.close();
	const s = grouped.stats();
	console.log(`log_append_group_commit: ${Math.round(groupRate)} appends/s`);
	console.log(`log_group_commit_avg_batch: ${Math.round(s.entries / Math.max(1, s.commits))} entries`);
} finally {
	rmSync(dir, { recursive: true, force: true });
}
