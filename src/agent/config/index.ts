// Agent configuration: Nomad-compatible agent config files (HCL1 / HCL2 / JSON), command-line
// flags, -dev mode, merging, validation and the /v1/agent/self wire shape.

export { type AddrOptions, type Interfaces, normalizeAddrs } from "./addrs.ts";
export { AGENT_VERSION, DEFAULT_ENABLED_SCHEDULERS, defaultConfig, devConfig } from "./defaults.ts";
export { ConfigError } from "./errors.ts";
export { parseConfigText } from "./files.ts";
export { parseAgentArgs } from "./flags.ts";
export { COMMAND_LINE, type LoadOptions, loadAgentConfig } from "./load.ts";
export type {
	AclConfig,
	AddressesConfig,
	AgentConfig,
	AgentFlags,
	AgentLogLevel,
	ClientConfig,
	DrainOnShutdownConfig,
	HostVolumeConfig,
	LimitsConfig,
	NormalizedAddrs,
	PluginConfig,
	PortsConfig,
	ReservedConfig,
	RpcConfig,
	ServerConfig,
	ServerJoinConfig,
	TelemetryConfig,
	TlsConfig,
	UiConfig,
	VersionInfo,
} from "./types.ts";
export { configToWire } from "./wire.ts";
