// Scaling.ListPolicies and Scaling.GetPolicy (/v1/scaling/policies, /v1/scaling/policy/:id): the
// policies of the jobs' `scaling` blocks, as the Nomad Autoscaler reads them (with blocking
// queries on the list). Policies are written by job upserts (fsm/scalingPolicies.ts).
import type { QueryMeta, QueryOptions } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";

type Target = Record<string, string>;

const targetOf = (p: Row): Target => (p.Target as Target | null) ?? {};

function stub(p: Row): Row {
	return {
		ID: p.ID,
		Enabled: p.Enabled,
		Type: p.Type,
		Target: { ...targetOf(p) },
		CreateIndex: p.CreateIndex,
		ModifyIndex: p.ModifyIndex,
	};
}

export interface PolicyListRequest {
	namespace: string;
	/** Only this job's policies. */
	job?: string;
	/** Types starting with this. */
	type?: string;
	/** IDs starting with this (QueryOptions.Prefix). */
	prefix?: string;
	/** With namespace "*": which namespaces the caller may list. */
	allowNamespace: (ns: string) => boolean;
}

export async function listScalingPolicies(
	srv: Server,
	req: PolicyListRequest,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["scaling_policies"],
		signal,
		run: (view) => {
			const all = req.namespace === "*";
			const keep = (p: Row): boolean => {
				const t = targetOf(p);
				if (all ? !req.allowNamespace(t.Namespace ?? "") : t.Namespace !== req.namespace) return false;
				if (req.prefix) return (p.ID as string).startsWith(req.prefix);
				if (req.job && !all && t.Job !== req.job) return false;
				return !req.type || (p.Type as string).startsWith(req.type);
			};
			let rows = [...view.scan("scaling_policies")].filter(keep);
			// Nomad walks a namespace's policies by target (job, group, task), all of them by ID.
			if (!all) {
				const order = (p: Row) => {
					const t = targetOf(p);
					return `${t.Job ?? ""}\u0000${t.Group ?? ""}\u0000${t.Task ?? ""}`;
				};
				rows = rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
			}
			return { index: Math.max(1, view.tableIndex("scaling_policies")), value: rows.map(stub) };
		},
	});
}

export async function getScalingPolicy(
	srv: Server,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row> {
	const out = await srv.read(q, meta, {
		tables: ["scaling_policies"],
		signal,
		run: (view) => {
			const p = view.get("scaling_policies", id);
			return {
				index: p ? (p.ModifyIndex as number) : Math.max(1, view.tableIndex("scaling_policies")),
				value: p,
			};
		},
	});
	if (!out) throw new CodedError(404, "policy not found");
	return out;
}
