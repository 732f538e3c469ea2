// The client agent: fingerprints its node, registers it, heartbeats at the TTL the servers give,
// watches the allocations placed on it (blocking queries) and runs them with alloc runners, and
// reports their status back in batches (Nomad: every 200 ms). Its state (node identity,
// allocations, task states and handles) lives in <data_dir>/client/state.db; process tasks run under
// the node supervisor (src/client/supervisor), so after a restart the client reloads its state and
// reattaches to them instead of starting them again.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Allocation, Node } from "../api/types/index.ts";
import type { Logger } from "../lib/logger.ts";
import type { AllocRunner, AllocRunnerDeps, ClientAllocUpdate, RestoredTasks } from "./allocrunner/index.ts";
import type { TaskDriver } from "./drivers/types.ts";
import { computeNodeClass, type FingerprintConfig, fingerprintNode } from "./fingerprint/index.ts";
import { AllocGarbageCollector, diskUsage, type GcPolicy } from "./gc.ts";
import type { ServerAPI } from "./serverApi.ts";
import { type ClientStateStore, openClientStateStore } from "./state/stateStore.ts";
import type { SupervisorClient } from "./supervisor/client.ts";
import { tasksFilePath } from "./supervisor/protocol.ts";

// Alloc and task runners (and the drivers' run-time code they pull in) load with the first
// allocation this node gets: an idle agent does not keep them in memory.
type RunnerModule = typeof import("./allocrunner/index.ts");
let runnerModule: RunnerModule | undefined;
async function loadRunners(): Promise<RunnerModule> {
	runnerModule ??= await import("./allocrunner/index.ts");
	return runnerModule;
}

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
	/** The node supervisor the process drivers run their tasks under. */
	supervisor?: SupervisorClient;
	/**
	 * -dev: no state kept across restarts and every task stopped at shutdown. Otherwise (as Nomad)
	 * tasks keep running when the agent stops and are reattached when it comes back.
	 */
	devMode?: boolean;
	/** How often driver health is fingerprinted again, ms (Nomad: 30 s); a change re-registers. */
	driverCheckIntervalMs?: number;
	/** Client GC of terminal allocations (gc_interval, gc_max_allocs, disk/inode thresholds). */
	gc?: GcPolicy;
}

const SHUTDOWN_KILL_TIMEOUT_NS = 1e9;

const TERMINAL_CLIENT_STATUS = new Set(["complete", "failed", "lost"]);

/** An allocation this node should run (terminal ones we never ran, or already forgot, need none). */
function needsRunner(a: Allocation): boolean {
	return a.DesiredStatus === "run" && !TERMINAL_CLIENT_STATUS.has(a.ClientStatus) && Boolean(a.Job);
}

export class Client {
	private readonly opts: ClientOptions;
	private readonly logger: Logger;
	readonly nodeID: string;
	node: Node | undefined;
	private readonly runners = new Map<string, AllocRunner>();
	private readonly runnerDeps = new Map<string, AllocRunnerDeps>();
	private readonly pending = new Map<string, ClientAllocUpdate>();
	private readonly ctl = new AbortController();
	private heartbeatTimer: NodeJS.Timeout | undefined;
	private updateTimer: NodeJS.Timeout | undefined;
	private driverTimer: NodeJS.Timeout | undefined;
	private gc: AllocGarbageCollector | undefined;
	private watch: Promise<void> | undefined;
	lastHeartbeat = 0;
	heartbeatTTL = 0;
	/** Ends the registration back-off early (a new server list arrived). */
	private retryRegisterNow: (() => void) | undefined;
	private readonly store: ClientStateStore;
	private storeClosed = false;
	/** Proves to the servers that calls about this node come from it (Nomad's Node.SecretID). */
	private readonly secretID: string;

	constructor(opts: ClientOptions) {
		this.opts = opts;
		this.logger = opts.logger.named("client");
		mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
		mkdirSync(opts.allocDir, { recursive: true, mode: 0o711 });
		this.store = openClientStateStore(opts.devMode ? ":memory:" : join(opts.stateDir, "state.db"));
		this.nodeID = loadNodeID(opts.stateDir, this.store);
		this.secretID = this.store.getMeta("node_secret_id") ?? randomUUID();
		this.store.putMeta("node_secret_id", this.secretID);
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
		this.node.SecretID = this.secretID;
		// As Nomad: restore (and reattach) before registering, so the first status sent is the real one.
		await this.restore();
		await this.register();
		this.updateTimer = setInterval(() => void this.flushUpdates(), this.opts.updateIntervalMs ?? 200);
		this.updateTimer.unref();
		this.driverTimer = setInterval(() => this.checkDrivers(), this.opts.driverCheckIntervalMs ?? 30_000);
		this.driverTimer.unref();
		if (this.opts.gc) {
			this.gc = new AllocGarbageCollector(
				{
					terminal: () => this.terminalAllocs(),
					count: () => this.runners.size,
					collect: (id) => this.collect(id),
				},
				this.opts.gc,
				() => diskUsage(this.opts.allocDir),
			);
			this.gc.start();
		}
		this.watch = this.watchAllocations();
		this.logger.info("node registered", { node_id: this.nodeID, name: this.node.Name });
	}

	/**
	 * Fingerprints the drivers again (as Nomad's driver manager does periodically): a driver that
	 * became (un)healthy, (un)detected or changed its attributes updates Node.Drivers and the
	 * driver.* attributes, and the node registers again so the schedulers see it.
	 */
	checkDrivers(): boolean {
		const node = this.node;
		if (!node || this.ctl.signal.aborted) return false;
		let changed = false;
		node.Drivers ??= {};
		const drivers = node.Drivers;
		for (const [name, d] of Object.entries(this.opts.drivers)) {
			const f = d.fingerprint();
			const prev = drivers[name];
			const same =
				prev !== undefined &&
				prev.Detected === f.detected &&
				prev.Healthy === f.healthy &&
				prev.HealthDescription === f.healthDescription &&
				JSON.stringify(prev.Attributes) === JSON.stringify(f.attributes);
			if (same) continue;
			changed = true;
			this.logger.info("driver health changed", { driver: name, healthy: f.healthy, description: f.healthDescription });
			drivers[name] = {
				Attributes: { ...f.attributes },
				Detected: f.detected,
				Healthy: f.healthy,
				HealthDescription: f.healthDescription,
				UpdateTime: new Date().toISOString(),
			};
			for (const k of Object.keys(prev?.Attributes ?? {})) delete node.Attributes[k];
			delete node.Attributes[`driver.${name}`];
			if (f.detected) {
				for (const [k, v] of Object.entries(f.attributes)) if (v !== "") node.Attributes[k] = v;
				node.Attributes[`driver.${name}`] = "1";
			}
		}
		if (changed) {
			node.ComputedClass = computeNodeClass(node);
			void this.register();
		}
		return changed;
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
				if (r.allocs.some(needsRunner)) await loadRunners();
				await this.reconcile(r.allocs);
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

	/**
	 * Reloads the allocations of an earlier run of this agent and carries on with them: running
	 * tasks are reattached (same process, restart count unchanged), those that ended meanwhile are
	 * reported with their exit. Tasks the supervisor runs that no saved handle claims (the agent
	 * died between starting one and recording it) are stopped: their runner starts them again.
	 */
	private async restore(): Promise<void> {
		const stored = this.store.loadAllocs();
		if (stored.length > 0) await loadRunners();
		const sup = this.opts.supervisor;
		const claimed = new Set<string>();
		for (const s of stored) for (const t of Object.values(s.tasks)) if (t.handle) claimed.add(t.handle.taskId);
		if (sup && (claimed.size > 0 || supervisorHasTasks(this.opts.stateDir))) {
			try {
				await sup.connect();
				for (const t of await sup.list()) {
					if (claimed.has(t.id)) continue;
					this.logger.info("stopping a task no allocation claims", { task: t.id, pid: t.pid });
					await sup.forget(t.id);
				}
			} catch (err) {
				this.logger.error("node supervisor unavailable while restoring", { error: err });
			}
		}
		for (const s of stored) {
			try {
				this.addRunner(s.alloc, s.tasks);
			} catch (err) {
				this.logger.error("error restoring allocation", { alloc_id: s.alloc.ID, error: err });
				this.store.deleteAlloc(s.alloc.ID);
			}
		}
		if (stored.length > 0) this.logger.info("restored allocations", { count: stored.length });
	}

	private persistTasks(u: ClientAllocUpdate): void {
		const r = this.runners.get(u.ID);
		if (!r || this.storeClosed) return;
		try {
			this.store.putTasks(u.ID, u.TaskStates, r.taskHandles());
		} catch (err) {
			this.logger.error("error persisting task state", { alloc_id: u.ID, error: err });
		}
	}

	/** Terminal allocations still kept here, with when their last task finished. */
	private terminalAllocs(): { id: string; finishedAt: number }[] {
		const out: { id: string; finishedAt: number }[] = [];
		for (const [id, r] of this.runners) {
			if (!TERMINAL_CLIENT_STATUS.has(r.clientStatus())) continue;
			let finishedAt = 0;
			for (const ts of Object.values(r.taskStates())) {
				const t = ts.FinishedAt ? Date.parse(ts.FinishedAt) : 0;
				if (t > finishedAt) finishedAt = t;
			}
			out.push({ id, finishedAt });
		}
		return out;
	}

	private async reconcile(allocs: Allocation[]): Promise<void> {
		// What is new is decided before making room: an allocation collected meanwhile is still in
		// this (older) list, and must not come back as a new runner.
		const added = new Set(allocs.filter((a) => !this.runners.has(a.ID) && needsRunner(a)).map((a) => a.ID));
		// As Nomad: new allocations wait until room is made for them (gc_max_allocs), the oldest
		// terminal ones collected first.
		if (added.size > 0 && this.gc) {
			try {
				await this.gc.makeRoomFor(added.size);
			} catch (err) {
				this.logger.error("error making room for new allocations", { error: err });
			}
			if (this.ctl.signal.aborted) return;
		}
		for (const alloc of allocs) {
			const runner = this.runners.get(alloc.ID);
			if (runner) {
				const prev = runner.allocation();
				if (prev.ModifyIndex !== alloc.ModifyIndex || prev.AllocModifyIndex !== alloc.AllocModifyIndex)
					this.store.putAlloc({ ...alloc, Job: alloc.Job ?? prev.Job });
				runner.update(alloc);
				continue;
			}
			if (!added.has(alloc.ID)) continue;
			this.store.putAlloc(alloc);
			this.addRunner(alloc);
		}
	}

	private addRunner(alloc: Allocation, restored?: RestoredTasks): void {
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
			onUpdate: (u) => {
				this.pending.set(u.ID, u);
				this.persistTasks(u);
			},
			maxKillTimeoutNs: this.opts.maxKillTimeoutNs,
		};
		const r = new (runnerModule as RunnerModule).AllocRunner(alloc, deps, restored);
		this.runners.set(alloc.ID, r);
		this.runnerDeps.set(alloc.ID, deps);
		r.run().catch((err: unknown) => this.logger.error("alloc runner failed", { alloc_id: alloc.ID, error: err }));
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
		if (!TERMINAL_CLIENT_STATUS.has(r.clientStatus())) return false;
		// The server must know the final status first, or the next sync would bring the runner back.
		await this.flushUpdates();
		this.runners.delete(allocID);
		this.runnerDeps.delete(allocID);
		this.store.deleteAlloc(allocID);
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
		if (this.driverTimer) clearInterval(this.driverTimer);
		this.gc?.stop();
		await this.watch?.catch(() => {});
		await this.flushUpdates();
		const sup = this.opts.supervisor;
		if (!this.opts.devMode && sup) {
			// As Nomad: tasks keep running while the agent is stopped; the next start reattaches.
			sup.close();
			this.storeClosed = true;
			this.store.close();
			return;
		}
		// -dev (or no supervisor to keep them): stop the tasks, fast enough for the agent's 5 s
		// shutdown budget (kill signal, then SIGKILL after at most 1 s), then the supervisor.
		for (const d of this.runnerDeps.values()) d.maxKillTimeoutNs = SHUTDOWN_KILL_TIMEOUT_NS;
		await Promise.all([...this.runners.values()].map((r) => r.destroy().catch(() => {})));
		await sup?.shutdown();
		this.storeClosed = true;
		this.store.close();
	}
}

/** True when a supervisor's task table (alive or left by a killed one) lists any task. */
function supervisorHasTasks(stateDir: string): boolean {
	try {
		const t = JSON.parse(readFileSync(tasksFilePath(stateDir), "utf8"));
		return Array.isArray(t) && t.length > 0;
	} catch {
		return false;
	}
}

/** The node ID kept in the state store (or the node-id file earlier versions wrote), else a new one. */
function loadNodeID(stateDir: string, store: ClientStateStore): string {
	const valid = (id: string | undefined) => id !== undefined && /^[0-9a-f-]{36}$/.test(id);
	let id = store.getMeta("node_id");
	if (!valid(id)) {
		try {
			id = readFileSync(join(stateDir, "node-id"), "utf8").trim();
		} catch {
			// first start
		}
	}
	if (!valid(id)) id = randomUUID();
	store.putMeta("node_id", id as string);
	return id as string;
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
