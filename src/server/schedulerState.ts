// The scheduler's read-only view (src/scheduler/types.ts SchedulerState) over one consistent
// StateView snapshot of the state store.

import type { Allocation, Job, Node } from "../api/types/index.ts";
import type { NodeUsage } from "../scheduler/index.ts";
import type { SchedulerConfiguration, SchedulerState } from "../scheduler/types.ts";
import type { StateView } from "./state/stateStore.ts";

/** Used when no scheduler configuration has been written yet (same as the server's default). */
export const FALLBACK_SCHEDULER_CONFIG: SchedulerConfiguration = {
	SchedulerAlgorithm: "binpack",
	PreemptionConfig: {
		SystemSchedulerEnabled: true,
		SysBatchSchedulerEnabled: false,
		BatchSchedulerEnabled: false,
		ServiceSchedulerEnabled: false,
	},
	MemoryOversubscriptionEnabled: false,
	RejectJobRegistration: false,
	PauseEvalBroker: false,
	NodeLimitForFeasibilityChecks: 0,
};

/** A lazy iterable that can be walked more than once (each walk is a fresh scan). */
function reiterable<T>(walk: () => Iterator<T>): Iterable<T> {
	return { [Symbol.iterator]: walk };
}

export class SnapshotSchedulerState implements SchedulerState {
	readonly view: StateView;
	readonly index: number;
	private config: SchedulerConfiguration | undefined;

	constructor(view: StateView) {
		this.view = view;
		this.index = view.latestIndex;
	}

	job(namespace: string, id: string): Job | undefined {
		return this.view.get("jobs", `${namespace}\u0000${id}`) as Job | undefined;
	}

	node(id: string): Node | undefined {
		return this.view.get("nodes", id) as Node | undefined;
	}

	/** Summed usage of the node's live allocations, maintained by the state store on every write. */
	nodeUsage(nodeID: string): NodeUsage | undefined {
		return this.view.aggregate<NodeUsage>("node_usage", nodeID);
	}

	nodes(): Iterable<Node> {
		return reiterable(() => this.view.scan("nodes") as Iterator<Node>);
	}

	nodesInPool(pool: string): Iterable<Node> {
		if (pool === "all") return this.nodes();
		return reiterable(() => this.view.byIndex("nodes", "pool", pool) as Iterator<Node>);
	}

	allocsByNode(nodeID: string): Iterable<Allocation> {
		return reiterable(() => this.view.byIndex("allocs", "node", nodeID) as Iterator<Allocation>);
	}

	allocsByJob(namespace: string, jobID: string): Iterable<Allocation> {
		const key = `${namespace}\u0000${jobID}`;
		return reiterable(() => this.view.byIndex("allocs", "job", key) as Iterator<Allocation>);
	}

	alloc(id: string): Allocation | undefined {
		return this.view.get("allocs", id) as Allocation | undefined;
	}

	schedulerConfig(): SchedulerConfiguration {
		this.config ??= this.readConfig();
		return this.config;
	}

	private readConfig(): SchedulerConfiguration {
		const row = this.view.get("scheduler_config", "config") as Partial<SchedulerConfiguration> | undefined;
		if (!row) return FALLBACK_SCHEDULER_CONFIG;
		return {
			...FALLBACK_SCHEDULER_CONFIG,
			...row,
			PreemptionConfig: { ...FALLBACK_SCHEDULER_CONFIG.PreemptionConfig, ...(row.PreemptionConfig ?? {}) },
		};
	}
}
