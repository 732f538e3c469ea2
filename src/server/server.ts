// The server: state store + FSM + log (via Raft), leadership, the keyring, and the RPC-shaped
// endpoints the HTTP layer (and, later, other agents over RPC) call. Endpoints live in endpoints/;
// this module only assembles and owns lifecycle.
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { QueryMeta, QueryOptions } from "../api/query.ts";
import type { Job } from "../api/types/index.ts";
import { CodedError, ErrMsg } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { AclResolver } from "./acl/resolver.ts";
import { type BlockingOptions, blockingQuery } from "./blocking.ts";
import { DEFAULT_GC_THRESHOLDS, type GCThresholds, runCoreGC } from "./coreGC.ts";
import { Drainer } from "./drainer.ts";
import { aclCommands } from "./fsm/aclCommands.ts";
import { Cmd, coreCommands } from "./fsm/coreCommands.ts";
import { evalCommands } from "./fsm/evalCommands.ts";
import { type ApplyResult, FSM } from "./fsm/fsm.ts";
import { jobCommands } from "./fsm/jobCommands.ts";
import { nodeCommands } from "./fsm/nodeCommands.ts";
import { planCommands } from "./fsm/planCommands.ts";
import { type HeartbeatConfig, Heartbeats } from "./heartbeats.ts";
import { activeRootKey, loadKEK, newRootKey, unwrap, wrap } from "./keyring.ts";
import { createPeriodicDispatcher } from "./periodic/leaderPeriodic.ts";
import type { PeriodicDispatcher } from "./periodic/periodicDispatcher.ts";
import { Raft } from "./raft/raft.ts";
import { createMemoryLog } from "./raftlog/memory.ts";
import { createSqliteLog } from "./raftlog/sqlite.ts";
import type { LogStore } from "./raftlog/types.ts";
import { schedulers } from "./schedulerFactories.ts";
import { FALLBACK_SCHEDULER_CONFIG } from "./schedulerState.ts";
import { Scheduling } from "./scheduling.ts";
import type { Row, TableName } from "./state/schema.ts";
import { StateStore, type StateView } from "./state/stateStore.ts";

export interface ServerOptions {
	region: string;
	datacenter: string;
	nodeName: string;
	/** `<data_dir>/server`; undefined = in-memory (dev mode). */
	dataDir?: string;
	bootstrapExpect: number;
	/** "ip:port" other agents use to reach this server's RPC. */
	rpcAdvertise: string;
	logger: Logger;
	/** Log sync mode for the durable backend. */
	logSync?: "commit" | "group";
	snapshotThreshold?: number;
	trailingLogs?: number;
	defaultSchedulerConfig?: Row;
	jobDefaultPriority?: number;
	jobMaxPriority?: number;
	jobMaxCount?: number;
	jobTrackedVersions?: number;
	/** num_schedulers (default: number of CPUs) */
	numSchedulers?: number;
	/** enabled_schedulers (default: service, batch, system, sysbatch, _core) */
	enabledSchedulers?: readonly string[];
	/** Core GC ages (eval_gc_threshold, batch_eval_gc_threshold, job_gc_threshold, node_gc_threshold). */
	gcThresholds?: GCThresholds;
	/** How often the leader runs core GC, ms (Nomad: 5 min). */
	gcIntervalMs?: number;
	/** Node heartbeat TTLs (ms): min_heartbeat_ttl, heartbeat_grace, failover_heartbeat_ttl, max_heartbeats_per_second. */
	heartbeat?: Partial<HeartbeatConfig>;
	/** acl.enabled: tokens are required and checked. */
	aclEnabled?: boolean;
	/** acl.token_min_expiration_ttl / token_max_expiration_ttl, ms. */
	aclTokenMinExpirationMs?: number;
	aclTokenMaxExpirationMs?: number;
}

/** Nomad's default scheduler configuration, stored by the first leader. */
export const DEFAULT_SCHEDULER_CONFIG: Row = FALLBACK_SCHEDULER_CONFIG as unknown as Row;

export class Server {
	readonly opts: ServerOptions;
	readonly state = new StateStore();
	readonly fsm: FSM;
	readonly raft: Raft;
	readonly logger: Logger;
	private readonly kek: Buffer;
	/** Token secret → decision object (used by every request when ACLs are enabled). */
	readonly aclResolver = new AclResolver(() => this.state);
	private leader = false;
	private readonly shutdownCtl = new AbortController();
	private leaderTasks: Promise<void> | undefined;
	private gcTimer: NodeJS.Timeout | undefined;
	/** Launches periodic jobs' children; runs on the leader only. */
	periodic: PeriodicDispatcher | undefined;

	constructor(opts: ServerOptions) {
		this.opts = opts;
		this.logger = opts.logger.named("nomad");
		this.fsm = new FSM(this.state);
		this.fsm.registerAll(coreCommands);
		this.fsm.registerAll(jobCommands);
		this.fsm.registerAll(nodeCommands);
		this.fsm.registerAll(evalCommands);
		this.fsm.registerAll(planCommands);
		this.fsm.registerAll(aclCommands);
		const log: LogStore = opts.dataDir
			? createSqliteLog({
					path: join(opts.dataDir, "raft", "raft.db"),
					sync: opts.logSync ?? "group",
				})
			: createMemoryLog();
		this.raft = new Raft({
			log,
			fsm: this.fsm,
			logger: this.logger,
			// An in-memory log has nothing to compact for: snapshots would only stall the event loop.
			snapshotThreshold: opts.dataDir ? opts.snapshotThreshold : Number.POSITIVE_INFINITY,
			serialize: opts.dataDir !== undefined,
			trailingLogs: opts.trailingLogs,
		});
		this.kek = loadKEK(opts.dataDir ? join(opts.dataDir, "keystore") : undefined);
		this.scheduling = new Scheduling({
			state: this.state,
			apply: (t, p) => this.apply(t, p),
			schedulers,
			logger: this.logger,
			numSchedulers: opts.numSchedulers ?? availableParallelism(),
			enabledSchedulers: opts.enabledSchedulers,
			defaultPauseEvalBroker: (opts.defaultSchedulerConfig ?? DEFAULT_SCHEDULER_CONFIG).PauseEvalBroker === true,
		});
		this.heartbeats = new Heartbeats(this, opts.heartbeat);
	}

	/** Eval broker, blocked evals, plan applier and scheduler workers (active on the leader). */
	readonly scheduling: Scheduling;
	/** Node liveness timers (leader). */
	readonly heartbeats: Heartbeats;
	/** Migrates allocations off draining nodes (leader). */
	readonly drainer: Drainer = new Drainer(this);

	/** Restores state from the log, then takes leadership if bootstrap_expect is met. */
	async start(): Promise<void> {
		await this.raft.start();
		// Single-server leadership: this server leads once the expected number of servers is met.
		// Only this server is known until server membership (gossip) and etcd replication land.
		const knownServers = 1;
		if (this.opts.bootstrapExpect <= knownServers) {
			this.leader = true;
			this.logger.info("cluster leadership acquired", {
				address: this.opts.rpcAdvertise,
			});
			this.leaderTasks = this.establishLeadership();
		} else {
			this.logger.warn("waiting for servers to bootstrap the cluster", {
				bootstrap_expect: this.opts.bootstrapExpect,
				known: knownServers,
			});
		}
	}

	/** Work a new leader does once: cluster ID, default scheduler config, an active root key. */
	private async establishLeadership(): Promise<void> {
		try {
			if (!this.state.get("cluster_meta", "cluster")) {
				await this.apply(Cmd.clusterMetadata, {
					ClusterID: randomUUID(),
					CreateTime: Date.now() * 1e6,
				});
			}
			if (!this.state.get("scheduler_config", "config")) {
				await this.apply(Cmd.schedulerConfig, {
					Config: this.opts.defaultSchedulerConfig ?? DEFAULT_SCHEDULER_CONFIG,
				});
			}
			if (!activeRootKey(this.state)) {
				const key = await newRootKey(this.kek, new Date());
				await this.apply(Cmd.rootKeyUpsert, { RootKey: key });
				this.logger.info("keyring: initialized root key", {
					key_id: key.KeyID,
				});
			}
			await this.scheduling.establishLeadership();
			this.heartbeats.start();
			this.drainer.start();
			this.periodic = createPeriodicDispatcher(this);
			this.periodic.setEnabled(true);
			await this.periodic.restore(this.state.scan("jobs") as Iterable<unknown> as Iterable<Job>);
			this.gcTimer = setInterval(
				() => {
					runCoreGC(this, this.opts.gcThresholds ?? DEFAULT_GC_THRESHOLDS).catch((err: unknown) =>
						this.logger.error("core GC failed", { error: err }),
					);
				},
				this.opts.gcIntervalMs ?? 5 * 60_000,
			);
			this.gcTimer.unref();
		} catch (err) {
			if (!this.shutdownCtl.signal.aborted) this.logger.error("failed to establish leadership", { error: err });
		}
	}

	/** Resolves when the leader's first-time setup (keyring, config) is done. */
	async leadershipReady(): Promise<void> {
		await this.leaderTasks;
	}

	isLeader(): boolean {
		return this.leader;
	}

	/** The leader's RPC address, or "" when there is none (Status.Leader). */
	leaderAddress(): string {
		return this.leader ? this.opts.rpcAdvertise : "";
	}

	peers(): string[] {
		return this.leader || this.opts.bootstrapExpect <= 1 ? [this.opts.rpcAdvertise] : [];
	}

	/** Regions known from gossip membership (set by the agent once membership runs). */
	knownRegions: (() => string[]) | undefined;

	regions(): string[] {
		return this.knownRegions?.() ?? [this.opts.region];
	}

	get shutdownSignal(): AbortSignal {
		return this.shutdownCtl.signal;
	}

	/**
	 * Checks that a request can be served here: right region (no federation yet, so any other region
	 * has no path), and a leader for writes and consistent reads.
	 */
	checkRoute(region: string, opts: { write: boolean; stale?: boolean }): void {
		if (region && region !== this.opts.region) throw new CodedError(500, ErrMsg.noPathToRegion);
		if ((opts.write || !opts.stale) && !this.leader) throw new CodedError(500, ErrMsg.noLeader);
	}

	/** Appends a command through the log; a handler rejection becomes a 400 with its message. */
	async apply(type: string, payload: Row): Promise<ApplyResult> {
		if (!this.leader) throw new CodedError(500, ErrMsg.noLeader);
		const r = await this.raft.apply(type, payload);
		if (r.error !== undefined) throw new CodedError(400, r.error);
		this.scheduling.afterApply(type, payload, r);
		return r;
	}

	/** Runs a read as a blocking query and fills the reply's QueryMeta. */
	async read<R>(q: QueryOptions, meta: QueryMeta, opts: Omit<BlockingOptions<R>, "state" | "query">): Promise<R> {
		this.checkRoute(q.Region, { write: false, stale: q.AllowStale });
		const signal = opts.signal ? AbortSignal.any([opts.signal, this.shutdownCtl.signal]) : this.shutdownCtl.signal;
		const out = await blockingQuery({
			...opts,
			state: this.state,
			query: q,
			signal,
		});
		meta.Index = out.index;
		meta.KnownLeader = this.leader;
		meta.LastContact = 0;
		return out.value;
	}

	/** Keeps the leader's periodic dispatcher in step with a job that was just (re)registered. */
	jobRegistered(job: Row | undefined): void {
		if (!this.leader || !job) return;
		this.periodic?.add(job as unknown as Job);
	}

	jobDeregistered(namespace: string, id: string, purge: boolean): void {
		if (!this.leader) return;
		if (purge) this.periodic?.remove(namespace, id);
		else {
			const job = this.state.get("jobs", `${namespace}\u0000${id}`);
			if (job) this.periodic?.add(job as unknown as Job);
		}
	}

	/**
	 * A blocking read of one row: the row's ModifyIndex is the query's index, or the table's when
	 * the row does not exist (Nomad's rule for single-object reads).
	 */
	async readRow(
		q: QueryOptions,
		meta: QueryMeta,
		table: TableName,
		key: string,
		signal?: AbortSignal,
	): Promise<Row | undefined> {
		return this.read(q, meta, {
			tables: [table],
			signal,
			run: (view) => {
				const row = view.get(table, key);
				return { index: Math.max(1, (row?.ModifyIndex as number | undefined) ?? view.tableIndex(table)), value: row };
			},
		});
	}

	view(): StateView {
		return this.state;
	}

	/** Seals a token secret under the key-encryption key (kept outside the replicated state). */
	sealSecret(secret: string): string {
		return wrap(this.kek, Buffer.from(secret, "utf8"));
	}

	openSecret(sealed: string): string {
		return unwrap(this.kek, sealed).toString("utf8");
	}

	async shutdown(): Promise<void> {
		this.shutdownCtl.abort();
		this.leader = false;
		this.periodic?.stop();
		if (this.gcTimer) clearInterval(this.gcTimer);
		this.heartbeats.stop();
		this.drainer.stop();
		await this.scheduling.revokeLeadership().catch(() => {});
		await this.leaderTasks?.catch(() => {});
		await this.raft.close();
	}
}
