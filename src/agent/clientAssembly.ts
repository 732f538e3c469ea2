// Builds the client agent: its drivers from the agent configuration, its directories, and its
// connection to the servers. With a server in the same process the connection is in-process;
// remote servers are reached over agent RPC (rpcEndpoints.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Allocation, Node } from "../api/types/index.ts";
import { Client } from "../client/client.ts";
import { execDriver } from "../client/drivers/exec.ts";
import { mockDriver } from "../client/drivers/mock.ts";
import { rawExecDriver } from "../client/drivers/rawExec.ts";
import type { TaskDriver } from "../client/drivers/types.ts";
import type { ServerAPI } from "../client/serverApi.ts";
import { SupervisorClient } from "../client/supervisor/client.ts";
import type { Logger } from "../lib/logger.ts";
import { NOMAD_VERSION } from "../lib/version.ts";
import { checkServers } from "../rpc/serverList.ts";
import { clientAllocs, heartbeatNode, registerNode, updateAllocs } from "../server/endpoints/clientEndpoint.ts";
import type { Server } from "../server/server.ts";
import type { Row } from "../server/state/schema.ts";
import type { AgentConfig } from "./config/types.ts";

const truthy = (v: unknown): boolean => v === true || v === "1" || v === "true";

/** raw_exec: enabled by `plugin "raw_exec" { config { enabled = true } }` or the legacy client option. */
export function rawExecEnabled(c: AgentConfig): boolean {
	const plugin = c.plugins.find((p) => p.name === "raw_exec");
	return truthy(plugin?.config.enabled) || truthy(c.client.options["driver.raw_exec.enable"]);
}

/** With `supervisor`, process tasks run under the node supervisor (and outlive the agent). */
export function driversFor(c: AgentConfig, supervisor?: SupervisorClient): Record<string, TaskDriver> {
	return {
		raw_exec: rawExecDriver({ enabled: rawExecEnabled(c), supervisor }),
		// exec is always present, as in Nomad; its fingerprint says whether it can run here (root, cgroups).
		exec: execDriver({
			chrootEnv: c.client.chrootEnv,
			pluginConfig: c.plugins.find((p) => p.name === "exec")?.config,
			supervisor,
		}),
		mock: mockDriver(),
	};
}

export function inProcessServerAPI(server: Server, initialServers: string[]): ServerAPI {
	let servers = [...initialServers];
	return {
		registerNode: async (node: Node) => ({
			heartbeatTTL: (await registerNode(server, node as unknown as Row)).heartbeatTTL,
		}),
		heartbeat: (id) => heartbeatNode(server, id),
		allocations: async (id, minIndex, waitMs, signal) => {
			const r = await clientAllocs(server, id, minIndex, waitMs, signal);
			return { allocs: r.allocs as unknown as Allocation[], index: r.index };
		},
		updateAllocs: async (updates) => {
			await updateAllocs(server, updates as unknown as Row[]);
		},
		servers: () => [...servers],
		// The dev agent's client calls its own server in-process whatever the list says (as Nomad's
		// dev agent, whose client RPCs go to the local server's handler): a new list is checked like
		// a client-only agent's (resolved, pinged) and then only recorded and reported.
		setServers: async (list) => {
			const { pingServer } = await import("../rpc/transport.ts");
			servers = await checkServers(list, (addr) => pingServer(addr));
			return servers.length;
		},
	};
}

export interface ClientAssembly {
	client: Client;
	/** The client's alloc dir root (<data_dir>/alloc unless configured). */
	allocDir: string;
	/** Removes the temporary directories of a -dev client. */
	cleanup: () => void;
}

export function assembleClient(c: AgentConfig, api: ServerAPI, httpAddr: string, logger: Logger): ClientAssembly {
	let temp: string | undefined;
	let base = c.dataDir;
	if (!base) {
		// -dev keeps no state: allocation and client directories live in a temporary directory.
		temp = mkdtempSync(join(tmpdir(), "nomad-ts-dev-"));
		base = temp;
	}
	const allocDir = c.client.allocDir || join(base, "alloc");
	const stateDir = c.client.stateDir || join(base, "client");
	// Started on first use (a task to run or to reattach); in -dev it stops with the agent.
	const supervisor = new SupervisorClient({
		stateDir,
		ephemeral: c.devMode,
		logger: logger.named("client.supervisor"),
	});
	const client = new Client({
		stateDir,
		allocDir,
		region: c.region,
		fingerprint: {
			nodeName: c.nodeName,
			datacenter: c.datacenter,
			nodeClass: c.client.nodeClass,
			nodePool: c.client.nodePool,
			meta: c.client.meta,
			networkInterface: c.client.networkInterface || undefined,
			cpuTotalCompute: c.client.cpuTotalCompute || undefined,
			memoryTotalMB: c.client.memoryTotalMb || undefined,
			reserved: {
				cpu: c.client.reserved.cpu,
				memoryMB: c.client.reserved.memory,
				diskMB: c.client.reserved.disk,
				reservedPorts: c.client.reserved.reservedPorts,
			},
			minDynamicPort: c.client.minDynamicPort,
			maxDynamicPort: c.client.maxDynamicPort,
			nomadVersion: NOMAD_VERSION,
			httpAddr,
		},
		drivers: driversFor(c, supervisor),
		supervisor,
		devMode: c.devMode,
		maxKillTimeoutNs: c.client.maxKillTimeout,
		gc: {
			intervalMs: c.client.gcInterval / 1e6,
			maxAllocs: c.client.gcMaxAllocs,
			diskUsageThreshold: c.client.gcDiskUsageThreshold,
			inodeUsageThreshold: c.client.gcInodeUsageThreshold,
		},
		server: api,
		logger,
	});
	return {
		client,
		allocDir,
		cleanup: () => {
			if (temp) rmSync(temp, { recursive: true, force: true });
		},
	};
}
