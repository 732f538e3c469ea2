// Decoders for api.Job, api.TaskGroup and api.Task (the parts of the api package that hold them).
import {
	decodeAffinity,
	decodeConstraint,
	decodeConsul,
	decodeIdentity,
	decodeMigrate,
	decodeNetwork,
	decodeReschedule,
	decodeRestart,
	decodeScaling,
	decodeService,
	decodeSpread,
	decodeUpdate,
} from "./apiDecode.ts";
import type { Reader } from "./decode.ts";

const listOf = <T>(rs: Reader[] | undefined, f: (r: Reader) => T): T[] | undefined => rs?.map(f);
const opt = <T>(r: Reader | undefined, f: (r: Reader) => T): T | undefined => (r ? f(r) : undefined);

const decodeDevice = (r: Reader) => ({
	Name: r.str("Name"),
	Count: r.int("Count", "uint64"),
	Constraints: listOf(r.list("Constraints", "Constraint"), decodeConstraint),
	Affinities: listOf(r.list("Affinities", "Affinity"), decodeAffinity),
});

export const decodeResources = (r: Reader) => ({
	CPU: r.int("CPU"),
	Cores: r.int("Cores"),
	MemoryMB: r.int("MemoryMB"),
	MemoryMaxMB: r.int("MemoryMaxMB"),
	DiskMB: r.int("DiskMB"),
	Networks: listOf(r.list("Networks", "NetworkResource"), decodeNetwork),
	Devices: listOf(r.list("Devices", "RequestedDevice"), decodeDevice),
	NUMA: opt(r.obj("NUMA", "NUMAResource"), (n) => ({ Affinity: n.str("Affinity"), Devices: n.strList("Devices") })),
	SecretsMB: r.int("SecretsMB"),
	IOPS: r.int("IOPS"),
});

const decodeArtifact = (r: Reader) => ({
	GetterSource: r.str("GetterSource"),
	GetterOptions: r.strMap("GetterOptions"),
	GetterHeaders: r.strMap("GetterHeaders"),
	GetterMode: r.str("GetterMode"),
	GetterInsecure: r.bool("GetterInsecure"),
	RelativeDest: r.str("RelativeDest"),
	Chown: r.bool("Chown"),
});

const decodeTemplate = (r: Reader) => ({
	SourcePath: r.str("SourcePath"),
	DestPath: r.str("DestPath"),
	EmbeddedTmpl: r.str("EmbeddedTmpl"),
	ChangeMode: r.str("ChangeMode"),
	ChangeScript: opt(r.obj("ChangeScript", "ChangeScript"), (c) => ({
		Command: c.str("Command"),
		Args: c.strList("Args"),
		Timeout: c.dur("Timeout"),
		FailOnError: c.bool("FailOnError"),
		RunOnFirstRender: c.bool("RunOnFirstRender"),
	})),
	ChangeSignal: r.str("ChangeSignal"),
	Once: r.bool("Once"),
	Splay: r.dur("Splay"),
	Perms: r.str("Perms"),
	Uid: r.int("Uid"),
	Gid: r.int("Gid"),
	LeftDelim: r.str("LeftDelim"),
	RightDelim: r.str("RightDelim"),
	Envvars: r.bool("Envvars"),
	VaultGrace: r.dur("VaultGrace"),
	Wait: opt(r.obj("Wait", "WaitConfig"), (w) => ({ Min: w.dur("Min"), Max: w.dur("Max") })),
	ErrMissingKey: r.bool("ErrMissingKey"),
});

const decodeVault = (r: Reader) => ({
	Policies: r.strList("Policies"),
	Role: r.str("Role"),
	Namespace: r.str("Namespace"),
	Cluster: r.str("Cluster"),
	Env: r.bool("Env"),
	DisableFile: r.bool("DisableFile"),
	ChangeMode: r.str("ChangeMode"),
	ChangeSignal: r.str("ChangeSignal"),
	AllowTokenExpiration: r.bool("AllowTokenExpiration"),
});

export const decodeTask = (r: Reader) => ({
	Name: r.str("Name"),
	Driver: r.str("Driver"),
	User: r.str("User"),
	Lifecycle: opt(r.obj("Lifecycle", "TaskLifecycle"), (l) => ({ Hook: l.str("Hook"), Sidecar: l.bool("Sidecar") })),
	Config: r.anyMap("Config"),
	Constraints: listOf(r.list("Constraints", "Constraint"), decodeConstraint),
	Affinities: listOf(r.list("Affinities", "Affinity"), decodeAffinity),
	Env: r.strMap("Env"),
	Services: listOf(r.list("Services", "Service"), decodeService),
	Resources: opt(r.obj("Resources", "Resources"), decodeResources),
	RestartPolicy: opt(r.obj("RestartPolicy", "RestartPolicy"), decodeRestart),
	Meta: r.strMap("Meta"),
	KillTimeout: r.dur("KillTimeout"),
	LogConfig: opt(r.obj("LogConfig", "LogConfig"), (l) => ({
		MaxFiles: l.int("MaxFiles"),
		MaxFileSizeMB: l.int("MaxFileSizeMB"),
		Enabled: l.bool("Enabled"),
		Disabled: l.bool("Disabled"),
	})),
	Artifacts: listOf(r.list("Artifacts", "TaskArtifact"), decodeArtifact),
	Vault: opt(r.obj("Vault", "Vault"), decodeVault),
	Consul: opt(r.obj("Consul", "Consul"), decodeConsul),
	Templates: listOf(r.list("Templates", "Template"), decodeTemplate),
	DispatchPayload: opt(r.obj("DispatchPayload", "DispatchPayloadConfig"), (d) => ({ File: d.str("File") })),
	VolumeMounts: listOf(r.list("VolumeMounts", "VolumeMount"), (v) => ({
		Volume: v.str("Volume"),
		Destination: v.str("Destination"),
		ReadOnly: v.bool("ReadOnly"),
		PropagationMode: v.str("PropagationMode"),
		SELinuxLabel: v.str("SELinuxLabel"),
	})),
	CSIPluginConfig: opt(r.obj("CSIPluginConfig", "TaskCSIPluginConfig"), (c) => ({
		ID: c.str("ID"),
		Type: c.str("Type"),
		MountDir: c.str("MountDir"),
		StagePublishBaseDir: c.str("StagePublishBaseDir"),
		HealthTimeout: c.dur("HealthTimeout"),
	})),
	Leader: r.bool("Leader"),
	ShutdownDelay: r.dur("ShutdownDelay"),
	KillSignal: r.str("KillSignal"),
	Kind: r.str("Kind"),
	ScalingPolicies: listOf(r.list("ScalingPolicies", "ScalingPolicy"), decodeScaling),
	Secrets: listOf(r.list("Secrets", "Secret"), (s) => ({
		Name: s.str("Name"),
		Provider: s.str("Provider"),
		Path: s.str("Path"),
		Config: s.anyMap("Config"),
		Env: s.strMap("Env"),
	})),
	Identity: opt(r.obj("Identity", "WorkloadIdentity"), decodeIdentity),
	Identities: listOf(r.list("Identities", "WorkloadIdentity"), decodeIdentity),
	Actions: listOf(r.list("Actions", "Action"), (a) => ({
		Name: a.str("Name"),
		Command: a.str("Command"),
		Args: a.strList("Args"),
	})),
	Schedule: opt(r.obj("Schedule", "TaskSchedule"), (s) => ({
		Cron: opt(s.obj("Cron", "TaskScheduleCron"), (c) => ({
			Start: c.str("Start"),
			End: c.str("End"),
			Timezone: c.str("Timezone"),
		})),
	})),
});

const decodeVolume = (r: Reader) => ({
	Name: r.str("Name"),
	Type: r.str("Type"),
	Source: r.str("Source"),
	ReadOnly: r.bool("ReadOnly"),
	Sticky: r.bool("Sticky"),
	AccessMode: r.str("AccessMode"),
	AttachmentMode: r.str("AttachmentMode"),
	MountOptions: opt(r.obj("MountOptions", "CSIMountOptions"), (m) => ({
		FSType: m.str("FSType"),
		MountFlags: m.strList("MountFlags"),
	})),
	PerAlloc: r.bool("PerAlloc"),
});

export const decodeGroup = (r: Reader) => {
	const vols = r.objMap("Volumes", "VolumeRequest");
	return {
		Name: r.str("Name"),
		Count: r.int("Count"),
		Constraints: listOf(r.list("Constraints", "Constraint"), decodeConstraint),
		Affinities: listOf(r.list("Affinities", "Affinity"), decodeAffinity),
		Tasks: listOf(r.list("Tasks", "Task"), decodeTask),
		Spreads: listOf(r.list("Spreads", "Spread"), decodeSpread),
		Volumes: vols && Object.fromEntries(Object.entries(vols).map(([k, v]) => [k, decodeVolume(v)])),
		RestartPolicy: opt(r.obj("RestartPolicy", "RestartPolicy"), decodeRestart),
		Disconnect: opt(r.obj("Disconnect", "DisconnectStrategy"), (d) => ({
			LostAfter: d.dur("LostAfter"),
			StopOnClientAfter: d.dur("StopOnClientAfter"),
			Replace: d.bool("Replace"),
			Reconcile: d.str("Reconcile"),
		})),
		ReschedulePolicy: opt(r.obj("ReschedulePolicy", "ReschedulePolicy"), decodeReschedule),
		EphemeralDisk: opt(r.obj("EphemeralDisk", "EphemeralDisk"), (e) => ({
			Sticky: e.bool("Sticky"),
			Migrate: e.bool("Migrate"),
			SizeMB: e.int("SizeMB"),
		})),
		Update: opt(r.obj("Update", "UpdateStrategy"), decodeUpdate),
		Migrate: opt(r.obj("Migrate", "MigrateStrategy"), decodeMigrate),
		Networks: listOf(r.list("Networks", "NetworkResource"), decodeNetwork),
		Meta: r.strMap("Meta"),
		Services: listOf(r.list("Services", "Service"), decodeService),
		ShutdownDelay: r.dur("ShutdownDelay"),
		MaxRunDuration: r.dur("MaxRunDuration"),
		StopAfterClientDisconnect: r.dur("StopAfterClientDisconnect"),
		MaxClientDisconnect: r.dur("MaxClientDisconnect"),
		Scaling: opt(r.obj("Scaling", "ScalingPolicy"), decodeScaling),
		Consul: opt(r.obj("Consul", "Consul"), decodeConsul),
		PreventRescheduleOnLost: r.bool("PreventRescheduleOnLost"),
	};
};

export const decodeJob = (r: Reader) => ({
	Region: r.str("Region"),
	Namespace: r.str("Namespace"),
	ID: r.str("ID"),
	Name: r.str("Name"),
	Type: r.str("Type"),
	Priority: r.int("Priority"),
	AllAtOnce: r.bool("AllAtOnce"),
	Datacenters: r.strList("Datacenters"),
	NodePool: r.str("NodePool"),
	Constraints: listOf(r.list("Constraints", "Constraint"), decodeConstraint),
	Affinities: listOf(r.list("Affinities", "Affinity"), decodeAffinity),
	TaskGroups: listOf(r.list("TaskGroups", "TaskGroup"), decodeGroup),
	Update: opt(r.obj("Update", "UpdateStrategy"), decodeUpdate),
	Multiregion: opt(r.obj("Multiregion", "Multiregion"), (m) => ({
		Strategy: opt(m.obj("Strategy", "MultiregionStrategy"), (s) => ({
			MaxParallel: s.int("MaxParallel"),
			OnFailure: s.str("OnFailure"),
		})),
		Regions: listOf(m.list("Regions", "MultiregionRegion"), (x) => ({
			Name: x.str("Name"),
			Count: x.int("Count"),
			Datacenters: x.strList("Datacenters"),
			NodePool: x.str("NodePool"),
			Meta: x.strMap("Meta"),
		})),
	})),
	Spreads: listOf(r.list("Spreads", "Spread"), decodeSpread),
	Periodic: opt(r.obj("Periodic", "PeriodicConfig"), (p) => ({
		Enabled: p.bool("Enabled"),
		Spec: p.str("Spec"),
		Specs: p.strList("Specs"),
		SpecType: p.str("SpecType"),
		ProhibitOverlap: p.bool("ProhibitOverlap"),
		TimeZone: p.str("TimeZone"),
	})),
	ParameterizedJob: opt(r.obj("ParameterizedJob", "ParameterizedJobConfig"), (p) => ({
		Payload: p.str("Payload"),
		MetaRequired: p.strList("MetaRequired"),
		MetaOptional: p.strList("MetaOptional"),
	})),
	Reschedule: opt(r.obj("Reschedule", "ReschedulePolicy"), decodeReschedule),
	Migrate: opt(r.obj("Migrate", "MigrateStrategy"), decodeMigrate),
	Meta: r.strMap("Meta"),
	UI: opt(r.obj("UI", "JobUIConfig"), (u) => ({
		Description: u.str("Description"),
		Links: listOf(u.list("Links", "JobUILink"), (l) => ({ Label: l.str("Label"), URL: l.str("URL") })),
	})),
	Stop: r.bool("Stop"),
	ParentID: r.str("ParentID"),
	Dispatched: r.bool("Dispatched"),
	DispatchIdempotencyToken: r.str("DispatchIdempotencyToken"),
	Payload: r.bytes("Payload"),
	ConsulNamespace: r.str("ConsulNamespace"),
	VaultNamespace: r.str("VaultNamespace"),
	NomadTokenID: r.str("NomadTokenID"),
	Status: r.str("Status"),
	StatusDescription: r.str("StatusDescription"),
	Stable: r.bool("Stable"),
	Version: r.int("Version", "uint64"),
	SubmitTime: r.int("SubmitTime", "int64"),
	CreateIndex: r.int("CreateIndex", "uint64"),
	ModifyIndex: r.int("ModifyIndex", "uint64"),
	JobModifyIndex: r.int("JobModifyIndex", "uint64"),
	VersionTag: opt(r.obj("VersionTag", "JobVersionTag"), (v) => ({
		Name: v.str("Name"),
		Description: v.str("Description"),
		TaggedTime: v.int("TaggedTime", "int64"),
	})),
});

export type ApiJob = ReturnType<typeof decodeJob>;
export type ApiGroup = ReturnType<typeof decodeGroup>;
export type ApiTask = ReturnType<typeof decodeTask>;
export type ApiResources = ReturnType<typeof decodeResources>;
