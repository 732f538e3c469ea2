// The node reconciler for system and sysbatch jobs (reconciler/reconcile_node.go), without
// deployments or disconnect windows: for every node, which of the job's allocations to keep,
// update, migrate, stop or mark lost, and which names to place.
import type { Allocation, Job, Node, TaskGroup } from "../api/types/index.ts";
import type { ReadyNodes } from "./common.ts";
import { ranSuccessfully, shouldMigrate } from "./reschedule.ts";
import { terminal } from "./util.ts";

export interface Tuple {
	name: string;
	tg: TaskGroup | undefined;
	alloc: Allocation;
}

export interface NodeDiff {
	place: Tuple[];
	update: Tuple[];
	migrate: Tuple[];
	stop: Tuple[];
	ignore: Tuple[];
	lost: Tuple[];
}

/** NodeReconciler.Compute without deployments or disconnect windows. */
export function reconcileNodes(
	job: Job | undefined,
	ready: ReadyNodes,
	tainted: ReadonlyMap<string, Node | null>,
	allocs: readonly Allocation[],
): NodeDiff {
	const diff: NodeDiff = { place: [], update: [], migrate: [], stop: [], ignore: [], lost: [] };
	const live = new Map<string, Allocation[]>();
	const term = new Map<string, Map<string, Allocation>>();
	for (const a of allocs) {
		if (terminal(a)) {
			let m = term.get(a.NodeID);
			if (!m) {
				m = new Map();
				term.set(a.NodeID, m);
			}
			const prev = m.get(a.Name);
			if (!prev || prev.CreateIndex < a.CreateIndex) m.set(a.Name, a);
			continue;
		}
		let l = live.get(a.NodeID);
		if (!l) {
			l = [];
			live.set(a.NodeID, l);
		}
		l.push(a);
	}
	const eligible = new Set<string>();
	for (const n of ready.nodes) {
		eligible.add(n.ID);
		if (!live.has(n.ID)) live.set(n.ID, []);
	}
	const required = new Map<string, TaskGroup>();
	if (job && !job.Stop) {
		for (const tg of job.TaskGroups)
			for (let i = 0; i < tg.Count; i++) required.set(`${job.Name}.${tg.Name}[${i}]`, tg);
	}
	for (const [nodeID, list] of live) {
		const existing = new Set<string>();
		for (const a of list) {
			existing.add(a.Name);
			const tg = required.get(a.Name);
			const t: Tuple = { name: a.Name, tg, alloc: a };
			if (!tg) diff.stop.push(t);
			else if (shouldMigrate(a)) diff.migrate.push(t);
			else if (a.ClientStatus === "unknown" && a.DesiredStatus === "run") diff.ignore.push(t);
			else if (tainted.has(a.NodeID)) {
				const node = tainted.get(a.NodeID);
				if ((a.Job ?? job)?.Type === "sysbatch" && ranSuccessfully(a)) diff.ignore.push(t);
				else if (!node || node.Status === "down" || node.Status === "disconnected") diff.lost.push(t);
				else diff.ignore.push(t);
			} else if (ready.notReady.has(nodeID)) {
				if ((job as Job).JobModifyIndex !== (a.Job ?? job)?.JobModifyIndex) diff.stop.push(t);
				else diff.ignore.push(t);
			} else if (!eligible.has(nodeID)) diff.stop.push(t);
			else if ((job as Job).JobModifyIndex !== (a.Job ?? job)?.JobModifyIndex) diff.update.push(t);
			else diff.ignore.push(t);
		}
		for (const [name, tg] of required) {
			if (existing.has(name)) continue;
			const old = term.get(nodeID)?.get(name);
			if (job?.Type === "sysbatch" && old) {
				if ((job as Job).JobModifyIndex !== (old.Job ?? job).JobModifyIndex) diff.update.push({ name, tg, alloc: old });
				else diff.ignore.push({ name, tg, alloc: old });
				continue;
			}
			if (tainted.has(nodeID) || !eligible.has(nodeID)) continue;
			diff.place.push({ name, tg, alloc: old ?? ({ NodeID: nodeID } as Allocation) });
		}
	}
	return diff;
}
