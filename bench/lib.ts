// Shared bench helpers: spawn processes, wait for readiness, read /proc numbers, print figures.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "..");
export const BIN = join(REPO, "bin/nomad-ts.js");

const children = new Set<ChildProcess>();
for (const sig of ["exit", "SIGINT", "SIGTERM"] as const) {
	process.on(sig, () => {
		for (const c of children) c.kill("SIGKILL");
		if (sig !== "exit") process.exit(1);
	});
}

export function figure(name: string, value: number, unit: string): void {
	const v = Number.isInteger(value) ? String(value) : value.toFixed(2);
	console.log(`${name}: ${v} ${unit}`);
}

import { freePort } from "../test/helpers/agentProcess.ts";

export { freePort };

export function spawnTracked(cmd: string, args: string[], opts: { quiet?: boolean } = {}): ChildProcess {
	const p = spawn(cmd, args, { cwd: REPO, stdio: ["ignore", opts.quiet ? "ignore" : "inherit", "pipe"] });
	let err = "";
	p.stderr?.on("data", (d: Buffer) => {
		err = (err + d.toString()).slice(-4000);
	});
	p.once("exit", (code) => {
		children.delete(p);
		if (code && code !== 0 && !p.killed) process.stderr.write(`child ${cmd} exited ${code}: ${err}\n`);
	});
	children.add(p);
	return p;
}

export async function stop(p: ChildProcess): Promise<void> {
	if (p.exitCode !== null) return;
	const done = new Promise((r) => p.once("exit", r));
	p.kill("SIGTERM");
	await done;
}

/** Polls `url` until `ok(body)`; returns ms since `since`. */
export async function waitFor(
	url: string,
	ok: (body: string) => boolean,
	since: number,
	timeoutMs = 20_000,
): Promise<number> {
	for (;;) {
		try {
			const r = await fetch(url);
			const body = await r.text();
			if (r.ok && ok(body)) return performance.now() - since;
		} catch {
			// not yet
		}
		if (performance.now() - since > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 5));
	}
}

/** Resident set size of a process, from /proc. */
export function rssMB(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const m = /VmRSS:\s+(\d+) kB/.exec(status);
	return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Starts a dev agent on free ports with the given extra config; resolves once a leader is known. */
export async function startDevAgent(extraConfig: Record<string, unknown> = {}): Promise<{
	proc: ChildProcess;
	url: string;
	readyMs: number;
}> {
	const { mkdtempSync, writeFileSync } = await import("node:fs");
	const { tmpdir } = await import("node:os");
	const ports = { http: await freePort(), rpc: await freePort(), serf: await freePort() };
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-bench-"));
	const cfg = join(dir, "bench.json");
	writeFileSync(cfg, JSON.stringify({ ports, ...extraConfig }));
	const t0 = performance.now();
	const proc = spawnTracked(process.execPath, [BIN, "agent", "-dev", `-config=${cfg}`, "-log-level=WARN"], {
		quiet: true,
	});
	const url = `http://127.0.0.1:${ports.http}`;
	const readyMs = await waitFor(`${url}/v1/status/leader`, (b) => b !== '""', t0);
	return { proc, url, readyMs };
}
