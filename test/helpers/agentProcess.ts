// Starts real `nomad-ts agent` processes on free loopback ports for integration tests, and makes
// sure every one of them is gone when the test ends.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
export const BIN = join(REPO, "bin/nomad-ts.js");

/**
 * A port that is free right now, picked at random below the kernel's ephemeral range (32768+):
 * ports handed out by bind(0) come from that range, where any outgoing connection (the tests' own
 * HTTP clients) can take them before the agent binds; below it only listeners compete.
 */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = 10000 + Math.floor(Math.random() * 22000);
		if (!claimPort(port)) continue;
		const ok = await new Promise<boolean>((res) => {
			const s = createServer();
			s.once("error", () => res(false));
			s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
		});
		if (ok) return port;
	}
}

// Test files run two at a time. A port stays claimed by the test process that picked it until that
// process exits, so another file cannot pick it while an agent is restarting on it (kill -9 and
// restart tests leave their ports unbound for a moment).
const CLAIMS = join(tmpdir(), "nomad-ts-test-ports");
const claimed: string[] = [];

function claimPort(port: number): boolean {
	mkdirSync(CLAIMS, { recursive: true });
	const file = join(CLAIMS, String(port));
	try {
		writeFileSync(file, String(process.pid), { flag: "wx" });
	} catch {
		// Claimed: skipped while its owner lives (or is still writing its pid); a dead owner's claim is
		// taken over.
		const owner = Number(readFileSync(file, "utf8"));
		if (!(owner > 0) || processAlive(owner)) return false;
		writeFileSync(file, String(process.pid));
	}
	claimed.push(file);
	return true;
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

process.on("exit", () => {
	for (const f of claimed) rmSync(f, { force: true });
});

export interface Ports {
	http: number;
	rpc: number;
	serf: number;
}

export async function freePorts(): Promise<Ports> {
	return { http: await freePort(), rpc: await freePort(), serf: await freePort() };
}

export interface StartedAgent {
	proc: ChildProcess;
	ports: Ports;
	url: string;
	output: () => string;
	stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
	for (const p of live) p.kill("SIGKILL");
});

/** Spawns the agent and waits until /v1/status/leader answers with a leader. */
export async function startAgent(
	args: string[],
	ports: Ports,
	opts: {
		waitLeader?: boolean;
		timeoutMs?: number;
		env?: NodeJS.ProcessEnv;
		readyPath?: string;
		/** The address the agent's HTTP listens on (default 127.0.0.1). */
		host?: string;
	} = {},
): Promise<StartedAgent> {
	const proc = spawn(process.execPath, [BIN, "agent", ...args], {
		cwd: REPO,
		env: { ...process.env, ...opts.env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	live.add(proc);
	let out = "";
	proc.stdout?.on("data", (d: Buffer) => {
		out += d.toString();
	});
	proc.stderr?.on("data", (d: Buffer) => {
		out += d.toString();
	});
	const exited = new Promise<number | null>((res) =>
		proc.once("exit", (code) => {
			live.delete(proc);
			res(code);
		}),
	);
	const url = `http://${opts.host ?? "127.0.0.1"}:${ports.http}`;
	const agent: StartedAgent = {
		proc,
		ports,
		url,
		output: () => out,
		stop: async (signal: NodeJS.Signals = "SIGTERM") => {
			if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
			return exited;
		},
	};
	const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
	for (;;) {
		if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}:\n${out}`);
		try {
			const r = await fetch(`${url}${opts.readyPath ?? "/v1/status/leader"}`);
			const body = await r.text();
			if (r.ok && (opts.waitLeader === false || opts.readyPath || body !== '""')) return agent;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			await agent.stop("SIGKILL");
			throw new Error(`agent not ready in time:\n${out}`);
		}
		await new Promise((r) => setTimeout(r, 25));
	}
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = "nomad-ts-test-"): { path: string; cleanup: () => void } {
	const path = mkdtempSync(join(tmpdir(), prefix));
	return {
		path,
		cleanup: () => {
			killSupervisorsUnder(path);
			rmSync(path, { recursive: true, force: true });
		},
	};
}

/**
 * Non-dev clients leave their node supervisor and tasks running when they stop (as Nomad's tasks
 * outlive the agent): a test's directory clean-up kills every supervisor found under it (a
 * `<data_dir>/client/supervisor.pid`, a few levels down) with the tasks it lists.
 */
function killSupervisorsUnder(root: string, depth = 4): void {
	let entries: import("node:fs").Dirent[];
	try {
		entries = readdirSync(root, { withFileTypes: true });
	} catch {
		return;
	}
	if (entries.some((e) => e.name === "supervisor.pid")) killSupervisor(root);
	if (depth > 0) for (const e of entries) if (e.isDirectory()) killSupervisorsUnder(join(root, e.name), depth - 1);
}

function readState(stateDir: string, name: string): string {
	try {
		return readFileSync(join(stateDir, name), "utf8");
	} catch {
		return "";
	}
}

function supervisorPid(stateDir: string): number {
	return Number(readState(stateDir, "supervisor.pid").split(" ")[0]);
}

/** SIGKILLs the process group of every task the supervisor lists as running, then the supervisor. */
function killSupervisor(stateDir: string): void {
	const kill = (pid: number) => {
		try {
			// A negative pid is the task's whole process group.
			if (Number.isInteger(pid) && pid !== 0) process.kill(pid, "SIGKILL");
		} catch {
			// gone
		}
	};
	let tasks: { pid: number; state: string }[] = [];
	try {
		tasks = JSON.parse(readState(stateDir, "supervisor-tasks.json") || "[]");
	} catch {
		// torn or missing: nothing more to find
	}
	for (const t of tasks) if (t.state === "running") kill(-t.pid);
	kill(supervisorPid(stateDir));
}

/** Writes an agent config file (JSON) and returns its path. */
export function writeConfig(dir: string, name: string, config: unknown): string {
	const p = join(dir, name);
	writeFileSync(p, JSON.stringify(config, null, 2));
	return p;
}

type Config = Record<string, unknown>;

function mergeConfig(base: Config, extra: Config): Config {
	const out: Config = { ...base };
	for (const [k, v] of Object.entries(extra)) {
		const b = out[k];
		out[k] =
			v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
				? mergeConfig(b as Config, v as Config)
				: v;
	}
	return out;
}

/** Loopback binding and advertising for a non-dev agent (one needs `advertise` on 127.x). */
function loopback(host: string): Config {
	return { bind_addr: host, advertise: { http: host, rpc: host, serf: host } };
}

export interface ClusterAgentOptions {
	/** Merged (deeply) into the agent's config file. */
	config?: Config;
	/** Loopback address to bind (default 127.0.0.1). */
	host?: string;
	args?: string[];
	env?: NodeJS.ProcessEnv;
}

/** A non-dev server agent (bootstrap_expect 1) with its data in `<dir>/<name>`. */
export async function startServerAgent(dir: string, name: string, o: ClusterAgentOptions = {}): Promise<StartedAgent> {
	const ports = await freePorts();
	const host = o.host ?? "127.0.0.1";
	const cfg = writeConfig(
		dir,
		`${name}.json`,
		mergeConfig(
			{ ...loopback(host), name, data_dir: join(dir, name), ports, server: { enabled: true, bootstrap_expect: 1 } },
			o.config ?? {},
		),
	);
	return startAgent([`-config=${cfg}`, ...(o.args ?? [])], ports, { host, env: o.env });
}

/** A client-only agent with its data in `<dir>/<name>`, joined to `serverRpc`, raw_exec enabled. */
export async function startClientAgent(
	dir: string,
	name: string,
	serverRpc: string,
	o: ClusterAgentOptions = {},
): Promise<StartedAgent> {
	const ports = await freePorts();
	const host = o.host ?? "127.0.0.1";
	const base = {
		...loopback(host),
		name,
		data_dir: join(dir, name),
		ports,
		client: { enabled: true, servers: [serverRpc] },
		plugin: { raw_exec: { config: { enabled: true } } },
	};
	const cfg = writeConfig(dir, `${name}.json`, mergeConfig(base, o.config ?? {}));
	return startAgent([`-config=${cfg}`, ...(o.args ?? [])], ports, { readyPath: "/v1/agent/health", host, env: o.env });
}

/** Starts a dev agent on fresh ports (extra args, e.g. -dev-sim-nodes=5). */
export async function startDevAgent(extra: string[] = []): Promise<StartedAgent> {
	const ports = await freePorts();
	const dir = tempDir();
	const cfg = writeConfig(dir.path, "ports.json", {
		ports: ports,
		limits: { http_max_conns_per_client: 0 },
	});
	const agent = await startAgent(["-dev", `-config=${cfg}`, "-log-level=INFO", ...extra], ports);
	const stop = agent.stop;
	agent.stop = async (s) => {
		const code = await stop(s);
		dir.cleanup();
		return code;
	};
	return agent;
}

/** Polls `fn` until it returns something truthy (then returns it), or throws after `ms`. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 15_000, intervalMs = 100): Promise<T> {
	const t0 = Date.now();
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() - t0 > ms) throw new Error("timed out");
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/**
 * Stops the node supervisor of a client state dir (<data_dir>/client) and every task it runs: a
 * non-dev client leaves both running when it stops, as Nomad leaves its tasks. SIGTERM makes the
 * supervisor kill its tasks' process groups; whatever is still listed as running after that (or if
 * the supervisor is gone already) is killed here.
 */
export async function stopSupervisor(stateDir: string): Promise<void> {
	const alive = (pid: number) => {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
		} catch {
			return false;
		}
	};
	const pid = supervisorPid(stateDir);
	if (pid > 0 && alive(pid)) {
		process.kill(pid, "SIGTERM");
		for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
	}
	killSupervisor(stateDir);
}
