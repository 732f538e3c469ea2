// Checks that need the merged configuration (Nomad's Command.IsValidConfig and the checks
// convertServerConfig makes), plus the derived defaults Nomad fills in after merging.

import { isAbsolute, join } from "node:path";
import { DEFAULT_ENABLED_SCHEDULERS } from "./defaults.ts";
import { ConfigError } from "./errors.ts";
import type { AgentConfig, AgentFlags } from "./types.ts";

export interface ValidateOptions {
	flags: AgentFlags;
	warn: (msg: string) => void;
	/** names the source that set a key */
	where: (key: string) => string;
}

/** Derived values: plugin_dir under data_dir, the scheduler list. */
export function finalize(c: AgentConfig): void {
	if (c.pluginDir === "" && c.dataDir !== "") c.pluginDir = join(c.dataDir, "plugins");
	// as Nomad: an empty list means every scheduler, and the core (GC) scheduler always runs
	if (c.server.enabledSchedulers.length === 0) c.server.enabledSchedulers = [...DEFAULT_ENABLED_SCHEDULERS];
	if (!c.server.enabledSchedulers.includes("_core")) c.server.enabledSchedulers.push("_core");
}

export function validate(c: AgentConfig, o: ValidateOptions): void {
	const fail = (key: string, msg: string): never => {
		throw new ConfigError(`${o.where(key)}: ${key}: ${msg}`);
	};

	if (!c.server.enabled && !c.client.enabled) {
		throw new ConfigError("Must specify either server, client or dev mode for the agent.");
	}

	const dirs: [string, string][] = [
		["data_dir", c.dataDir],
		["plugin_dir", c.pluginDir],
		["client.alloc_dir", c.client.allocDir],
		["client.alloc_mounts_dir", c.client.allocMountsDir],
		["client.state_dir", c.client.stateDir],
		["server.data_dir", c.server.dataDir],
	];
	for (const [key, dir] of dirs) {
		if (dir !== "" && !isAbsolute(dir)) fail(key, `must be given as an absolute path, got ${JSON.stringify(dir)}`);
	}

	const tel = c.telemetry;
	if (tel.inMemoryCollectionInterval <= 0) {
		fail("telemetry.in_memory_collection_interval", "must be greater than zero");
	}
	if (tel.inMemoryRetentionPeriod <= 0) fail("telemetry.in_memory_retention_period", "must be greater than zero");
	if (tel.inMemoryCollectionInterval > tel.inMemoryRetentionPeriod) {
		fail("telemetry.in_memory_collection_interval", "cannot be greater than in_memory_retention_period");
	}
	if (tel.collectionInterval <= 0) fail("telemetry.collection_interval", "must be greater than zero");
	for (const rule of tel.prefixFilter) {
		if (rule !== "" && rule[0] !== "+" && rule[0] !== "-") {
			fail("telemetry.prefix_filter", `filter rule must begin with either '+' or '-': ${JSON.stringify(rule)}`);
		}
	}

	const s = c.server;
	if (s.jobDefaultPriority >= s.jobMaxPriority) {
		fail(
			"server.job_default_priority",
			`cannot be ${s.jobDefaultPriority}. Must be between 50 and ${s.jobMaxPriority - 1} (below job_max_priority)`,
		);
	}

	const cl = c.client;
	if (cl.minDynamicPort > cl.maxDynamicPort) {
		fail(
			"client.min_dynamic_port",
			`invalid dynamic port range: min_dynamic_port=${cl.minDynamicPort} and max_dynamic_port=${cl.maxDynamicPort}`,
		);
	}
	if (cl.clientMinPort > cl.clientMaxPort) {
		fail(
			"client.client_min_port",
			`invalid port range: client_min_port=${cl.clientMinPort} and client_max_port=${cl.clientMaxPort}`,
		);
	}
	for (const hv of cl.hostVolumes) {
		if (hv.path === "") fail(`client.host_volume.${hv.name}.path`, "missing path in host_volume config");
	}

	if (!c.devMode) {
		if (s.enabled && c.dataDir === "") {
			throw new ConfigError('Must specify "data_dir" config option or "data-dir" CLI flag');
		}
		if (cl.enabled && c.dataDir === "") {
			if (cl.allocDir === "" || cl.allocMountsDir === "" || cl.stateDir === "" || c.pluginDir === "") {
				throw new ConfigError(
					"Must specify the state, alloc-dir, alloc-mounts-dir and plugin-dir if data-dir is omitted.",
				);
			}
		}
		if (!s.enabled && (o.flags.bootstrapExpect ?? 0) > 0) {
			throw new ConfigError("command line: -bootstrap-expect: Bootstrap requires server mode to be enabled");
		}
		if (s.enabled && s.bootstrapExpect === 1) o.warn("WARNING: Bootstrap mode enabled! Potentially unsafe operation.");
		if (s.enabled && s.bootstrapExpect > 0 && s.bootstrapExpect % 2 === 0) {
			o.warn("WARNING: Number of bootstrap servers should ideally be set to an odd number.");
		}
	}
}
