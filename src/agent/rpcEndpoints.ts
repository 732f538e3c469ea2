// The server's RPC methods clients call (Nomad's Node.* RPCs), and the client's view of them as a
// ServerAPI over the RPC connection.

import { ACL } from "../acl/acl.ts";
import type { Policy } from "../acl/policy.ts";
import type { Allocation, Node } from "../api/types/index.ts";
import type { ClientAllocUpdate } from "../client/allocrunner/index.ts";
import type { ServerAPI } from "../client/serverApi.ts";
import { CodedError } from "../lib/errors.ts";
import { checkServers } from "../rpc/serverList.ts";
import type { RpcClient, RpcServer } from "../rpc/transport.ts";
import type { Identity } from "../server/acl/resolver.ts";
import { isExpired, tokenStub } from "../server/acl/tokens.ts";
import { clientAllocs, heartbeatNode, registerNode, updateAllocs } from "../server/endpoints/clientEndpoint.ts";
import type { Server } from "../server/server.ts";
import type { Row } from "../server/state/schema.ts";

const MAX_BLOCK_MS = 300_000;

function obj(args: unknown): Record<string, unknown> {
	if (typeof args !== "object" || args === null) throw new CodedError(400, "rpc: bad arguments");
	return args as Record<string, unknown>;
}

/**
 * Calls about a node must carry its SecretID (Nomad authenticates client RPCs with the node
 * secret): one node cannot heartbeat, read the allocations of, or report for another.
 */
function authenticateNode(server: Server, a: Record<string, unknown>): string {
	const nodeID = String(a.NodeID ?? "");
	const node = server.state.get("nodes", nodeID);
	if (!node || typeof a.SecretID !== "string" || node.SecretID !== a.SecretID) {
		throw new CodedError(403, "Permission denied");
	}
	return nodeID;
}

export function registerServerRpc(
	rpc: RpcServer,
	server: Server,
	agent: { members?: () => Promise<unknown> } = {},
): void {
	rpc.register("Status.Ping", async () => ({}));
	const members = agent.members;
	// What a client-only agent's /v1/agent/members asks its server.
	if (members) rpc.register("Status.Members", async () => members());
	rpc.register("Status.Leader", async () => server.leaderAddress());
	rpc.register("Node.Register", async (args, conn) => {
		const node = obj(obj(args).Node) as Row;
		const r = await registerNode(server, node);
		conn.peerID = node.ID as string;
		return { HeartbeatTTL: r.heartbeatTTL, Index: r.index };
	});
	// Client agents check requests made to them exactly as servers do (CVE-2023-1782): they ask
	// the servers what a token grants and compile the same decision object.
	rpc.register("ACL.ResolveToken", async (args): Promise<RemoteIdentity> => {
		const id = await server.aclResolver.resolve(String(obj(args).SecretID ?? ""));
		const management = id.token?.Type === "management";
		return {
			Management: management,
			Policies: management ? [] : await server.aclResolver.policiesOf(id.token),
			Token: id.token ? tokenStub(id.token) : null,
		};
	});
	// A client that reconnected (e.g. after a server restart) is found again through its next
	// heartbeat or alloc watch: both name the node, as Nomad's server tracks node connections.
	rpc.register("Node.UpdateStatus", async (args, conn) => {
		const nodeID = authenticateNode(server, obj(args));
		const ttl = await heartbeatNode(server, nodeID);
		conn.peerID = nodeID;
		return { HeartbeatTTL: ttl };
	});
	rpc.register("Node.GetClientAllocs", async (args, conn) => {
		const a = obj(args);
		// Only a caller proving the node's secret becomes its connection (forwarded requests carry tokens).
		const nodeID = authenticateNode(server, a);
		conn.peerID = nodeID;
		// A long poll ends early when the client's connection goes away.
		const ctl = new AbortController();
		void conn.closed.then(() => ctl.abort());
		const wait = Math.min(MAX_BLOCK_MS, Number(a.MaxQueryTimeMs ?? MAX_BLOCK_MS));
		const r = await clientAllocs(server, nodeID, Number(a.MinQueryIndex ?? 0), wait, ctl.signal);
		// Clients have no use for placement metrics (and the scheduler keeps them packed for JSON).
		return { Allocs: r.allocs.map(({ Metrics: _m, ...a }) => a), Index: r.index };
	});
	rpc.register("Node.UpdateAlloc", async (args) => {
		const a = obj(args);
		const nodeID = authenticateNode(server, a);
		const allocs = (a.Allocs as Row[] | undefined) ?? [];
		for (const u of allocs) {
			const stored = server.state.get("allocs", String(u.ID));
			if (stored && stored.NodeID !== nodeID) throw new CodedError(403, "Permission denied");
		}
		return { Index: await updateAllocs(server, allocs) };
	});
}

export interface RemoteIdentity {
	Management: boolean;
	Policies: Policy[];
	/** The token's stub (no secret); null for the anonymous identity. */
	Token: Row | null;
}

/** Token resolution on an agent without a server: asks the servers, caches for `ttlMs`. */
export function remoteTokenResolver(rpc: RpcClient, ttlMs: number): (secret: string) => Promise<Identity> {
	const cache = new Map<string, { at: number; id: Identity }>();
	return async (secret) => {
		const hit = cache.get(secret);
		if (hit && Date.now() - hit.at < ttlMs && !(hit.id.token && isExpired(hit.id.token, Date.now()))) return hit.id;
		let r: RemoteIdentity;
		try {
			r = await rpc.call<RemoteIdentity>("ACL.ResolveToken", { SecretID: secret }, 10_000);
		} catch (err) {
			cache.delete(secret);
			// An RpcError carries the server's status code (checked by shape: transport.ts loads lazily).
			const code = (err as { code?: unknown }).code;
			if (err instanceof Error && err.name === "RpcError")
				throw new CodedError(typeof code === "number" ? code : 500, err.message);
			throw err;
		}
		const id: Identity = {
			acl: r.Management ? ACL.management() : ACL.fromPolicies(r.Policies),
			token: r.Token ?? undefined,
		};
		if (cache.size > 1024) cache.clear();
		cache.set(secret, { at: Date.now(), id });
		return id;
	};
}

/**
 * A client's ServerAPI over RPC to its servers (failover handled by the RpcClient). Once the node
 * has registered, every new connection registers it again first: a server reached by failover or
 * through a new server list learns the node (and which connection reaches it) before any other call.
 */
export function rpcServerAPI(rpc: RpcClient): ServerAPI {
	// The registered node: registered again on every new connection; its ID and SecretID prove
	// who later calls come from.
	let registered: Node | undefined;
	// Set before the first answer: calls made meanwhile (heartbeat, watch) already carry the secret.
	let secret = "";
	rpc.onConnect = async (conn) => {
		if (!registered) return;
		try {
			await conn.call("Node.Register", { Node: registered }, 30_000);
		} catch {
			// The client's next heartbeat fails and registers again.
		}
	};
	return {
		registerNode: async (node: Node) => {
			secret = node.SecretID;
			const r = await rpc.call<{ HeartbeatTTL: number }>("Node.Register", { Node: node }, 30_000);
			registered = node;
			return { heartbeatTTL: r.HeartbeatTTL };
		},
		heartbeat: async (id) =>
			(await rpc.call<{ HeartbeatTTL: number }>("Node.UpdateStatus", { NodeID: id, SecretID: secret }, 30_000))
				.HeartbeatTTL,
		allocations: async (id, minIndex, waitMs, signal) => {
			const call = rpc.call<{ Allocs: Allocation[]; Index: number }>("Node.GetClientAllocs", {
				NodeID: id,
				SecretID: secret,
				MinQueryIndex: minIndex,
				MaxQueryTimeMs: waitMs,
			});
			const aborted = new Promise<never>((_, reject) =>
				signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }),
			);
			aborted.catch(() => {});
			const r = await Promise.race([call, aborted]);
			return { allocs: r.Allocs, index: r.Index };
		},
		updateAllocs: async (updates: ClientAllocUpdate[]) => {
			await rpc.call("Node.UpdateAlloc", { NodeID: registered?.ID ?? "", SecretID: secret, Allocs: updates }, 30_000);
		},
		servers: () => rpc.serverList(),
		setServers: async (servers) => {
			// Type-only import above keeps ws/msgpack out of agents that never use RPC.
			const { pingServer } = await import("../rpc/transport.ts");
			const ok = await checkServers(servers, (addr) => pingServer(addr));
			rpc.setServers(ok);
			return ok.length;
		},
	};
}
