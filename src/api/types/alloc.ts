// Allocation, Evaluation and the scheduler's metrics (structs.Allocation / Evaluation / AllocMetric).
// Allocation and Evaluation are omitempty on the wire: zero-valued fields are left out.
import type { Duration, NetworkResource, Resources } from "./common.ts";
import type { Job } from "./job.ts";

export type AllocDesiredStatus = "run" | "stop" | "evict";
export type AllocClientStatus = "pending" | "running" | "complete" | "failed" | "lost" | "unknown";

export interface AllocatedPortMapping {
	Label: string;
	Value: number;
	To: number;
	HostIP: string;
	IgnoreCollision?: boolean;
}

export interface AllocatedTaskResources {
	Cpu: { CpuShares: number; ReservedCores: number[] | null };
	Memory: { MemoryMB: number; MemoryMaxMB: number };
	Networks: NetworkResource[] | null;
	Devices: unknown[] | null;
}

export interface AllocatedResources {
	Tasks: Record<string, AllocatedTaskResources>;
	TaskLifecycles: Record<string, { Hook: string; Sidecar: boolean } | null>;
	Shared: { Networks: NetworkResource[] | null; DiskMB: number; Ports: AllocatedPortMapping[] | null };
}

export interface NodeScoreMeta {
	NodeID: string;
	Scores: Record<string, number>;
	NormScore: number;
}

/**
 * ScoreMetaData as kept in memory by the scheduler: a packed form that serialises to the
 * NodeScoreMeta list (JSON.stringify calls toJSON). Read it with the scheduler's scoreMetaList().
 */
export interface PackedScoreMetaData {
	toJSON(): NodeScoreMeta[];
}

export interface AllocMetric {
	NodesEvaluated: number;
	NodesFiltered: number;
	NodesInPool: number;
	NodePool: string;
	NodesAvailable: Record<string, number> | null;
	ClassFiltered: Record<string, number> | null;
	ConstraintFiltered: Record<string, number> | null;
	NodesExhausted: number;
	ClassExhausted: Record<string, number> | null;
	DimensionExhausted: Record<string, number> | null;
	QuotaExhausted: string[] | null;
	ResourcesExhausted: Record<string, Resources> | null;
	Scores: Record<string, number> | null;
	ScoreMetaData: NodeScoreMeta[] | PackedScoreMetaData | null;
	AllocationTime: Duration;
	CoalescedFailures: number;
}

export interface TaskEvent {
	Type: string;
	Time: number;
	Message: string;
	DisplayMessage: string;
	Details: Record<string, string> | null;
	[extra: string]: unknown;
}

export interface TaskState {
	State: "pending" | "running" | "dead";
	Failed: boolean;
	Restarts: number;
	LastRestart: string | null;
	StartedAt: string | null;
	FinishedAt: string | null;
	Events: TaskEvent[] | null;
}

export interface RescheduleEvent {
	RescheduleTime: number;
	PrevAllocID: string;
	PrevNodeID: string;
	Delay: Duration;
}

export interface DesiredTransition {
	Migrate?: boolean | null;
	Reschedule?: boolean | null;
	ForceReschedule?: boolean | null;
	NoShutdownDelay?: boolean | null;
}

export interface Allocation {
	ID: string;
	Namespace: string;
	EvalID: string;
	Name: string;
	NodeID: string;
	NodeName: string;
	JobID: string;
	Job?: Job | null;
	TaskGroup: string;
	AllocatedResources?: AllocatedResources | null;
	Metrics?: AllocMetric | null;
	DesiredStatus: AllocDesiredStatus;
	DesiredDescription?: string;
	DesiredTransition?: DesiredTransition;
	ClientStatus: AllocClientStatus;
	ClientDescription?: string;
	TaskStates?: Record<string, TaskState> | null;
	PreviousAllocation?: string;
	NextAllocation?: string;
	DeploymentID?: string;
	RescheduleTracker?: { Events: RescheduleEvent[] | null } | null;
	FollowupEvalID?: string;
	PreemptedAllocations?: string[] | null;
	PreemptedByAllocation?: string;
	CreateIndex: number;
	ModifyIndex: number;
	AllocModifyIndex: number;
	/** UnixNano */
	CreateTime: number;
	/** UnixNano */
	ModifyTime: number;
	[extra: string]: unknown;
}

export type EvalStatus = "blocked" | "pending" | "complete" | "failed" | "canceled";

export interface DesiredUpdates {
	Ignore: number;
	Place: number;
	Migrate: number;
	Stop: number;
	InPlaceUpdate: number;
	DestructiveUpdate: number;
	Canary: number;
	Preemptions: number;
	Disconnect?: number;
	Reconnect?: number;
	RescheduleNow?: number;
	RescheduleLater?: number;
}

export interface Evaluation {
	ID: string;
	Namespace: string;
	Priority: number;
	/** Job type, or "_core" for GC evals. */
	Type: string;
	TriggeredBy: string;
	JobID: string;
	JobModifyIndex?: number;
	NodeID?: string;
	NodeModifyIndex?: number;
	DeploymentID?: string;
	Status: EvalStatus;
	StatusDescription?: string;
	Wait?: Duration;
	/** RFC3339 */
	WaitUntil?: string | null;
	NextEval?: string;
	PreviousEval?: string;
	BlockedEval?: string;
	FailedTGAllocs?: Record<string, AllocMetric> | null;
	ClassEligibility?: Record<string, boolean> | null;
	EscapedComputedClass?: boolean;
	AnnotatePlan?: boolean;
	QueuedAllocations?: Record<string, number> | null;
	PlanAnnotations?: {
		DesiredTGUpdates: Record<string, DesiredUpdates> | null;
		PreemptedAllocs: unknown[] | null;
	} | null;
	SnapshotIndex?: number;
	CreateIndex: number;
	ModifyIndex: number;
	/** UnixNano */
	CreateTime: number;
	/** UnixNano */
	ModifyTime: number;
	[extra: string]: unknown;
}

/** What a scheduler submits (structs.Plan). */
export interface Plan {
	EvalID: string;
	Priority: number;
	AllAtOnce: boolean;
	Job: Job | null;
	/** nodeID → allocations to stop/evict (updated copies with DesiredStatus set). */
	NodeUpdate: Record<string, Allocation[]>;
	/** nodeID → allocations to place or update in place. */
	NodeAllocation: Record<string, Allocation[]>;
	Annotations: { DesiredTGUpdates: Record<string, DesiredUpdates> | null } | null;
	SnapshotIndex: number;
}

/** What the plan applier answers (structs.PlanResult). */
export interface PlanResult {
	NodeUpdate: Record<string, Allocation[]>;
	NodeAllocation: Record<string, Allocation[]>;
	/** Nodes whose part of the plan did not fit and was dropped. */
	RejectedNodes: string[];
	/** When some of the plan was rejected: the index the scheduler must refresh to before retrying. */
	RefreshIndex: number;
	/** The index at which the result was committed (0 if nothing). */
	AllocIndex: number;
}
