// The scheduler's boundary: a consistent read-only view of cluster state, and a planner that
// commits plans and evaluations. Schedulers are pure logic behind these: no I/O, no clocks (the
// caller passes `now`), randomness only from the seeded RNG they are given.
import type { Allocation, Evaluation, Job, Node, Plan, PlanResult } from "../api/types/index.ts";
import type { NodeUsage } from "./resources.ts";

export interface SchedulerConfiguration {
	SchedulerAlgorithm: "binpack" | "spread" | "";
	PreemptionConfig: {
		SystemSchedulerEnabled: boolean;
		SysBatchSchedulerEnabled: boolean;
		BatchSchedulerEnabled: boolean;
		ServiceSchedulerEnabled: boolean;
	};
	MemoryOversubscriptionEnabled: boolean;
	RejectJobRegistration: boolean;
	PauseEvalBroker: boolean;
	NodeLimitForFeasibilityChecks: number;
}

/** A consistent snapshot of the state a scheduler reads. Iteration orders are stable (by ID). */
export interface SchedulerState {
	/** Raft index of this snapshot. */
	readonly index: number;
	job(namespace: string, id: string): Job | undefined;
	node(id: string): Node | undefined;
	/** Every node, in ID order (the scheduler filters by status, eligibility, pool, datacenter). */
	nodes(): Iterable<Node>;
	/** Nodes in a node pool ("all" = every node). */
	nodesInPool(pool: string): Iterable<Node>;
	/** Every allocation on a node, terminal ones included. */
	allocsByNode(nodeID: string): Iterable<Allocation>;
	/** Every allocation of a job (all versions), terminal ones included. */
	allocsByJob(namespace: string, jobID: string): Iterable<Allocation>;
	alloc(id: string): Allocation | undefined;
	schedulerConfig(): SchedulerConfiguration;
	/**
	 * Optional fast path: the summed footprint of the node's non-client-terminal allocations in this
	 * snapshot (see NodeUsage in ./resources.ts; maintain it with add/remove on a clone per write).
	 * Without it the scheduler sums allocsByNode() once per node it looks at in an evaluation.
	 * Must not be mutated after the snapshot is handed out.
	 */
	nodeUsage?(nodeID: string): NodeUsage | undefined;
}

export interface SubmitResult {
	result: PlanResult;
	/** When part of the plan was rejected: a fresh snapshot at >= result.RefreshIndex to retry on. */
	refreshedState?: SchedulerState;
}

/** How a scheduler commits its work (Nomad's scheduler.Planner). */
export interface Planner {
	submitPlan(plan: Plan): Promise<SubmitResult>;
	/** Updates the evaluation being processed (status, description, FailedTGAllocs, QueuedAllocations...). */
	updateEval(ev: Evaluation): Promise<void>;
	/** Creates a new evaluation (blocked evals, follow-ups for delayed reschedules). */
	createEval(ev: Evaluation): Promise<void>;
	/** Re-blocks a blocked evaluation that still cannot place. */
	reblockEval(ev: Evaluation): Promise<void>;
}

export interface SchedulerContext {
	state: SchedulerState;
	planner: Planner;
	/** Wall-clock time of this run, UnixNano; used for reschedule delays and alloc times. */
	now: number;
	/** Seeded RNG in [0, 1); the same seed and inputs give the same placements. */
	random: () => number;
	/** Generates IDs (UUIDs); injected so runs are reproducible in tests. */
	newID: () => string;
	/** Optional monotonic clock in nanoseconds, only used for AllocMetric.AllocationTime (0 without it). */
	clock?: () => number;
	/**
	 * Called between placements; resolves at once or after letting the event loop run (the worker
	 * decides, e.g. every few ms). Lets big evaluations share the thread with the HTTP API.
	 */
	maybeYield?: () => Promise<void>;
	/** Optional debug logger. */
	log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface Scheduler {
	process(ev: Evaluation): Promise<void>;
}

export type SchedulerFactory = (ctx: SchedulerContext) => Scheduler;
