// The server's RPC methods clients call (Nomad's Node.* RPCs), and the client's view of them as a
// ServerAPI over the RPC connection.
import type { Allocation, Node } from "../api/types/index.ts";
import type { ClientAllocUpdate } from "../client/allocrunner/index.ts";
import type { ServerAPI } from "../client/serverApi.ts";
import { CodedError } from "../lib/errors.ts";
import type { RpcClient, RpcServer } from "../rpc/transport.ts";
import { clientAllocs, heartbeatNode, registerNode, updateAllocs } from "../server/endpoints/clientEndpoint.ts";
import type { Server } from "../server/server.ts";
import type { Row } from "../server/state/schema.ts";

const MAX_BLOCK_MS = 300_000;

function obj(args: unknown): Record<string, unknown> {
	if (typeof args !== "object" || args === null) throw new CodedError(400, "rpc: bad arguments");
	return args as Record<string, unknown>;
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
	rpc.register("Node.UpdateStatus", async (args) => ({
		HeartbeatTTL: await heartbeatNode(server, String(obj(args).NodeID)),
	}));
	rpc.register("Node.GetClientAllocs", async (args, conn) => {
		const a = obj(args);
		// A long poll ends early when the client's connection goes away.
		const ctl = new AbortController();
		void conn.closed.then(() => ctl.abort());
		const wait = Math.min(MAX_BLOCK_MS, Number(a.MaxQueryTimeMs ?? MAX_BLOCK_MS));
		const r = await clientAllocs(server, String(a.NodeID), Number(a.MinQueryIndex ?? 0), wait, ctl.signal);
		return { Allocs: r.allocs, Index: r.index };
	});
	rpc.register("Node.UpdateAlloc", async (args) => ({ Index: await updateAllocs(server, obj(args).Allocs as Row[]) }));
}

/** A client's ServerAPI over RPC to its servers (failover handled by the RpcClient). */
export function rpcServerAPI(rpc: RpcClient): ServerAPI {
	return {
		registerNode: async (node: Node) => {
			const r = await rpc.call<{ HeartbeatTTL: number }>("Node.Register", { Node: node }, 30_000);
			return { heartbeatTTL: r.HeartbeatTTL };
		},
		heartbeat: async (nodeID) =>
			(await rpc.call<{ HeartbeatTTL: number }>("Node.UpdateStatus", { NodeID: nodeID }, 30_000)).HeartbeatTTL,
		allocations: async (nodeID, minIndex, waitMs, signal) => {
			const call = rpc.call<{ Allocs: Allocation[]; Index: number }>("Node.GetClientAllocs", {
				NodeID: nodeID,
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
			await rpc.call("Node.UpdateAlloc", { Allocs: updates }, 30_000);
		},
		servers: () => rpc.serverList(),
	};
}
