// Server-side (structs) shapes of job parts that src/api/types leaves as `unknown`, in Go field
// declaration order (which is also the order of keys on the wire).
import type { Duration } from "../../api/types/index.ts";

export interface CheckRestart {
	Limit: number;
	Grace: Duration;
	IgnoreWarnings: boolean;
}

export interface ServiceCheck {
	Name: string;
	Type: string;
	Command: string;
	Args: string[] | null;
	Path: string;
	Protocol: string;
	PortLabel: string;
	Expose: boolean;
	AddressMode: string;
	Interval: Duration;
	Timeout: Duration;
	InitialStatus: string;
	Notes: string;
	TLSServerName: string;
	TLSSkipVerify: boolean;
	Method: string;
	Header: Record<string, string[] | null> | null;
	CheckRestart: CheckRestart | null;
	GRPCService: string;
	GRPCUseTLS: boolean;
	TaskName: string;
	SuccessBeforePassing: number;
	FailuresBeforeCritical: number;
	FailuresBeforeWarning: number;
	Body: string;
	OnUpdate: string;
}

export interface WorkloadIdentity {
	Name: string;
	Audience: string[] | null;
	ChangeMode: string;
	ChangeSignal: string;
	Env: boolean;
	File: boolean;
	Filepath: string;
	ServiceName: string;
	TTL: Duration;
	ExtraClaims: string[] | null;
}

export interface Service {
	Name: string;
	TaskName: string;
	PortLabel: string;
	AddressMode: string;
	Address: string;
	EnableTagOverride: boolean;
	Tags: string[] | null;
	CanaryTags: string[] | null;
	Checks: ServiceCheck[] | null;
	/** Consul Connect, carried as sent. */
	Connect: Record<string, unknown> | null;
	Meta: Record<string, string> | null;
	CanaryMeta: Record<string, string> | null;
	Weights: { Passing: number; Warning: number } | null;
	TaggedAddresses: Record<string, string> | null;
	Namespace: string;
	OnUpdate: string;
	Provider: string;
	Cluster: string;
	Identity: WorkloadIdentity | null;
	Kind: string;
}

export interface Vault {
	Role: string;
	Namespace: string;
	Cluster: string;
	Env: boolean;
	DisableFile: boolean;
	ChangeMode: string;
	ChangeSignal: string;
	AllowTokenExpiration: boolean;
}

export interface Secret {
	Name: string;
	Provider: string;
	Path: string;
	Config: Record<string, unknown> | null;
	Env: Record<string, string> | null;
}

export interface Consul {
	Namespace: string;
	Cluster: string;
	Partition: string;
}

export interface VolumeRequest {
	Name: string;
	Type: string;
	Source: string;
	ReadOnly: boolean;
	Sticky: boolean;
	AccessMode: string;
	AttachmentMode: string;
	MountOptions: { FSType: string; MountFlags: string[] | null } | null;
	PerAlloc: boolean;
}

export interface VolumeMount {
	Volume: string;
	Destination: string;
	ReadOnly: boolean;
	PropagationMode: string;
	SELinuxLabel: string;
}

export interface ScalingPolicy {
	ID: string;
	Type: string;
	Target: Record<string, string> | null;
	Policy: Record<string, unknown> | null;
	Min: number;
	Max: number;
	Enabled: boolean;
	CreateIndex: number;
	ModifyIndex: number;
}

export interface DisconnectStrategy {
	LostAfter: Duration;
	StopOnClientAfter: Duration | null;
	Replace: boolean | null;
	Reconcile: string;
}

export interface Action {
	Name: string;
	Command: string;
	Args: string[] | null;
}

export interface TaskSchedule {
	Cron: { Start: string; End: string; Timezone: string } | null;
}

export interface TaskCSIPluginConfig {
	ID: string;
	Type: string;
	MountDir: string;
	StagePublishBaseDir: string;
	HealthTimeout: Duration;
}

export interface ChangeScript {
	Command: string;
	Args: string[] | null;
	Timeout: Duration;
	FailOnError: boolean;
	RunOnFirstRender: boolean;
}

export interface WaitConfig {
	Min: Duration | null;
	Max: Duration | null;
}

export interface NUMA {
	Affinity: string;
	Devices: string[] | null;
}

export interface Multiregion {
	Strategy: { MaxParallel: number; OnFailure: string } | null;
	Regions:
		| {
				Name: string;
				Count: number;
				Datacenters: string[] | null;
				NodePool: string;
				Meta: Record<string, string> | null;
		  }[]
		| null;
}

export interface JobUIConfig {
	Description: string;
	Links: { Label: string; Url: string }[] | null;
}

export interface JobVersionTag {
	Name: string;
	Description: string;
	TaggedTime: number;
}

/** Server admission settings (agent `server {}` block). */
export interface AdmissionConfig {
	/** This agent's region (jobs in "global" or without a region land here). */
	region: string;
	/** `job_default_priority`: used when a job asks for priority 0. */
	jobDefaultPriority: number;
	/** `job_max_priority`. */
	jobMaxPriority: number;
	/** `job_max_count`: the most allocations (sum of group counts) one job may ask for; 0 = no limit. */
	jobMaxCount: number;
}
