// Task log capture (Nomad's logmon) for drivers that run inside the agent (mock): the task writes
// into a fifo per stream (alloc/logs/.<task>.stdout.fifo), the agent reads it and writes
// <task>.stdout.<N> files, rotating at max_file_size and keeping at most max_files of them. Drivers
// that run processes (raw_exec) hand capture to the node supervisor instead (src/client/supervisor),
// so output written while the agent is down is not lost.
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, constants as fsc, openSync, rmSync, statSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { FileRotator } from "../supervisor/fileRotator.ts";

export { FileRotator };

/** One captured stream: a fifo for the task to write into and the rotator draining it. */
export class StreamCapture {
	readonly fifoPath: string;
	private readonly rotator: FileRotator;
	private readonly socket: Socket;
	/** Our own write end: keeps the fifo from reporting EOF between task restarts. */
	private holdFd: number;
	private readonly ended: Promise<void>;

	constructor(logDir: string, task: string, stream: "stdout" | "stderr", maxFiles: number, maxBytes: number) {
		this.fifoPath = join(logDir, `.${task}.${stream}.fifo`);
		if (existsSync(this.fifoPath) && !statSync(this.fifoPath).isFIFO()) rmSync(this.fifoPath, { force: true });
		if (!existsSync(this.fifoPath)) execFileSync("mkfifo", ["-m", "0600", this.fifoPath]);
		this.rotator = new FileRotator(logDir, `${task}.${stream}`, maxFiles, maxBytes);
		const rfd = openSync(this.fifoPath, fsc.O_RDONLY | fsc.O_NONBLOCK);
		this.holdFd = openSync(this.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
		this.socket = new Socket({ fd: rfd, readable: true, writable: false });
		this.socket.on("data", (d: Buffer) => this.rotator.write(d));
		this.ended = new Promise((resolve) => {
			this.socket.once("close", () => resolve());
			this.socket.once("error", () => resolve());
		});
	}

	/** Drains what the task wrote (up to timeoutMs once every writer is gone), then closes. */
	async close(timeoutMs = 2000): Promise<void> {
		if (this.holdFd >= 0) {
			closeSync(this.holdFd);
			this.holdFd = -1;
		}
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([this.ended, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
		clearTimeout(timer);
		this.socket.destroy();
		this.rotator.close();
		rmSync(this.fifoPath, { force: true });
	}
}

export interface TaskLogConfig {
	MaxFiles: number;
	MaxFileSizeMB: number;
	Disabled: boolean;
}

/** Capture for a task's stdout and stderr; with `logs { disabled = true }` output goes to /dev/null. */
export class TaskLogs {
	readonly stdoutPath: string;
	readonly stderrPath: string;
	private readonly captures: StreamCapture[] = [];

	constructor(logDir: string, task: string, cfg: TaskLogConfig | null | undefined, maxBytesOverride?: number) {
		if (cfg?.Disabled) {
			this.stdoutPath = "/dev/null";
			this.stderrPath = "/dev/null";
			return;
		}
		const maxFiles = cfg?.MaxFiles || 10;
		const maxBytes = maxBytesOverride ?? (cfg?.MaxFileSizeMB || 10) * 1024 * 1024;
		const out = new StreamCapture(logDir, task, "stdout", maxFiles, maxBytes);
		this.captures.push(out);
		const err = new StreamCapture(logDir, task, "stderr", maxFiles, maxBytes);
		this.captures.push(err);
		this.stdoutPath = out.fifoPath;
		this.stderrPath = err.fifoPath;
	}

	async close(): Promise<void> {
		await Promise.all(this.captures.map((c) => c.close()));
	}
}
