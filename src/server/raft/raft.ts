// Ties the log to the FSM: commands are appended to the log, and once durable they are applied to
// the FSM strictly in index order. On start the latest snapshot is restored and the rest of the log
// replayed, so a restarted server comes back with exactly its state and index. Leadership here is
// single-server (the etcd backend will bring elections); this class only tracks who the leader is.
import { sliceExpired, yieldToEventLoop } from "../../lib/cooperative.ts";
import type { Logger } from "../../lib/logger.ts";
import type { ApplyResult, FSM } from "../fsm/fsm.ts";
import type { LogStore } from "../raftlog/types.ts";
import type { Row } from "../state/schema.ts";
import type { StateDump } from "../state/stateStore.ts";

export interface RaftOptions {
	log: LogStore;
	fsm: FSM;
	logger: Logger;
	/** Take a snapshot after this many applied entries since the last one (Nomad: raft_snapshot_threshold 8192). */
	snapshotThreshold?: number;
	/** Entries kept behind a snapshot (Nomad: raft_trailing_logs 10240). */
	trailingLogs?: number;
	/** Serialise commands into the log (default true; false only for a never-replayed memory log). */
	serialize?: boolean;
}

interface Pending {
	resolve: (r: ApplyResult) => void;
	reject: (e: Error) => void;
}

export class Raft {
	private readonly log: LogStore;
	readonly fsm: FSM;
	private readonly logger: Logger;
	private readonly snapshotThreshold: number;
	private readonly trailingLogs: number;
	private applied = 0;
	private lastSnapshotIndex = 0;
	private snapshotting = false;
	/** Entries durable in the log but not yet applied (waiting for an earlier index). */
	private readonly committed = new Map<number, { type: string; payload: Row }>();
	private readonly waiting = new Map<number, Pending>();
	private closed = false;
	private draining = false;
	private readonly serialize: boolean;

	constructor(opts: RaftOptions) {
		this.log = opts.log;
		this.fsm = opts.fsm;
		this.logger = opts.logger.named("raft");
		this.snapshotThreshold = opts.snapshotThreshold ?? 8192;
		this.trailingLogs = opts.trailingLogs ?? 10240;
		this.serialize = opts.serialize ?? true;
	}

	/** Restores the newest snapshot and replays the log after it. */
	async start(): Promise<void> {
		const started = performance.now();
		const { snapshot, entries } = await this.log.open();
		if (snapshot) {
			this.fsm.restore(JSON.parse(snapshot.data) as StateDump);
			this.applied = snapshot.index;
			this.lastSnapshotIndex = snapshot.index;
		}
		for (const e of entries) {
			if (e.index <= this.applied) continue;
			this.fsm.apply(e.index, e.type, JSON.parse(e.data) as Row);
			this.applied = e.index;
		}
		if (snapshot || entries.length > 0) {
			this.logger.info("restored state", {
				snapshot_index: snapshot?.index ?? 0,
				replayed: entries.length,
				index: this.applied,
				duration_ms: Math.round(performance.now() - started),
			});
		}
	}

	get appliedIndex(): number {
		return this.applied;
	}

	lastLogIndex(): number {
		return this.log.lastIndex();
	}

	/**
	 * hashicorp/raft's Stats() keys, as /v1/agent/self reports them (string values). There is one
	 * self-elected server and no elections: a leader is in term 1, and entries and snapshots carry
	 * term 1 once they exist. fsm_pending counts durable entries waiting for an earlier index.
	 */
	stats(self: { leader: boolean; address: string }): Record<string, string> {
		const lastIndex = this.log.lastIndex();
		const stats: Record<string, string> = {
			state: self.leader ? "Leader" : "Follower",
			term: self.leader ? "1" : "0",
			last_log_index: String(lastIndex),
			last_log_term: lastIndex > 0 ? "1" : "0",
			commit_index: String(lastIndex),
			applied_index: String(this.applied),
			fsm_pending: String(this.committed.size),
			last_snapshot_index: String(this.lastSnapshotIndex),
			last_snapshot_term: this.lastSnapshotIndex > 0 ? "1" : "0",
			protocol_version: "3",
			protocol_version_min: "0",
			protocol_version_max: "3",
			snapshot_version_min: "0",
			snapshot_version_max: "1",
			latest_configuration_index: self.leader ? "1" : "0",
			latest_configuration: self.leader ? `[{Suffrage:Voter ID:${self.address} Address:${self.address}}]` : "[]",
			// Voters other than this server.
			num_peers: "0",
			last_contact: self.leader ? "0" : "never",
		};
		return stats;
	}

	/**
	 * Appends a command and resolves with the FSM's outcome once it is durable and applied.
	 * Rejects if the log cannot make it durable (nothing was applied then).
	 */
	async apply(type: string, payload: Row): Promise<ApplyResult> {
		if (this.closed) throw new Error("raft is shut down");
		if (!this.fsm.has(type)) throw new Error(`unknown command type ${type}`);
		// A durable log needs the bytes, and the FSM then gets its own parsed copy. An in-memory log
		// (dev mode) is never replayed: the payload goes to the FSM as is, which saves a stringify and
		// a parse of every plan (the dominant cost of big plans). Callers hand over fresh objects.
		const data = this.serialize ? JSON.stringify(payload) : "";
		const index = await this.log.append(type, data);
		return new Promise<ApplyResult>((resolve, reject) => {
			this.waiting.set(index, { resolve, reject });
			this.committed.set(index, { type, payload: this.serialize ? (JSON.parse(data) as Row) : payload });
			void this.drain();
		});
	}

	/**
	 * Applies committed entries in index order. Big commands are applied in slices (see
	 * FSM.applySteps), so one drain may span macrotasks; entries arriving meanwhile wait their turn.
	 */
	private async drain(): Promise<void> {
		if (this.draining) return;
		this.draining = true;
		try {
			for (;;) {
				const next = this.applied + 1;
				const entry = this.committed.get(next);
				if (!entry) break;
				this.committed.delete(next);
				// Driven here rather than by runSteps: the last step commits the write, and `applied` must
				// follow in the same synchronous run (a snapshot taken in between would carry the entry
				// under the previous index, and a restore would apply it twice).
				const steps = this.fsm.applySteps(next, entry.type, entry.payload);
				let r = steps.next();
				while (!r.done) {
					if (sliceExpired()) await yieldToEventLoop();
					r = steps.next();
				}
				this.applied = next;
				const w = this.waiting.get(next);
				this.waiting.delete(next);
				w?.resolve(r.value);
			}
		} finally {
			this.draining = false;
		}
		if (this.applied - this.lastSnapshotIndex >= this.snapshotThreshold) void this.snapshot();
	}

	/** Writes a snapshot of the current state and truncates the log behind it. */
	async snapshot(): Promise<void> {
		if (this.snapshotting) return;
		this.snapshotting = true;
		try {
			const index = this.applied;
			const data = JSON.stringify(this.fsm.snapshot());
			await this.log.saveSnapshot({ index, data }, this.trailingLogs);
			this.lastSnapshotIndex = index;
			this.logger.debug("snapshot saved", { index, bytes: data.length });
		} catch (err) {
			this.logger.error("snapshot failed", { error: err });
		} finally {
			this.snapshotting = false;
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		await this.log.close();
		for (const w of this.waiting.values()) w.reject(new Error("raft is shut down"));
		this.waiting.clear();
	}
}
