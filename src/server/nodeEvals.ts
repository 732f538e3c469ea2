// Evaluations a node change needs (Nomad's createNodeEvals): one per job with live allocations on
// the node, plus one per system job that could run there; TriggeredBy node-update.
import { randomUUID } from "node:crypto";
import { allocTerminal } from "./fsm/jobStatus.ts";
import type { Row } from "./state/schema.ts";
import type { StateView } from "./state/stateStore.ts";

function clientTerminal(a: Row): boolean {
	return a.ClientStatus === "complete" || a.ClientStatus === "failed" || a.ClientStatus === "lost";
}

function dcMatch(node: Row, dcs: string[] | null | undefined): boolean {
	const dc = node.Datacenter as string;
	for (const pattern of dcs ?? ["*"]) {
		if (pattern === dc) return true;
		const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
		if (re.test(dc)) return true;
	}
	return false;
}

export function nodeEvals(view: StateView, node: Row, nowNs: number): Row[] {
	const evals: Row[] = [];
	const seen = new Set<string>();
	const mk = (job: Row): Row => ({
		ID: randomUUID(),
		Namespace: job.Namespace,
		Priority: job.Priority,
		Type: job.Type,
		TriggeredBy: "node-update",
		JobID: job.ID,
		JobModifyIndex: job.ModifyIndex,
		NodeID: node.ID,
		NodeModifyIndex: node.ModifyIndex,
		Status: "pending",
		CreateTime: nowNs,
		ModifyTime: nowNs,
	});
	for (const a of view.byIndex("allocs", "node", node.ID as string)) {
		const key = `${a.Namespace as string}\u0000${a.JobID as string}`;
		if (seen.has(key)) continue;
		const job = view.get("jobs", key);
		if (!job) continue;
		if (job.Type === "system" || job.Type === "sysbatch") continue;
		if (job.Type === "service" && allocTerminal(a) && clientTerminal(a)) continue;
		if (job.Type === "batch" && clientTerminal(a)) continue;
		seen.add(key);
		evals.push(mk(job));
	}
	for (const job of view.scan("jobs")) {
		if (job.Type !== "system" || job.Stop === true) continue;
		const pool = job.NodePool as string;
		if (pool !== "all" && pool !== node.NodePool) continue;
		if (!dcMatch(node, job.Datacenters as string[] | null)) continue;
		const key = `${job.Namespace as string}\u0000${job.ID as string}`;
		if (seen.has(key)) continue;
		seen.add(key);
		evals.push(mk(job));
	}
	return evals;
}
