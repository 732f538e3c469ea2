// The agent side of /v1/agent/monitor: a log sink at the subscriber's own level, framed as Nomad's
// Agent.Monitor stream — StreamFrame JSON {"Data":"<base64>","FileEvent":"log"} (Offset only past
// the first frame of a burst), data batched for 200 ms and cut at 1024 bytes, a "{}" heartbeat every
// second — or the raw log text with plain. Memory per subscriber is bounded: while the client reads
// slower than the agent logs (the socket reports a full buffer), at most `bufferLines` lines wait;
// the rest are dropped and counted, and every 3 s a notice says how many, as Nomad's monitor does.
import { encodeFrame } from "../client/fs/stream.ts";
import type { LogHub, LogLevel, LogSink } from "../lib/logger.ts";

export const MONITOR_BUFFER_LINES = 512;
export const MONITOR_FRAME_SIZE = 1024;
export const MONITOR_BATCH_MS = 200;
export const MONITOR_HEARTBEAT_MS = 1000;
export const MONITOR_DROP_NOTICE_MS = 3000;

export interface MonitorOptions {
	level: LogLevel;
	json: boolean;
	includeLocation: boolean;
	/** Raw log text instead of frames (no heartbeats). */
	plain: boolean;
	bufferLines?: number;
	frameSize?: number;
	batchMs?: number;
	heartbeatMs?: number;
	dropNoticeMs?: number;
}

/** Where the stream goes: write reports false when the reader is behind; onDrain fires once caught up. */
export interface MonitorOutput {
	write(chunk: string | Buffer): boolean;
	onDrain(cb: () => void): void;
}

export function droppedNotice(n: number): string {
	return `[WARN] Monitor dropped ${n} logs during monitor request\n`;
}

export class LogMonitor {
	private readonly hub: LogHub;
	private readonly out: MonitorOutput;
	private readonly opts: Required<MonitorOptions>;
	private removeSink: (() => void) | undefined;
	private readonly timers: NodeJS.Timeout[] = [];
	private batchTimer: NodeJS.Timeout | undefined;
	/** Bytes handed to the framer, not yet written. */
	private pending: Buffer[] = [];
	private pendingLen = 0;
	/** Lines waiting while the output is blocked (bounded by bufferLines). */
	private queue: string[] = [];
	private blocked = false;
	private stopped = false;
	/** Lines dropped since the last notice, and in total. */
	private droppedSinceNotice = 0;
	droppedTotal = 0;

	constructor(hub: LogHub, out: MonitorOutput, opts: MonitorOptions) {
		this.hub = hub;
		this.out = out;
		this.opts = {
			bufferLines: MONITOR_BUFFER_LINES,
			frameSize: MONITOR_FRAME_SIZE,
			batchMs: MONITOR_BATCH_MS,
			heartbeatMs: MONITOR_HEARTBEAT_MS,
			dropNoticeMs: MONITOR_DROP_NOTICE_MS,
			...opts,
		};
	}

	start(): void {
		const sink: LogSink = {
			level: this.opts.level,
			json: this.opts.json,
			includeLocation: this.opts.includeLocation,
			write: (line) => this.onLine(line),
		};
		this.removeSink = this.hub.addSink(sink);
		if (!this.opts.plain) {
			this.timers.push(setInterval(() => this.write("{}"), this.opts.heartbeatMs));
		}
		this.timers.push(setInterval(() => this.noticeDrops(), this.opts.dropNoticeMs));
	}

	/** Removes the sink and the timers; what is batched is written if the output still takes it. */
	stop(): void {
		if (this.stopped) return;
		this.removeSink?.();
		for (const t of this.timers) clearInterval(t);
		if (this.batchTimer) clearTimeout(this.batchTimer);
		if (!this.blocked) this.flush();
		this.stopped = true;
		this.queue = [];
		this.pending = [];
		this.pendingLen = 0;
	}

	private onLine(line: string): void {
		if (this.stopped) return;
		if (!this.blocked) {
			this.take(line);
			return;
		}
		if (this.queue.length < this.opts.bufferLines) this.queue.push(line);
		else {
			this.droppedSinceNotice++;
			this.droppedTotal++;
		}
	}

	private noticeDrops(): void {
		if (this.droppedSinceNotice === 0) return;
		// Like Nomad, make room for the notice by dropping one more line when the buffer is full.
		if (this.blocked && this.queue.length >= this.opts.bufferLines) {
			this.queue.shift();
			this.droppedSinceNotice++;
			this.droppedTotal++;
		}
		const notice = droppedNotice(this.droppedSinceNotice);
		this.droppedSinceNotice = 0;
		if (this.blocked) this.queue.push(notice);
		else this.take(notice);
	}

	/** Hands a line to the framer: whole frames go out now, a partial one after batchMs. */
	private take(line: string): void {
		const b = Buffer.from(line);
		this.pending.push(b);
		this.pendingLen += b.length;
		if (this.pendingLen >= this.opts.frameSize) this.flush();
		else if (!this.batchTimer) this.batchTimer = setTimeout(() => this.flush(), this.opts.batchMs);
	}

	private flush(): void {
		if (this.batchTimer) clearTimeout(this.batchTimer);
		this.batchTimer = undefined;
		if (this.pendingLen === 0) return;
		const all = Buffer.concat(this.pending, this.pendingLen);
		this.pending = [];
		this.pendingLen = 0;
		if (this.opts.plain) {
			this.write(all);
			return;
		}
		// Nomad's framer numbers frames of one burst by their offset in it; the first has none.
		const size = this.opts.frameSize;
		for (let i = 0; i < all.length; i += size) this.write(encodeFrame(i, all.subarray(i, i + size), "", "log"));
	}

	private write(chunk: string | Buffer): void {
		if (this.stopped) return;
		if (this.out.write(chunk) || this.blocked) return;
		this.blocked = true;
		this.out.onDrain(() => this.resume());
	}

	private resume(): void {
		this.blocked = false;
		if (this.stopped) return;
		const waiting = this.queue;
		this.queue = [];
		for (const line of waiting) {
			if (this.blocked) this.queue.push(line);
			else this.take(line);
		}
	}
}
