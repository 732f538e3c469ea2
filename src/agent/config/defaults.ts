// Nomad's defaults: command/agent DefaultConfig() and DevConfig(), with the values Nomad fills in
// later (nomad.DefaultConfig for servers, client config defaults) folded in so AgentConfig is
// complete on its own.

import { availableParallelism, hostname } from "node:os";
import { HOUR, MILLISECOND, MINUTE, SECOND } from "../../lib/duration.ts";
import { NOMAD_PRERELEASE, NOMAD_VERSION, VERSION_METADATA } from "../../lib/version.ts";
import { LAN_TIMINGS } from "../../server/membership/types.ts";
import type { AgentConfig, GossipConfig, ServerJoinConfig } from "./types.ts";

/** Reported in /v1/agent/self Version; the agent may overwrite it. */
export const AGENT_VERSION = NOMAD_VERSION;

/** Nomad's built-in schedulers plus the core (GC) scheduler. */
export const DEFAULT_ENABLED_SCHEDULERS = ["service", "batch", "system", "sysbatch", "_core"];

function defaultServerJoin(): ServerJoinConfig {
	return { startJoin: [], retryJoin: [], retryMax: 0, retryInterval: 30 * SECOND };
}

/** Membership timings: memberlist's LAN defaults (src/server/membership/types.ts), in nanoseconds. */
export function defaultGossip(): GossipConfig {
	const t = LAN_TIMINGS;
	return {
		probeInterval: t.probeInterval * MILLISECOND,
		probeTimeout: t.probeTimeout * MILLISECOND,
		gossipInterval: t.gossipInterval * MILLISECOND,
		gossipNodes: t.gossipNodes,
		indirectChecks: t.indirectChecks,
		suspicionMult: t.suspicionMult,
		retransmitMult: t.retransmitMult,
		pushPullInterval: t.pushPullInterval * MILLISECOND,
		tcpTimeout: t.tcpTimeout * MILLISECOND,
		gossipToTheDeadTime: t.gossipToTheDead * MILLISECOND,
		reconnectInterval: t.reconnectInterval * MILLISECOND,
		reconnectTimeout: t.reconnectTimeout * MILLISECOND,
		tombstoneTimeout: t.tombstoneTimeout * MILLISECOND,
		reapInterval: t.reapInterval * MILLISECOND,
		leavePropagateDelay: t.leavePropagateDelay * MILLISECOND,
	};
}

export function defaultConfig(): AgentConfig {
	return {
		region: "global",
		datacenter: "dc1",
		nodeName: hostname(),
		dataDir: "",
		pluginDir: "",
		logLevel: "INFO",
		logJson: false,
		logFile: "",
		logIncludeLocation: false,
		logRotateDuration: 0,
		logRotateBytes: 0,
		logRotateMaxFiles: 0,
		bindAddr: "0.0.0.0",
		enableDebug: false,
		ports: { http: 4646, rpc: 4647, serf: 4648 },
		addresses: { http: "", rpc: "", serf: "" },
		advertise: { http: "", rpc: "", serf: "" },
		normalizedAddrs: { http: [], rpc: "", serf: "" },
		client: {
			enabled: false,
			stateDir: "",
			allocDir: "",
			allocMountsDir: "",
			servers: [],
			nodeClass: "",
			nodePool: "default",
			options: {},
			meta: {},
			chrootEnv: {},
			networkInterface: "",
			networkSpeed: 0,
			cpuTotalCompute: 0,
			memoryTotalMb: 0,
			diskTotalMb: 0,
			reservableCores: "",
			maxKillTimeout: 30 * SECOND,
			clientMinPort: 14000,
			clientMaxPort: 14512,
			minDynamicPort: 20000,
			maxDynamicPort: 32000,
			reserved: { cpu: 0, memory: 0, disk: 0, reservedPorts: "", cores: "" },
			gcInterval: 1 * MINUTE,
			gcParallelDestroys: 2,
			gcDiskUsageThreshold: 80,
			gcInodeUsageThreshold: 70,
			gcMaxAllocs: 50,
			gcVolumesOnNodeGc: false,
			noHostUuid: true,
			disableRemoteExec: false,
			serverJoin: defaultServerJoin(),
			hostVolumes: [],
			cniPath: "/opt/cni/bin:/usr/libexec/cni",
			cniConfigDir: "/opt/cni/config",
			bridgeNetworkName: "nomad",
			bridgeNetworkSubnet: "172.26.64.0/20",
			bindWildcardDefaultHostNetwork: true,
			cgroupParent: "nomad.slice",
			nomadServiceDiscovery: true,
			drainOnShutdown: null,
			nodeMaxAllocs: 0,
			defaultIneligible: false,
			logFile: "",
			extra: {},
		},
		server: {
			enabled: false,
			authoritativeRegion: "",
			bootstrapExpect: 0,
			dataDir: "",
			raftProtocol: 3,
			raftMultiplier: 1,
			numSchedulers: availableParallelism(),
			enabledSchedulers: [...DEFAULT_ENABLED_SCHEDULERS],
			evalGcThreshold: 1 * HOUR,
			batchEvalGcThreshold: 24 * HOUR,
			jobGcInterval: 5 * MINUTE,
			jobGcThreshold: 4 * HOUR,
			nodeGcThreshold: 24 * HOUR,
			deploymentGcThreshold: 1 * HOUR,
			csiVolumeClaimGcInterval: 5 * MINUTE,
			csiVolumeClaimGcThreshold: 5 * MINUTE,
			csiPluginGcThreshold: 1 * HOUR,
			aclTokenGcThreshold: 1 * HOUR,
			rootKeyGcInterval: 10 * MINUTE,
			rootKeyGcThreshold: 1 * HOUR,
			rootKeyRotationThreshold: 720 * HOUR,
			heartbeatGrace: 10 * SECOND,
			minHeartbeatTtl: 10 * SECOND,
			maxHeartbeatsPerSecond: 50,
			failoverHeartbeatTtl: 300 * SECOND,
			jobMaxPriority: 100,
			jobDefaultPriority: 50,
			jobMaxCount: 50000,
			jobMaxSourceSize: 1_000_000,
			jobTrackedVersions: 6,
			startJoin: [],
			retryJoin: [],
			retryMax: 0,
			retryInterval: 30 * SECOND,
			serverJoin: defaultServerJoin(),
			rejoinAfterLeave: false,
			nonVotingServer: false,
			redundancyZone: "",
			upgradeVersion: "",
			encrypt: "",
			gossip: defaultGossip(),
			raftSnapshotThreshold: 8192,
			raftSnapshotInterval: 120 * SECOND,
			raftTrailingLogs: 10240,
			planRejectionTracker: { enabled: false, nodeThreshold: 100, nodeWindow: 5 * MINUTE },
			enableEventBroker: true,
			eventBufferSize: 100,
			deployQueryRateLimit: 100,
			licensePath: "",
			oidcIssuer: "",
			startTimeout: 30 * SECOND,
			search: { fuzzyEnabled: true, limitQuery: 20, limitResults: 100, minTermLength: 2 },
			logFile: "",
			extra: {},
		},
		acl: {
			enabled: false,
			tokenTtl: 30 * SECOND,
			policyTtl: 30 * SECOND,
			roleTtl: 30 * SECOND,
			replicationToken: "",
			tokenMinExpirationTtl: 1 * MINUTE,
			tokenMaxExpirationTtl: 24 * HOUR,
		},
		telemetry: {
			collectionInterval: 1 * SECOND,
			inMemoryCollectionInterval: 10 * SECOND,
			inMemoryRetentionPeriod: 1 * MINUTE,
			publishAllocationMetrics: false,
			publishNodeMetrics: false,
			prometheusMetrics: false,
			disableHostname: false,
			useNodeName: false,
			includeAllocMetadataInMetrics: false,
			allowedMetadataKeysInMetrics: [],
			statsiteAddress: "",
			statsdAddress: "",
			datadogAddress: "",
			datadogTags: [],
			prefixFilter: [],
			filterDefault: true,
			disableDispatchedJobSummaryMetrics: false,
			disableQuotaUtilizationMetrics: false,
			disableRpcRateMetricsLabels: false,
			disableAllocationHookMetrics: false,
			extra: {},
		},
		limits: {
			httpsHandshakeTimeout: 5 * SECOND,
			httpMaxConnsPerClient: 100,
			rpcHandshakeTimeout: 5 * SECOND,
			rpcMaxConnsPerClient: 100,
		},
		rpc: {
			acceptBacklog: 256,
			keepAliveInterval: 30 * SECOND,
			connectionWriteTimeout: 10 * SECOND,
			streamOpenTimeout: 75 * SECOND,
			streamCloseTimeout: 5 * MINUTE,
			dialTimeout: 10 * SECOND,
		},
		tls: {
			http: false,
			rpc: false,
			caFile: "",
			certFile: "",
			keyFile: "",
			verifyServerHostname: false,
			verifyHttpsClient: false,
			rpcUpgradeMode: false,
			tlsCipherSuites: "",
			tlsMinVersion: "",
		},
		ui: { enabled: true, showCliHints: true, extra: {} },
		plugins: [],
		leaveOnInterrupt: false,
		leaveOnTerminate: false,
		enableSyslog: false,
		syslogFacility: "LOCAL0",
		disableUpdateCheck: false,
		disableAnonymousSignature: false,
		httpApiResponseHeaders: {},
		consul: [],
		vault: [],
		extra: {},
		devMode: false,
		files: [],
		configPaths: [],
		version: { version: NOMAD_VERSION, prerelease: NOMAD_PRERELEASE, metadata: VERSION_METADATA },
	};
}

/**
 * Nomad's DevConfig(): one process that is server (bootstrap_expect 1) and client, bound to
 * loopback, DEBUG logs, raw_exec enabled, debug endpoints and node/alloc metrics on. State is
 * in memory, so no data_dir is needed.
 */
export function devConfig(): AgentConfig {
	const c = defaultConfig();
	c.bindAddr = "127.0.0.1";
	c.logLevel = "DEBUG";
	c.devMode = true;
	c.enableDebug = true;
	c.disableAnonymousSignature = true;
	c.server.enabled = true;
	c.server.bootstrapExpect = 1;
	c.client.enabled = true;
	c.client.networkInterface = process.platform === "darwin" ? "lo0" : "lo";
	c.client.options = {
		"driver.raw_exec.enable": "true",
		"driver.docker.volumes": "true",
		"test.tighten_network_timeouts": "true",
	};
	c.client.gcInterval = 10 * MINUTE;
	c.client.gcDiskUsageThreshold = 99;
	c.client.gcInodeUsageThreshold = 99;
	c.client.gcMaxAllocs = 50;
	c.client.bindWildcardDefaultHostNetwork = true;
	c.client.nomadServiceDiscovery = true;
	c.client.reservableCores = "";
	c.telemetry.prometheusMetrics = true;
	c.telemetry.publishAllocationMetrics = true;
	c.telemetry.publishNodeMetrics = true;
	c.telemetry.includeAllocMetadataInMetrics = true;
	c.telemetry.allowedMetadataKeysInMetrics = [];
	// Nomad enables raw_exec through the legacy client option above; the plugin block is the
	// modern spelling and what our driver loader reads.
	c.plugins = [{ name: "raw_exec", args: [], config: { enabled: true } }];
	return c;
}
