// The engine's timers on an injected clock, all cancelled at once on shutdown.
import type { Clock } from "./transport.ts";

export class TimerSet {
	private readonly clock: Clock;
	private readonly live = new Set<unknown>();
	private stopped = false;

	constructor(clock: Clock) {
		this.clock = clock;
	}

	/** Runs fn after ms (not after stop). */
	after(ms: number, fn: () => void): void {
		if (this.stopped) return;
		const h = this.clock.setTimeout(() => {
			this.live.delete(h);
			if (!this.stopped) fn();
		}, ms);
		this.live.add(h);
	}

	/** Runs fn every ms until stop. */
	every(ms: number, fn: () => void): void {
		const tick = () => {
			fn();
			this.after(ms, tick);
		};
		this.after(ms, tick);
	}

	/** Resolves after ms (also after stop, so awaiting code finishes). */
	sleep(ms: number): Promise<void> {
		return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
	}

	stop(): void {
		this.stopped = true;
		for (const h of this.live) this.clock.clearTimeout(h);
		this.live.clear();
	}
}
