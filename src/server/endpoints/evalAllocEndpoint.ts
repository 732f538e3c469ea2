// Eval.* and Alloc.* read endpoints: lists with prefix/filter/pagination, single reads,
// an evaluation's allocations, and counts.
import type { QueryMeta, QueryOptions } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { paginate } from "../paginate.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";
import { allocListStub, omitEmpty, sanitizeAlloc } from "./stubs.ts";

const pad = (n: unknown): string => String((n as number | undefined) ?? 0).padStart(20, "0");

/** Nomad's "<CreateIndex>.<ID>" tokens for evals/allocs listed across namespaces. */
const createToken = (r: Row): string => `${r.CreateIndex as number}.${r.ID as string}`;
const createSortKey = (r: Row): string => `${pad(r.CreateIndex)}.${r.ID as string}`;
const createTokenSortKey = (tok: string): string => {
	const dot = tok.indexOf(".");
	const idx = Number(dot < 0 ? tok : tok.slice(0, dot));
	return `${pad(Number.isFinite(idx) ? idx : 0)}.${dot < 0 ? "" : tok.slice(dot + 1)}`;
};

/** Namespace selection for lists: "*" means every namespace (ACL filtering arrives with ACLs). */
export function inNamespace(q: QueryOptions): (r: Row) => boolean {
	return q.Namespace === "*" ? () => true : (r) => r.Namespace === q.Namespace;
}

function listRows(
	view: StateView,
	table: "evals" | "allocs",
	q: QueryOptions,
): { rows: Iterable<Row>; byPrefix: boolean } {
	if (q.Prefix) return { rows: view.scan(table, { prefix: q.Prefix, reverse: q.Reverse }), byPrefix: true };
	return { rows: view.scanIndex(table, "create", { reverse: q.Reverse }), byPrefix: false };
}

export interface EvalListOptions {
	job?: string;
	status?: string;
}

export async function listEvals(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	opts: EvalListOptions,
	signal?: AbortSignal,
): Promise<Row[]> {
	if (q.Filter && (opts.job || opts.status)) {
		throw new CodedError(400, "Filter expression cannot be used with other filter parameters");
	}
	return srv.read(q, meta, {
		tables: ["evals"],
		signal,
		run: (view) => {
			const { rows, byPrefix } = listRows(view, "evals", q);
			const ns = inNamespace(q);
			const page = paginate({
				rows,
				query: q,
				token: byPrefix ? (r) => r.ID as string : createToken,
				sortKey: byPrefix ? undefined : createSortKey,
				tokenSortKey: byPrefix ? undefined : createTokenSortKey,
				select: (r) => ns(r) && (!opts.job || r.JobID === opts.job) && (!opts.status || r.Status === opts.status),
			});
			meta.NextToken = page.nextToken;
			return { index: Math.max(1, view.tableIndex("evals")), value: page.items.map(omitEmpty) };
		},
	});
}

export async function countEvals(srv: Server, q: QueryOptions, meta: QueryMeta, signal?: AbortSignal): Promise<number> {
	return srv.read(q, meta, {
		tables: ["evals"],
		signal,
		run: (view) => {
			const ns = inNamespace(q);
			const page = paginate({
				rows: view.scan("evals", { prefix: q.Prefix }),
				query: { ...q, PerPage: 0, NextToken: "" },
				token: (r) => r.ID as string,
				select: ns,
			});
			return { index: Math.max(1, view.tableIndex("evals")), value: page.items.length };
		},
	});
}

/** Evaluation by ID; with `related`, the chain of evals linked by Next/Previous/Blocked as stubs. */
export async function getEval(
	srv: Server,
	id: string,
	related: boolean,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	return srv.read(q, meta, {
		tables: ["evals"],
		signal,
		run: (view) => {
			const ev = view.get("evals", id);
			if (!ev) return { index: Math.max(1, view.tableIndex("evals")), value: undefined };
			const out: Row = { ...ev };
			if (related) out.RelatedEvals = relatedEvals(view, ev);
			return { index: ev.ModifyIndex as number, value: omitEmpty(out) };
		},
	});
}

function relatedEvals(view: StateView, ev: Row): Row[] {
	const seen = new Set<string>([ev.ID as string]);
	const queue = [ev];
	const out: Row[] = [];
	while (queue.length > 0) {
		const cur = queue.shift() as Row;
		for (const key of ["NextEval", "PreviousEval", "BlockedEval"]) {
			const id = cur[key] as string | undefined;
			if (!id || seen.has(id)) continue;
			seen.add(id);
			const other = view.get("evals", id);
			if (!other) continue;
			queue.push(other);
			out.push(
				omitEmpty({
					ID: other.ID,
					Namespace: other.Namespace,
					Priority: other.Priority,
					Type: other.Type,
					TriggeredBy: other.TriggeredBy,
					JobID: other.JobID,
					NodeID: other.NodeID,
					DeploymentID: other.DeploymentID,
					Status: other.Status,
					StatusDescription: other.StatusDescription,
					WaitUntil: other.WaitUntil,
					NextEval: other.NextEval,
					PreviousEval: other.PreviousEval,
					BlockedEval: other.BlockedEval,
					CreateIndex: other.CreateIndex,
					ModifyIndex: other.ModifyIndex,
					CreateTime: other.CreateTime,
					ModifyTime: other.ModifyTime,
				}),
			);
		}
	}
	return out;
}

export interface AllocListOptions {
	resources?: boolean;
	taskStates?: boolean;
}

export async function listAllocs(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	opts: AllocListOptions,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view) => {
			const { rows, byPrefix } = listRows(view, "allocs", q);
			const page = paginate({
				rows,
				query: q,
				token: byPrefix ? (r) => r.ID as string : createToken,
				sortKey: byPrefix ? undefined : createSortKey,
				tokenSortKey: byPrefix ? undefined : createTokenSortKey,
				select: inNamespace(q),
			});
			meta.NextToken = page.nextToken;
			return {
				index: Math.max(1, view.tableIndex("allocs")),
				value: page.items.map((a) => allocListStub(view, a, opts)),
			};
		},
	});
}

export async function getAlloc(
	srv: Server,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	return srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view) => {
			const a = view.get("allocs", id);
			if (!a) return { index: Math.max(1, view.tableIndex("allocs")), value: undefined };
			return { index: a.ModifyIndex as number, value: omitEmpty(sanitizeAlloc(view, a)) };
		},
	});
}

export async function evalAllocs(
	srv: Server,
	evalID: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("allocs")),
			value: [...view.byIndex("allocs", "eval", evalID)].map((a) => allocListStub(view, a)),
		}),
	});
}
