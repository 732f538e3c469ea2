// What the client needs from its servers. The dev agent provides it in-process; the
// agent-to-agent RPC transport will provide it for remote servers (with failover between them).
import type { Allocation, Node } from "../api/types/index.ts";
import type { ClientAllocUpdate } from "./allocrunner/index.ts";

export interface ServerAPI {
	/** Node.Register: returns the heartbeat TTL in ms. */
	registerNode(node: Node): Promise<{ heartbeatTTL: number }>;
	/** Node.UpdateStatus (ready): returns the next TTL in ms. */
	heartbeat(nodeID: string): Promise<number>;
	/** Node.GetClientAllocs as a blocking query: allocations on this node (with their Job). */
	allocations(
		nodeID: string,
		minIndex: number,
		waitMs: number,
		signal: AbortSignal,
	): Promise<{ allocs: Allocation[]; index: number }>;
	/** Node.UpdateAlloc: batched status updates. */
	updateAllocs(updates: ClientAllocUpdate[]): Promise<void>;
	/** The RPC addresses of the servers in use. */
	servers(): string[];
	/**
	 * Replaces the server list (PUT /v1/agent/servers): addresses are resolved and pinged, the
	 * reachable ones kept; rejects when none is. Resolves with how many were kept.
	 */
	setServers?(servers: string[]): Promise<number>;
}
