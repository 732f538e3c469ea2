// The client agent: fingerprints its node, registers it, heartbeats at the TTL the servers give,
// watches the allocations placed on it (blocking queries) and runs them with alloc runners, and
// reports their status back in batches (Nomad: every 200 ms). Tasks are children of this process
// for now; surviving an agent restart needs the node supervisor of DESIGN.md (issue 4).
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Allocation, Node } from "../api/types/index.ts";
import type { Logger } from "../lib/logger.ts";
import { AllocRunner, type AllocRunnerDeps, type ClientAllocUpdate } from "./allocrunner/index.ts";
import type { TaskDriver } from "./drivers/types.ts";
import { type FingerprintConfig, fingerprintNode } from "./fingerprint/index.ts";
import type { ServerAPI } from "./serverApi.ts";

export interface ClientOptions {
	/** <data_dir>/client (state) and <data_dir>/alloc; in -dev a temporary directory. */
	stateDir: string;
	allocDir: string;
	region: string;
	fingerprint: Omit<FingerprintConfig, "drivers" | "dataDir" | "allocDir">;
	drivers: Record<string, TaskDriver>;
	server: ServerAPI;
	logger: Logger;
	/** How often batched alloc updates are sent, ms (Nomad: 200). */
	updateIntervalMs?: number;
	/** client.max_kill_timeout in ns (Nomad: 30 s). */
	maxKillTimeoutNs?: number;
}

const SHUTDOWN_KILL_TIMEOUT_NS = 1e9;

export class Client {
	private readonly opts: ClientOptions;
	private readonly logger: Logger;
	readonly nodeID: string;
	/** Proves to the servers that calls about this node come from it (Nomad's Node.SecretID). */
	private readonly nodeSecret: string;
	node: Node | undefined;
	private readonly runners = new Map<string, AllocRunner>();
	private readonly runnerDeps = new Map<string, AllocRunnerDeps>();
	private readonly pending = new Map<string, ClientAllocUpdate>();
	private readonly ctl = new AbortController();
	private heartbeatTimer: NodeJS.Timeout | undefined;
	private updateTimer: NodeJS.Timeout | undefined;
	private watch: Promise<void> | undefined;
	lastHeartbeat = 0;
	heartbeatTTL = 0;
	/** Ends the registration back-off early (a new server list arrived). */
	private retryRegisterNow: (() => void) | undefined;

	constructor(opts: ClientOptions) {
		this.opts = opts;
		this.logger = opts.logger.named("client");
		mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
		mkdirSync(opts.allocDir, { recursive: true, mode: 0o711 });
		this.nodeID = loadNodeID(opts.stateDir);
		this.nodeSecret = loadNodeID(opts.stateDir, "secret-id");
	}

	servers(): string[] {
		return this.opts.server.servers();
	}

	/** Replaces the list of servers this client uses (see ServerAPI.setServers). */
	async setServers(servers: string[]): Promise<number> {
		const set = this.opts.server.setServers;
		if (!set) throw new Error("this client's server list cannot be changed");
		const n = await set.call(this.opts.server, servers);
		this.retryRegisterNow?.();
		return n;
	}

	numAllocations(): number {
		return this.runners.size;
	}

	async start(): Promise<void> {
		const drivers: FingerprintConfig["drivers"] = {};
		for (const [name, d] of Object.entries(this.opts.drivers)) {
			const f = d.fingerprint();
			drivers[name] = {
				detected: f.detected,
				healthy: f.healthy,
				healthDescription: f.healthDescription,
				attributes: f.attributes,
			};
		}
		this.node = await fingerprintNode(
			{ ...this.opts.fingerprint, drivers, dataDir: this.opts.stateDir, allocDir: this.opts.allocDir },
			this.nodeID,
		);
		this.node.SecretID = this.nodeSecret;
		await this.register();
		this.updateTimer = setInterval(() => void this.flushUpdates(), this.opts.updateIntervalMs ?? 200);
		this.updateTimer.unref();
		this.watch = this.watchAllocations();
		this.logger.info("node registered", { node_id: this.nodeID, name: this.node.Name });
	}

	private async register(): Promise<void> {
		const node = this.node as Node;
		for (let attempt = 0; !this.ctl.signal.aborted; attempt++) {
			try {
				const { heartbeatTTL } = await this.opts.server.registerNode(node);
				this.scheduleHeartbeat(heartbeatTTL);
				return;
			} catch (err) {
				this.logger.error("error registering node", { error: err, attempt });
				const wake = new AbortController();
				this.retryRegisterNow = () => wake.abort();
				await sleep(Math.min(15_000, 500 * 2 ** attempt), AbortSignal.any([this.ctl.signal, wake.signal]));
				this.retryRegisterNow = undefined;
			}
		}
	}

	private scheduleHeartbeat(ttl: number): void {
		this.heartbeatTTL = ttl;
		this.lastHeartbeat = Date.now();
		if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
		// Heartbeat well inside the TTL: the server adds its grace on top.
		this.heartbeatTimer = setTimeout(() => void this.heartbeat(), Math.max(100, ttl / 2));
		this.heartbeatTimer.unref();
	}

	private async heartbeat(): Promise<void> {
		if (this.ctl.signal.aborted) return;
		try {
			this.scheduleHeartbeat(await this.opts.server.heartbeat(this.nodeID));
		} catch (err) {
			this.logger.warn("heartbeat failed; re-registering", { error: err });
			await this.register();
		}
	}

	/** Long-polls this node's allocations and reconciles runners with them. */
	private async watchAllocations(): Promise<void> {
		let index = 0;
		while (!this.ctl.signal.aborted) {
			try {
				const r = await this.opts.server.allocations(this.nodeID, index, 300_000, this.ctl.signal);
				if (this.ctl.signal.aborted) return;
				index = r.index;
				this.reconcile(r.allocs);
			} catch (err) {
				if (this.ctl.signal.aborted) return;
				this.logger.error("error fetching allocations", { error: err });
				// The next answer may come from another server (failover, a new server list), whose
				// index need not be comparable: fetch the full list once instead of blocking on ours.
				index = 0;
				await sleep(1000, this.ctl.signal);
			}
		}
	}

	private reconcile(allocs: Allocation[]): void {
		for (const alloc of allocs) {
			const runner = this.runners.get(alloc.ID);
			if (runner) {
				runner.update(alloc);
				continue;
			}
			// Terminal allocations we never ran (or already forgot) need no runner.
			if (alloc.DesiredStatus !== "run" || ["complete", "failed", "lost"].includes(alloc.ClientStatus)) continue;
			if (!alloc.Job) continue;
			const deps: AllocRunnerDeps = {
				allocDirRoot: this.opts.allocDir,
				node: {
					ID: this.nodeID,
					Name: this.node?.Name ?? "",
					Datacenter: this.node?.Datacenter ?? "",
					Attributes: this.node?.Attributes ?? {},
					Meta: this.node?.Meta ?? null,
				},
				region: this.opts.region,
				drivers: this.opts.drivers,
				logger: this.logger,
				onUpdate: (u) => this.pending.set(u.ID, u),
				maxKillTimeoutNs: this.opts.maxKillTimeoutNs,
			};
			const r = new AllocRunner(alloc, deps);
			this.runners.set(alloc.ID, r);
			this.runnerDeps.set(alloc.ID, deps);
			r.run().catch((err: unknown) => this.logger.error("alloc runner failed", { alloc_id: alloc.ID, error: err }));
		}
	}

	private async flushUpdates(): Promise<void> {
		if (this.pending.size === 0) return;
		const batch = [...this.pending.values()];
		this.pending.clear();
		try {
			await this.opts.server.updateAllocs(batch);
		} catch (err) {
			// Keep the newest view of each alloc for the next attempt.
			for (const u of batch) if (!this.pending.has(u.ID)) this.pending.set(u.ID, u);
			this.logger.warn("error updating allocations", { error: err });
		}
	}

	/**
	 * Garbage-collects one terminal allocation: its runner is destroyed and its directory removed.
	 * Returns false when the allocation is unknown here or still running (Nomad only collects
	 * terminal allocations).
	 */
	async collect(allocID: string): Promise<boolean> {
		const r = this.runners.get(allocID);
		if (!r) return false;
		if (!["complete", "failed", "lost"].includes(r.clientStatus())) return false;
		// The server must know the final status first, or the next sync would bring the runner back.
		await this.flushUpdates();
		this.runners.delete(allocID);
		this.runnerDeps.delete(allocID);
		await r.destroy();
		this.logger.info("garbage collected allocation", { alloc_id: allocID });
		return true;
	}

	/** Collects every terminal allocation on this node (/v1/client/gc). */
	async collectAll(): Promise<number> {
		let n = 0;
		for (const id of [...this.runners.keys()]) if (await this.collect(id)) n++;
		return n;
	}

	/** The runner of an allocation on this node (fs/logs/stats endpoints will use it). */
	runner(allocID: string): AllocRunner | undefined {
		return this.runners.get(allocID);
	}

	async shutdown(): Promise<void> {
		this.ctl.abort();
		if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
		if (this.updateTimer) clearInterval(this.updateTimer);
		await this.watch?.catch(() => {});
		await this.flushUpdates();
		// Tasks do not outlive the agent yet (no node supervisor): stop them, fast enough for the
		// agent's 5 s shutdown budget (kill signal, then SIGKILL after at most 1 s).
		for (const d of this.runnerDeps.values()) d.maxKillTimeoutNs = SHUTDOWN_KILL_TIMEOUT_NS;
		await Promise.all([...this.runners.values()].map((r) => r.destroy().catch(() => {})));
	}
}

/** The node's ID ("node-id") or secret ("secret-id"), created on first start and kept. */
function loadNodeID(stateDir: string, file = "node-id"): string {
	const p = join(stateDir, file);
	try {
		const id = readFileSync(p, "utf8").trim();
		if (/^[0-9a-f-]{36}$/.test(id)) return id;
	} catch {
		// first start
	}
	const id = randomUUID();
	writeFileSync(p, id, { mode: 0o600 });
	return id;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, ms);
		signal.addEventListener(
			"abort",
			() => {
				clearTimeout(t);
				resolve();
			},
			{ once: true },
		);
	});
}
