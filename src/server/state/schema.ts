import type { Allocation } from "../../api/types/index.ts";
import { type NodeUsage, nextNodeUsage } from "../../scheduler/resources.ts";

// The tables of the state store and their secondary indexes. A secondary index maps each row to
// zero or more index values; lookups by value return primary keys in key order.

export interface TableSpec {
	/** Primary key of a row; rows iterate in this key's order (pagination and prefix scans rely on it). */
	primaryKey: (row: Row) => string;
	/** Secondary indexes: name → values of a row for that index (undefined = not indexed). */
	indexes?: Record<string, (row: Row) => string | readonly string[] | undefined>;
}

// Rows are wire-shaped objects (PascalCase fields) stored frozen-by-convention: never mutate a row
// in place; write a new object. Snapshots share rows.
export type Row = Record<string, unknown>;

/** Sortable create index, for "<CreateIndex>.<ID>" pagination order. */
export const createKey = (r: Row): string => String((r.CreateIndex as number | undefined) ?? 0).padStart(20, "0");

const byNsAndId = (r: Row): string => `${r.Namespace as string}\u0000${r.ID as string}`;

export const TABLES = {
	/** One row, key "config": the cluster's scheduler configuration. */
	scheduler_config: { primaryKey: () => "config" },
	/** One row, key "cluster": cluster ID and creation time, written by the first leader. */
	cluster_meta: { primaryKey: () => "cluster" },
	namespaces: { primaryKey: (r) => r.Name as string },
	root_keys: { primaryKey: (r) => r.KeyID as string, indexes: { state: (r) => r.State as string } },
	acl_policies: { primaryKey: (r) => r.Name as string },
	/** ACL tokens by AccessorID; the secret is only kept hashed (index) and sealed (see server/acl). */
	acl_tokens: { primaryKey: (r) => r.AccessorID as string, indexes: { secret: (r) => r.SecretHash as string } },
	acl_roles: { primaryKey: (r) => r.ID as string, indexes: { name: (r) => r.Name as string } },
	/** One-time tokens by the hash of their secret. */
	acl_onetime: { primaryKey: (r) => r.SecretHash as string },
	/** One row, key "bootstrap": the index at which ACLs were bootstrapped. */
	acl_bootstrap: { primaryKey: () => "bootstrap" },
	/** Current version of each job. Key: namespace \0 job ID. */
	jobs: {
		primaryKey: byNsAndId,
		indexes: {
			id: (r) => r.ID as string,
			parent: (r) => (r.ParentID ? `${r.Namespace as string}\u0000${r.ParentID as string}` : undefined),
			periodic: (r) => ((r.Periodic as Row | null)?.Enabled ? "true" : undefined),
		},
	},
	/** Retained versions. Key: namespace \0 job ID \0 version (zero-padded so versions sort). */
	job_versions: {
		primaryKey: (r) => `${r.Namespace as string}\u0000${r.ID as string}\u0000${String(r.Version).padStart(20, "0")}`,
	},
	/** JobSummary per job. Key: namespace \0 job ID. */
	job_summary: { primaryKey: (r) => `${r.Namespace as string}\u0000${r.JobID as string}` },
	/** Last launch of each periodic job (PeriodicLaunch). Key: namespace \0 job ID. */
	periodic_launch: { primaryKey: byNsAndId },
	nodes: { primaryKey: (r) => r.ID as string, indexes: { pool: (r) => r.NodePool as string } },
	evals: {
		primaryKey: (r) => r.ID as string,
		indexes: {
			job: (r) => `${r.Namespace as string}\u0000${r.JobID as string}`,
			status: (r) => r.Status as string,
			create: (r) => createKey(r),
		},
	},
	allocs: {
		primaryKey: (r) => r.ID as string,
		indexes: {
			node: (r) => r.NodeID as string | undefined,
			job: (r) => `${r.Namespace as string}\u0000${r.JobID as string}`,
			eval: (r) => r.EvalID as string | undefined,
			deployment: (r) => (r.DeploymentID as string | undefined) || undefined,
			create: (r) => createKey(r),
		},
	},
	deployments: {
		primaryKey: (r) => r.ID as string,
		indexes: { job: (r) => `${r.Namespace as string}\u0000${r.JobID as string}` },
	},
	/** Scaling policies of the jobs' groups (Nomad's scaling_policy table), by ID. */
	scaling_policies: {
		primaryKey: (r) => r.ID as string,
		indexes: {
			job: (r) => {
				const t = (r.Target as Record<string, string> | null) ?? {};
				return `${t.Namespace ?? ""}\u0000${t.Job ?? ""}`;
			},
		},
	},
} satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/**
 * Aggregates the store keeps up to date on every write of a table, folded from the row before and
 * after the change. Values must be treated as immutable (fold returns a new value), so snapshots
 * stay consistent. node_usage: the summed resource usage of each node's live allocations, which the
 * scheduler and plan applier read instead of re-adding a node's allocations on every placement.
 */
export interface DerivedSpec {
	table: TableName;
	key: (row: Row) => string | undefined;
	fold: (prev: unknown, before: Row | undefined, after: Row | undefined) => unknown;
}

export const DERIVED = {
	node_usage: {
		table: "allocs",
		key: (r) => (r.NodeID as string | undefined) || undefined,
		fold: (prev, before, after) =>
			nextNodeUsage(prev as NodeUsage | undefined, before as unknown as Allocation, after as unknown as Allocation),
	},
} satisfies Record<string, DerivedSpec>;
