// The agent's side of the node supervisor: finds the supervisor of its state directory (or starts
// one, detached, with the same node binary), speaks the protocol of protocol.ts, reconnects when
// the connection drops (a new supervisor adopts the old one's tasks), and turns supervised tasks
// into the drivers' TaskHandle.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../lib/logger.ts";
import { builtEntry } from "../../lib/packagePaths.ts";
import type { ExitResult, TaskHandle, TaskHandleState } from "../drivers/types.ts";
import { processStartTime } from "./procStat.ts";
import {
	type ExitEvent,
	type HelloResult,
	lineReader,
	logFilePath,
	type Response,
	type StartRequest,
	socketPath,
	type TaskInfo,
} from "./protocol.ts";

export interface SupervisorClientOptions {
	stateDir: string;
	/** -dev: the supervisor stops every task and exits when this agent's connection goes away. */
	ephemeral: boolean;
	logger?: Logger;
	/** Passed to a supervisor this client starts (ms; default 60 s). */
	idleExitMs?: number;
}

/** The supervisor's modules: main.ts and everything it imports (node builtins aside). */
const SUPERVISOR_MODULES = ["main", "supervisor", "fifoCapture", "fileRotator", "procStat", "protocol"];
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/**
 * The supervisor's entry file. Compiled it is dist/'s (or the bundle's) client/supervisor/main.js. Run from the
 * TypeScript sources, Node would load its type stripper (a WebAssembly compiler, ~30 MB resident)
 * into the supervisor for good; instead this process, which has it loaded already, strips the few
 * supervisor modules once into <stateDir>/supervisor-js/*.mjs and the supervisor runs those.
 */
export function supervisorEntry(stateDir: string): string {
	if (!import.meta.url.endsWith(".ts")) return builtEntry(import.meta.url, "client/supervisor/main.js");
	const out = join(stateDir, "supervisor-js");
	mkdirSync(out, { recursive: true, mode: 0o700 });
	// stripTypeScriptTypes warns that it is experimental on every call; that warning is noise here.
	const emitWarning = process.emitWarning;
	process.emitWarning = () => {};
	try {
		for (const m of SUPERVISOR_MODULES) {
			const js = stripTypeScriptTypes(readFileSync(here(`./${m}.ts`), "utf8")).replace(
				/from "(\.\/[A-Za-z]+)\.ts"/g,
				'from "$1.mjs"',
			);
			writeFileSync(join(out, `${m}.mjs`), js, { mode: 0o600 });
		}
	} finally {
		process.emitWarning = emitWarning;
	}
	return join(out, "main.mjs");
}

function tryConnect(path: string): Promise<Socket | undefined> {
	return new Promise((resolve) => {
		const s = connect(path);
		s.once("connect", () => {
			s.removeAllListeners("error");
			resolve(s);
		});
		s.once("error", () => resolve(undefined));
	});
}

export class SupervisorClient {
	readonly stateDir: string;
	private readonly o: SupervisorClientOptions;
	private sock: Socket | undefined;
	private connecting: Promise<void> | undefined;
	private nextId = 1;
	private readonly inflight = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	private readonly exitListeners = new Map<string, (t: TaskInfo) => void>();
	/**
	 * Exits that came before anyone listened: an exit event can arrive in the same read as the
	 * answer to `start` (or `signal`), before the caller's continuation has registered its listener.
	 */
	private readonly unclaimedExits = new Map<string, TaskInfo>();
	private closed = false;
	/** Pid of the supervisor last connected to. */
	supervisorPid = 0;

	constructor(o: SupervisorClientOptions) {
		this.o = o;
		this.stateDir = o.stateDir;
	}

	get connected(): boolean {
		return this.sock !== undefined;
	}

	/** Connects to the running supervisor, starting one if there is none. Idempotent. */
	connect(): Promise<void> {
		if (this.closed) return Promise.reject(new Error("supervisor client closed"));
		if (this.sock) return Promise.resolve();
		this.connecting ??= this.doConnect().finally(() => {
			this.connecting = undefined;
		});
		return this.connecting;
	}

	private async doConnect(): Promise<void> {
		const path = socketPath(this.stateDir);
		let sock = await tryConnect(path);
		if (!sock) {
			this.spawnSupervisor();
			const deadline = Date.now() + 10_000;
			while (!sock) {
				if (Date.now() > deadline)
					throw new Error(`node supervisor did not come up (see ${logFilePath(this.stateDir)})`);
				await new Promise((r) => setTimeout(r, 25));
				sock = await tryConnect(path);
			}
		}
		if (this.closed) {
			sock.destroy();
			throw new Error("supervisor client closed");
		}
		this.attach(sock);
		const hello = (await this.request({ op: "hello" })) as HelloResult;
		this.supervisorPid = hello.pid;
		this.o.logger?.info("connected to node supervisor", { pid: hello.pid, tasks: hello.tasks.length });
		// Exits we may have missed while disconnected.
		this.deliverMissed(hello.tasks);
	}

	private spawnSupervisor(): void {
		const out = openSync(logFilePath(this.stateDir), "a", 0o600);
		try {
			// A small young generation: the supervisor's garbage is log buffers, short-lived and small.
			const args = ["--max-semi-space-size=1", supervisorEntry(this.stateDir), "--state-dir", this.stateDir];
			if (this.o.ephemeral) args.push("--ephemeral");
			if (this.o.idleExitMs !== undefined) args.push("--idle-exit-ms", String(this.o.idleExitMs));
			const child = spawn(process.execPath, args, {
				detached: true, // setsid(): outside the agent's session, so it outlives the agent
				stdio: ["ignore", out, out],
				cwd: "/",
			});
			child.unref();
			this.o.logger?.info("started node supervisor", { pid: child.pid });
		} finally {
			closeSync(out);
		}
	}

	private attach(sock: Socket): void {
		this.sock = sock;
		sock.on(
			"data",
			lineReader(
				(m) => this.onMessage(m),
				(line) => this.o.logger?.warn("bad line from supervisor", { line: line.slice(0, 200) }),
			),
		);
		sock.on("error", () => {});
		sock.on("close", () => {
			if (this.sock === sock) this.sock = undefined;
			const err = new Error("connection to the node supervisor lost");
			for (const p of this.inflight.values()) p.reject(err);
			this.inflight.clear();
			if (this.closed) return;
			this.o.logger?.warn("node supervisor connection lost; reconnecting");
			void this.reconnectLoop();
		});
	}

	private async reconnectLoop(): Promise<void> {
		for (let attempt = 0; !this.closed && !this.sock; attempt++) {
			await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
			try {
				await this.connect();
			} catch (e) {
				this.o.logger?.error("reconnecting to the node supervisor", { error: e as Error });
			}
		}
	}

	private deliverMissed(tasks: TaskInfo[]): void {
		const byId = new Map(tasks.map((t) => [t.id, t]));
		for (const [id, cb] of [...this.exitListeners]) {
			const t = byId.get(id);
			if (t && t.state === "running") continue;
			this.exitListeners.delete(id);
			cb(
				t ?? {
					id,
					pid: 0,
					startTime: 0,
					state: "exited",
					child: false,
					exitCode: -1,
					signal: 0,
					err: "task unknown to the node supervisor",
					startedAt: 0,
				},
			);
		}
	}

	private onMessage(m: unknown): void {
		const msg = m as Response | ExitEvent;
		if ("event" in msg) {
			if (msg.event !== "exit") return;
			const cb = this.exitListeners.get(msg.task.id);
			if (cb) {
				this.exitListeners.delete(msg.task.id);
				cb(msg.task);
			} else {
				this.unclaimedExits.set(msg.task.id, msg.task);
			}
			return;
		}
		const p = this.inflight.get(msg.id);
		if (!p) return;
		this.inflight.delete(msg.id);
		if (msg.ok) p.resolve(msg.result);
		else p.reject(new Error(msg.error));
	}

	private async request(body: Record<string, unknown>): Promise<unknown> {
		if (!this.sock) await this.connect();
		const sock = this.sock;
		if (!sock) throw new Error("connection to the node supervisor lost");
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.inflight.set(id, { resolve, reject });
			sock.write(`${JSON.stringify({ ...body, id })}\n`);
		});
	}

	start(task: StartRequest): Promise<TaskInfo> {
		return this.request({ op: "start", task }) as Promise<TaskInfo>;
	}

	signal(task: string, signal: string, group = false): Promise<boolean> {
		return this.request({ op: "signal", task, signal, group }) as Promise<boolean>;
	}

	list(): Promise<TaskInfo[]> {
		return this.request({ op: "list" }) as Promise<TaskInfo[]>;
	}

	/** Acknowledges a task's end (its exit status is dropped), or kills and drops a running one. */
	async forget(task: string): Promise<void> {
		this.exitListeners.delete(task);
		this.unclaimedExits.delete(task);
		await this.request({ op: "forget", task });
	}

	/** Calls cb once when the task has exited (at once if `info` says so). */
	onExit(info: TaskInfo, cb: (t: TaskInfo) => void): void {
		const early = this.unclaimedExits.get(info.id);
		if (early) {
			this.unclaimedExits.delete(info.id);
			cb(early);
			return;
		}
		if (info.state === "exited") {
			cb(info);
			return;
		}
		this.exitListeners.set(info.id, cb);
	}

	/** Drops the connection and stops reconnecting; the supervisor and its tasks keep running. */
	close(): void {
		this.closed = true;
		this.sock?.destroy();
		this.sock = undefined;
	}

	/** Stops the supervisor with every task it runs (-dev shutdown) and waits until it is gone. */
	async shutdown(timeoutMs = 3000): Promise<void> {
		const pid = this.supervisorPid;
		if (this.sock) {
			await this.request({ op: "shutdown" }).catch(() => {});
		}
		this.close();
		if (!pid) return;
		const deadline = Date.now() + timeoutMs;
		while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
	}

	/** A TaskHandle for a task this supervisor runs. */
	handle(driver: string, info: TaskInfo): TaskHandle {
		let exited = info.state === "exited";
		const done = new Promise<ExitResult>((resolve) =>
			this.onExit(info, (t) => {
				exited = true;
				resolve({ exitCode: t.exitCode ?? -1, signal: t.signal ?? 0, err: t.err });
			}),
		);
		const state: TaskHandleState = { driver, taskId: info.id, pid: info.pid, startTime: info.startTime };
		return {
			pid: info.pid,
			wait: () => done,
			signal: (sig) => {
				if (exited) return;
				this.signal(info.id, sig, sig === "SIGKILL").catch((e: Error) =>
					this.o.logger?.warn("signalling task failed", { task: info.id, error: e }),
				);
			},
			state: () => state,
			release: () => {
				this.forget(info.id).catch(() => {
					// The next reattach forgets tasks nobody claims.
				});
			},
		};
	}
}

/** Alive and not a zombie (the supervisor is this agent's child until the agent dies: once it has
 * exited it lingers as a zombie until reaped, which counts as gone). */
function isProcessAlive(pid: number): boolean {
	return processStartTime(pid) !== undefined;
}
