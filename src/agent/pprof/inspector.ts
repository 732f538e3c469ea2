// One in-process inspector session for the profilers (CPU, heap sampling, trace events). It is
// connected on the first profile request only: an agent nobody profiles never pays for it.
import { Session } from "node:inspector/promises";

let session: Session | undefined;

export function inspectorSession(): Session {
	if (!session) {
		session = new Session();
		session.connect();
	}
	return session;
}

/** Resolves after `ms`, or early when `signal` aborts (client gone, agent shutting down). */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve();
		const done = () => {
			clearTimeout(t);
			signal?.removeEventListener("abort", done);
			resolve();
		};
		const t = setTimeout(done, ms);
		signal?.addEventListener("abort", done, { once: true });
	});
}
