// The agent configuration as the rest of nomad-ts sees it: Nomad's agent config (command/agent
// Config) with camelCase names, every field defaulted, durations in nanoseconds. Keys and defaults
// follow Nomad's DefaultConfig() plus the server (nomad.DefaultConfig) and client defaults Nomad
// applies later, so consumers never have to know that a zero value means "use the default".

/** Upper-case log level names as Nomad accepts them. */
export type AgentLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "OFF";

export interface PortsConfig {
	http: number;
	rpc: number;
	serf: number;
}

/** addresses {} / advertise {}: "" until normalised (then bind address / advertised host:port). */
export interface AddressesConfig {
	http: string;
	rpc: string;
	serf: string;
}

/** Listen addresses with ports, derived from bind_addr + addresses + ports. */
export interface NormalizedAddrs {
	http: string[];
	rpc: string;
	serf: string;
}

/**
 * nomad-ts extension (`server { gossip { ... } }`): membership protocol timings. Durations in
 * nanoseconds. Defaults are memberlist's LAN values; tests set fast ones. See docs/membership.md.
 */
export interface GossipConfig {
	probeInterval: number;
	probeTimeout: number;
	gossipInterval: number;
	gossipNodes: number;
	indirectChecks: number;
	suspicionMult: number;
	retransmitMult: number;
	pushPullInterval: number;
	tcpTimeout: number;
	gossipToTheDeadTime: number;
	reconnectInterval: number;
	reconnectTimeout: number;
	tombstoneTimeout: number;
	reapInterval: number;
	leavePropagateDelay: number;
}

export interface ServerJoinConfig {
	startJoin: string[];
	retryJoin: string[];
	/** retry_max: 0 = retry forever */
	retryMax: number;
	/** nanoseconds */
	retryInterval: number;
}

export interface ReservedConfig {
	/** MHz */
	cpu: number;
	/** MB */
	memory: number;
	/** MB */
	disk: number;
	/** port spec as Nomad takes it: "22,80,8000-8100" */
	reservedPorts: string;
	cores: string;
}

export interface HostVolumeConfig {
	name: string;
	path: string;
	readOnly: boolean;
}

export interface DrainOnShutdownConfig {
	/** nanoseconds (default 1h) */
	deadline: number;
	force: boolean;
	ignoreSystemJobs: boolean;
}

export interface ClientConfig {
	enabled: boolean;
	stateDir: string;
	allocDir: string;
	allocMountsDir: string;
	servers: string[];
	nodeClass: string;
	nodePool: string;
	options: Record<string, string>;
	meta: Record<string, string>;
	chrootEnv: Record<string, string>;
	networkInterface: string;
	networkSpeed: number;
	/** cpu_total_compute, MHz; 0 = fingerprint */
	cpuTotalCompute: number;
	/** memory_total_mb; 0 = fingerprint */
	memoryTotalMb: number;
	/** disk_total_mb; 0 = fingerprint */
	diskTotalMb: number;
	reservableCores: string;
	/** nanoseconds (default 30s) */
	maxKillTimeout: number;
	clientMinPort: number;
	clientMaxPort: number;
	minDynamicPort: number;
	maxDynamicPort: number;
	reserved: ReservedConfig;
	/** nanoseconds (default 1m) */
	gcInterval: number;
	gcParallelDestroys: number;
	/** percent */
	gcDiskUsageThreshold: number;
	/** percent */
	gcInodeUsageThreshold: number;
	gcMaxAllocs: number;
	gcVolumesOnNodeGc: boolean;
	noHostUuid: boolean;
	disableRemoteExec: boolean;
	serverJoin: ServerJoinConfig;
	hostVolumes: HostVolumeConfig[];
	cniPath: string;
	cniConfigDir: string;
	bridgeNetworkName: string;
	bridgeNetworkSubnet: string;
	bindWildcardDefaultHostNetwork: boolean;
	cgroupParent: string;
	nomadServiceDiscovery: boolean;
	/** null = do not drain on shutdown (Nomad's default) */
	drainOnShutdown: DrainOnShutdownConfig | null;
	/** 0 = unlimited */
	nodeMaxAllocs: number;
	defaultIneligible: boolean;
	logFile: string;
	/** Blocks we accept but do not interpret (template, artifact, users, fingerprint, host_network, ...). */
	extra: Record<string, unknown>;
}

export interface PlanRejectionTrackerConfig {
	enabled: boolean;
	nodeThreshold: number;
	/** nanoseconds */
	nodeWindow: number;
}

export interface SearchConfig {
	fuzzyEnabled: boolean;
	limitQuery: number;
	limitResults: number;
	minTermLength: number;
}

export interface ServerConfig {
	enabled: boolean;
	authoritativeRegion: string;
	bootstrapExpect: number;
	dataDir: string;
	raftProtocol: number;
	raftMultiplier: number;
	/** default: number of CPUs */
	numSchedulers: number;
	enabledSchedulers: string[];
	// GC (all nanoseconds)
	evalGcThreshold: number;
	batchEvalGcThreshold: number;
	jobGcInterval: number;
	jobGcThreshold: number;
	nodeGcThreshold: number;
	deploymentGcThreshold: number;
	csiVolumeClaimGcInterval: number;
	csiVolumeClaimGcThreshold: number;
	csiPluginGcThreshold: number;
	aclTokenGcThreshold: number;
	rootKeyGcInterval: number;
	rootKeyGcThreshold: number;
	rootKeyRotationThreshold: number;
	// heartbeats
	/** nanoseconds */
	heartbeatGrace: number;
	/** nanoseconds */
	minHeartbeatTtl: number;
	maxHeartbeatsPerSecond: number;
	/** nanoseconds */
	failoverHeartbeatTtl: number;
	// jobs
	jobMaxPriority: number;
	jobDefaultPriority: number;
	jobMaxCount: number;
	/** bytes; 0 = do not store job sources */
	jobMaxSourceSize: number;
	jobTrackedVersions: number;
	// membership
	/** deprecated top-level join keys, kept apart from server_join as Nomad does */
	startJoin: string[];
	retryJoin: string[];
	retryMax: number;
	/** nanoseconds */
	retryInterval: number;
	serverJoin: ServerJoinConfig;
	rejoinAfterLeave: boolean;
	nonVotingServer: boolean;
	redundancyZone: string;
	upgradeVersion: string;
	/** gossip key, base64 */
	encrypt: string;
	/** nomad-ts extension: membership timings */
	gossip: GossipConfig;
	// raft / misc
	raftSnapshotThreshold: number;
	/** nanoseconds */
	raftSnapshotInterval: number;
	raftTrailingLogs: number;
	planRejectionTracker: PlanRejectionTrackerConfig;
	enableEventBroker: boolean;
	eventBufferSize: number;
	deployQueryRateLimit: number;
	licensePath: string;
	oidcIssuer: string;
	/** nanoseconds */
	startTimeout: number;
	search: SearchConfig;
	logFile: string;
	/** Blocks we accept but do not interpret (default_scheduler_config, raft_logstore, ...). */
	extra: Record<string, unknown>;
}

export interface AclConfig {
	enabled: boolean;
	/** nanoseconds (30s) */
	tokenTtl: number;
	/** nanoseconds (30s) */
	policyTtl: number;
	/** nanoseconds (30s) */
	roleTtl: number;
	replicationToken: string;
	/** nanoseconds (1m) */
	tokenMinExpirationTtl: number;
	/** nanoseconds (24h) */
	tokenMaxExpirationTtl: number;
}

export interface TelemetryConfig {
	/** nanoseconds (1s) */
	collectionInterval: number;
	/** nanoseconds (10s) */
	inMemoryCollectionInterval: number;
	/** nanoseconds (1m) */
	inMemoryRetentionPeriod: number;
	publishAllocationMetrics: boolean;
	publishNodeMetrics: boolean;
	prometheusMetrics: boolean;
	disableHostname: boolean;
	useNodeName: boolean;
	includeAllocMetadataInMetrics: boolean;
	allowedMetadataKeysInMetrics: string[];
	statsiteAddress: string;
	statsdAddress: string;
	datadogAddress: string;
	datadogTags: string[];
	prefixFilter: string[];
	filterDefault: boolean;
	disableDispatchedJobSummaryMetrics: boolean;
	disableQuotaUtilizationMetrics: boolean;
	disableRpcRateMetricsLabels: boolean;
	disableAllocationHookMetrics: boolean;
	/** circonus_* and other sink settings we keep but do not use */
	extra: Record<string, unknown>;
}

export interface LimitsConfig {
	/** nanoseconds (5s) */
	httpsHandshakeTimeout: number;
	httpMaxConnsPerClient: number;
	/** nanoseconds (5s) */
	rpcHandshakeTimeout: number;
	rpcMaxConnsPerClient: number;
}

export interface RpcConfig {
	acceptBacklog: number;
	/** nanoseconds */
	keepAliveInterval: number;
	connectionWriteTimeout: number;
	streamOpenTimeout: number;
	streamCloseTimeout: number;
	dialTimeout: number;
}

export interface TlsConfig {
	http: boolean;
	rpc: boolean;
	caFile: string;
	certFile: string;
	keyFile: string;
	verifyServerHostname: boolean;
	verifyHttpsClient: boolean;
	rpcUpgradeMode: boolean;
	tlsCipherSuites: string;
	tlsMinVersion: string;
}

export interface UiConfig {
	enabled: boolean;
	showCliHints: boolean;
	/** content_security_policy, consul, vault, label blocks, kept as given */
	extra: Record<string, unknown>;
}

export interface PluginConfig {
	name: string;
	args: string[];
	/** The plugin's config block, free-form as written (nested blocks stay lists of objects). */
	config: Record<string, unknown>;
}

export interface VersionInfo {
	version: string;
	prerelease: string;
	metadata: string;
}

export interface AgentConfig {
	region: string;
	datacenter: string;
	/** name; defaults to the host name */
	nodeName: string;
	/** "" only in -dev mode (in-memory state) or client setups with explicit dirs */
	dataDir: string;
	/** defaults to <data_dir>/plugins */
	pluginDir: string;
	logLevel: AgentLogLevel;
	logJson: boolean;
	logFile: string;
	logIncludeLocation: boolean;
	/** nanoseconds; 0 = Nomad's default (24h) when log_file is set */
	logRotateDuration: number;
	logRotateBytes: number;
	logRotateMaxFiles: number;
	bindAddr: string;
	enableDebug: boolean;
	ports: PortsConfig;
	/** After loading: per-service bind address ("" never remains; http may hold several, space separated). */
	addresses: AddressesConfig;
	/** After loading: advertised host:port per service (serf only when the server is enabled). */
	advertise: AddressesConfig;
	normalizedAddrs: NormalizedAddrs;
	client: ClientConfig;
	server: ServerConfig;
	acl: AclConfig;
	telemetry: TelemetryConfig;
	limits: LimitsConfig;
	rpc: RpcConfig;
	tls: TlsConfig;
	ui: UiConfig;
	plugins: PluginConfig[];
	leaveOnInterrupt: boolean;
	leaveOnTerminate: boolean;
	enableSyslog: boolean;
	syslogFacility: string;
	disableUpdateCheck: boolean;
	disableAnonymousSignature: boolean;
	httpApiResponseHeaders: Record<string, string>;
	/** consul {} blocks as written (merged by name), tolerated only */
	consul: Record<string, unknown>[];
	/** vault {} blocks as written (merged by name), tolerated only */
	vault: Record<string, unknown>[];
	/** Other top-level blocks we accept but do not interpret (autopilot, audit, sentinel, keyring, ...). */
	extra: Record<string, unknown>;
	devMode: boolean;
	/** Config files loaded, in order. */
	files: string[];
	/** -config values as given. */
	configPaths: string[];
	version: VersionInfo;
}

export interface AgentFlags {
	dev?: boolean;
	/** nomad-ts extension: register this many simulated nodes (mock driver, no processes). */
	simNodes?: number;
	/** nomad-ts extension: simulated clients' behaviour: run (default), complete-batch, none. */
	simClient?: string;
	configPaths?: string[];
	dataDir?: string;
	pluginDir?: string;
	bind?: string;
	region?: string;
	dc?: string;
	node?: string;
	server?: boolean;
	client?: boolean;
	servers?: string[];
	logLevel?: string;
	logJson?: boolean;
	logIncludeLocation?: boolean;
	networkInterface?: string;
	bootstrapExpect?: number;
	// less common Nomad agent flags
	stateDir?: string;
	allocDir?: string;
	allocMountsDir?: string;
	nodeClass?: string;
	nodePool?: string;
	meta?: Record<string, string>;
	networkSpeed?: number;
	encrypt?: string;
	raftProtocol?: number;
	rejoin?: boolean;
	join?: string[];
	retryJoin?: string[];
	retryMax?: number;
	/** nanoseconds */
	retryInterval?: number;
	aclEnabled?: boolean;
	aclReplicationToken?: string;
	/** -h / -help was given */
	help?: boolean;
}
