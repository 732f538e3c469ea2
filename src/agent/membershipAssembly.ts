// Starts a server's gossip membership on the Serf port: this server's member entry (name, address,
// Nomad's serf tags), timings from `server { gossip {} }`, the gossip key from `server.encrypt`,
// and the configured joins (start_join at start, retry_join in the background).
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "../lib/logger.ts";
import { fullVersion } from "../lib/version.ts";
import { Membership } from "../server/membership/membership.ts";
import { parseGossipKey } from "../server/membership/messages.ts";
import { NetTransport } from "../server/membership/netTransport.ts";
import type { GossipTimings } from "../server/membership/types.ts";
import type { AgentConfig, GossipConfig } from "./config/types.ts";

export interface MembershipAssembly {
	membership: Membership;
	/** Stops background joins, optionally leaves gracefully, then stops gossiping. */
	stop(opts?: { leave?: boolean }): Promise<void>;
}

function splitHostPort(addr: string): { host: string; port: number } {
	const i = addr.lastIndexOf(":");
	return { host: addr.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(addr.slice(i + 1)) };
}

/** Config timings (nanoseconds) → protocol timings (ms), checked for sense. */
export function gossipTimings(g: GossipConfig): GossipTimings {
	const ms = (ns: number) => ns / 1e6;
	const t: GossipTimings = {
		probeInterval: ms(g.probeInterval),
		probeTimeout: ms(g.probeTimeout),
		gossipInterval: ms(g.gossipInterval),
		gossipNodes: g.gossipNodes,
		indirectChecks: g.indirectChecks,
		suspicionMult: g.suspicionMult,
		retransmitMult: g.retransmitMult,
		pushPullInterval: ms(g.pushPullInterval),
		tcpTimeout: ms(g.tcpTimeout),
		gossipToTheDead: ms(g.gossipToTheDeadTime),
		reconnectInterval: ms(g.reconnectInterval),
		reconnectTimeout: ms(g.reconnectTimeout),
		tombstoneTimeout: ms(g.tombstoneTimeout),
		reapInterval: ms(g.reapInterval),
		leavePropagateDelay: ms(g.leavePropagateDelay),
	};
	for (const k of ["probeInterval", "probeTimeout", "gossipInterval", "pushPullInterval", "tcpTimeout"] as const) {
		if (!(t[k] >= 1)) throw new Error(`server.gossip: ${k} must be at least 1ms`);
	}
	for (const k of ["reconnectInterval", "reapInterval"] as const) {
		if (!(t[k] >= 1)) throw new Error(`server.gossip: ${k} must be at least 1ms`);
	}
	if (t.probeTimeout > t.probeInterval) throw new Error("server.gossip: probe_timeout must not exceed probe_interval");
	return t;
}

/**
 * The server's ID as Nomad keeps it: `<data_dir>/server/node-id`, made once and reused; random in
 * dev mode (no data dir).
 */
export function serverNodeID(serverDataDir: string | undefined): string {
	if (!serverDataDir) return randomUUID();
	const file = join(serverDataDir, "node-id");
	if (existsSync(file)) {
		const id = readFileSync(file, "utf8").trim().toLowerCase();
		if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return id;
		throw new Error(`invalid server node ID in ${file}: ${JSON.stringify(id)}`);
	}
	const id = randomUUID();
	mkdirSync(serverDataDir, { recursive: true, mode: 0o700 });
	writeFileSync(file, id, { mode: 0o600 });
	return id;
}

/** Nomad's serf tags for a server (nomad/server.go setupSerf). */
export function serverTags(c: AgentConfig, nodeID: string, rpcAdvertise: string): Record<string, string> {
	const rpc = splitHostPort(rpcAdvertise);
	const expect = Math.max(1, c.server.bootstrapExpect);
	const tags: Record<string, string> = {
		role: "nomad",
		region: c.region,
		dc: c.datacenter,
		build: fullVersion(),
		revision: "",
		vsn: "1",
		raft_vsn: String(c.server.raftProtocol),
		id: nodeID,
		rpc_addr: rpc.host,
		port: String(rpc.port),
	};
	if (expect === 1) tags.bootstrap = "1";
	tags.expect = String(expect);
	if (c.server.nonVotingServer) tags.nonvoter = "1";
	if (c.server.redundancyZone) tags.ap_zone = c.server.redundancyZone;
	if (c.server.upgradeVersion) tags.ap_version = c.server.upgradeVersion;
	return tags;
}

export async function startMembership(opts: {
	config: AgentConfig;
	serverDataDir: string | undefined;
	rpcAdvertise: string;
	logger: Logger;
}): Promise<MembershipAssembly> {
	const c = opts.config;
	// "nomad: serf: ..." as Nomad's server logs it; join progress on the agent's logger
	const log = new Logger(opts.logger.hub, "nomad");
	const timings = gossipTimings(c.server.gossip);
	const key = parseGossipKey(c.server.encrypt);
	const bind = splitHostPort(c.normalizedAddrs.serf);
	const adv = splitHostPort(c.advertise.serf || c.normalizedAddrs.serf);
	const transport = await NetTransport.listen(bind.host, bind.port);
	const membership = new Membership({
		name: `${c.nodeName}.${c.region}`,
		addr: adv.host,
		port: adv.port || transport.port,
		tags: serverTags(c, serverNodeID(opts.serverDataDir), opts.rpcAdvertise),
		timings,
		transport,
		key,
		logger: log,
	});
	membership.start();
	log.info("serf: gossip membership started", { name: membership.name, address: `${adv.host}:${adv.port}` });

	const startJoin = [...c.server.startJoin, ...c.server.serverJoin.startJoin];
	if (startJoin.length > 0) {
		const r = await membership.join(startJoin);
		if (r.numJoined === 0) {
			await membership.shutdown();
			throw new Error(`Failed to join ${startJoin.join(", ")}: ${r.error.trim()}`);
		}
		opts.logger.info("join completed", { num_joined: r.numJoined });
	}

	const retry = retryJoin(c, membership, opts.logger);
	return {
		membership,
		stop: async (o = {}) => {
			retry.stop();
			if (o.leave) await membership.leave();
			await membership.shutdown();
		},
	};
}

/**
 * retry_join (top-level server keys and server_join): joins in the background every
 * retry_interval until one address answers or retry_max attempts are spent (0 = forever). Cloud
 * auto-join strings ("provider=...") are not supported and are skipped with a warning.
 */
function retryJoin(c: AgentConfig, m: Membership, log: Logger): { stop(): void } {
	const sj = c.server.serverJoin;
	const all = [...c.server.retryJoin, ...sj.retryJoin];
	const addrs = all.filter((a) => !a.includes("provider="));
	if (addrs.length < all.length) log.warn("cloud auto-join (provider=...) is not supported; skipped");
	if (addrs.length === 0) return { stop() {} };
	const intervalMs = (sj.retryJoin.length > 0 ? sj.retryInterval : c.server.retryInterval) / 1e6;
	const max = sj.retryJoin.length > 0 ? sj.retryMax : c.server.retryMax;
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	let attempt = 0;
	const tryJoin = async () => {
		if (stopped) return;
		attempt++;
		const r = await m.join(addrs);
		if (stopped) return;
		if (r.numJoined > 0) {
			log.info("retry join completed", { initial_servers: r.numJoined });
			return;
		}
		if (max > 0 && attempt >= max) {
			log.error("max join retry exhausted", { error: r.error.trim() });
			return;
		}
		log.warn("join failed, retrying", { error: r.error.trim(), retry_interval: `${intervalMs}ms` });
		timer = setTimeout(tryJoin, intervalMs);
		timer.unref();
	};
	void tryJoin();
	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
		},
	};
}
