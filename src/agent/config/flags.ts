// `nomad agent` command-line flags, parsed with Go's flag package rules: one or two leading dashes,
// `-name=value` or `-name value` (bool flags take no separate value: `-dev`, `-dev=false`),
// `--` ends the flags. Repeatable flags (-config, -join, -retry-join, -meta) accumulate.

import { parseDuration } from "../../lib/duration.ts";
import { ConfigError } from "./errors.ts";
import type { AgentFlags } from "./types.ts";

type Kind = "bool" | "string" | "int" | "list" | "csv" | "duration" | "meta";

interface FlagDef {
	kind: Kind;
	to: keyof AgentFlags;
}

const FLAGS: Record<string, FlagDef> = {
	dev: { kind: "bool", to: "dev" },
	server: { kind: "bool", to: "server" },
	client: { kind: "bool", to: "client" },
	config: { kind: "list", to: "configPaths" },
	"data-dir": { kind: "string", to: "dataDir" },
	"plugin-dir": { kind: "string", to: "pluginDir" },
	bind: { kind: "string", to: "bind" },
	region: { kind: "string", to: "region" },
	dc: { kind: "string", to: "dc" },
	node: { kind: "string", to: "node" },
	servers: { kind: "csv", to: "servers" },
	"log-level": { kind: "string", to: "logLevel" },
	"log-json": { kind: "bool", to: "logJson" },
	"log-include-location": { kind: "bool", to: "logIncludeLocation" },
	"network-interface": { kind: "string", to: "networkInterface" },
	"network-speed": { kind: "int", to: "networkSpeed" },
	// nomad-ts extensions: an in-process cluster of simulated nodes behind the dev server.
	"dev-sim-nodes": { kind: "int", to: "simNodes" },
	"dev-sim-client": { kind: "string", to: "simClient" },
	"bootstrap-expect": { kind: "int", to: "bootstrapExpect" },
	"state-dir": { kind: "string", to: "stateDir" },
	"alloc-dir": { kind: "string", to: "allocDir" },
	"alloc-mounts-dir": { kind: "string", to: "allocMountsDir" },
	"node-class": { kind: "string", to: "nodeClass" },
	"node-pool": { kind: "string", to: "nodePool" },
	meta: { kind: "meta", to: "meta" },
	encrypt: { kind: "string", to: "encrypt" },
	"raft-protocol": { kind: "int", to: "raftProtocol" },
	rejoin: { kind: "bool", to: "rejoin" },
	join: { kind: "list", to: "join" },
	"retry-join": { kind: "list", to: "retryJoin" },
	"retry-max": { kind: "int", to: "retryMax" },
	"retry-interval": { kind: "duration", to: "retryInterval" },
	"acl-enabled": { kind: "bool", to: "aclEnabled" },
	"acl-replication-token": { kind: "string", to: "aclReplicationToken" },
	h: { kind: "bool", to: "help" },
	help: { kind: "bool", to: "help" },
};

/** Nomad agent flags we know of but do not implement (a clearer message than "unknown flag"). */
const UNSUPPORTED =
	/^(dev-connect|dev-consul|dev-vault|consul-.*|vault-.*|eventlog|eventlog-level|client-intro-token|preferred-address-family|host-volumes-dir|host-volume-plugin-dir)$/;

const BOOL_VALUES: Record<string, boolean> = {
	"1": true,
	t: true,
	T: true,
	TRUE: true,
	true: true,
	True: true,
	"0": false,
	f: false,
	F: false,
	FALSE: false,
	false: false,
	False: false,
};

function distance(a: string, b: string): number {
	const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
	for (let j = 1; j <= b.length; j++) d[0][j] = j;
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
	}
	return d[a.length][b.length];
}

function unknownFlag(name: string): ConfigError {
	if (UNSUPPORTED.test(name)) return new ConfigError(`command line: flag -${name} is not supported by nomad-ts`);
	const near = Object.keys(FLAGS)
		.filter((k) => k.length > 1 && distance(k, name) <= 2)
		.sort((a, b) => distance(a, name) - distance(b, name));
	const hint = near.length > 0 ? ` (did you mean -${near[0]}?)` : "";
	return new ConfigError(
		`command line: flag provided but not defined: -${name}${hint}; run "nomad-ts agent -h" for the list of flags`,
	);
}

export function parseAgentArgs(argv: string[]): AgentFlags {
	const out: AgentFlags = {};
	const rec = out as Record<string, unknown>;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--") {
			if (i + 1 < argv.length)
				throw new ConfigError(`command line: unexpected argument ${JSON.stringify(argv[i + 1])}`);
			break;
		}
		if (!arg.startsWith("-") || arg === "-") {
			throw new ConfigError(
				`command line: unexpected argument ${JSON.stringify(arg)}; the agent takes only flags (e.g. -config=agent.hcl)`,
			);
		}
		const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
		if (body === "" || body.startsWith("-") || body.startsWith("=")) {
			throw new ConfigError(`command line: bad flag syntax: ${arg}`);
		}
		const eq = body.indexOf("=");
		const name = eq >= 0 ? body.slice(0, eq) : body;
		let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
		const def = FLAGS[name];
		if (!def) throw unknownFlag(name);
		const bad = (why: string): ConfigError =>
			new ConfigError(`command line: invalid value ${JSON.stringify(value)} for flag -${name}: ${why}`);
		if (def.kind === "bool") {
			if (value === undefined) rec[def.to] = true;
			else if (value in BOOL_VALUES) rec[def.to] = BOOL_VALUES[value];
			else throw bad("expected true or false");
			continue;
		}
		if (value === undefined) {
			if (i + 1 >= argv.length) throw new ConfigError(`command line: flag needs an argument: -${name}`);
			value = argv[++i];
		}
		switch (def.kind) {
			case "string":
				rec[def.to] = value;
				break;
			case "int": {
				if (!/^[-+]?\d+$/.test(value.trim())) throw bad("expected a whole number");
				const n = Number(value);
				if (n < 0) throw bad("must not be negative");
				rec[def.to] = n;
				break;
			}
			case "duration":
				try {
					rec[def.to] = parseDuration(value);
				} catch {
					throw bad('expected a duration like "30s"');
				}
				break;
			case "list":
				rec[def.to] = [...((rec[def.to] as string[] | undefined) ?? []), value];
				break;
			case "csv":
				// Nomad splits -servers on commas; repeating the flag replaces the earlier value
				rec[def.to] = value === "" ? [] : value.split(",");
				break;
			case "meta": {
				const at = value.indexOf("=");
				if (at < 0) throw new ConfigError(`command line: Error parsing Client.Meta value: ${value}`);
				const meta = (rec[def.to] as Record<string, string> | undefined) ?? {};
				meta[value.slice(0, at)] = value.slice(at + 1);
				rec[def.to] = meta;
				break;
			}
		}
	}
	return out;
}

/** The flags as an HCL-shaped config body, so they go through the same checks and merge as files. */
export function flagsToBody(f: AgentFlags): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	const client: Record<string, unknown> = {};
	const server: Record<string, unknown> = {};
	const serverJoin: Record<string, unknown> = {};
	const acl: Record<string, unknown> = {};
	const set = (o: Record<string, unknown>, k: string, v: unknown) => {
		if (v !== undefined) o[k] = v;
	};
	set(body, "data_dir", f.dataDir);
	set(body, "plugin_dir", f.pluginDir);
	set(body, "bind_addr", f.bind);
	set(body, "region", f.region);
	set(body, "datacenter", f.dc);
	set(body, "name", f.node);
	set(body, "log_level", f.logLevel);
	// Go bool flags can only switch things on: Nomad merges `-log-json=false` as "not given"
	if (f.logJson) body.log_json = true;
	if (f.logIncludeLocation) body.log_include_location = true;
	if (f.client) client.enabled = true;
	set(client, "servers", f.servers);
	set(client, "network_interface", f.networkInterface);
	set(client, "network_speed", f.networkSpeed);
	set(client, "state_dir", f.stateDir);
	set(client, "alloc_dir", f.allocDir);
	set(client, "alloc_mounts_dir", f.allocMountsDir);
	set(client, "node_class", f.nodeClass);
	set(client, "node_pool", f.nodePool);
	set(client, "meta", f.meta);
	if (f.server) server.enabled = true;
	if (f.bootstrapExpect) server.bootstrap_expect = f.bootstrapExpect;
	set(server, "encrypt", f.encrypt);
	set(server, "raft_protocol", f.raftProtocol);
	if (f.rejoin) server.rejoin_after_leave = true;
	set(serverJoin, "start_join", f.join);
	set(serverJoin, "retry_join", f.retryJoin);
	set(serverJoin, "retry_max", f.retryMax);
	if (f.retryInterval !== undefined) serverJoin.retry_interval = `${f.retryInterval}ns`;
	if (f.aclEnabled) acl.enabled = true;
	set(acl, "replication_token", f.aclReplicationToken);
	if (Object.keys(serverJoin).length > 0) server.server_join = serverJoin;
	if (Object.keys(client).length > 0) body.client = client;
	if (Object.keys(server).length > 0) body.server = server;
	if (Object.keys(acl).length > 0) body.acl = acl;
	return body;
}
