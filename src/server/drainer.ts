// The node drainer on the leader (Nomad's drainer, simplified): allocations on draining nodes
// are marked for migration a few at a time — no more per task group than its migrate.max_parallel
// are moving at once — and the schedulers place their replacements elsewhere. Batch allocations
// are left to finish until the deadline; at the deadline everything left is migrated. System
// allocations go last (or stay, with IgnoreSystemJobs). A node with nothing left to move has
// finished draining: its drain strategy is cleared and it stays ineligible.
import { randomUUID } from "node:crypto";
import { allocTerminal } from "./fsm/jobStatus.ts";
import { NodeCmd } from "./fsm/nodeCommands.ts";
import { PlanCmd } from "./fsm/planCommands.ts";
import type { Server } from "./server.ts";
import type { Row } from "./state/schema.ts";

export class Drainer {
	private readonly srv: Server;
	private timer: NodeJS.Timeout | undefined;
	private running = false;

	constructor(srv: Server) {
		this.srv = srv;
	}

	start(intervalMs = 1000): void {
		this.timer = setInterval(() => void this.tick(), intervalMs);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	/** One pass over every draining node. */
	async tick(nowMs = Date.now()): Promise<void> {
		if (this.running) return;
		this.running = true;
		try {
			for (const node of [...this.srv.state.scan("nodes")]) {
				if (node.DrainStrategy) await this.drainNode(node, nowMs);
			}
		} catch (err) {
			this.srv.logger.error("drainer failed", { error: err });
		} finally {
			this.running = false;
		}
	}

	private async drainNode(node: Row, nowMs: number): Promise<void> {
		const view = this.srv.state;
		const drain = node.DrainStrategy as Row;
		const deadline = drain.ForceDeadline ? Date.parse(drain.ForceDeadline as string) : Number.POSITIVE_INFINITY;
		const pastDeadline = (drain.Deadline as number) < 0 || nowMs >= deadline;
		const ignoreSystem = drain.IgnoreSystemJobs === true;
		const live: { alloc: Row; job: Row | undefined }[] = [];
		for (const a of view.byIndex("allocs", "node", node.ID as string)) {
			if (allocTerminal(a)) continue;
			const job = view.get("jobs", `${a.Namespace as string}\u0000${a.JobID as string}`);
			live.push({ alloc: a, job });
		}
		const isSystem = (j: Row | undefined) => j?.Type === "system" || j?.Type === "sysbatch";
		const remaining = live.filter(({ job }) => !(ignoreSystem && isSystem(job)));
		if (remaining.length === 0) {
			await this.complete(node, nowMs);
			return;
		}
		const nonSystem = remaining.filter(({ job }) => !isSystem(job));
		const candidates = nonSystem.length > 0 ? nonSystem : remaining;
		// Per task group: how many are already moving, and how many may.
		const moving = new Map<string, number>();
		const groupKey = (a: Row) => `${a.Namespace as string}\u0000${a.JobID as string}\u0000${a.TaskGroup as string}`;
		for (const { alloc } of live) {
			if ((alloc.DesiredTransition as Row | undefined)?.Migrate === true) {
				moving.set(groupKey(alloc), (moving.get(groupKey(alloc)) ?? 0) + 1);
			}
		}
		const transitions: Record<string, Row> = {};
		const jobs = new Map<string, Row>();
		for (const { alloc, job } of candidates) {
			if ((alloc.DesiredTransition as Row | undefined)?.Migrate === true) continue;
			if (!pastDeadline && job?.Type === "batch") continue;
			const tg = ((job?.TaskGroups as Row[] | undefined) ?? []).find((g) => g.Name === alloc.TaskGroup);
			const maxParallel = pastDeadline
				? Number.POSITIVE_INFINITY
				: Math.max(1, ((tg?.Migrate as Row | null)?.MaxParallel as number | undefined) ?? 1);
			const k = groupKey(alloc);
			if ((moving.get(k) ?? 0) >= maxParallel) continue;
			moving.set(k, (moving.get(k) ?? 0) + 1);
			transitions[alloc.ID as string] = { Migrate: true };
			if (job) jobs.set(`${job.Namespace as string}\u0000${job.ID as string}`, job);
		}
		if (Object.keys(transitions).length === 0) return;
		const now = nowMs * 1e6;
		const evals = [...jobs.values()].map((job) => ({
			ID: randomUUID(),
			Namespace: job.Namespace,
			Priority: job.Priority,
			Type: job.Type,
			TriggeredBy: "node-drain",
			JobID: job.ID,
			NodeID: node.ID,
			Status: "pending",
			CreateTime: now,
			ModifyTime: now,
		}));
		await this.srv.apply(PlanCmd.allocUpdateDesiredTransition, { Allocs: transitions, Evals: evals });
	}

	private async complete(node: Row, nowMs: number): Promise<void> {
		const last = (node.LastDrain as Row | null) ?? {};
		await this.srv.apply(NodeCmd.updateDrain, {
			NodeID: node.ID,
			DrainStrategy: null,
			LastDrain: { ...last, Status: "complete", UpdatedAt: new Date(nowMs).toISOString() },
			Event: {
				Message: "Node drain complete",
				Subsystem: "Drain",
				Details: null,
				Timestamp: new Date(nowMs).toISOString(),
			},
		});
	}
}
