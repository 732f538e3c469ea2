// Decoders for Nomad's api package job structs (api/jobs.go, tasks.go, resources.go, services.go).
// Each returns the struct with its Go field names; pointer fields and nil slices/maps are
// undefined. Every field is read (even ones the conversion ignores) so type errors match Go's.
import type { JsonObject, Reader } from "./decode.ts";

const listOf = <T>(rs: Reader[] | undefined, f: (r: Reader) => T): T[] | undefined => rs?.map(f);

export const decodeConstraint = (r: Reader) => ({
	LTarget: r.str("LTarget"),
	RTarget: r.str("RTarget"),
	Operand: r.str("Operand"),
});

export const decodeAffinity = (r: Reader) => ({
	LTarget: r.str("LTarget"),
	RTarget: r.str("RTarget"),
	Operand: r.str("Operand"),
	Weight: r.int("Weight", "int8"),
});

export const decodeSpread = (r: Reader) => ({
	Attribute: r.str("Attribute"),
	Weight: r.int("Weight", "int8"),
	SpreadTarget: listOf(r.list("SpreadTarget", "SpreadTarget"), (t) => ({
		Value: t.str("Value"),
		Percent: t.int("Percent", "uint8"),
	})),
});

export const decodeUpdate = (r: Reader) => ({
	Stagger: r.dur("Stagger"),
	MaxParallel: r.int("MaxParallel"),
	HealthCheck: r.str("HealthCheck"),
	MinHealthyTime: r.dur("MinHealthyTime"),
	HealthyDeadline: r.dur("HealthyDeadline"),
	ProgressDeadline: r.dur("ProgressDeadline"),
	Canary: r.int("Canary"),
	AutoRevert: r.bool("AutoRevert"),
	AutoPromote: r.bool("AutoPromote"),
});

export const decodeReschedule = (r: Reader) => ({
	Attempts: r.int("Attempts"),
	Interval: r.dur("Interval"),
	Delay: r.dur("Delay"),
	DelayFunction: r.str("DelayFunction"),
	MaxDelay: r.dur("MaxDelay"),
	Unlimited: r.bool("Unlimited"),
});

export const decodeMigrate = (r: Reader) => ({
	MaxParallel: r.int("MaxParallel"),
	HealthCheck: r.str("HealthCheck"),
	MinHealthyTime: r.dur("MinHealthyTime"),
	HealthyDeadline: r.dur("HealthyDeadline"),
});

export const decodeRestart = (r: Reader) => ({
	Interval: r.dur("Interval"),
	Attempts: r.int("Attempts"),
	Delay: r.dur("Delay"),
	Mode: r.str("Mode"),
	RenderTemplates: r.bool("RenderTemplates"),
});

export const decodeIdentity = (r: Reader) => ({
	Name: r.str("Name"),
	Audience: r.strList("Audience"),
	ChangeMode: r.str("ChangeMode"),
	ChangeSignal: r.str("ChangeSignal"),
	Env: r.bool("Env"),
	File: r.bool("File"),
	Filepath: r.str("Filepath"),
	ServiceName: r.str("ServiceName"),
	TTL: r.dur("TTL"),
	ExtraClaims: r.strList("ExtraClaims"),
});

const decodePort = (r: Reader) => ({
	Label: r.str("Label"),
	Value: r.int("Value"),
	To: r.int("To"),
	HostNetwork: r.str("HostNetwork"),
	IgnoreCollision: r.bool("IgnoreCollision"),
});

export const decodeNetwork = (r: Reader) => {
	const dns = r.obj("DNS", "DNSConfig");
	const cni = r.obj("CNI", "CNIConfig");
	return {
		Mode: r.str("Mode"),
		Device: r.str("Device"),
		CIDR: r.str("CIDR"),
		IP: r.str("IP"),
		DNS: dns && { Servers: dns.strList("Servers"), Searches: dns.strList("Searches"), Options: dns.strList("Options") },
		ReservedPorts: listOf(r.list("ReservedPorts", "Port", false), decodePort),
		DynamicPorts: listOf(r.list("DynamicPorts", "Port", false), decodePort),
		Hostname: r.str("Hostname"),
		MBits: r.int("MBits"),
		CNI: cni && { Args: cni.strMap("Args") },
	};
};

export const decodeScaling = (r: Reader) => ({
	Min: r.int("Min", "int64"),
	Max: r.int("Max", "int64"),
	Policy: r.anyMap("Policy"),
	Enabled: r.bool("Enabled"),
	Type: r.str("Type"),
	ID: r.str("ID"),
	Namespace: r.str("Namespace"),
	Target: r.strMap("Target"),
	CreateIndex: r.int("CreateIndex", "uint64"),
	ModifyIndex: r.int("ModifyIndex", "uint64"),
});

export const decodeConsul = (r: Reader) => ({
	Namespace: r.str("Namespace"),
	Cluster: r.str("Cluster"),
	Partition: r.str("Partition"),
});

const decodeCheck = (r: Reader) => {
	const cr = r.obj("CheckRestart", "CheckRestart");
	return {
		Name: r.str("Name"),
		Type: r.str("Type"),
		Command: r.str("Command"),
		Args: r.strList("Args"),
		Path: r.str("Path"),
		Protocol: r.str("Protocol"),
		PortLabel: r.str("PortLabel"),
		Expose: r.bool("Expose"),
		AddressMode: r.str("AddressMode"),
		Advertise: r.str("Advertise"),
		Interval: r.dur("Interval"),
		Timeout: r.dur("Timeout"),
		InitialStatus: r.str("InitialStatus"),
		Notes: r.str("Notes"),
		TLSServerName: r.str("TLSServerName"),
		TLSSkipVerify: r.bool("TLSSkipVerify"),
		Header: r.strListMap("Header"),
		Method: r.str("Method"),
		CheckRestart: cr && decodeCheckRestart(cr),
		GRPCService: r.str("GRPCService"),
		GRPCUseTLS: r.bool("GRPCUseTLS"),
		TaskName: r.str("TaskName"),
		SuccessBeforePassing: r.int("SuccessBeforePassing"),
		FailuresBeforeCritical: r.int("FailuresBeforeCritical"),
		FailuresBeforeWarning: r.int("FailuresBeforeWarning"),
		Body: r.str("Body"),
		OnUpdate: r.str("OnUpdate"),
	};
};

export const decodeCheckRestart = (r: Reader) => ({
	Limit: r.int("Limit"),
	Grace: r.dur("Grace"),
	IgnoreWarnings: r.bool("IgnoreWarnings"),
});

export const decodeService = (r: Reader) => {
	const cr = r.obj("CheckRestart", "CheckRestart");
	const id = r.obj("Identity", "WorkloadIdentity");
	const w = r.obj("Weights", "ServiceWeights");
	return {
		Name: r.str("Name"),
		Tags: r.strList("Tags"),
		CanaryTags: r.strList("CanaryTags"),
		EnableTagOverride: r.bool("EnableTagOverride"),
		PortLabel: r.str("PortLabel"),
		AddressMode: r.str("AddressMode"),
		Address: r.str("Address"),
		Checks: listOf(r.list("Checks", "ServiceCheck", false), decodeCheck),
		CheckRestart: cr && decodeCheckRestart(cr),
		/** Consul Connect is carried through as sent (not type-checked). */
		Connect: r.anyMap("Connect"),
		Meta: r.strMap("Meta"),
		CanaryMeta: r.strMap("CanaryMeta"),
		TaggedAddresses: r.strMap("TaggedAddresses"),
		TaskName: r.str("TaskName"),
		OnUpdate: r.str("OnUpdate"),
		Identity: id && decodeIdentity(id),
		Weights: w && { Passing: w.int("Passing"), Warning: w.int("Warning") },
		Provider: r.str("Provider"),
		Cluster: r.str("Cluster"),
		Kind: r.str("Kind"),
	};
};

export type ApiConstraint = ReturnType<typeof decodeConstraint>;
export type ApiAffinity = ReturnType<typeof decodeAffinity>;
export type ApiSpread = ReturnType<typeof decodeSpread>;
export type ApiUpdate = ReturnType<typeof decodeUpdate>;
export type ApiReschedule = ReturnType<typeof decodeReschedule>;
export type ApiMigrate = ReturnType<typeof decodeMigrate>;
export type ApiRestart = ReturnType<typeof decodeRestart>;
export type ApiIdentity = ReturnType<typeof decodeIdentity>;
export type ApiNetwork = ReturnType<typeof decodeNetwork>;
export type ApiPort = ReturnType<typeof decodePort>;
export type ApiScaling = ReturnType<typeof decodeScaling>;
export type ApiConsul = ReturnType<typeof decodeConsul>;
export type ApiService = ReturnType<typeof decodeService>;
export type ApiCheck = ReturnType<typeof decodeCheck>;
export type ApiCheckRestart = ReturnType<typeof decodeCheckRestart>;
export type { JsonObject };
