// The node supervisor: one long-lived process per client data_dir that parents every task the
// agent starts through it (so it reaps them and keeps their exit status), drains their
// stdout/stderr into rotated log files, and answers the agent over a unix socket. The agent can
// die and come back at any time; tasks, log capture and exit statuses carry on here meanwhile.
//
// Its task table is also written to <state dir>/supervisor-tasks.json, so that a supervisor
// started after a kill -9 of the previous one adopts the tasks still alive (identified by pid +
// start time), reopens their log fifos, and watches them by polling /proc (it is not their parent,
// so their exit code is unknown: they are reported with exitCode -1 and an `err`).
//
// Node builtins and our small supervisor modules only: its resident memory is the per-node cost.
import { type ChildProcess, spawn } from "node:child_process";
import {
	appendFileSync,
	closeSync,
	constants as fsc,
	openSync,
	readFileSync,
	renameSync,
	writeFileSync,
} from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { constants as osc } from "node:os";
import { FifoCapture } from "./fifoCapture.ts";
import { isSameProcess, processStartTime } from "./procStat.ts";
import type { ExitEvent, HelloResult, LogSpec, Request, Response, StartRequest, TaskInfo } from "./protocol.ts";
import { lineReader, tasksFilePath, validateStart } from "./protocol.ts";

export interface SupervisorOptions {
	stateDir: string;
	socketPath: string;
	/** -dev: stop every task and exit as soon as the agent's connection is gone. */
	ephemeral: boolean;
	/** Exit after this long with no task and no agent connected (ms). */
	idleExitMs: number;
	/** How often adopted tasks (not our children) are checked in /proc (ms). */
	adoptPollMs?: number;
	log: (level: "INFO" | "WARN" | "ERROR", msg: string) => void;
	/** Called once the supervisor has stopped (the program exits). */
	onStopped: () => void;
}

interface TaskRecord extends TaskInfo {
	logs: LogSpec | null;
}

const signals = osc.signals as Record<string, number>;
/** How long an unused log capture stays open for a restart of its task. */
const CAPTURE_LINGER_MS = 5000;

function signalName(n: number): string {
	return Object.keys(signals).find((k) => signals[k] === n) ?? String(n);
}

function killGroup(pid: number, sig: NodeJS.Signals | number): void {
	try {
		process.kill(-pid, sig);
	} catch {
		// ESRCH: the group is gone already.
	}
}

function publicInfo(r: TaskRecord): TaskInfo {
	const { logs: _logs, ...info } = r;
	return info;
}

export class NodeSupervisor {
	private readonly o: SupervisorOptions;
	private readonly tasks = new Map<string, TaskRecord>();
	private readonly children = new Map<string, ChildProcess>();
	private readonly captures = new Map<string, FifoCapture>();
	private readonly conns = new Set<Socket>();
	private server: Server | undefined;
	private hadAgent = false;
	private idleSince = Date.now();
	private timers: NodeJS.Timeout[] = [];
	private stopping = false;

	constructor(o: SupervisorOptions) {
		this.o = o;
	}

	// --- lifecycle -----------------------------------------------------------------------------

	/** Adopts the tasks a previous supervisor left behind, then listens on the socket. */
	async start(): Promise<void> {
		this.adoptPrevious();
		this.server = createServer((sock) => this.accept(sock));
		// Whoever can connect can run processes as this user: the socket is the owner's alone (the
		// state dir is 0700 too, but the long-path fallback lives in the shared temp dir).
		const umask = process.umask(0o177);
		try {
			await new Promise<void>((resolve, reject) => {
				this.server?.once("error", reject);
				this.server?.listen(this.o.socketPath, () => resolve());
			});
		} finally {
			process.umask(umask);
		}
		this.timers.push(setInterval(() => this.pollAdopted(), this.o.adoptPollMs ?? 1000));
		this.timers.push(setInterval(() => this.checkIdle(), Math.min(5000, this.o.idleExitMs)));
		// A -dev agent that never connects (it died while starting us) must not leave us behind.
		if (this.o.ephemeral) this.timers.push(setTimeout(() => this.hadAgent || void this.stop("no agent"), 30_000));
		this.o.log("INFO", `listening on ${this.o.socketPath} (${this.tasks.size} tasks known)`);
	}

	/** Kills every task's process group and exits (a -dev agent's shutdown, SIGTERM, idle exit). */
	async stop(reason: string): Promise<void> {
		if (this.stopping) return;
		this.stopping = true;
		this.o.log("INFO", `stopping: ${reason}`);
		for (const t of this.timers) clearInterval(t);
		for (const r of this.tasks.values()) {
			if (r.state === "running" && (r.child || isSameProcess(r.pid, r.startTime))) killGroup(r.pid, "SIGKILL");
		}
		this.server?.close();
		for (const c of this.conns) c.destroy();
		await Promise.all(
			[...this.captures.values()].map((c) => {
				clearTimeout(c.idleTimer);
				return c.close(200);
			}),
		);
		this.tasks.clear();
		this.persist();
		this.o.onStopped();
	}

	private checkIdle(): void {
		if (this.conns.size > 0 || this.tasks.size > 0) {
			this.idleSince = Date.now();
			return;
		}
		if (Date.now() - this.idleSince >= this.o.idleExitMs) void this.stop("idle: no tasks and no agent");
	}

	// --- task table persistence and adoption ---------------------------------------------------

	private persist(): void {
		const p = tasksFilePath(this.o.stateDir);
		const tmp = `${p}.tmp`;
		try {
			writeFileSync(tmp, JSON.stringify([...this.tasks.values()]), { mode: 0o600 });
			renameSync(tmp, p);
		} catch (e) {
			this.o.log("ERROR", `writing task table: ${(e as Error).message}`);
		}
	}

	private adoptPrevious(): void {
		let recs: TaskRecord[];
		try {
			recs = JSON.parse(readFileSync(tasksFilePath(this.o.stateDir), "utf8"));
		} catch {
			return;
		}
		if (!Array.isArray(recs)) return;
		for (const r of recs) {
			if (typeof r?.id !== "string" || typeof r.pid !== "number") continue;
			r.child = false;
			if (r.state === "running" && !isSameProcess(r.pid, r.startTime)) this.markLost(r);
			this.tasks.set(r.id, r);
			if (r.logs) {
				try {
					this.acquireCaptures(r.logs);
				} catch (e) {
					this.o.log("WARN", `task ${r.id}: reopening log capture: ${(e as Error).message}`);
					r.logs = null;
				}
			}
			if (r.state === "running") this.o.log("INFO", `adopted task ${r.id} (pid ${r.pid})`);
		}
		this.persist();
	}

	private markLost(r: TaskRecord): void {
		r.state = "exited";
		r.exitCode = -1;
		r.signal = 0;
		r.err = "task exited while no node supervisor was its parent: exit status unknown";
		r.finishedAt = Date.now();
	}

	private pollAdopted(): void {
		for (const r of this.tasks.values()) {
			if (r.state !== "running" || r.child || isSameProcess(r.pid, r.startTime)) continue;
			this.markLost(r);
			killGroup(r.pid, "SIGKILL");
			this.finished(r);
		}
	}

	// --- log capture ----------------------------------------------------------------------------

	private acquireCaptures(l: LogSpec): [FifoCapture, FifoCapture] {
		const get = (base: string): FifoCapture => {
			const key = `${l.dir}/${base}`;
			let c = this.captures.get(key);
			if (c?.idleTimer) {
				clearTimeout(c.idleTimer);
				c.idleTimer = undefined;
			}
			if (!c) {
				c = new FifoCapture(l.dir, base, l.maxFiles, l.maxFileBytes);
				this.captures.set(key, c);
			}
			c.refs++;
			return c;
		};
		const out = get(l.stdoutBase);
		try {
			return [out, get(l.stderrBase)];
		} catch (e) {
			this.releaseCaptures(l, [l.stdoutBase]);
			throw e;
		}
	}

	private releaseCaptures(l: LogSpec, bases = [l.stdoutBase, l.stderrBase]): void {
		for (const base of bases) {
			const key = `${l.dir}/${base}`;
			const c = this.captures.get(key);
			if (!c) continue;
			if (--c.refs > 0) continue;
			// Kept a while: a restarted task (a new start for the same stream) carries on with it.
			const capture = c;
			capture.idleTimer = setTimeout(() => {
				if (this.captures.get(key) !== capture || capture.refs > 0) return;
				this.captures.delete(key);
				void capture.close();
			}, CAPTURE_LINGER_MS);
		}
	}

	// --- operations -----------------------------------------------------------------------------

	async startTask(req: StartRequest): Promise<TaskInfo> {
		if (this.stopping) throw new Error("supervisor is stopping");
		validateStart(req);
		if (this.tasks.has(req.id)) throw new Error(`task ${req.id} exists`);
		const fds: number[] = [];
		let child: ChildProcess;
		try {
			if (req.logs) {
				const [out, err] = this.acquireCaptures(req.logs);
				fds.push(out.openForTask(), err.openForTask());
			} else {
				const devNull = openSync("/dev/null", fsc.O_WRONLY);
				fds.push(devNull, devNull);
			}
			const argv = [...(req.wrapper ?? []), req.command, ...req.args];
			child = spawn(argv[0] as string, argv.slice(1), {
				cwd: req.cwd,
				env: req.env,
				stdio: ["ignore", fds[0], fds[1]],
				detached: true, // setsid(): own session and process group
				uid: req.uid,
				gid: req.gid,
			});
		} catch (e) {
			if (req.logs) this.releaseCaptures(req.logs);
			throw e;
		} finally {
			for (const fd of new Set(fds)) closeSync(fd);
		}
		try {
			await new Promise<void>((resolve, reject) => {
				child.once("spawn", resolve);
				child.once("error", reject);
			});
		} catch (e) {
			if (req.logs) this.releaseCaptures(req.logs);
			throw e;
		}
		const pid = child.pid as number;
		for (const p of req.cgroupProcs ?? []) {
			try {
				appendFileSync(p, `${pid}\n`);
			} catch (e) {
				this.o.log("WARN", `task ${req.id}: joining cgroup ${p}: ${(e as Error).message}`);
			}
		}
		const rec: TaskRecord = {
			id: req.id,
			pid,
			startTime: processStartTime(pid, true) ?? 0,
			state: "running",
			child: true,
			startedAt: Date.now(),
			logs: req.logs,
		};
		this.tasks.set(rec.id, rec);
		this.children.set(rec.id, child);
		child.once("exit", (code, sig) => this.childExited(rec, code, sig));
		this.persist();
		this.o.log("INFO", `started task ${rec.id} (pid ${pid})`);
		return publicInfo(rec);
	}

	private childExited(rec: TaskRecord, code: number | null, sig: NodeJS.Signals | null): void {
		this.children.delete(rec.id);
		// Whatever the task left behind in its process group goes with it (as Nomad's executor).
		killGroup(rec.pid, "SIGKILL");
		if (this.tasks.get(rec.id) !== rec) return; // forgotten meanwhile
		rec.state = "exited";
		if (sig) {
			const n = signals[sig] ?? 0;
			// As Nomad's executor: a signalled process reports 128+signal, like a shell would.
			rec.exitCode = 128 + n;
			rec.signal = n;
		} else {
			rec.exitCode = code ?? 0;
			rec.signal = 0;
		}
		rec.finishedAt = Date.now();
		this.finished(rec);
	}

	private finished(rec: TaskRecord): void {
		this.persist();
		this.o.log("INFO", `task ${rec.id} exited (code ${rec.exitCode}, signal ${signalName(rec.signal ?? 0)})`);
		const line = `${JSON.stringify({ event: "exit", task: publicInfo(rec) } satisfies ExitEvent)}\n`;
		for (const c of this.conns) c.write(line);
	}

	signalTask(id: string, signal: string, group: boolean): boolean {
		const r = this.tasks.get(id);
		if (!r) throw new Error(`unknown task ${id}`);
		if (!(signal in signals)) throw new Error(`invalid signal: ${JSON.stringify(signal)}`);
		if (r.state !== "running") return false;
		if (!r.child && !isSameProcess(r.pid, r.startTime)) return false;
		try {
			process.kill(group ? -r.pid : r.pid, signal as NodeJS.Signals);
			return true;
		} catch {
			return false;
		}
	}

	/** The agent has recorded the task's end (or no longer wants it): drop it, killing it if it still runs. */
	forget(id: string): void {
		const r = this.tasks.get(id);
		if (!r) return;
		if (r.state === "running" && (r.child || isSameProcess(r.pid, r.startTime))) killGroup(r.pid, "SIGKILL");
		this.tasks.delete(id);
		if (r.logs) this.releaseCaptures(r.logs);
		this.persist();
	}

	list(): TaskInfo[] {
		return [...this.tasks.values()].map(publicInfo);
	}

	// --- the socket -----------------------------------------------------------------------------

	private accept(sock: Socket): void {
		this.conns.add(sock);
		this.hadAgent = true;
		const reply = (r: Response) => {
			if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`);
		};
		sock.on(
			"data",
			lineReader(
				(m) => void this.handle(m as Request).then(reply),
				(line) => this.o.log("WARN", `bad request line: ${line.slice(0, 200)}`),
			),
		);
		sock.on("error", () => {});
		sock.on("close", () => {
			this.conns.delete(sock);
			this.idleSince = Date.now();
			if (this.o.ephemeral && this.conns.size === 0) {
				// -dev: the agent is gone (shutdown or killed) and nothing will come back for these tasks.
				setTimeout(() => this.conns.size === 0 && void this.stop("-dev agent disconnected"), 500);
			}
		});
	}

	private async handle(m: Request): Promise<Response> {
		const id = typeof m?.id === "number" ? m.id : -1;
		try {
			switch (m?.op) {
				case "hello":
					return {
						id,
						ok: true,
						result: {
							pid: process.pid,
							startTime: processStartTime(process.pid) ?? 0,
							tasks: this.list(),
						} as HelloResult,
					};
				case "list":
					return { id, ok: true, result: this.list() };
				case "start":
					return { id, ok: true, result: await this.startTask(m.task) };
				case "signal":
					return { id, ok: true, result: this.signalTask(String(m.task), String(m.signal), m.group === true) };
				case "forget":
					this.forget(String(m.task));
					return { id, ok: true, result: null };
				case "shutdown":
					setImmediate(() => void this.stop("requested by the agent"));
					return { id, ok: true, result: null };
				default:
					return { id, ok: false, error: `unknown op ${JSON.stringify((m as { op?: unknown })?.op)}` };
			}
		} catch (e) {
			return { id, ok: false, error: (e as Error).message ?? String(e) };
		}
	}
}
