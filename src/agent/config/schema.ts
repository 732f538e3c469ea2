// The agent config keys Nomad accepts, what type each has, and where it lands in AgentConfig.
// decode.ts walks parsed files with this table; merge.ts folds the results together with it.

import { availableParallelism } from "node:os";

export type Field =
	| { t: "str"; to: string; check?: (v: string) => string | undefined }
	| { t: "bool"; to: string; trueWins?: boolean }
	| { t: "int"; to: string; min?: number; max?: number; check?: (v: number) => string | undefined }
	| { t: "float"; to: string; min?: number; max?: number }
	| { t: "dur"; to: string }
	| { t: "bytes"; to: string }
	| { t: "level"; to: string }
	| { t: "list"; to: string; merge: "append" | "replace" }
	| { t: "map"; to: string; checkKey?: (k: string) => string | undefined }
	/** nested block; `nullable` blocks are null in AgentConfig until written, then start from these defaults */
	| { t: "block"; to: string; fields: Schema; nullable?: () => Record<string, unknown> }
	/** `key "<name>" { ... }` blocks, kept as a list of { name, ... } merged by name */
	| { t: "labeled"; to: string; fields: Schema; defaults: (name: string) => Record<string, unknown> }
	/** free-form object (plugin config), replaced as a whole */
	| { t: "object"; to: string }
	/** consul / vault: list of free-form blocks merged by their `name` (default "default") */
	| { t: "named"; to: string }
	/** accepted, not interpreted: kept under the enclosing block's `extra` */
	| { t: "extra" }
	/** accepted and dropped; `note` is passed to warn */
	| { t: "ignore"; note?: string };

export type Schema = Record<string, Field>;

const str = (to: string, check?: (v: string) => string | undefined): Field => ({ t: "str", to, check });
const bool = (to: string): Field => ({ t: "bool", to });
const count = (to: string, max?: number): Field => ({ t: "int", to, min: 0, max });
const port = (to: string): Field => ({ t: "int", to, min: 0, max: 65535 });
const dur = (to: string): Field => ({ t: "dur", to });
const percent = (to: string): Field => ({ t: "float", to, min: 0, max: 100 });
const extra: Field = { t: "extra" };

const NODE_POOL_RE = /^[a-zA-Z0-9-_]{1,128}$/;

function checkNodePool(v: string): string | undefined {
	if (!NODE_POOL_RE.test(v)) return `invalid node pool name ${JSON.stringify(v)}, must match ${NODE_POOL_RE.source}`;
	if (v === "all") return 'node is not allowed to register in node pool "all"';
	return undefined;
}

/** Nomad's structs.ParsePortRanges rules: "22,80,8000-8100", ports 1..65535. */
export function checkPortRanges(spec: string): string | undefined {
	if (spec.trim() === "") return undefined;
	for (const raw of spec.split(",")) {
		const part = raw.trim();
		const bounds = part.split("-");
		if (bounds.length > 2 || bounds.some((b) => !/^\d+$/.test(b.trim()))) {
			return `invalid port range ${JSON.stringify(part)}: use single ports or ranges (ex. 80,100-120,150)`;
		}
		const [lo, hi] = [Number(bounds[0]), Number(bounds[bounds.length - 1])];
		if (lo === 0) return "port must be > 0";
		if (hi > 65535) return `port must be <= 65535 but found ${hi}`;
		if (hi < lo) return `invalid range: ending value (${hi}) less than starting (${lo}) value`;
	}
	return undefined;
}

function checkMetaKey(k: string): string | undefined {
	return /^[^.]+(\.[^.]+)*$/.test(k) ? undefined : `invalid meta key ${JSON.stringify(k)}`;
}

const serverJoin: Schema = {
	start_join: { t: "list", to: "startJoin", merge: "replace" },
	retry_join: { t: "list", to: "retryJoin", merge: "replace" },
	retry_max: count("retryMax"),
	retry_interval: dur("retryInterval"),
};

/** nomad-ts extension: membership timings (server { gossip { ... } }), see docs/membership.md. */
const gossip: Schema = {
	probe_interval: dur("probeInterval"),
	probe_timeout: dur("probeTimeout"),
	gossip_interval: dur("gossipInterval"),
	gossip_nodes: { t: "int", to: "gossipNodes", min: 1, max: 64 },
	indirect_checks: { t: "int", to: "indirectChecks", min: 0, max: 64 },
	suspicion_mult: { t: "int", to: "suspicionMult", min: 1, max: 100 },
	retransmit_mult: { t: "int", to: "retransmitMult", min: 1, max: 100 },
	push_pull_interval: dur("pushPullInterval"),
	tcp_timeout: dur("tcpTimeout"),
	gossip_to_the_dead_time: dur("gossipToTheDeadTime"),
	reconnect_interval: dur("reconnectInterval"),
	reconnect_timeout: dur("reconnectTimeout"),
	tombstone_timeout: dur("tombstoneTimeout"),
	reap_interval: dur("reapInterval"),
	leave_propagate_delay: dur("leavePropagateDelay"),
};

const addrs: Schema = { http: str("http"), rpc: str("rpc"), serf: str("serf") };

// Nomad's ClientConfig/ServerConfig.Merge only ever turn `enabled` on (if b.Enabled { ... = true }),
// so `-dev` plus a file saying `enabled = false` still runs both.
const client: Schema = {
	enabled: { t: "bool", to: "enabled", trueWins: true },
	state_dir: str("stateDir"),
	alloc_dir: str("allocDir"),
	alloc_mounts_dir: str("allocMountsDir"),
	servers: { t: "list", to: "servers", merge: "append" },
	node_class: str("nodeClass"),
	node_pool: str("nodePool", checkNodePool),
	options: { t: "map", to: "options" },
	meta: { t: "map", to: "meta", checkKey: checkMetaKey },
	chroot_env: { t: "map", to: "chrootEnv" },
	network_interface: str("networkInterface"),
	network_speed: count("networkSpeed"),
	cpu_total_compute: count("cpuTotalCompute"),
	memory_total_mb: count("memoryTotalMb"),
	disk_total_mb: count("diskTotalMb"),
	reservable_cores: str("reservableCores"),
	max_kill_timeout: dur("maxKillTimeout"),
	client_min_port: port("clientMinPort"),
	client_max_port: port("clientMaxPort"),
	min_dynamic_port: port("minDynamicPort"),
	max_dynamic_port: port("maxDynamicPort"),
	reserved: {
		t: "block",
		to: "reserved",
		fields: {
			cpu: count("cpu"),
			memory: count("memory"),
			disk: count("disk"),
			reserved_ports: str("reservedPorts", checkPortRanges),
			cores: str("cores"),
		},
	},
	gc_interval: dur("gcInterval"),
	gc_parallel_destroys: count("gcParallelDestroys"),
	gc_disk_usage_threshold: percent("gcDiskUsageThreshold"),
	gc_inode_usage_threshold: percent("gcInodeUsageThreshold"),
	gc_max_allocs: count("gcMaxAllocs"),
	gc_volumes_on_node_gc: bool("gcVolumesOnNodeGc"),
	no_host_uuid: bool("noHostUuid"),
	disable_remote_exec: bool("disableRemoteExec"),
	server_join: { t: "block", to: "serverJoin", fields: serverJoin },
	host_volume: {
		t: "labeled",
		to: "hostVolumes",
		fields: { path: str("path"), read_only: bool("readOnly") },
		defaults: (name) => ({ name, path: "", readOnly: false }),
	},
	cni_path: str("cniPath"),
	cni_config_dir: str("cniConfigDir"),
	bridge_network_name: str("bridgeNetworkName"),
	bridge_network_subnet: str("bridgeNetworkSubnet"),
	bind_wildcard_default_host_network: bool("bindWildcardDefaultHostNetwork"),
	cgroup_parent: str("cgroupParent"),
	nomad_service_discovery: bool("nomadServiceDiscovery"),
	drain_on_shutdown: {
		t: "block",
		to: "drainOnShutdown",
		fields: { deadline: dur("deadline"), force: bool("force"), ignore_system_jobs: bool("ignoreSystemJobs") },
		nullable: () => ({ deadline: 3600 * 1e9, force: false, ignoreSystemJobs: false }),
	},
	node_max_allocs: count("nodeMaxAllocs"),
	default_ineligible: bool("defaultIneligible"),
	log_file: str("logFile"),
	template: extra,
	artifact: extra,
	users: extra,
	fingerprint: extra,
	host_network: extra,
	preferred_address_family: extra,
	cpu_disable_dmidecode: extra,
	disk_free_mb: extra,
	host_volumes_dir: extra,
	host_volume_plugin_dir: extra,
	common_plugin_dir: extra,
	bridge_network_subnet_ipv6: extra,
	bridge_network_hairpin_mode: extra,
	stats: { t: "ignore" },
};

const server: Schema = {
	enabled: { t: "bool", to: "enabled", trueWins: true },
	authoritative_region: str("authoritativeRegion"),
	bootstrap_expect: count("bootstrapExpect"),
	data_dir: str("dataDir"),
	protocol_version: { t: "ignore", note: "deprecated and unused; please remove it" },
	raft_protocol: {
		t: "int",
		to: "raftProtocol",
		check: (v) => (v === 3 ? undefined : `raft_protocol must be 3 in Nomad v1.4 and later, got ${v}`),
	},
	raft_multiplier: { t: "int", to: "raftMultiplier", min: 1, max: 10 },
	num_schedulers: {
		t: "int",
		to: "numSchedulers",
		check: (v) => {
			const cpus = availableParallelism();
			return v < 0 || v > cpus ? `number of schedulers should be between 0 and ${cpus}, got ${v}` : undefined;
		},
	},
	enabled_schedulers: { t: "list", to: "enabledSchedulers", merge: "replace" },
	eval_gc_threshold: dur("evalGcThreshold"),
	batch_eval_gc_threshold: dur("batchEvalGcThreshold"),
	job_gc_interval: dur("jobGcInterval"),
	job_gc_threshold: dur("jobGcThreshold"),
	node_gc_threshold: dur("nodeGcThreshold"),
	deployment_gc_threshold: dur("deploymentGcThreshold"),
	csi_volume_claim_gc_interval: dur("csiVolumeClaimGcInterval"),
	csi_volume_claim_gc_threshold: dur("csiVolumeClaimGcThreshold"),
	csi_plugin_gc_threshold: dur("csiPluginGcThreshold"),
	acl_token_gc_threshold: dur("aclTokenGcThreshold"),
	root_key_gc_interval: dur("rootKeyGcInterval"),
	root_key_gc_threshold: dur("rootKeyGcThreshold"),
	root_key_rotation_threshold: dur("rootKeyRotationThreshold"),
	heartbeat_grace: dur("heartbeatGrace"),
	min_heartbeat_ttl: dur("minHeartbeatTtl"),
	max_heartbeats_per_second: { t: "float", to: "maxHeartbeatsPerSecond", min: 0 },
	failover_heartbeat_ttl: dur("failoverHeartbeatTtl"),
	job_max_priority: { t: "int", to: "jobMaxPriority", min: 100, max: 32766 },
	job_default_priority: { t: "int", to: "jobDefaultPriority", min: 50 },
	job_max_count: count("jobMaxCount"),
	job_max_source_size: { t: "bytes", to: "jobMaxSourceSize" },
	job_tracked_versions: { t: "int", to: "jobTrackedVersions", min: 1 },
	start_join: { t: "list", to: "startJoin", merge: "append" },
	retry_join: { t: "list", to: "retryJoin", merge: "append" },
	retry_max: count("retryMax"),
	retry_interval: dur("retryInterval"),
	server_join: { t: "block", to: "serverJoin", fields: serverJoin },
	gossip: { t: "block", to: "gossip", fields: gossip },
	rejoin_after_leave: bool("rejoinAfterLeave"),
	non_voting_server: bool("nonVotingServer"),
	redundancy_zone: str("redundancyZone"),
	upgrade_version: str("upgradeVersion"),
	encrypt: str("encrypt", (v) =>
		/^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 ? undefined : "invalid encryption key: not base64",
	),
	raft_snapshot_threshold: { t: "int", to: "raftSnapshotThreshold", min: 1 },
	raft_snapshot_interval: dur("raftSnapshotInterval"),
	raft_trailing_logs: { t: "int", to: "raftTrailingLogs", min: 1 },
	plan_rejection_tracker: {
		t: "block",
		to: "planRejectionTracker",
		fields: { enabled: bool("enabled"), node_threshold: count("nodeThreshold"), node_window: dur("nodeWindow") },
	},
	enable_event_broker: bool("enableEventBroker"),
	event_buffer_size: count("eventBufferSize"),
	deploy_query_rate_limit: { t: "float", to: "deployQueryRateLimit", min: 0 },
	license_path: str("licensePath"),
	oidc_issuer: str("oidcIssuer"),
	start_timeout: dur("startTimeout"),
	search: {
		t: "block",
		to: "search",
		fields: {
			fuzzy_enabled: bool("fuzzyEnabled"),
			limit_query: count("limitQuery"),
			limit_results: count("limitResults"),
			min_term_length: count("minTermLength"),
		},
	},
	log_file: str("logFile"),
	default_scheduler_config: extra,
	client_introduction: extra,
	raft_logstore: extra,
	raft_boltdb: extra,
	plan_apply_pipeline: extra,
	non_production: extra,
	preemption_config: extra,
};

const telemetry: Schema = {
	collection_interval: dur("collectionInterval"),
	in_memory_collection_interval: dur("inMemoryCollectionInterval"),
	in_memory_retention_period: dur("inMemoryRetentionPeriod"),
	publish_allocation_metrics: bool("publishAllocationMetrics"),
	publish_node_metrics: bool("publishNodeMetrics"),
	prometheus_metrics: bool("prometheusMetrics"),
	disable_hostname: bool("disableHostname"),
	use_node_name: bool("useNodeName"),
	include_alloc_metadata_in_metrics: bool("includeAllocMetadataInMetrics"),
	allowed_metadata_keys_in_metrics: { t: "list", to: "allowedMetadataKeysInMetrics", merge: "append" },
	statsite_address: str("statsiteAddress"),
	statsd_address: str("statsdAddress"),
	datadog_address: str("datadogAddress"),
	datadog_tags: { t: "list", to: "datadogTags", merge: "replace" },
	prefix_filter: { t: "list", to: "prefixFilter", merge: "replace" },
	filter_default: bool("filterDefault"),
	disable_dispatched_job_summary_metrics: bool("disableDispatchedJobSummaryMetrics"),
	disable_quota_utilization_metrics: bool("disableQuotaUtilizationMetrics"),
	disable_rpc_rate_metrics_labels: bool("disableRpcRateMetricsLabels"),
	disable_allocation_hook_metrics: bool("disableAllocationHookMetrics"),
	circonus_api_token: extra,
	circonus_api_app: extra,
	circonus_api_url: extra,
	circonus_submission_interval: extra,
	circonus_submission_url: extra,
	circonus_check_id: extra,
	circonus_check_force_metric_activation: extra,
	circonus_check_instance_id: extra,
	circonus_check_search_tag: extra,
	circonus_check_tags: extra,
	circonus_check_display_name: extra,
	circonus_broker_id: extra,
	circonus_broker_select_tag: extra,
};

export const AGENT_SCHEMA: Schema = {
	name: str("nodeName"),
	region: str("region", (v) => (v.includes("\0") ? "region contains invalid characters" : undefined)),
	datacenter: str("datacenter", (v) =>
		/[\0*]/.test(v) ? "datacenter contains invalid characters (null or '*')" : undefined,
	),
	data_dir: str("dataDir"),
	plugin_dir: str("pluginDir"),
	log_level: { t: "level", to: "logLevel" },
	log_json: bool("logJson"),
	log_file: str("logFile"),
	log_include_location: bool("logIncludeLocation"),
	log_rotate_duration: dur("logRotateDuration"),
	log_rotate_bytes: count("logRotateBytes"),
	log_rotate_max_files: { t: "int", to: "logRotateMaxFiles", min: -1 },
	bind_addr: str("bindAddr"),
	enable_debug: bool("enableDebug"),
	ports: { t: "block", to: "ports", fields: { http: port("http"), rpc: port("rpc"), serf: port("serf") } },
	addresses: { t: "block", to: "addresses", fields: addrs },
	advertise: { t: "block", to: "advertise", fields: addrs },
	client: { t: "block", to: "client", fields: client },
	server: { t: "block", to: "server", fields: server },
	acl: {
		t: "block",
		to: "acl",
		fields: {
			enabled: bool("enabled"),
			token_ttl: dur("tokenTtl"),
			policy_ttl: dur("policyTtl"),
			role_ttl: dur("roleTtl"),
			replication_token: str("replicationToken"),
			token_min_expiration_ttl: dur("tokenMinExpirationTtl"),
			token_max_expiration_ttl: dur("tokenMaxExpirationTtl"),
		},
	},
	telemetry: { t: "block", to: "telemetry", fields: telemetry },
	limits: {
		t: "block",
		to: "limits",
		fields: {
			https_handshake_timeout: dur("httpsHandshakeTimeout"),
			http_max_conns_per_client: count("httpMaxConnsPerClient"),
			rpc_handshake_timeout: dur("rpcHandshakeTimeout"),
			rpc_max_conns_per_client: count("rpcMaxConnsPerClient"),
		},
	},
	rpc: {
		t: "block",
		to: "rpc",
		fields: {
			accept_backlog: count("acceptBacklog"),
			keep_alive_interval: dur("keepAliveInterval"),
			connection_write_timeout: dur("connectionWriteTimeout"),
			stream_open_timeout: dur("streamOpenTimeout"),
			stream_close_timeout: dur("streamCloseTimeout"),
			dial_timeout: dur("dialTimeout"),
		},
	},
	tls: {
		t: "block",
		to: "tls",
		fields: {
			http: bool("http"),
			rpc: bool("rpc"),
			ca_file: str("caFile"),
			cert_file: str("certFile"),
			key_file: str("keyFile"),
			verify_server_hostname: bool("verifyServerHostname"),
			verify_https_client: bool("verifyHttpsClient"),
			rpc_upgrade_mode: bool("rpcUpgradeMode"),
			tls_cipher_suites: str("tlsCipherSuites"),
			tls_min_version: str("tlsMinVersion"),
		},
	},
	ui: {
		t: "block",
		to: "ui",
		fields: {
			enabled: bool("enabled"),
			show_cli_hints: bool("showCliHints"),
			content_security_policy: extra,
			consul: extra,
			vault: extra,
			label: extra,
		},
	},
	plugin: {
		t: "labeled",
		to: "plugins",
		fields: { args: { t: "list", to: "args", merge: "replace" }, config: { t: "object", to: "config" } },
		defaults: (name) => ({ name, args: [], config: {} }),
	},
	leave_on_interrupt: bool("leaveOnInterrupt"),
	leave_on_terminate: bool("leaveOnTerminate"),
	enable_syslog: bool("enableSyslog"),
	syslog_facility: str("syslogFacility"),
	disable_update_check: bool("disableUpdateCheck"),
	disable_anonymous_signature: bool("disableAnonymousSignature"),
	http_api_response_headers: { t: "map", to: "httpApiResponseHeaders" },
	consul: { t: "named", to: "consul" },
	vault: { t: "named", to: "vault" },
	autopilot: extra,
	audit: extra,
	sentinel: extra,
	reporting: extra,
	keyring: extra,
	eventlog: extra,
};
