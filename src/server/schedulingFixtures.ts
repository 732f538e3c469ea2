// Fixtures for the scheduling tests (not a test file): a Raft+FSM cluster with the scheduling
// commands, builders for nodes/jobs/evals/allocs, and a small fake scheduler that bin-packs task
// groups onto nodes through the real Planner (until the real schedulers land in src/scheduler).

import type { Allocation, Evaluation, Job, Node, Plan } from "../api/types/index.ts";
import { zeroGroup, zeroJob } from "../api/types/zero.ts";
import { nullLogger } from "../lib/logger.ts";
import { allocUsage } from "../scheduler/resources.ts";
import type { SchedulerFactory, SchedulerState } from "../scheduler/types.ts";
import { coreCommands } from "./fsm/coreCommands.ts";
import { evalCommands } from "./fsm/evalCommands.ts";
import { FSM } from "./fsm/fsm.ts";
import { jobCommands } from "./fsm/jobCommands.ts";
import { nodeCommands } from "./fsm/nodeCommands.ts";
import { planCommands } from "./fsm/planCommands.ts";
import { Raft } from "./raft/raft.ts";
import { createMemoryLog } from "./raftlog/memory.ts";
import type { Row } from "./state/schema.ts";
import { StateStore } from "./state/stateStore.ts";

export function newFSM(): FSM {
	const fsm = new FSM(new StateStore());
	fsm.registerAll(coreCommands);
	fsm.registerAll(jobCommands);
	fsm.registerAll(nodeCommands);
	fsm.registerAll(evalCommands);
	fsm.registerAll(planCommands);
	return fsm;
}

export interface TestCluster {
	raft: Raft;
	fsm: FSM;
	state: StateStore;
	/** Every applied command, in order (to replay or inspect payloads). */
	log: { type: string; payload: Row }[];
	apply: (type: string, payload: Row) => ReturnType<Raft["apply"]>;
	close: () => Promise<void>;
}

export async function newCluster(): Promise<TestCluster> {
	const fsm = newFSM();
	const raft = new Raft({ log: createMemoryLog(), fsm, logger: nullLogger() });
	await raft.start();
	const log: TestCluster["log"] = [];
	return {
		raft,
		fsm,
		state: fsm.state,
		log,
		apply: async (type, payload) => {
			log.push({ type, payload: structuredClone(payload) });
			return raft.apply(type, payload);
		},
		close: () => raft.close(),
	};
}

let seq = 0;
export const testID = (prefix: string): string => `${prefix}-${String(++seq).padStart(6, "0")}`;

export function mkNode(id: string, o: Partial<Node> & { cpu?: number; mem?: number; disk?: number } = {}): Node {
	const { cpu = 1000, mem = 1024, disk = 10_000, ...rest } = o;
	return {
		ID: id,
		SecretID: "",
		Datacenter: "dc1",
		Name: id,
		HTTPAddr: "127.0.0.1:4646",
		TLSEnabled: false,
		Attributes: {},
		NodeResources: {
			Cpu: { CpuShares: cpu, TotalCpuCores: 4, ReservableCpuCores: null },
			Memory: { MemoryMB: mem },
			Disk: { DiskMB: disk },
			Networks: null,
			NodeNetworks: null,
			Devices: null,
			MinDynamicPort: 20000,
			MaxDynamicPort: 32000,
		},
		ReservedResources: {
			Cpu: { CpuShares: 0, ReservedCpuCores: null },
			Memory: { MemoryMB: 0 },
			Disk: { DiskMB: 0 },
			Networks: { ReservedHostPorts: "" },
		},
		Links: null,
		Meta: null,
		NodeClass: "",
		NodePool: "default",
		ComputedClass: "v1:class-a",
		DrainStrategy: null,
		SchedulingEligibility: "eligible",
		Status: "ready",
		StatusDescription: "",
		StatusUpdatedAt: 0,
		Events: null,
		Drivers: null,
		HostVolumes: null,
		HostNetworks: null,
		LastDrain: null,
		CreateIndex: 0,
		ModifyIndex: 0,
		...rest,
	};
}

export function mkJob(
	id: string,
	o: { type?: Job["Type"]; priority?: number; count?: number; cpu?: number; mem?: number; groups?: string[] } = {},
): Job {
	const groups = o.groups ?? ["web"];
	return zeroJob({
		Region: "global",
		Namespace: "default",
		ID: id,
		Name: id,
		Type: o.type ?? "service",
		Priority: o.priority ?? 50,
		Datacenters: ["*"],
		NodePool: "default",
		TaskGroups: groups.map((name) =>
			zeroGroup({
				Name: name,
				Count: o.count ?? 1,
				Tasks: [
					{
						Name: "task",
						Driver: "raw_exec",
						Resources: { CPU: o.cpu ?? 100, MemoryMB: o.mem ?? 64 },
					} as unknown as Job["TaskGroups"][number]["Tasks"][number],
				],
				EphemeralDisk: { Sticky: false, SizeMB: 0, Migrate: false },
				ReschedulePolicy: {
					Attempts: 1,
					Interval: 3600e9,
					Delay: 0,
					DelayFunction: "constant",
					MaxDelay: 0,
					Unlimited: false,
				},
			}),
		),
		Update: null as unknown as Job["Update"],
		Status: "pending",
	});
}

export function mkEval(
	job: { ID: string; Namespace?: string; Type?: string; Priority?: number },
	o: Partial<Evaluation> = {},
): Evaluation {
	return {
		ID: testID("eval"),
		Namespace: job.Namespace ?? "default",
		Priority: job.Priority ?? 50,
		Type: job.Type ?? "service",
		TriggeredBy: "job-register",
		JobID: job.ID,
		Status: "pending",
		CreateIndex: 0,
		ModifyIndex: 0,
		CreateTime: 1,
		ModifyTime: 1,
		...o,
	};
}

/** An allocation of `job`'s first task group on `nodeID`, as a scheduler would propose it. */
export function mkAlloc(
	job: Job,
	nodeID: string,
	o: Partial<Allocation> & { cpu?: number; mem?: number } = {},
): Allocation {
	const { cpu = 100, mem = 64, ...rest } = o;
	const tg = job.TaskGroups[0].Name;
	return {
		ID: testID("alloc"),
		Namespace: job.Namespace,
		EvalID: "",
		Name: `${job.ID}.${tg}[0]`,
		NodeID: nodeID,
		NodeName: nodeID,
		JobID: job.ID,
		Job: job,
		TaskGroup: tg,
		AllocatedResources: {
			Tasks: {
				task: {
					Cpu: { CpuShares: cpu, ReservedCores: null },
					Memory: { MemoryMB: mem, MemoryMaxMB: 0 },
					Networks: null,
					Devices: null,
				},
			},
			TaskLifecycles: { task: null },
			Shared: { Networks: null, DiskMB: 0, Ports: null },
		},
		DesiredStatus: "run",
		ClientStatus: "pending",
		CreateIndex: 0,
		ModifyIndex: 0,
		AllocModifyIndex: 0,
		CreateTime: 0,
		ModifyTime: 0,
		...rest,
	};
}

export function emptyPlan(ev: Evaluation, job: Job | null): Plan {
	return {
		EvalID: ev.ID,
		Priority: ev.Priority,
		AllAtOnce: job?.AllAtOnce ?? false,
		Job: job,
		NodeUpdate: {},
		NodeAllocation: {},
		Annotations: null,
		SnapshotIndex: 0,
	};
}

const CLIENT_TERMINAL = new Set(["complete", "failed", "lost"]);
const live = (a: Allocation): boolean => a.DesiredStatus === "run" && !CLIENT_TERMINAL.has(a.ClientStatus);

/** Free CPU/memory of a node in a snapshot (live allocs counted). */
export function freeOn(state: SchedulerState, node: Node): { cpu: number; mem: number } {
	let cpu = (node.NodeResources?.Cpu.CpuShares ?? 0) - (node.ReservedResources?.Cpu.CpuShares ?? 0);
	let mem = (node.NodeResources?.Memory.MemoryMB ?? 0) - (node.ReservedResources?.Memory.MemoryMB ?? 0);
	for (const a of state.allocsByNode(node.ID)) {
		if (!live(a)) continue;
		const u = allocUsage(a);
		cpu -= u.cpu;
		mem -= u.mem;
	}
	return { cpu, mem };
}

export interface FakeSchedulerOptions {
	/** Called at the start of each run (tests count runs, inject failures, delay). */
	onProcess?: (ev: Evaluation) => void | Promise<void>;
	/** Plan attempts before giving up (Nomad: 5 for service). */
	maxAttempts?: number;
}

/**
 * A minimal generic scheduler: keeps Count live allocations per task group, first-fit over ready
 * eligible nodes in ID order, retries on partial commits with the refreshed state, stops
 * everything for a stopped/missing job, and blocks (or reblocks) what it cannot place.
 */
export function fakeScheduler(opts: FakeSchedulerOptions = {}): SchedulerFactory {
	return (ctx) => ({
		async process(ev: Evaluation) {
			await opts.onProcess?.(ev);
			let state: SchedulerState = ctx.state;
			const job = state.job(ev.Namespace, ev.JobID);
			const planner = ctx.planner;
			const queued: Record<string, number> = {};
			if (!job || job.Stop) {
				const plan = emptyPlan(ev, job ?? null);
				for (const a of state.allocsByJob(ev.Namespace, ev.JobID)) {
					if (a.DesiredStatus !== "run") continue;
					plan.NodeUpdate[a.NodeID] = plan.NodeUpdate[a.NodeID] ?? [];
					plan.NodeUpdate[a.NodeID].push({
						...a,
						DesiredStatus: "stop",
						DesiredDescription: "alloc not needed due to job update",
					});
				}
				if (Object.keys(plan.NodeUpdate).length > 0) await planner.submitPlan(plan);
				await planner.updateEval({ ...ev, Status: "complete" });
				return;
			}
			let missing = 0;
			for (let attempt = 0; attempt < (opts.maxAttempts ?? 5); attempt++) {
				const plan = emptyPlan(ev, job);
				const free = new Map<string, { cpu: number; mem: number }>();
				const nodes = [...state.nodes()].filter((n) => n.Status === "ready" && n.SchedulingEligibility === "eligible");
				for (const n of nodes) free.set(n.ID, freeOn(state, n));
				missing = 0;
				for (const tg of job.TaskGroups) {
					const have = [...state.allocsByJob(job.Namespace, job.ID)].filter(
						(a) => a.TaskGroup === tg.Name && live(a),
					).length;
					const cpu = (tg.Tasks[0].Resources as { CPU: number }).CPU;
					const mem = (tg.Tasks[0].Resources as { MemoryMB: number }).MemoryMB;
					let need = tg.Count - have;
					for (const n of nodes) {
						const f = free.get(n.ID) as { cpu: number; mem: number };
						while (need > 0 && f.cpu >= cpu && f.mem >= mem) {
							f.cpu -= cpu;
							f.mem -= mem;
							need--;
							const a = mkAlloc(job, n.ID, { cpu, mem, ID: ctx.newID(), EvalID: ev.ID, TaskGroup: tg.Name });
							plan.NodeAllocation[n.ID] = plan.NodeAllocation[n.ID] ?? [];
							plan.NodeAllocation[n.ID].push(a);
						}
					}
					queued[tg.Name] = need;
					missing += need;
				}
				if (Object.keys(plan.NodeAllocation).length === 0) break;
				const res = await planner.submitPlan(plan);
				// Fully committed: done (what is missing did not fit this snapshot anyway).
				if (!res.refreshedState) break;
				state = res.refreshedState;
			}
			if (missing > 0) {
				const failed = Object.fromEntries(
					Object.entries(queued)
						.filter(([, n]) => n > 0)
						.map(([tg]) => [tg, {} as never]),
				);
				if (ev.Status === "blocked") {
					await planner.reblockEval({ ...ev, QueuedAllocations: queued });
					return;
				}
				const blocked: Evaluation = {
					ID: ctx.newID(),
					Namespace: ev.Namespace,
					Priority: ev.Priority,
					Type: ev.Type,
					TriggeredBy: "queued-allocs",
					JobID: ev.JobID,
					JobModifyIndex: ev.JobModifyIndex,
					Status: "blocked",
					PreviousEval: ev.ID,
					FailedTGAllocs: failed,
					ClassEligibility: { "v1:class-a": true },
					EscapedComputedClass: false,
					CreateIndex: 0,
					ModifyIndex: 0,
					CreateTime: 0,
					ModifyTime: 0,
				};
				await planner.createEval(blocked);
				await planner.updateEval({
					...ev,
					Status: "complete",
					BlockedEval: blocked.ID,
					FailedTGAllocs: failed,
					QueuedAllocations: queued,
				});
				return;
			}
			await planner.updateEval({ ...ev, Status: "complete", QueuedAllocations: queued });
		},
	});
}

/** Registers a job (with an eval when given) through the lead's JobRegister command. */
export async function registerJob(c: TestCluster, job: Job, evals: Evaluation[] = []): Promise<number> {
	const r = await c.apply("JobRegister", { Job: job, Evals: evals });
	if (r.error) throw new Error(r.error);
	return r.index;
}

export async function registerNode(c: TestCluster, node: Node): Promise<number> {
	const r = await c.apply("NodeRegister", { Node: node });
	if (r.error) throw new Error(r.error);
	return r.index;
}

/** Polls until `cond` holds (or fails after `ms`). */
export async function until(cond: () => boolean, ms = 5_000, what = "condition"): Promise<void> {
	const deadline = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 5));
	}
}

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
