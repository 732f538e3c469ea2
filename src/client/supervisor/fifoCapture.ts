// One captured output stream of a task, held by the node supervisor: a fifo
// (<log dir>/.<base>.fifo) that the task writes into and the supervisor drains into rotated
// <base>.<N> files.
//
// The task's end of the fifo is opened read-write. That makes the task itself a reader of its own
// pipe, so a write never raises SIGPIPE even while no supervisor is running (after a kill -9 of the
// supervisor): the output waits in the pipe (the task blocks once the 64 KiB pipe buffer is full)
// and the next supervisor, reopening the same fifo, reads it on. Nothing is lost across a supervisor
// restart either.
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, constants as fsc, openSync, rmSync, statSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { FileRotator } from "./fileRotator.ts";

export class FifoCapture {
	readonly fifoPath: string;
	/** Tasks using this stream (a restarted task reuses its predecessor's fifo). */
	refs = 0;
	/** Set while no task uses the stream: closes it unless a new task takes it first. */
	idleTimer: NodeJS.Timeout | undefined;
	private readonly rotator: FileRotator;
	private readonly socket: Socket;
	/** Our own write end: keeps the reader from seeing EOF between task restarts. */
	private holdFd: number;
	private readonly ended: Promise<void>;

	constructor(dir: string, base: string, maxFiles: number, maxFileBytes: number) {
		this.fifoPath = join(dir, `.${base}.fifo`);
		if (existsSync(this.fifoPath) && !statSync(this.fifoPath).isFIFO()) rmSync(this.fifoPath, { force: true });
		if (!existsSync(this.fifoPath)) execFileSync("mkfifo", ["-m", "0600", this.fifoPath]);
		this.rotator = new FileRotator(dir, base, maxFiles, maxFileBytes);
		const rfd = openSync(this.fifoPath, fsc.O_RDONLY | fsc.O_NONBLOCK);
		this.holdFd = openSync(this.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
		this.socket = new Socket({ fd: rfd, readable: true, writable: false });
		this.socket.on("data", (d: Buffer) => {
			try {
				this.rotator.write(d);
			} catch (e) {
				process.stderr.write(`log write to ${dir}/${base} failed: ${(e as Error).message}\n`);
			}
		});
		this.ended = new Promise((resolve) => {
			this.socket.once("close", () => resolve());
			this.socket.once("error", () => resolve());
		});
	}

	/** A descriptor for the task's stdout/stderr (read-write, blocking); the caller closes it after spawn. */
	openForTask(): number {
		return openSync(this.fifoPath, fsc.O_RDWR);
	}

	/**
	 * Removes the fifo's name at once (a new capture for the same stream then makes a fresh fifo),
	 * drains what is left once every writer is gone (at most timeoutMs), then closes.
	 */
	async close(timeoutMs = 1000): Promise<void> {
		rmSync(this.fifoPath, { force: true });
		if (this.holdFd >= 0) {
			closeSync(this.holdFd);
			this.holdFd = -1;
		}
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([this.ended, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
		clearTimeout(timer);
		this.socket.destroy();
		this.rotator.close();
	}
}
