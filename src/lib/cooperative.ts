// Cooperative time slicing of the main thread. The server's heavy work (scheduling, plan checks,
// applying big log entries) shares the event loop with the HTTP API, so each piece runs in slices
// of a few milliseconds and lets I/O through in between. There is one slice clock for the whole
// thread: when several of these pieces continue each other within one macrotask (a plan commit
// resolving a scheduler's promise, say), the second sees the time the first already used instead
// of starting a fresh budget — the API's latency is bounded by the macrotask, not by each piece.

/** Longest a piece of background work runs before letting I/O through. */
const SLICE_MS = 4;

let sliceStart = performance.now();
const RESOLVED: Promise<void> = Promise.resolve();

/** Whether the current slice is used up. */
export function sliceExpired(): boolean {
	return performance.now() - sliceStart >= SLICE_MS;
}

/** Lets timers and I/O run, then starts a new slice. */
export function yieldToEventLoop(): Promise<void> {
	return new Promise<void>((resolve) =>
		setImmediate(() => {
			sliceStart = performance.now();
			resolve();
		}),
	);
}

/** Resolves at once while the slice lasts, else yields to the event loop first. */
export function maybeYield(): Promise<void> {
	return sliceExpired() ? yieldToEventLoop() : RESOLVED;
}

/**
 * A computation written as a generator that yields wherever it may pause. `runSteps` drives it in
 * slices across macrotasks; `runStepsNow` drives it to the end synchronously (replay, tests).
 */
export type Steps<R> = Generator<void, R, void>;

export async function runSteps<R>(steps: Steps<R>): Promise<R> {
	for (;;) {
		const r = steps.next();
		if (r.done) return r.value;
		if (sliceExpired()) await yieldToEventLoop();
	}
}

export function runStepsNow<R>(steps: Steps<R>): R {
	for (;;) {
		const r = steps.next();
		if (r.done) return r.value;
	}
}

/** Whether a value is a generator object (a handler that chose to run in steps). */
export function isSteps(v: unknown): v is Steps<unknown> {
	return (
		typeof v === "object" &&
		v !== null &&
		(v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "Generator" &&
		typeof (v as Steps<unknown>).next === "function"
	);
}
