// GET /v1/agent/self: the effective configuration (secrets redacted), this server's member entry
// and agent stats, in Nomad's shape (lower-case top-level keys, string-valued stats maps). Secrets
// are redacted by the shared shape rule of src/lib/redact.ts.
import { arch, availableParallelism, platform } from "node:os";
import { formatDuration } from "../../../lib/duration.ts";
import { redactSecrets } from "../../../lib/redact.ts";
import type { ServerMember } from "../../../server/membership/types.ts";

/** Node's os.arch() names where Go's GOARCH differs. */
const GOARCH: Record<string, string> = { x64: "amd64", ia32: "386", x32: "386" };

export interface SelfInputs {
	config: Record<string, unknown>;
	nodeName: string;
	region: string;
	datacenter: string;
	version: string;
	server?: {
		serfAddr: string;
		serfPort: number;
		rpcAddr: string;
		rpcPort: number;
		bootstrapExpect: number;
		leader: boolean;
		leaderAddr: string;
		regions: number;
		appliedIndex: number;
		lastLogIndex: number;
		/** hashicorp/raft's Stats() map (Raft.stats); absent → the basic indexes above. */
		raft?: Record<string, string>;
		/** this server's gossip member entry, when membership runs */
		member?: ServerMember;
		/** Serf's stats map, when membership runs */
		serfStats?: Record<string, string>;
	};
	client?: {
		nodeID: string;
		servers: string[];
		numAllocations: number;
		lastHeartbeatMs: number;
		heartbeatTTLms: number;
	};
}

export function agentSelf(i: SelfInputs): Record<string, unknown> {
	const member = i.server?.member
		? i.server.member
		: i.server
			? {
					Name: `${i.nodeName}.${i.region}`,
					Addr: i.server.serfAddr,
					Port: i.server.serfPort,
					Tags: {
						role: "nomad",
						region: i.region,
						dc: i.datacenter,
						build: i.version,
						port: String(i.server.rpcPort),
						rpc_addr: i.server.rpcAddr,
						expect: String(i.server.bootstrapExpect),
						vsn: "1",
						raft_vsn: "3",
					},
					Status: "alive",
					ProtocolMin: 1,
					ProtocolMax: 5,
					ProtocolCur: 2,
					DelegateMin: 2,
					DelegateMax: 5,
					DelegateCur: 4,
				}
			: {
					Name: "",
					Addr: "",
					Port: 0,
					Tags: null,
					Status: "none",
					ProtocolMin: 0,
					ProtocolMax: 0,
					ProtocolCur: 0,
					DelegateMin: 0,
					DelegateMax: 0,
					DelegateCur: 0,
				};
	const stats: Record<string, Record<string, string>> = {
		runtime: {
			"kernel.name": platform(),
			arch: GOARCH[arch()] ?? arch(),
			version: process.version,
			max_procs: String(availableParallelism()),
			goroutines: String(1 + process.getActiveResourcesInfo().length),
			cpu_count: String(availableParallelism()),
		},
	};
	if (i.server) {
		stats.nomad = {
			server: "true",
			leader: String(i.server.leader),
			leader_addr: i.server.leaderAddr,
			bootstrap: String(i.server.bootstrapExpect === 1),
			known_regions: String(i.server.regions),
		};
		stats.raft = i.server.raft ?? {
			applied_index: String(i.server.appliedIndex),
			commit_index: String(i.server.lastLogIndex),
			last_log_index: String(i.server.lastLogIndex),
			state: i.server.leader ? "Leader" : "Follower",
			num_peers: "0",
		};
		if (i.server.serfStats) stats.serf = { ...i.server.serfStats };
	}
	if (i.client) {
		stats.client = {
			node_id: i.client.nodeID,
			known_servers: i.client.servers.join(","),
			num_allocations: String(i.client.numAllocations),
			last_heartbeat: formatDuration(Math.max(0, Date.now() - i.client.lastHeartbeatMs) * 1e6),
			heartbeat_ttl: formatDuration(i.client.heartbeatTTLms * 1e6),
		};
	}
	return { config: redactSecrets(i.config), member, stats };
}
