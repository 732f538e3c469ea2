// What route modules may use of the agent. Routes stay thin: parse → call the server or client →
// encode; anything stateful lives behind these handles.
import type { QueryMeta } from "../../../api/query.ts";
import type { TaskState } from "../../../api/types/alloc.ts";
import type { AllocResourceUsage } from "../../../client/stats/allocStats.ts";
import type { HostStats } from "../../../client/stats/hostStats.ts";
import type { LogHub } from "../../../lib/logger.ts";
import type { MetricsRegistry } from "../../../lib/metrics.ts";
import type { Identity } from "../../../server/acl/resolver.ts";
import type { ServerMember, ServerMembersResponse } from "../../../server/membership/types.ts";
import type { Server } from "../../../server/server.ts";
import type { HANDLED, RequestContext } from "../types.ts";
import type { SelfInputs } from "./agentSelf.ts";

export interface ClientHandle {
	/** RPC addresses of the servers this client talks to. */
	servers(): string[];
	/** Replaces them (resolved and pinged; rejects when none answers). Resolves with how many were kept. */
	setServers?(servers: string[]): Promise<number>;
}

/** What routes may do with an allocation running on this agent's client. */
export interface LocalAllocRunner {
	readonly namespace: string;
	restart(task: string | undefined): Promise<void>;
	signal(task: string | undefined, signal: string): Promise<void>;
	/** Absolute path of the allocation directory (the fs API's root). */
	readonly allocDir: string;
	taskStates(): Record<string, TaskState>;
	/** Resource usage of the running tasks (all, or only `task`). */
	stats(task?: string): Promise<AllocResourceUsage>;
}

/** What routes may do with this server's gossip membership (/v1/agent/join, force-leave, members). */
export interface MembershipHandle {
	members(): ServerMember[];
	join(addrs: string[]): Promise<{ numJoined: number; error: string }>;
	/** Unknown names are a no-op, as Serf's RemoveFailedNode. */
	forceLeave(name: string, prune: boolean): void;
}

export interface AgentHandle {
	readonly region: string;
	readonly server: Server | undefined;
	readonly client: ClientHandle | undefined;
	readonly metrics: MetricsRegistry;
	readonly prometheusMetrics: boolean;
	readonly enableDebug: boolean;
	/** The agent's log hub: /v1/agent/monitor adds a sink per subscriber. */
	readonly logHub?: LogHub;
	/** acl.enabled: every request's token is resolved and checked against the route's capability. */
	readonly aclEnabled: boolean;
	/** Token secret → identity; throws 403 for unknown/expired tokens. */
	resolveToken?(secret: string): Promise<Identity>;
	/** This server's gossip membership; undefined on client-only agents. */
	readonly membership?: MembershipHandle | undefined;
	/** /v1/agent/members (a client-only agent asks a server); absent = not available. */
	members?(): Promise<ServerMembersResponse>;
	/** What /v1/agent/self reports. */
	selfInfo?(): SelfInputs;
	/** Garbage collection on this agent's own client, if it has one. */
	readonly localGC?:
		| { nodeID: string; collect(allocID: string): Promise<boolean>; collectAll(): Promise<number> }
		| undefined;
	/** The runner of an allocation on this agent's own client, if it runs here. */
	localRunner?(allocID: string): LocalAllocRunner | undefined;
	/** This agent's client: its node ID and latest host stats (undefined without a client). */
	hostStats?(): { nodeID: string; stats: HostStats } | undefined;
	/**
	 * Answers this request on another node's client agent, over the RPC connection that node keeps to
	 * this server, writing the remote response (status, headers, body — streamed chunk by chunk) to
	 * ctx.res; returns HANDLED. Throws CodedError as Nomad when the node is unknown ("Unknown node"
	 * 404; for Nomad's streaming RPCs 400 `Unknown node "<id>"`) or not connected ("No path to node"
	 * 404). Absent on agents without a server.
	 */
	forwardToNode?(ctx: RequestContext, nodeID: string, opts?: { streaming?: boolean }): Promise<typeof HANDLED>;
	/**
	 * A client-only agent's way to the rest of the cluster: answers this request through its server
	 * (which forwards it to the owning node), writing the response to ctx.res; returns HANDLED.
	 * Absent on agents without a connection to remote servers.
	 */
	forwardToServer?(ctx: RequestContext): Promise<typeof HANDLED>;
}

/** Sets X-Nomad-Index / LastContact / KnownLeader (and NextToken when there is one), as setMeta. */
export function setMeta(ctx: RequestContext, meta: QueryMeta): void {
	ctx.headers["X-Nomad-Index"] = String(meta.Index);
	ctx.headers["X-Nomad-LastContact"] = String(meta.LastContact);
	ctx.headers["X-Nomad-KnownLeader"] = meta.KnownLeader ? "true" : "false";
	if (meta.NextToken) ctx.headers["X-Nomad-NextToken"] = meta.NextToken;
}

/** Sets X-Nomad-Index on writes, as setIndex. */
export function setIndex(ctx: RequestContext, index: number): void {
	ctx.headers["X-Nomad-Index"] = String(index);
}
