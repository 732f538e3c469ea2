// AgentConfig in the shape Nomad's /v1/agent/self shows under "config": the Go command/agent
// Config struct marshalled with encoding/json (PascalCase field names; time.Duration fields as
// integer nanoseconds; fields Nomad keeps as strings, like the GC thresholds, as Go duration
// strings) with the same secrets redacted. Best effort: blocks we only tolerate are passed through
// with their keys converted to PascalCase.

import { formatDuration } from "../../lib/duration.ts";
import { isObject } from "./decode.ts";
import type { AgentConfig, ServerJoinConfig } from "./types.ts";

const REDACTED = "<redacted>";

/** Go duration string for fields Nomad stores as text ("" when unset). */
const ds = (ns: number): string => (ns === 0 ? "" : formatDuration(ns));

/** snake_case keys to PascalCase, recursively, for blocks we pass through as written. */
function pascal(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(pascal);
	if (!isObject(v)) return v;
	const out: Record<string, unknown> = {};
	for (const [k, val] of Object.entries(v)) {
		const key = k
			.split("_")
			.map((p) => (p ? p[0].toUpperCase() + p.slice(1) : p))
			.join("");
		out[key] = pascal(val);
	}
	return out;
}

function serverJoin(j: ServerJoinConfig): Record<string, unknown> {
	return {
		StartJoin: [...j.startJoin],
		RetryJoin: [...j.retryJoin],
		RetryMaxAttempts: j.retryMax,
		RetryInterval: j.retryInterval,
	};
}

function client(c: AgentConfig): Record<string, unknown> {
	const cl = c.client;
	return {
		Enabled: cl.enabled,
		StateDir: cl.stateDir,
		AllocDir: cl.allocDir,
		AllocMountsDir: cl.allocMountsDir,
		Servers: [...cl.servers],
		NodeClass: cl.nodeClass,
		NodePool: cl.nodePool,
		Options: { ...cl.options },
		Meta: { ...cl.meta },
		ChrootEnv: { ...cl.chrootEnv },
		NetworkInterface: cl.networkInterface,
		NetworkSpeed: cl.networkSpeed,
		CpuCompute: cl.cpuTotalCompute,
		MemoryMB: cl.memoryTotalMb,
		DiskTotalMB: cl.diskTotalMb,
		ReservableCores: cl.reservableCores,
		MaxKillTimeout: ds(cl.maxKillTimeout),
		ClientMaxPort: cl.clientMaxPort,
		ClientMinPort: cl.clientMinPort,
		MaxDynamicPort: cl.maxDynamicPort,
		MinDynamicPort: cl.minDynamicPort,
		Reserved: {
			CPU: cl.reserved.cpu,
			MemoryMB: cl.reserved.memory,
			DiskMB: cl.reserved.disk,
			ReservedPorts: cl.reserved.reservedPorts,
			Cores: cl.reserved.cores,
		},
		GCInterval: cl.gcInterval,
		GCParallelDestroys: cl.gcParallelDestroys,
		GCDiskUsageThreshold: cl.gcDiskUsageThreshold,
		GCInodeUsageThreshold: cl.gcInodeUsageThreshold,
		GCMaxAllocs: cl.gcMaxAllocs,
		GCVolumesOnNodeGC: cl.gcVolumesOnNodeGc,
		NoHostUUID: cl.noHostUuid,
		DisableRemoteExec: cl.disableRemoteExec,
		ServerJoin: serverJoin(cl.serverJoin),
		HostVolumes: cl.hostVolumes.map((v) => ({ Name: v.name, Path: v.path, ReadOnly: v.readOnly, ID: "" })),
		CNIPath: cl.cniPath,
		CNIConfigDir: cl.cniConfigDir,
		BridgeNetworkName: cl.bridgeNetworkName,
		BridgeNetworkSubnet: cl.bridgeNetworkSubnet,
		BindWildcardDefaultHostNetwork: cl.bindWildcardDefaultHostNetwork,
		CgroupParent: cl.cgroupParent,
		NomadServiceDiscovery: cl.nomadServiceDiscovery,
		Drain: cl.drainOnShutdown
			? {
					Deadline: formatDuration(cl.drainOnShutdown.deadline),
					Force: cl.drainOnShutdown.force,
					IgnoreSystemJobs: cl.drainOnShutdown.ignoreSystemJobs,
				}
			: null,
		NodeMaxAllocs: cl.nodeMaxAllocs,
		DefaultIneligible: cl.defaultIneligible,
		LogFile: cl.logFile,
		...(pascal(cl.extra) as Record<string, unknown>),
	};
}

function server(c: AgentConfig): Record<string, unknown> {
	const s = c.server;
	return {
		Enabled: s.enabled,
		AuthoritativeRegion: s.authoritativeRegion,
		BootstrapExpect: s.bootstrapExpect,
		DataDir: s.dataDir,
		RaftProtocol: s.raftProtocol,
		RaftMultiplier: s.raftMultiplier,
		NumSchedulers: s.numSchedulers,
		EnabledSchedulers: [...s.enabledSchedulers],
		NodeGCThreshold: ds(s.nodeGcThreshold),
		JobGCInterval: ds(s.jobGcInterval),
		JobGCThreshold: ds(s.jobGcThreshold),
		EvalGCThreshold: ds(s.evalGcThreshold),
		BatchEvalGCThreshold: ds(s.batchEvalGcThreshold),
		DeploymentGCThreshold: ds(s.deploymentGcThreshold),
		CSIVolumeClaimGCInterval: ds(s.csiVolumeClaimGcInterval),
		CSIVolumeClaimGCThreshold: ds(s.csiVolumeClaimGcThreshold),
		CSIPluginGCThreshold: ds(s.csiPluginGcThreshold),
		ACLTokenGCThreshold: ds(s.aclTokenGcThreshold),
		RootKeyGCInterval: ds(s.rootKeyGcInterval),
		RootKeyGCThreshold: ds(s.rootKeyGcThreshold),
		RootKeyRotationThreshold: ds(s.rootKeyRotationThreshold),
		HeartbeatGrace: s.heartbeatGrace,
		MinHeartbeatTTL: s.minHeartbeatTtl,
		MaxHeartbeatsPerSecond: s.maxHeartbeatsPerSecond,
		FailoverHeartbeatTTL: s.failoverHeartbeatTtl,
		StartJoin: [...s.startJoin],
		RetryJoin: [...s.retryJoin],
		RetryMaxAttempts: s.retryMax,
		RetryInterval: s.retryInterval,
		RejoinAfterLeave: s.rejoinAfterLeave,
		NonVotingServer: s.nonVotingServer,
		RedundancyZone: s.redundancyZone,
		UpgradeVersion: s.upgradeVersion,
		// EncryptKey is json:"-" in Nomad: never shown
		ServerJoin: serverJoin(s.serverJoin),
		PlanRejectionTracker: {
			Enabled: s.planRejectionTracker.enabled,
			NodeThreshold: s.planRejectionTracker.nodeThreshold,
			NodeWindow: s.planRejectionTracker.nodeWindow,
		},
		EnableEventBroker: s.enableEventBroker,
		EventBufferSize: s.eventBufferSize,
		LicensePath: s.licensePath,
		Search: {
			FuzzyEnabled: s.search.fuzzyEnabled,
			LimitQuery: s.search.limitQuery,
			LimitResults: s.search.limitResults,
			MinTermLength: s.search.minTermLength,
		},
		DeploymentQueryRateLimit: s.deployQueryRateLimit,
		RaftSnapshotThreshold: s.raftSnapshotThreshold,
		RaftSnapshotInterval: formatDuration(s.raftSnapshotInterval),
		RaftTrailingLogs: s.raftTrailingLogs,
		JobDefaultPriority: s.jobDefaultPriority,
		JobMaxPriority: s.jobMaxPriority,
		JobMaxCount: s.jobMaxCount,
		JobMaxSourceSize: String(s.jobMaxSourceSize),
		JobTrackedVersions: s.jobTrackedVersions,
		OIDCIssuer: s.oidcIssuer,
		StartTimeout: ds(s.startTimeout),
		LogFile: s.logFile,
		...(pascal(s.extra) as Record<string, unknown>),
	};
}

function telemetry(c: AgentConfig): Record<string, unknown> {
	const t = c.telemetry;
	const extra = pascal(t.extra) as Record<string, unknown>;
	if (typeof extra.CirconusApiToken === "string" && extra.CirconusApiToken !== "") extra.CirconusApiToken = REDACTED;
	return {
		InMemoryCollectionInterval: formatDuration(t.inMemoryCollectionInterval),
		InMemoryRetentionPeriod: formatDuration(t.inMemoryRetentionPeriod),
		StatsiteAddr: t.statsiteAddress,
		StatsdAddr: t.statsdAddress,
		DataDogAddr: t.datadogAddress,
		DataDogTags: [...t.datadogTags],
		PrometheusMetrics: t.prometheusMetrics,
		DisableHostname: t.disableHostname,
		UseNodeName: t.useNodeName,
		CollectionInterval: formatDuration(t.collectionInterval),
		PublishAllocationMetrics: t.publishAllocationMetrics,
		PublishNodeMetrics: t.publishNodeMetrics,
		IncludeAllocMetadataInMetrics: t.includeAllocMetadataInMetrics,
		AllowedMetadataKeysInMetrics: [...t.allowedMetadataKeysInMetrics],
		PrefixFilter: [...t.prefixFilter],
		FilterDefault: t.filterDefault,
		DisableDispatchedJobSummaryMetrics: t.disableDispatchedJobSummaryMetrics,
		DisableQuotaUtilizationMetrics: t.disableQuotaUtilizationMetrics,
		DisableRPCRateMetricsLabels: t.disableRpcRateMetricsLabels,
		DisableAllocationHookMetrics: t.disableAllocationHookMetrics,
		...extra,
	};
}

function named(list: Record<string, unknown>[], tokenKey: string): unknown[] {
	return list.map((b) => {
		const out = pascal(b) as Record<string, unknown>;
		if (typeof out[tokenKey] === "string" && out[tokenKey] !== "") out[tokenKey] = REDACTED;
		return out;
	});
}

export function configToWire(c: AgentConfig): Record<string, unknown> {
	const extra = pascal(c.extra) as Record<string, unknown>;
	return {
		Region: c.region,
		Datacenter: c.datacenter,
		NodeName: c.nodeName,
		DataDir: c.dataDir,
		PluginDir: c.pluginDir,
		LogLevel: c.logLevel,
		LogJson: c.logJson,
		LogFile: c.logFile,
		LogIncludeLocation: c.logIncludeLocation,
		LogRotateDuration: ds(c.logRotateDuration),
		LogRotateBytes: c.logRotateBytes,
		LogRotateMaxFiles: c.logRotateMaxFiles,
		BindAddr: c.bindAddr,
		EnableDebug: c.enableDebug,
		Ports: { HTTP: c.ports.http, RPC: c.ports.rpc, Serf: c.ports.serf },
		Addresses: { HTTP: c.addresses.http, RPC: c.addresses.rpc, Serf: c.addresses.serf },
		AdvertiseAddrs: { HTTP: c.advertise.http, RPC: c.advertise.rpc, Serf: c.advertise.serf },
		Client: client(c),
		Server: server(c),
		RPC: {
			AcceptBacklog: c.rpc.acceptBacklog,
			KeepAliveInterval: c.rpc.keepAliveInterval,
			ConnectionWriteTimeout: c.rpc.connectionWriteTimeout,
			StreamOpenTimeout: c.rpc.streamOpenTimeout,
			StreamCloseTimeout: c.rpc.streamCloseTimeout,
			DialTimeout: c.rpc.dialTimeout,
		},
		ACL: {
			Enabled: c.acl.enabled,
			TokenTTL: c.acl.tokenTtl,
			PolicyTTL: c.acl.policyTtl,
			RoleTTL: c.acl.roleTtl,
			ReplicationToken: c.acl.replicationToken === "" ? "" : REDACTED,
			TokenMinExpirationTTL: c.acl.tokenMinExpirationTtl,
			TokenMaxExpirationTTL: c.acl.tokenMaxExpirationTtl,
		},
		Telemetry: telemetry(c),
		LeaveOnInt: c.leaveOnInterrupt,
		LeaveOnTerm: c.leaveOnTerminate,
		EnableSyslog: c.enableSyslog,
		SyslogFacility: c.syslogFacility,
		DisableUpdateCheck: c.disableUpdateCheck,
		DisableAnonymousSignature: c.disableAnonymousSignature,
		Consuls: named(c.consul, "Token"),
		Vaults: named(c.vault, "Token"),
		UI: {
			Enabled: c.ui.enabled,
			ShowCLIHints: c.ui.showCliHints,
			...(pascal(c.ui.extra) as Record<string, unknown>),
		},
		DevMode: c.devMode,
		Version: {
			Version: c.version.version,
			VersionPrerelease: c.version.prerelease,
			VersionMetadata: c.version.metadata,
		},
		Files: [...c.files],
		ConfigPaths: [...c.configPaths],
		TLSConfig: {
			EnableHTTP: c.tls.http,
			EnableRPC: c.tls.rpc,
			VerifyServerHostname: c.tls.verifyServerHostname,
			VerifyHTTPSClient: c.tls.verifyHttpsClient,
			CAFile: c.tls.caFile,
			CertFile: c.tls.certFile,
			KeyFile: c.tls.keyFile,
			RPCUpgradeMode: c.tls.rpcUpgradeMode,
			TLSCipherSuites: c.tls.tlsCipherSuites,
			TLSMinVersion: c.tls.tlsMinVersion,
		},
		HTTPAPIResponseHeaders: { ...c.httpApiResponseHeaders },
		Sentinel: extra.Sentinel ?? {},
		Autopilot: extra.Autopilot ?? {},
		Plugins: c.plugins.map((p) => ({ Name: p.name, Args: [...p.args], Config: structuredClone(p.config) })),
		Limits: {
			HTTPSHandshakeTimeout: formatDuration(c.limits.httpsHandshakeTimeout),
			HTTPMaxConnsPerClient: c.limits.httpMaxConnsPerClient,
			RPCHandshakeTimeout: formatDuration(c.limits.rpcHandshakeTimeout),
			RPCMaxConnsPerClient: c.limits.rpcMaxConnsPerClient,
		},
		Audit: extra.Audit ?? {},
		Reporting: extra.Reporting ?? {},
		KEKProviders: extra.Keyring ?? [],
		Eventlog: extra.Eventlog ?? { Enabled: false, Level: "error" },
	};
}
