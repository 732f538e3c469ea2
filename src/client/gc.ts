// Client-side garbage collection of terminal allocations (Nomad's AllocGarbageCollector): every
// gc_interval, the oldest terminal allocations are destroyed while the disk holding the alloc dir
// is fuller than gc_disk_usage_threshold (percent of bytes) or gc_inode_usage_threshold (percent of
// inodes); and before new allocations start, the oldest terminal ones make room so that no more
// than gc_max_allocs allocations are kept on the node.
import { statfsSync } from "node:fs";

export interface GcPolicy {
	intervalMs: number;
	maxAllocs: number;
	/** Percent (0–100). */
	diskUsageThreshold: number;
	inodeUsageThreshold: number;
}

/** What the collector needs from the client. */
export interface GcTarget {
	/** Terminal allocations still kept, with the time they finished (ms; oldest collected first). */
	terminal(): { id: string; finishedAt: number }[];
	/** Every allocation kept on the node (running and terminal). */
	count(): number;
	/** Destroys one terminal allocation; false when it is no longer collectable. */
	collect(id: string): Promise<boolean>;
}

export interface DiskUsage {
	diskPercent: number;
	inodePercent: number;
}

/** Usage of the file system holding `path`, from statfs. */
export function diskUsage(path: string): DiskUsage {
	const s = statfsSync(path);
	const diskPercent = s.blocks > 0 ? (100 * (s.blocks - s.bfree)) / s.blocks : 0;
	const inodePercent = s.files > 0 ? (100 * (s.files - s.ffree)) / s.files : 0;
	return { diskPercent, inodePercent };
}

export class AllocGarbageCollector {
	private readonly target: GcTarget;
	private readonly policy: GcPolicy;
	private readonly usage: () => DiskUsage;
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<number> | undefined;

	constructor(target: GcTarget, policy: GcPolicy, usage: () => DiskUsage) {
		this.target = target;
		this.policy = policy;
		this.usage = usage;
	}

	start(): void {
		if (this.timer || this.policy.intervalMs <= 0) return;
		this.timer = setInterval(() => void this.keepUsageBelowThreshold(), this.policy.intervalMs);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	private oldestFirst(): string[] {
		return this.target
			.terminal()
			.sort((a, b) => a.finishedAt - b.finishedAt)
			.map((t) => t.id);
	}

	/** One periodic pass: collects oldest terminal allocations while a usage threshold is exceeded. */
	keepUsageBelowThreshold(): Promise<number> {
		this.running ??= (async () => {
			let n = 0;
			try {
				for (const id of this.oldestFirst()) {
					const u = this.usage();
					if (u.diskPercent <= this.policy.diskUsageThreshold && u.inodePercent <= this.policy.inodeUsageThreshold)
						break;
					if (await this.target.collect(id)) n++;
				}
			} finally {
				this.running = undefined;
			}
			return n;
		})();
		return this.running;
	}

	/** Before `incoming` new allocations start: collects the oldest terminal ones beyond gc_max_allocs. */
	async makeRoomFor(incoming: number): Promise<number> {
		let excess = this.target.count() + incoming - this.policy.maxAllocs;
		let n = 0;
		for (const id of this.oldestFirst()) {
			if (excess <= 0) break;
			if (await this.target.collect(id)) {
				n++;
				excess--;
			}
		}
		return n;
	}
}
