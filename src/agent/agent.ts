// The agent: one process holding a server and/or a client, the HTTP API in front of them, and the
// listeners on the RPC and Serf ports. It wires layers together and owns start/stop order.
import { mkdirSync } from "node:fs";
import { createServer as createHttpServer, type Server as NodeHttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { join } from "node:path";
import type { AllocRunner } from "../client/allocrunner/index.ts";
import type { ServerAPI } from "../client/serverApi.ts";
import type { AllocStatsCollector } from "../client/stats/allocStats.ts";
import { type CpuCompute, defaultCompute, HostStatsCollector } from "../client/stats/hostStats.ts";
import { CodedError } from "../lib/errors.ts";
import { Logger, type LogHub } from "../lib/logger.ts";
import { MetricsRegistry } from "../lib/metrics.ts";
import { startRuntimeMetrics } from "../lib/runtimeMetrics.ts";
import { fullVersion } from "../lib/version.ts";
import type { RpcClient, RpcServer } from "../rpc/transport.ts";

import type { Identity } from "../server/acl/resolver.ts";

import type { ServerMember, ServerMembersResponse } from "../server/membership/types.ts";

import { Server } from "../server/server.ts";
import type { Simulator } from "../server/simulator/simulator.ts";
import { assembleClient, type ClientAssembly, inProcessServerAPI } from "./clientAssembly.ts";
import { configToWire } from "./config/index.ts";
import type { AgentConfig } from "./config/types.ts";
import { FORWARD_METHOD, forwardRequest, serveForwarded } from "./forwarding.ts";
import { HttpServer } from "./http/httpServer.ts";
import type { Router } from "./http/router.ts";
import type { SelfInputs } from "./http/routes/agentSelf.ts";
import type { AgentHandle, ClientHandle, LocalAllocRunner } from "./http/routes/context.ts";
import { buildRouter } from "./http/routes/index.ts";

import type { HANDLED, RequestContext } from "./http/types.ts";
import { type MembershipAssembly, startMembership } from "./membershipAssembly.ts";
import { registerServerRpc, remoteTokenResolver, rpcServerAPI } from "./rpcEndpoints.ts";

export interface AgentOptions {
	config: AgentConfig;
	hub: LogHub;
	/** nomad-ts extension (-dev-sim-nodes): simulated nodes registered with the local server. */
	sim?: { nodes: number; client?: "run" | "complete-batch" | "none" };
}

function splitHostPort(addr: string): { host: string; port: number } {
	const i = addr.lastIndexOf(":");
	return { host: addr.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(addr.slice(i + 1)) };
}

export class Agent implements AgentHandle {
	readonly config: AgentConfig;
	readonly logger: Logger;
	readonly metrics: MetricsRegistry;
	server: Server | undefined;
	client: ClientHandle | undefined;
	private readonly https: HttpServer[] = [];
	private rpcListener: TcpServer | undefined;
	private membershipAssembly: MembershipAssembly | undefined;
	private stopRuntimeMetrics: (() => void) | undefined;
	private readonly simOpts: AgentOptions["sim"];
	private clientAssembly: ClientAssembly | undefined;
	private rpcClient: RpcClient | undefined;
	private remoteResolve: ((secret: string) => Promise<Identity>) | undefined;
	private rpcServer: RpcServer | undefined;
	private rpcHttp: NodeHttpServer | undefined;
	simulator: Simulator | undefined;
	private hostStatsCollector: HostStatsCollector | undefined;
	private readonly allocStats = new WeakMap<AllocRunner, AllocStatsCollector>();
	/** The HTTP routes; also answers requests forwarded from other agents (forwarding.ts). */
	private router: Router | undefined;

	constructor(opts: AgentOptions) {
		this.config = opts.config;
		this.simOpts = opts.sim;
		this.logger = new Logger(opts.hub, "agent");
		this.metrics = new MetricsRegistry({
			interval: opts.config.telemetry.inMemoryCollectionInterval / 1e6,
			retain: opts.config.telemetry.inMemoryRetentionPeriod / 1e6,
			defaultLabels: opts.config.telemetry.disableHostname ? {} : { host: opts.config.nodeName },
		});
	}

	/** This server's gossip membership (undefined on client-only agents). */
	get membership() {
		return this.membershipAssembly?.membership;
	}

	/**
	 * /v1/agent/members: this server's view of the gossip pool; a client-only agent asks one of its
	 * servers over agent RPC (Nomad forwards Status.Members the same way).
	 */
	async members(): Promise<ServerMembersResponse> {
		const m = this.membership;
		if (m) return serverMembersResponse(this.config, m.members());
		if (this.rpcClient) return this.rpcClient.call<ServerMembersResponse>("Status.Members", {}, 10_000);
		throw new CodedError(501, "This agent runs no server and knows no server to ask");
	}

	get region(): string {
		return this.config.region;
	}
	get prometheusMetrics(): boolean {
		return this.config.telemetry.prometheusMetrics;
	}
	get enableDebug(): boolean {
		return this.config.enableDebug;
	}
	get logHub(): LogHub {
		return this.logger.hub;
	}
	get aclEnabled(): boolean {
		return this.config.acl.enabled;
	}

	/** The namespace of an allocation or evaluation, from the server's state or a local runner. */
	namespaceOf(table: "allocs" | "evals", id: string): string | undefined {
		const row = this.server?.state.get(table, id);
		if (row) return row.Namespace as string;
		return table === "allocs" ? this.localRunner(id)?.namespace : undefined;
	}

	/** Resolves a token secret on this agent's server, or (client-only agents) through the servers. */
	async resolveToken(secret: string): Promise<Identity> {
		if (this.server) return this.server.aclResolver.resolve(secret);
		if (!this.rpcClient) throw new CodedError(500, "No servers to resolve ACL tokens");
		this.remoteResolve ??= remoteTokenResolver(this.rpcClient, this.config.acl.tokenTtl / 1e6);
		return this.remoteResolve(secret);
	}

	/** Inputs of /v1/agent/self. */
	selfInfo(): SelfInputs {
		const c = this.config;
		const rpc = splitHostPort(this.rpcAdvertise());
		const serf = splitHostPort(c.advertise.serf || c.normalizedAddrs.serf);
		const srv = this.server;
		const client = this.clientAssembly?.client;
		return {
			config: configToWire(c),
			nodeName: c.nodeName,
			region: c.region,
			datacenter: c.datacenter,
			version: fullVersion(),
			server: srv && {
				serfAddr: serf.host,
				serfPort: serf.port,
				rpcAddr: rpc.host,
				rpcPort: rpc.port,
				bootstrapExpect: Math.max(1, c.server.bootstrapExpect),
				leader: srv.isLeader(),
				leaderAddr: srv.leaderAddress(),
				regions: srv.regions().length,
				appliedIndex: srv.raft.appliedIndex,
				lastLogIndex: srv.raft.lastLogIndex(),
				raft: srv.raft.stats({ leader: srv.isLeader(), address: this.rpcAdvertise() }),
				member: this.membership?.localMember(),
				serfStats: this.membership?.stats(),
			},
			client: client && {
				nodeID: client.nodeID,
				servers: client.servers(),
				numAllocations: client.numAllocations(),
				lastHeartbeatMs: client.lastHeartbeat,
				heartbeatTTLms: client.heartbeatTTL,
			},
		};
	}

	get localGC() {
		return this.clientAssembly?.client;
	}

	localRunner(allocID: string): LocalAllocRunner | undefined {
		const r = this.clientAssembly?.client.runner(allocID);
		if (!r) return undefined;
		return {
			namespace: r.namespace,
			restart: (task) => r.restart(task),
			signal: (task, sig) => r.signal(task, sig),
			allocDir: r.allocDir,
			taskStates: () => r.taskStates(),
			stats: async (task) => {
				let c = this.allocStats.get(r);
				if (!c) {
					// Loaded on the first stats request: an idle agent does not need it.
					const { AllocStatsCollector } = await import("../client/stats/allocStats.ts");
					c = new AllocStatsCollector();
					this.allocStats.set(r, c);
				}
				return c.sample(r.taskPids(), this.cpuCompute(), task, r.taskCgroups());
			},
		};
	}

	hostStats() {
		const client = this.clientAssembly?.client;
		if (!client || !this.hostStatsCollector) return undefined;
		return { nodeID: client.nodeID, stats: this.hostStatsCollector.latest() };
	}

	/** Answers ctx on node `nodeID`'s client over the RPC connection it keeps to this server. */
	async forwardToNode(
		ctx: RequestContext,
		nodeID: string,
		opts: { streaming?: boolean } = {},
	): Promise<typeof HANDLED> {
		if (!this.server) throw new CodedError(404, "No path to node");
		if (!this.server.state.get("nodes", nodeID)) {
			throw opts.streaming
				? new CodedError(400, `Unknown node "${nodeID}"`)
				: new CodedError(404, `Unknown node ${nodeID}`);
		}
		const conn = this.rpcServer?.connectionFor(nodeID);
		if (!conn) throw new CodedError(404, "No path to node");
		return forwardRequest(conn, ctx);
	}

	/** A client-only agent answers ctx through its server (which forwards to the owning node). */
	async forwardToServer(ctx: RequestContext): Promise<typeof HANDLED> {
		const rpc = this.rpcClient;
		if (!rpc) throw new CodedError(404, "No path to node");
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new CodedError(500, "rpc error: no servers reachable")), 10_000);
		});
		try {
			const conn = await Promise.race([rpc.connection(), timeout]);
			return await forwardRequest(conn, ctx);
		} finally {
			clearTimeout(timer);
		}
	}

	/** cpu.totalcompute and core count of the client's node fingerprint (the host's, until known). */
	private cpuCompute(): CpuCompute {
		const attrs = this.clientAssembly?.client.node?.Attributes;
		const total = Number(attrs?.["cpu.totalcompute"]);
		const cores = Number(attrs?.["cpu.numcores"]);
		if (total > 0 && cores > 0) return { totalCompute: total, numCores: cores };
		return defaultCompute();
	}

	/** The RPC address other agents should use for this one ("ip:port"). */
	rpcAdvertise(): string {
		return this.config.advertise.rpc || this.config.normalizedAddrs.rpc;
	}

	async start(): Promise<void> {
		const c = this.config;
		this.stopRuntimeMetrics = startRuntimeMetrics(this.metrics, c.telemetry.collectionInterval / 1e6);
		if (c.server.enabled) {
			const dataDir = c.dataDir ? join(c.dataDir, "server") : undefined;
			if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
			this.server = new Server({
				region: c.region,
				datacenter: c.datacenter,
				nodeName: c.nodeName,
				dataDir,
				bootstrapExpect: Math.max(1, c.server.bootstrapExpect),
				rpcAdvertise: this.rpcAdvertise(),
				logger: new Logger(this.logger.hub),
				snapshotThreshold: c.server.raftSnapshotThreshold,
				trailingLogs: c.server.raftTrailingLogs,
				jobDefaultPriority: c.server.jobDefaultPriority,
				jobMaxPriority: c.server.jobMaxPriority,
				jobMaxCount: c.server.jobMaxCount,
				jobTrackedVersions: c.server.jobTrackedVersions,
				numSchedulers: c.server.numSchedulers,
				enabledSchedulers: c.server.enabledSchedulers,
				aclEnabled: c.acl.enabled,
				aclTokenMinExpirationMs: c.acl.tokenMinExpirationTtl / 1e6,
				aclTokenMaxExpirationMs: c.acl.tokenMaxExpirationTtl / 1e6,
				heartbeat: {
					minTTL: c.server.minHeartbeatTtl / 1e6,
					grace: c.server.heartbeatGrace / 1e6,
					failoverTTL: c.server.failoverHeartbeatTtl / 1e6,
					maxPerSecond: c.server.maxHeartbeatsPerSecond,
				},
				gcThresholds: {
					eval: c.server.evalGcThreshold,
					batchEval: c.server.batchEvalGcThreshold,
					job: c.server.jobGcThreshold,
					node: c.server.nodeGcThreshold,
					aclToken: c.server.aclTokenGcThreshold,
				},
			});
			await this.server.start();
			// A new leader's first work (cluster ID, scheduler config, root key) is a few hundred ms at
			// most; finishing it before HTTP opens means a client never sees an empty JWKS.
			await this.server.leadershipReady();
			if (this.simOpts && this.simOpts.nodes > 0) await this.startSimulator(this.server, this.simOpts);
		}
		await this.listenRpcAndSerf();
		const router = buildRouter(this);
		this.router = router;
		for (const addr of c.normalizedAddrs.http) {
			const { host, port } = splitHostPort(addr);
			const http = new HttpServer({
				host,
				port,
				router,
				logger: this.logger,
				responseHeaders: c.httpApiResponseHeaders,
				maxConnsPerClient: c.limits.httpMaxConnsPerClient,
			});
			const a = await http.listen();
			this.https.push(http);
			this.logger.info("http: listening", { address: `${a.address}:${a.port}` });
		}
		if (c.client.enabled) await this.startClient();
	}

	/**
	 * The client agent. Its servers: configured ones (reached over agent RPC, which also carries
	 * the servers' forwarded /v1/client/ requests), else this agent's own server, in-process.
	 */
	private async startClient(): Promise<void> {
		const c = this.config;
		const own = this.server ? [this.rpcAdvertise()] : [];
		const servers = c.client.servers.length > 0 ? [...c.client.servers] : own;
		let api: ServerAPI;
		if (this.server && c.client.servers.length === 0) {
			api = inProcessServerAPI(this.server, servers);
		} else {
			// Remote servers: one RPC connection with failover; addresses default to port 4647.
			const { RpcClient } = await import("../rpc/transport.ts");
			this.rpcClient = new RpcClient(servers.map((s) => (s.includes(":") ? s : `${s}:4647`)));
			// Servers send this node the /v1/client/ requests for its allocations.
			this.rpcClient.registerStream(
				FORWARD_METHOD,
				serveForwarded(() => this.router, this.logger.named("http"), "server"),
			);
			api = rpcServerAPI(this.rpcClient);
		}
		const httpAddr = c.advertise.http || c.normalizedAddrs.http[0] || "";
		this.clientAssembly = assembleClient(c, api, httpAddr, this.logger);
		this.client = this.clientAssembly.client;
		await this.clientAssembly.client.start();
		const statsLog = this.logger.named("client.host_stats");
		this.hostStatsCollector = new HostStatsCollector({
			allocDir: this.clientAssembly.allocDir,
			intervalMs: c.telemetry.collectionInterval / 1e6,
			compute: () => this.cpuCompute(),
			onError: (err) => statsLog.warn("error fetching host resource usage stats", { error: err }),
		});
		this.hostStatsCollector.start();
	}

	/** Registers simulated nodes (attributes sim.group = i % 10, sim.rack = r<i % 50>) and their clients. */
	private async startSimulator(server: Server, sim: NonNullable<AgentOptions["sim"]>): Promise<void> {
		const { Simulator } = await import("../server/simulator/simulator.ts");
		this.simulator = new Simulator(server, { clientBehaviour: sim.client ?? "run" });
		const t0 = performance.now();
		await this.simulator.addNodes({
			count: sim.nodes,
			datacenter: this.config.datacenter,
			attributes: (i) => ({ "sim.group": String(i % 10), "sim.rack": `r${i % 50}` }),
		});
		this.simulator.start();
		this.logger.info("simulator: nodes registered", { count: sim.nodes, ms: Math.round(performance.now() - t0) });
	}

	/**
	 * Opens the RPC port (agent RPC on a server; held, accept-and-close, on a client-only agent)
	 * and, on a server, gossip membership on the Serf port (src/server/membership).
	 */
	private async listenRpcAndSerf(): Promise<void> {
		const c = this.config;
		const rpc = splitHostPort(c.normalizedAddrs.rpc);
		if (this.server) {
			// Agent RPC: WebSocket + msgpack on the RPC port (client calls, and forwarded requests both ways).
			this.rpcHttp = createHttpServer((_req, res) => {
				res.writeHead(404).end();
			});
			// The WebSocket/msgpack code loads when the first agent connects (idle memory).
			const server = this.server;
			let rpcReady: Promise<RpcServer> | undefined;
			this.rpcHttp.on("upgrade", (req, socket, head) => {
				rpcReady ??= import("../rpc/transport.ts").then(({ RpcServer }) => {
					const rpcServer = new RpcServer();
					registerServerRpc(rpcServer, server, { members: () => this.members() });
					// Client-only agents hand this server /v1/client/ requests for other nodes.
					rpcServer.registerStream(
						FORWARD_METHOD,
						serveForwarded(() => this.router, this.logger.named("http"), "client"),
					);
					this.rpcServer = rpcServer;
					return rpcServer;
				});
				rpcReady.then(
					(s) => s.handleUpgrade(req, socket, head),
					() => socket.destroy(),
				);
			});
			await new Promise<void>((resolve, reject) => {
				this.rpcHttp?.once("error", reject);
				this.rpcHttp?.listen(rpc.port, rpc.host, () => resolve());
			});
		} else {
			this.rpcListener = await listenTcp(rpc.host, rpc.port);
		}
		if (c.server.enabled) {
			// Gossip membership on the Serf port (UDP probes and gossip, TCP push-pull).
			this.membershipAssembly = await startMembership({
				config: c,
				serverDataDir: c.dataDir ? join(c.dataDir, "server") : undefined,
				rpcAdvertise: this.rpcAdvertise(),
				logger: this.logger,
			});
			const membership = this.membershipAssembly.membership;
			if (this.server) this.server.knownRegions = () => membership.regions();
		}
	}

	/** Addresses the HTTP API actually listens on (ports resolved when 0 was asked). */
	httpAddresses(): string[] {
		return this.https.map((h) => {
			const a = h.address();
			return `${a.address}:${a.port}`;
		});
	}

	/** Stops everything; `leave` first leaves the gossip pool gracefully (leave_on_interrupt/terminate). */
	async shutdown(opts: { leave?: boolean } = {}): Promise<void> {
		this.logger.info("requesting shutdown");
		// Leave first, while the others can still be told; then stop gossiping with the rest.
		const membershipDone = this.membershipAssembly?.stop({ leave: opts.leave });
		this.stopRuntimeMetrics?.();
		this.simulator?.stop();
		this.hostStatsCollector?.stop();
		await this.clientAssembly?.client.shutdown().catch(() => {});
		// Stop the server first: its shutdown signal ends long-polls, so HTTP can close promptly.
		const serverDone = this.server?.shutdown();
		await Promise.all(this.https.map((h) => h.close()));
		await serverDone;
		this.rpcListener?.close();
		this.rpcClient?.close();
		this.rpcServer?.close();
		this.rpcHttp?.close();
		this.rpcHttp?.closeAllConnections();
		await membershipDone?.catch(() => {});
		this.clientAssembly?.cleanup();
		this.logger.info("shutdown complete");
	}
}

function listenTcp(host: string, port: number): Promise<TcpServer> {
	return new Promise((resolve, reject) => {
		const srv = createTcpServer((sock) => sock.destroy());
		srv.once("error", reject);
		srv.listen(port, host, () => {
			srv.off("error", reject);
			resolve(srv);
		});
	});
}

function serverMembersResponse(c: AgentConfig, members: ServerMember[]): ServerMembersResponse {
	return { ServerName: c.nodeName, ServerRegion: c.region, ServerDC: c.datacenter, Members: members };
}
