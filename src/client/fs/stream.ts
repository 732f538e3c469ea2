// Reading and streaming files of an allocation directory: plain reads (cat/readat) and Nomad's
// framed streams (fs/stream, fs/logs). A frame is StreamFrame {Offset, Data (base64), File,
// FileEvent} with every field omitted when empty, so a heartbeat is literally "{}" (one a second);
// data is batched for 200 ms and cut at 64 KiB. Logs follow <task>.<type>.N to N+1 as it appears.
import { constants as fsc, readdirSync, statSync } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { CodedError } from "../../lib/errors.ts";
import { sniffContentType } from "./info.ts";
import { resolveInAllocDir } from "./paths.ts";

export const FRAME_SIZE = 64 * 1024;
/** Bytes read from a file per read call while streaming (several frames). */
const READ_SIZE = 256 * 1024;
export const BATCH_MS = 200;
export const HEARTBEAT_MS = 1000;
export const POLL_MS = 100;
export const FILE_DELETED = "file deleted";
export const FILE_TRUNCATED = "file truncated";

export interface StreamFrame {
	Offset?: number;
	Data?: string;
	File?: string;
	FileEvent?: string;
}

/** The JSON of a frame with Go's omitempty: zero/empty fields are left out. */
export function encodeFrame(offset: number, data: Buffer, file: string, event: string): string {
	const f: StreamFrame = {};
	if (offset) f.Offset = offset;
	if (data.length > 0) f.Data = data.toString("base64");
	if (file) f.File = file;
	if (event) f.FileEvent = event;
	return JSON.stringify(f);
}

/** Splits concatenated JSON frames ("{..}{..}") back into objects (for tests and clients). */
export function parseFrames(text: string): StreamFrame[] {
	const out: StreamFrame[] = [];
	let depth = 0;
	let start = 0;
	let inStr = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (inStr) {
			if (c === "\\") i++;
			else if (c === '"') inStr = false;
		} else if (c === '"') inStr = true;
		else if (c === "{") {
			if (depth++ === 0) start = i;
		} else if (c === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
	}
	return out;
}

export interface FramerOptions {
	/** Write only the data bytes (plain=true); heartbeats write nothing. */
	plain?: boolean;
	heartbeatMs?: number;
	batchMs?: number;
	frameSize?: number;
	/** Resolves when the output can take more (the HTTP response drained); without it, a short pause. */
	drain?: () => Promise<void>;
}

/** Batches file data into frames and writes them (or their raw bytes) through `write`. */
export class StreamFramer {
	private readonly write: (chunk: string | Buffer) => boolean;
	private readonly plain: boolean;
	private readonly batchMs: number;
	private readonly frameSize: number;
	private readonly heartbeat: NodeJS.Timeout | undefined;
	private batchTimer: NodeJS.Timeout | undefined;
	private pending: Buffer[] = [];
	private pendingLen = 0;
	private file = "";
	/** File offset just after the pending data. */
	private endOffset = 0;
	private closed = false;
	private readonly drain: (() => Promise<void>) | undefined;
	/** False once a write reported a full buffer; producers should slow down. */
	ok = true;

	constructor(write: (chunk: string | Buffer) => boolean, opts: FramerOptions = {}) {
		this.write = write;
		this.plain = opts.plain ?? false;
		this.batchMs = opts.batchMs ?? BATCH_MS;
		this.frameSize = opts.frameSize ?? FRAME_SIZE;
		this.drain = opts.drain;
		if (!this.plain) {
			this.heartbeat = setInterval(() => this.out("{}"), opts.heartbeatMs ?? HEARTBEAT_MS);
			this.heartbeat.unref?.();
		}
	}

	private out(chunk: string | Buffer): void {
		if (this.closed && chunk === "{}") return;
		this.ok = this.write(chunk);
	}

	private emit(data: Buffer, offset: number, event: string): void {
		if (this.plain) {
			if (data.length > 0) this.out(data);
		} else this.out(encodeFrame(offset, data, this.file, event));
	}

	/** Writes the pending data as frames of at most frameSize bytes. */
	flush(): void {
		if (this.batchTimer) clearTimeout(this.batchTimer);
		this.batchTimer = undefined;
		if (this.pendingLen === 0) return;
		const all = Buffer.concat(this.pending, this.pendingLen);
		this.pending = [];
		this.pendingLen = 0;
		const startOffset = this.endOffset - all.length;
		for (let i = 0; i < all.length; i += this.frameSize) {
			const part = all.subarray(i, i + this.frameSize);
			this.emit(part, startOffset + i + part.length, "");
		}
	}

	/**
	 * Queues `data` read from `file`, ending at file offset `endOffset`; an event is sent on its own.
	 * The framer keeps `data` (callers hand over a buffer they never reuse), so whole frames are
	 * written straight from it without copying.
	 */
	send(file: string, data: Buffer, endOffset: number, event = ""): void {
		if (this.closed) return;
		if (this.pendingLen > 0 && (file !== this.file || event !== "" || endOffset - data.length !== this.endOffset))
			this.flush();
		this.file = file;
		if (event !== "") {
			this.emit(Buffer.alloc(0), endOffset, event);
			this.endOffset = endOffset;
			return;
		}
		if (data.length === 0) return;
		if (this.pendingLen === 0 && this.plain) {
			// Plain output has no frames: the whole read goes out in one write.
			this.emit(data, endOffset, "");
			this.endOffset = endOffset;
			return;
		}
		if (this.pendingLen === 0 && data.length >= this.frameSize) {
			// Fast path (bulk reads): whole frames go out from the read buffer itself.
			const whole = data.length - (data.length % this.frameSize);
			const start = endOffset - data.length;
			for (let i = 0; i < whole; i += this.frameSize) {
				this.emit(data.subarray(i, i + this.frameSize), start + i + this.frameSize, "");
			}
			this.endOffset = endOffset;
			if (whole === data.length) return;
			data = data.subarray(whole);
		}
		this.pending.push(data);
		this.pendingLen += data.length;
		this.endOffset = endOffset;
		if (this.pendingLen >= this.frameSize) {
			// Send whole frames now; keep a partial tail batched.
			const whole = this.pendingLen - (this.pendingLen % this.frameSize);
			const all = Buffer.concat(this.pending, this.pendingLen);
			const tail = all.subarray(whole);
			this.pending = [all.subarray(0, whole)];
			this.pendingLen = whole;
			const end = this.endOffset;
			this.endOffset = end - tail.length;
			this.flush();
			if (tail.length > 0) {
				this.pending = [tail];
				this.pendingLen = tail.length;
				this.endOffset = end;
			}
		}
		if (this.pendingLen > 0 && !this.batchTimer) this.batchTimer = setTimeout(() => this.flush(), this.batchMs);
	}

	/** Waits until the output has room again (producers call this when `ok` is false). */
	async writable(signal: AbortSignal): Promise<void> {
		if (this.drain) await this.drain();
		else await sleep(20, signal);
		this.ok = true;
	}

	/** Flushes what is pending and stops the timers. */
	close(): void {
		if (this.closed) return;
		this.flush();
		this.closed = true;
		if (this.heartbeat) clearInterval(this.heartbeat);
	}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const t = setTimeout(done, ms);
		function done() {
			clearTimeout(t);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});
}

async function openForRead(allocDir: string, path: string): Promise<{ fh: FileHandle; real: string }> {
	// Checked again at open time: a symlink swapped in since validation is caught here, and
	// O_NOFOLLOW refuses a last component turned into a link after the check.
	const r = resolveInAllocDir(allocDir, path, { read: true });
	if (!r.exists) throw Object.assign(new Error(`open ${path}: no such file or directory`), { code: "ENOENT" });
	const fh = await open(r.real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
	const st = await fh.stat();
	if (st.isDirectory()) {
		await fh.close();
		throw new CodedError(400, `file "${path}" is a directory`);
	}
	return { fh, real: r.real };
}

export type PumpEnd = "eof" | "limit" | "deleted" | "next" | "aborted";

export interface PumpOptions {
	allocDir: string;
	/** Path relative to the alloc dir. */
	path: string;
	/** Name put in the frames' File. */
	label: string;
	offset: number;
	/** Stop after this many bytes (0 = no limit). */
	limit?: number;
	follow: boolean;
	signal: AbortSignal;
	pollMs?: number;
	/** While following: once this says true, read to EOF one more time and end with "next". */
	nextReady?: () => boolean;
}

/** Streams one file into the framer; follows it (truncation, deletion) when asked. */
export async function pumpFile(framer: StreamFramer, o: PumpOptions): Promise<PumpEnd> {
	const { fh, real } = await openForRead(o.allocDir, o.path);
	const poll = o.pollMs ?? POLL_MS;
	let pos = o.offset;
	let remaining = o.limit && o.limit > 0 ? o.limit : Number.POSITIVE_INFINITY;
	let lastLook = false;
	let idle = 0;
	let buf = Buffer.allocUnsafe(Math.min(READ_SIZE, remaining));
	try {
		for (;;) {
			if (o.signal.aborted) return "aborted";
			const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, remaining), pos);
			if (bytesRead > 0) {
				idle = 0;
				pos += bytesRead;
				remaining -= bytesRead;
				let chunk: Buffer;
				if (bytesRead >= FRAME_SIZE) {
					// Bulk: the read buffer itself goes to the framer (no copy); the next read gets a new one.
					chunk = buf.subarray(0, bytesRead);
					if (remaining > 0) buf = Buffer.allocUnsafe(Math.min(READ_SIZE, remaining));
				} else {
					// A follower's trickle: copy the few bytes and keep the buffer (no 256 KiB per poll).
					chunk = Buffer.from(buf.subarray(0, bytesRead));
				}
				framer.send(o.label, chunk, pos);
				if (remaining <= 0) return "limit";
				if (!framer.ok) await framer.writable(o.signal);
				continue;
			}
			if (!o.follow) return "eof";
			if (lastLook) return "next";
			idle++;
			// At EOF the cheap check (a read) runs every poll; the rotation check (a readdir) and the
			// deletion/truncation check (a stat) every few polls — 100 followers stay cheap.
			if (idle % 3 === 1 && o.nextReady?.()) {
				lastLook = true;
				continue;
			}
			if (idle % 5 === 1) {
				let size: number;
				try {
					size = (await stat(real)).size;
				} catch {
					framer.send(o.label, Buffer.alloc(0), pos, FILE_DELETED);
					return "deleted";
				}
				if (size < pos) {
					framer.send(o.label, Buffer.alloc(0), 0, FILE_TRUNCATED);
					pos = 0;
					continue;
				}
				if (size > pos) continue;
			}
			await sleep(poll, o.signal);
		}
	} finally {
		await fh.close();
	}
}

export interface FileStreamPlan {
	offset: number;
	size: number;
}

/** Validates an fs/stream (or cat/readat) request before any byte is written; returns the start. */
export function planFileStream(allocDir: string, path: string, origin: string, offset: number): FileStreamPlan {
	if (origin !== "start" && origin !== "end") throw new CodedError(400, "origin must be start or end");
	const r = resolveInAllocDir(allocDir, path, { read: true });
	let st: ReturnType<typeof statSync>;
	try {
		if (!r.exists) throw Object.assign(new Error("missing"), { code: "ENOENT" });
		st = statSync(r.real);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === "ENOENT" || code === "ENOTDIR") throw new CodedError(400, `stat ${path}: no such file or directory`);
		throw err;
	}
	if (st.isDirectory()) throw new CodedError(400, `file "${path}" is a directory`);
	const start = origin === "end" ? Math.max(st.size - offset, 0) : Math.max(offset, 0);
	return { offset: start, size: st.size };
}

/** A plain read of `limit` bytes (0 = to EOF) from `offset`, with a Content-Type safe to serve. */
export async function readAt(
	allocDir: string,
	path: string,
	offset: number,
	limit: number,
): Promise<{ stream: Readable; contentType: string }> {
	planFileStream(allocDir, path, "start", offset);
	const { fh } = await openForRead(allocDir, path);
	const head = Buffer.alloc(512);
	const { bytesRead } = await fh.read(head, 0, 512, offset);
	const sniffed = sniffContentType(head.subarray(0, bytesRead));
	// Never a type a browser would render or run: text/* becomes text/plain, the rest octet-stream.
	const contentType =
		sniffed.startsWith("text/") || path.endsWith(".json") ? "text/plain; charset=utf-8" : "application/octet-stream";
	const end = limit > 0 ? offset + limit - 1 : undefined;
	const stream = fh.createReadStream({ start: offset, end, autoClose: true });
	return { stream, contentType };
}

// --- logs -------------------------------------------------------------------------------------------

export function logIndexes(allocDir: string, task: string, type: string): number[] {
	const prefix = `${task}.${type}.`;
	const out: number[] = [];
	let names: string[];
	try {
		names = readdirSync(join(allocDir, "alloc", "logs"));
	} catch {
		return out;
	}
	for (const n of names) {
		if (!n.startsWith(prefix)) continue;
		const rest = n.slice(prefix.length);
		if (/^\d+$/.test(rest)) out.push(Number(rest));
	}
	return out.sort((a, b) => a - b);
}

function logSize(allocDir: string, task: string, type: string, idx: number): number {
	try {
		return statSync(join(allocDir, "alloc", "logs", `${task}.${type}.${idx}`)).size;
	} catch {
		return 0;
	}
}

export interface LogPlan {
	index: number;
	offset: number;
}

/** Validates a logs request and finds where to start (offset counted across rotated files). */
export function planLogs(allocDir: string, task: string, type: string, origin: string, offset: number): LogPlan {
	if (origin !== "start" && origin !== "end") throw new CodedError(400, "origin must be start or end");
	const idx = logIndexes(allocDir, task, type);
	if (idx.length === 0) throw new CodedError(404, `log entry for task "${task}" and log type "${type}" not found`);
	let remaining = Math.max(offset, 0);
	if (origin === "end") {
		for (let i = idx.length - 1; i >= 0; i--) {
			const n = idx[i] as number;
			const size = logSize(allocDir, task, type, n);
			if (remaining <= size) return { index: n, offset: size - remaining };
			remaining -= size;
		}
		return { index: idx[0] as number, offset: 0 };
	}
	for (const n of idx) {
		const size = logSize(allocDir, task, type, n);
		if (remaining < size) return { index: n, offset: remaining };
		remaining -= size;
	}
	const last = idx[idx.length - 1] as number;
	return { index: last, offset: logSize(allocDir, task, type, last) };
}

export interface LogStreamOptions {
	allocDir: string;
	task: string;
	type: string;
	follow: boolean;
	plan: LogPlan;
	signal: AbortSignal;
	pollMs?: number;
}

/** Streams <task>.<type>.N from the plan onwards; ends at the newest file's EOF unless following. */
export async function streamLogs(framer: StreamFramer, o: LogStreamOptions): Promise<void> {
	const poll = o.pollMs ?? POLL_MS;
	let idx = o.plan.index;
	let offset = o.plan.offset;
	const name = (n: number) => `alloc/logs/${o.task}.${o.type}.${n}`;
	while (!o.signal.aborted) {
		const all = logIndexes(o.allocDir, o.task, o.type);
		if (!all.includes(idx)) {
			// Rotated out from under us (or not there yet): move to the next one that exists.
			const next = all.find((n) => n > idx);
			if (next === undefined) {
				if (!o.follow) return;
				await sleep(poll, o.signal);
				continue;
			}
			idx = next;
			offset = 0;
			continue;
		}
		const newest = all[all.length - 1] as number;
		const cur = idx;
		let end: PumpEnd;
		try {
			end = await pumpFile(framer, {
				allocDir: o.allocDir,
				path: name(cur),
				label: name(cur),
				offset,
				follow: o.follow,
				signal: o.signal,
				pollMs: poll,
				nextReady: () => logIndexes(o.allocDir, o.task, o.type).some((n) => n > cur),
			});
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code === "ENOENT") {
				offset = 0;
				continue;
			}
			throw new Error(`failed to stream "${name(cur)}": ${(err as Error).message}`);
		}
		if (end === "aborted") return;
		if (!o.follow && cur >= newest) return;
		idx = cur + 1;
		offset = 0;
	}
}
