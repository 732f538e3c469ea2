// Streamed RPC results with credit-based flow control. A stream call's result is a sequence of
// chunks then an end (or an error). The caller grants the responder a window of bytes; every chunk
// spends its encoded size, and the caller hands credit back only as its consumer takes chunks, so
// a slow consumer (e.g. an HTTP reader on the far side of a forwarding server) stalls the producer
// instead of making either side buffer without bound. Cancelling (consumer gone) tells the
// responder, whose handler sees its AbortSignal fire.
//
// Frames (msgpack, beside transport.ts's q/r): {t:"s", i, m, a, w} open a stream with window w;
// {t:"d", i, d} a chunk; {t:"f", i, e?, c?} the end, with an error and optional code;
// {t:"w", i, n} n bytes of credit back; {t:"x", i} cancel.
import { RpcError } from "./errors.ts";

/** Default window: enough for a few 64 KiB log frames in flight, small enough to bound memory. */
export const DEFAULT_WINDOW = 256 * 1024;

export type FrameSender = (frame: Record<string, unknown>) => number;

/**
 * The caller's end: an async iterable of the chunks. Credit for a chunk is returned when the
 * consumer asks for the next one (it has finished with the previous), in batches of a quarter
 * window to keep credit frames rare.
 */
export class RpcStream implements AsyncIterable<unknown> {
	readonly id: number;
	readonly window: number;
	private readonly send: FrameSender;
	private readonly queue: { data: unknown; size: number }[] = [];
	private queuedBytes = 0;
	private waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: Error) => void } | undefined;
	private ended = false;
	private error: Error | undefined;
	private cancelled = false;
	/** Size of the chunk last handed to the consumer (returned as credit on the next read). */
	private lastSize = 0;
	private unacked = 0;
	/** Called once when the stream is over (end, error or cancel), so the transport forgets it. */
	onDone: (() => void) | undefined;

	constructor(id: number, window: number, send: FrameSender) {
		this.id = id;
		this.window = window;
		this.send = send;
	}

	/** A chunk arrived (transport side). */
	push(data: unknown, size: number): void {
		if (this.ended || this.cancelled) return;
		// A well-behaved responder sends only while less than a window is unacknowledged, so a full
		// window already queued means it ignores flow control: refuse rather than buffer without bound.
		if (this.queuedBytes >= this.window) {
			this.cancel();
			this.fail(new RpcError("rpc stream: peer exceeded its flow-control window"));
			return;
		}
		if (this.waiter) {
			const w = this.waiter;
			this.waiter = undefined;
			this.lastSize = size;
			w.resolve({ value: data, done: false });
			return;
		}
		this.queue.push({ data, size });
		this.queuedBytes += size;
	}

	/** The end arrived, with or without an error (transport side). */
	finish(err?: Error): void {
		if (this.ended) return;
		this.ended = true;
		this.error = err;
		this.onDone?.();
		if (this.waiter && this.queue.length === 0) {
			const w = this.waiter;
			this.waiter = undefined;
			if (err) w.reject(err);
			else w.resolve({ value: undefined, done: true });
		}
	}

	private fail(err: Error): void {
		this.queue.length = 0;
		this.queuedBytes = 0;
		this.finish(err);
	}

	private releaseLast(): void {
		if (this.lastSize === 0) return;
		this.unacked += this.lastSize;
		this.lastSize = 0;
		if (!this.ended && this.unacked >= this.window / 4) {
			this.send({ t: "w", i: this.id, n: this.unacked });
			this.unacked = 0;
		}
	}

	next(): Promise<IteratorResult<unknown>> {
		this.releaseLast();
		const item = this.queue.shift();
		if (item) {
			this.queuedBytes -= item.size;
			this.lastSize = item.size;
			return Promise.resolve({ value: item.data, done: false });
		}
		if (this.ended) {
			return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
		}
		if (this.cancelled) return Promise.resolve({ value: undefined, done: true });
		return new Promise((resolve, reject) => {
			this.waiter = { resolve, reject };
		});
	}

	/** The consumer is gone: tell the responder to stop, drop what is queued. */
	cancel(): void {
		if (this.cancelled || this.ended) return;
		this.cancelled = true;
		this.send({ t: "x", i: this.id });
		this.queue.length = 0;
		this.queuedBytes = 0;
		this.onDone?.();
		if (this.waiter) {
			const w = this.waiter;
			this.waiter = undefined;
			w.resolve({ value: undefined, done: true });
		}
	}

	[Symbol.asyncIterator](): AsyncIterator<unknown> {
		return {
			next: () => this.next(),
			return: async () => {
				this.cancel();
				return { value: undefined, done: true };
			},
		};
	}
}

/**
 * The responder's end, handed to a stream handler. write() resolves once the chunk is sent; it
 * waits while the caller's window is spent. A chunk larger than the whole window is still sent
 * when nothing else is in flight, so progress never deadlocks.
 */
export class RpcStreamSink {
	readonly id: number;
	private readonly send: FrameSender;
	private readonly ctl = new AbortController();
	private inFlight = 0;
	private readonly window: number;
	private creditWaiter: (() => void) | undefined;
	/** Writes are serialised so chunks keep their order while one waits for credit. */
	private tail: Promise<void> = Promise.resolve();

	constructor(id: number, window: number, send: FrameSender) {
		this.id = id;
		this.window = window;
		this.send = send;
	}

	/** Aborted when the caller cancels or the connection closes. */
	get signal(): AbortSignal {
		return this.ctl.signal;
	}

	write(data: unknown): Promise<void> {
		const p = this.tail.then(() => this.writeNow(data));
		this.tail = p.catch(() => {});
		return p;
	}

	private async writeNow(data: unknown): Promise<void> {
		while (!this.signal.aborted && this.inFlight > 0 && this.inFlight >= this.window) {
			await new Promise<void>((resolve) => {
				this.creditWaiter = resolve;
			});
		}
		if (this.signal.aborted) throw new RpcError("rpc stream cancelled");
		this.inFlight += this.send({ t: "d", i: this.id, d: data });
	}

	/** Bytes the caller has consumed (transport side). */
	grant(n: number): void {
		this.inFlight = Math.max(0, this.inFlight - n);
		const w = this.creditWaiter;
		this.creditWaiter = undefined;
		w?.();
	}

	/** The caller cancelled or the connection closed (transport side). */
	abort(): void {
		if (this.signal.aborted) return;
		this.ctl.abort();
		const w = this.creditWaiter;
		this.creditWaiter = undefined;
		w?.();
	}
}
