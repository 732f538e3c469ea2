// Job, TaskGroup, Task and their policies, as the server stores and returns them (structs.Job).
import type { Affinity, Constraint, Duration, NetworkResource, Resources, Spread } from "./common.ts";

export type JobType = "service" | "batch" | "system" | "sysbatch";
export type JobStatus = "pending" | "running" | "dead";

export interface RestartPolicy {
	Attempts: number;
	Interval: Duration;
	Delay: Duration;
	Mode: "delay" | "fail";
	RenderTemplates: boolean;
}

export interface ReschedulePolicy {
	Attempts: number;
	Interval: Duration;
	Delay: Duration;
	DelayFunction: "constant" | "exponential" | "fibonacci";
	MaxDelay: Duration;
	Unlimited: boolean;
}

export interface UpdateStrategy {
	Stagger: Duration;
	MaxParallel: number;
	HealthCheck: "checks" | "task_states" | "manual";
	MinHealthyTime: Duration;
	HealthyDeadline: Duration;
	ProgressDeadline: Duration;
	AutoRevert: boolean;
	AutoPromote: boolean;
	Canary: number;
}

export interface MigrateStrategy {
	MaxParallel: number;
	HealthCheck: string;
	MinHealthyTime: Duration;
	HealthyDeadline: Duration;
}

export interface EphemeralDisk {
	Sticky: boolean;
	SizeMB: number;
	Migrate: boolean;
}

export interface PeriodicConfig {
	Enabled: boolean;
	Spec: string;
	Specs: string[] | null;
	SpecType: "cron";
	ProhibitOverlap: boolean;
	TimeZone: string;
}

export interface ParameterizedJobConfig {
	Payload: "optional" | "required" | "forbidden";
	MetaRequired: string[] | null;
	MetaOptional: string[] | null;
}

export interface TaskLifecycle {
	Hook: "prestart" | "poststart" | "poststop";
	Sidecar: boolean;
}

export interface LogConfig {
	MaxFiles: number;
	MaxFileSizeMB: number;
	Disabled: boolean;
}

export interface TaskArtifact {
	GetterSource: string;
	GetterOptions: Record<string, string> | null;
	GetterHeaders: Record<string, string> | null;
	GetterMode: string;
	GetterInsecure: boolean;
	RelativeDest: string;
	Chown: boolean;
}

export interface Template {
	SourcePath: string;
	DestPath: string;
	EmbeddedTmpl: string;
	ChangeMode: string;
	ChangeSignal: string;
	ChangeScript: unknown | null;
	Splay: Duration;
	Perms: string;
	Uid: number | null;
	Gid: number | null;
	LeftDelim: string;
	RightDelim: string;
	Envvars: boolean;
	VaultGrace: Duration;
	Wait: unknown | null;
	ErrMissingKey: boolean;
	Once: boolean;
}

export interface Task {
	Name: string;
	Driver: string;
	User: string;
	Config: Record<string, unknown> | null;
	Env: Record<string, string> | null;
	Services: unknown[] | null;
	Vault: unknown | null;
	Templates: Template[] | null;
	Constraints: Constraint[] | null;
	Affinities: Affinity[] | null;
	Resources: Resources;
	RestartPolicy: RestartPolicy | null;
	DispatchPayload: { File: string } | null;
	Lifecycle: TaskLifecycle | null;
	Meta: Record<string, string> | null;
	KillTimeout: Duration;
	LogConfig: LogConfig;
	Artifacts: TaskArtifact[] | null;
	Leader: boolean;
	ShutdownDelay: Duration;
	VolumeMounts: unknown[] | null;
	ScalingPolicies: unknown[] | null;
	KillSignal: string;
	Kind: string;
	CSIPluginConfig: unknown | null;
	Identity: unknown | null;
	Identities: unknown[] | null;
	Actions: unknown[] | null;
	Schedule: unknown | null;
	[extra: string]: unknown;
}

export interface TaskGroup {
	Name: string;
	Count: number;
	Update: UpdateStrategy | null;
	Migrate: MigrateStrategy | null;
	Constraints: Constraint[] | null;
	Scaling: unknown | null;
	RestartPolicy: RestartPolicy | null;
	Disconnect: unknown | null;
	Tasks: Task[];
	EphemeralDisk: EphemeralDisk;
	Meta: Record<string, string> | null;
	ReschedulePolicy: ReschedulePolicy | null;
	Affinities: Affinity[] | null;
	Spreads: Spread[] | null;
	Networks: NetworkResource[] | null;
	Consul: unknown | null;
	Services: unknown[] | null;
	Volumes: Record<string, unknown> | null;
	ShutdownDelay: Duration | null;
	StopAfterClientDisconnect: Duration | null;
	MaxClientDisconnect: Duration | null;
	PreventRescheduleOnLost: boolean;
	[extra: string]: unknown;
}

export interface Job {
	Stop: boolean;
	Region: string;
	Namespace: string;
	ID: string;
	ParentID: string;
	Name: string;
	Type: JobType;
	Priority: number;
	AllAtOnce: boolean;
	Datacenters: string[];
	NodePool: string;
	Constraints: Constraint[] | null;
	Affinities: Affinity[] | null;
	Spreads: Spread[] | null;
	TaskGroups: TaskGroup[];
	Update: UpdateStrategy;
	Multiregion: unknown | null;
	Periodic: PeriodicConfig | null;
	ParameterizedJob: ParameterizedJobConfig | null;
	Dispatched: boolean;
	DispatchIdempotencyToken: string;
	/** base64 */
	Payload: string | null;
	Meta: Record<string, string> | null;
	ConsulNamespace: string;
	VaultNamespace: string;
	NomadTokenID: string;
	Status: JobStatus;
	StatusDescription: string;
	Stable: boolean;
	Version: number;
	/** UnixNano */
	SubmitTime: number;
	CreateIndex: number;
	ModifyIndex: number;
	JobModifyIndex: number;
	UI: unknown | null;
	VersionTag: unknown | null;
	[extra: string]: unknown;
}
