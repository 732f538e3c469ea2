// A job's scaling policies (its groups' `scaling` blocks) kept in their own table, as Nomad's
// state store does on every job upsert (updateJobScalingPolicies): policies whose target left the
// job are deleted, a policy that did not change keeps its row, a changed one keeps its ID and
// CreateIndex. The job's own copy of each policy shows the stored ID and indexes.
//
// IDs: a policy takes the ID of the stored policy with the same target and type (Nomad propagates
// them from the previous job version); a new one gets a UUID-shaped hash of its target and the
// log index — deterministic, so replay stores the same IDs, and unique per target and index.
import { createHash } from "node:crypto";
import { deepEqual } from "../jobs/specChanged.ts";
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";

type Target = Record<string, string>;

const jobIndexKey = (ns: string, id: string): string => `${ns}\u0000${id}`;

/** Target (namespace, job, group, task) and type: what identifies a policy within its job. */
function policyKey(p: Row): string {
	const t = (p.Target as Target | null) ?? {};
	return [p.Type ?? "", t.Namespace ?? "", t.Job ?? "", t.Group ?? "", t.Task ?? ""].join("\u0000");
}

function derivedID(key: string, index: number): string {
	const h = createHash("sha256").update(`${key}\u0000${index}`).digest("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The policy without what the store assigns, for "did it change" (Nomad's ScalingPolicy.Diff). */
const comparable = (p: Row): Row => ({ ...p, ID: "", CreateIndex: 0, ModifyIndex: 0 });

/**
 * Stores the scaling policies of `job` at tx.index and returns the job with its groups' policies
 * as stored. `disable` turns them all off (a stopped job, as Nomad's deregister does).
 */
export function syncScalingPolicies(tx: WriteTxn, job: Row, opts: { disable?: boolean } = {}): Row {
	const ns = job.Namespace as string;
	const id = job.ID as string;
	const existing = new Map<string, Row>();
	for (const p of tx.view().byIndex("scaling_policies", "job", jobIndexKey(ns, id))) existing.set(policyKey(p), p);
	const kept = new Set<string>();
	const groups = ((job.TaskGroups as Row[] | null) ?? []).map((tg) => {
		const scaling = tg.Scaling as Row | null | undefined;
		if (!scaling || typeof scaling !== "object") return tg;
		const wanted: Row = {
			...scaling,
			Type: scaling.Type || "horizontal",
			Target: { Namespace: ns, Job: id, Group: tg.Name as string },
		};
		if (opts.disable) wanted.Enabled = false;
		const key = policyKey(wanted);
		kept.add(key);
		const old = existing.get(key);
		let stored: Row;
		if (old && deepEqual(comparable(old), comparable(wanted))) stored = old;
		else {
			stored = {
				...wanted,
				ID: (old?.ID as string | undefined) ?? derivedID(key, tx.index),
				CreateIndex: old?.CreateIndex ?? tx.index,
				ModifyIndex: tx.index,
			};
			tx.put("scaling_policies", stored);
		}
		return { ...tg, Scaling: { ...stored } };
	});
	for (const [key, p] of existing) {
		if (kept.has(key)) continue;
		tx.delete("scaling_policies", p.ID as string);
	}
	// A job without policies (then or now) is stored as given.
	return kept.size === 0 && existing.size === 0 ? job : { ...job, TaskGroups: groups };
}

/** Drops every policy of a purged job. */
export function deleteScalingPolicies(tx: WriteTxn, ns: string, id: string): void {
	for (const p of [...tx.view().byIndex("scaling_policies", "job", jobIndexKey(ns, id))]) {
		tx.delete("scaling_policies", p.ID as string);
	}
}
