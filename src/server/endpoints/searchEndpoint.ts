// Search.PrefixSearch (/v1/search): IDs (names for namespaces and node pools) starting with a
// prefix, per context, at most 20 each with a truncation flag, as Nomad's search endpoint answers
// `nomad status <prefix>`. Contexts nomad-ts has no objects for (CSI plugins and volumes, host
// volumes, scaling policies, variables) answer no matches. Which contexts the caller may search is
// decided by the route from its ACL (SearchAccess).
import type { QueryMeta, QueryOptions } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import type { Server } from "../server.ts";
import type { Row, TableName } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";

/** Nomad CE's searchable contexts, in its order ("all" expands to these). */
const SEARCH_CONTEXTS = [
	"allocs",
	"jobs",
	"nodes",
	"node_pools",
	"evals",
	"deployment",
	"plugins",
	"volumes",
	"scaling_policy",
	"vars",
	"namespaces",
	"host_volumes",
] as const;
export type SearchContext = (typeof SEARCH_CONTEXTS)[number];

const TRUNCATE_LIMIT = 20;
const BUILTIN_NODE_POOLS = ["all", "default"];
const ALL_NAMESPACES = "*";

/** What the caller may see, from its ACL. */
export interface SearchAccess {
	/** May this context be searched in the request's namespace at all? */
	context(ctx: SearchContext): boolean;
	/** With namespace "*": may job-scoped objects of this namespace be listed? */
	jobNamespace(ns: string): boolean;
	namespace(name: string): boolean;
	nodePool(name: string): boolean;
}

export interface SearchResult {
	Matches: Record<string, string[] | null>;
	Truncations: Record<string, boolean>;
}

/** The contexts a request for `context` searches; 400 with Nomad's message for an unknown one. */
function searchContexts(context: string): SearchContext[] {
	if (context === "all") return [...SEARCH_CONTEXTS];
	if ((SEARCH_CONTEXTS as readonly string[]).includes(context)) return [context as SearchContext];
	throw new CodedError(
		400,
		`context must be one of [${SEARCH_CONTEXTS.join(" ")}] or 'all' for all contexts; got "${context}"`,
	);
}

/**
 * IDs are UUIDs looked up by hex pairs: an odd number of hex digits is rounded down to scan, and
 * the scanned IDs are then matched against the whole prefix (job IDs are taken as they are).
 */
function scanPrefix(prefix: string, ctx: SearchContext): string {
	if (ctx === "jobs") return prefix;
	const digits = prefix.length - (prefix.match(/-/g)?.length ?? 0);
	return digits % 2 === 0 ? prefix : prefix.slice(0, -1);
}

const TABLE_OF: Partial<Record<SearchContext, TableName>> = {
	allocs: "allocs",
	jobs: "jobs",
	nodes: "nodes",
	node_pools: "nodes",
	evals: "evals",
	deployment: "deployments",
	namespaces: "namespaces",
};

/** The candidate IDs of a context, in order, starting at `from`. */
function* candidates(
	view: StateView,
	ctx: SearchContext,
	from: string,
	namespace: string,
	access: SearchAccess,
): Generator<string> {
	const inNamespace = (r: Row): boolean =>
		namespace === ALL_NAMESPACES ? access.jobNamespace(r.Namespace as string) : r.Namespace === namespace;
	switch (ctx) {
		case "jobs": {
			const namespaces =
				namespace === ALL_NAMESPACES
					? [...view.scan("namespaces")].map((n) => n.Name as string).filter((ns) => access.jobNamespace(ns))
					: [namespace];
			for (const ns of namespaces)
				for (const j of view.scan("jobs", { prefix: `${ns}\u0000${from}` })) yield j.ID as string;
			return;
		}
		case "allocs":
		case "evals":
		case "deployment":
			for (const r of view.scan(TABLE_OF[ctx] as TableName, { prefix: from })) if (inNamespace(r)) yield r.ID as string;
			return;
		case "nodes":
			for (const n of view.scan("nodes", { prefix: from })) yield n.ID as string;
			return;
		case "namespaces":
			for (const n of view.scan("namespaces", { prefix: from }))
				if (access.namespace(n.Name as string)) yield n.Name as string;
			return;
		case "node_pools": {
			// Built-in pools plus the pools nodes registered in (Nomad creates those on registration).
			const pools = new Set(BUILTIN_NODE_POOLS);
			for (const n of view.scan("nodes")) if (n.NodePool) pools.add(n.NodePool as string);
			for (const p of [...pools].sort()) if (p.startsWith(from) && access.nodePool(p)) yield p;
			return;
		}
		default:
			return;
	}
}

export async function prefixSearch(
	srv: Server,
	req: { prefix: string; context: string; namespace: string },
	access: SearchAccess,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<SearchResult> {
	const wanted = searchContexts(req.context);
	if (req.context !== "all" && !access.context(wanted[0] as SearchContext)) {
		throw new CodedError(403, "Permission denied");
	}
	const contexts = wanted.filter((c) => access.context(c));
	const tables = [...new Set(contexts.map((c) => TABLE_OF[c]).filter((t): t is TableName => t !== undefined))];
	return srv.read(q, meta, {
		tables: tables.length > 0 ? tables : ["namespaces"],
		signal,
		run: (view) => {
			const out: SearchResult = { Matches: {}, Truncations: {} };
			for (const ctx of contexts) {
				const ids: string[] = [];
				let seen = 0;
				let truncated = false;
				for (const id of candidates(view, ctx, scanPrefix(req.prefix, ctx), req.namespace, access)) {
					if (seen === TRUNCATE_LIMIT) {
						truncated = true;
						break;
					}
					seen++;
					if (id.startsWith(req.prefix)) ids.push(id);
				}
				out.Matches[ctx] = ids.length > 0 ? ids : null;
				out.Truncations[ctx] = truncated;
			}
			return { index: Math.max(1, ...tables.map((t) => view.tableIndex(t))), value: out };
		},
	});
}
