// Node.* endpoints: list, read (secret blanked, Drain flag), a node's allocations, evaluate,
// eligibility and purge. Drain (the node drainer) is not built yet.
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { EvalCmd } from "../fsm/evalCommands.ts";
import { NodeCmd } from "../fsm/nodeCommands.ts";
import { nodeEvals } from "../nodeEvals.ts";
import { paginate } from "../paginate.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";
import { omitEmpty, sanitizeAlloc } from "./stubs.ts";

/** The wire form of a node: never its secret, plus Nomad's derived Drain flag. */
export function wireNode(node: Row): Row {
	return { ...node, SecretID: "", Drain: node.DrainStrategy != null };
}

export function nodeListStub(node: Row, opts: { resources?: boolean; os?: boolean }): Row {
	const http = (node.HTTPAddr as string | undefined) ?? "";
	const i = http.lastIndexOf(":");
	const attrs = (node.Attributes as Record<string, string> | null) ?? {};
	const stub: Row = { Address: i > 0 ? http.slice(0, i) : http, ID: node.ID };
	if (opts.os) stub.Attributes = { "os.name": attrs["os.name"] ?? "" };
	Object.assign(stub, {
		Datacenter: node.Datacenter,
		Name: node.Name,
		NodeClass: node.NodeClass ?? "",
		NodePool: node.NodePool,
		Version: attrs["nomad.version"] ?? "",
		Drain: node.DrainStrategy != null,
		SchedulingEligibility: node.SchedulingEligibility,
		Status: node.Status,
		StatusDescription: node.StatusDescription ?? "",
		Drivers: node.Drivers ?? null,
		HostVolumes: node.HostVolumes ?? null,
	});
	if (opts.resources) {
		stub.NodeResources = node.NodeResources ?? null;
		stub.ReservedResources = node.ReservedResources ?? null;
	}
	Object.assign(stub, {
		LastDrain: node.LastDrain ?? null,
		CreateIndex: node.CreateIndex,
		ModifyIndex: node.ModifyIndex,
	});
	return stub;
}

export async function listNodes(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	opts: { resources?: boolean; os?: boolean },
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["nodes"],
		signal,
		run: (view) => {
			const page = paginate({
				rows: view.scan("nodes", { prefix: q.Prefix, reverse: q.Reverse }),
				query: q,
				token: (r) => r.ID as string,
			});
			meta.NextToken = page.nextToken;
			return { index: Math.max(1, view.tableIndex("nodes")), value: page.items.map((n) => nodeListStub(n, opts)) };
		},
	});
}

/** Resolves a node ID or unique ID prefix (as Nomad's node endpoints accept). */
function resolveNode(view: StateView, idOrPrefix: string): Row | undefined {
	const exact = view.get("nodes", idOrPrefix);
	if (exact) return exact;
	const matches = [...view.scan("nodes", { prefix: idOrPrefix })].slice(0, 2);
	return matches.length === 1 ? matches[0] : undefined;
}

export async function getNode(
	srv: Server,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row> {
	const node = await srv.read(q, meta, {
		tables: ["nodes"],
		signal,
		run: (view) => {
			const n = resolveNode(view, id);
			return { index: Math.max(1, (n?.ModifyIndex as number | undefined) ?? view.tableIndex("nodes")), value: n };
		},
	});
	if (!node) throw new CodedError(404, "node not found");
	return wireNode(node);
}

export async function nodeAllocations(
	srv: Server,
	id: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["allocs"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("allocs")),
			value: [...view.byIndex("allocs", "node", id)].map((a) => omitEmpty(sanitizeAlloc(view, a))),
		}),
	});
}

function existing(srv: Server, id: string): Row {
	const node = srv.state.get("nodes", id);
	if (!node) throw new CodedError(404, "node not found");
	return node;
}

async function createEvals(srv: Server, node: Row): Promise<{ ids: string[]; index: number }> {
	const evals = nodeEvals(srv.state, node, Date.now() * 1e6);
	if (evals.length === 0) return { ids: [], index: 0 };
	const r = await srv.apply(EvalCmd.update, { Evals: evals });
	return { ids: evals.map((e) => e.ID as string), index: r.index };
}

function updateResponse(evals: { ids: string[]; index: number }, nodeIndex: number): Row {
	return {
		HeartbeatTTL: 0,
		EvalIDs: evals.ids.length > 0 ? evals.ids : null,
		EvalCreateIndex: evals.index,
		NodeModifyIndex: nodeIndex,
		Index: Math.max(evals.index, nodeIndex),
		LastContact: 0,
		KnownLeader: true,
		NextToken: "",
	};
}

export async function evaluateNode(srv: Server, id: string, w: WriteRequest): Promise<Row> {
	srv.checkRoute(w.Region, { write: true });
	const node = existing(srv, id);
	const evals = await createEvals(srv, node);
	return updateResponse(evals, node.ModifyIndex as number);
}

export async function setEligibility(srv: Server, id: string, eligibility: string, w: WriteRequest): Promise<Row> {
	srv.checkRoute(w.Region, { write: true });
	if (eligibility !== "eligible" && eligibility !== "ineligible") {
		throw new CodedError(400, `invalid scheduling eligibility "${eligibility}"`);
	}
	const node = existing(srv, id);
	if (node.DrainStrategy && eligibility === "eligible") {
		throw new CodedError(400, "can not set node's scheduling eligibility to eligible while it is draining");
	}
	const now = new Date();
	const r = await srv.apply(NodeCmd.updateEligibility, {
		NodeID: id,
		Eligibility: eligibility,
		Event: {
			Message:
				eligibility === "eligible"
					? "Node marked as eligible for scheduling"
					: "Node marked as ineligible for scheduling",
			Subsystem: "Cluster",
			Details: null,
			Timestamp: now.toISOString(),
		},
	});
	// Becoming eligible can make room for blocked work; the leader's afterApply unblocks its class.
	const evals =
		eligibility === "eligible" ? await createEvals(srv, srv.state.get("nodes", id) ?? node) : { ids: [], index: 0 };
	return updateResponse(evals, r.index);
}

export async function purgeNode(srv: Server, id: string, w: WriteRequest): Promise<Row> {
	srv.checkRoute(w.Region, { write: true });
	const node = existing(srv, id);
	const evals = nodeEvals(srv.state, node, Date.now() * 1e6);
	const r = await srv.apply(NodeCmd.deregister, { NodeIDs: [id] });
	srv.heartbeats.clear(id);
	let evalIndex = 0;
	if (evals.length > 0) evalIndex = (await srv.apply(EvalCmd.update, { Evals: evals })).index;
	return updateResponse({ ids: evals.map((e) => e.ID as string), index: evalIndex }, r.index);
}

export interface DrainRequest {
	/** null/undefined cancels a drain. Deadline in ns: 0 = no deadline, < 0 = force now. */
	DrainSpec: { Deadline: number; IgnoreSystemJobs: boolean } | null;
	MarkEligible: boolean;
	Meta: Record<string, string> | null;
}

/** Starts, changes or cancels a node drain; the leader's drainer does the migrating. */
export async function setDrain(srv: Server, id: string, req: DrainRequest, w: WriteRequest): Promise<Row> {
	srv.checkRoute(w.Region, { write: true });
	existing(srv, id);
	const now = new Date();
	let r: { index: number };
	if (req.DrainSpec) {
		const deadline = req.DrainSpec.Deadline;
		if (!Number.isFinite(deadline)) throw new CodedError(400, "invalid drain deadline");
		r = await srv.apply(NodeCmd.updateDrain, {
			NodeID: id,
			DrainStrategy: {
				Deadline: deadline,
				IgnoreSystemJobs: req.DrainSpec.IgnoreSystemJobs === true,
				ForceDeadline: deadline > 0 ? new Date(now.getTime() + deadline / 1e6).toISOString() : null,
				StartedAt: now.toISOString(),
			},
			LastDrain: {
				StartedAt: now.toISOString(),
				UpdatedAt: now.toISOString(),
				Status: "draining",
				AccessorID: "",
				Meta: req.Meta ?? null,
			},
			Event: { Message: "Node drain strategy set", Subsystem: "Drain", Details: null, Timestamp: now.toISOString() },
		});
	} else {
		const node = existing(srv, id);
		const last = (node.LastDrain as Row | null) ?? null;
		r = await srv.apply(NodeCmd.updateDrain, {
			NodeID: id,
			DrainStrategy: null,
			Eligibility: req.MarkEligible ? "eligible" : undefined,
			LastDrain: last ? { ...last, Status: "canceled", UpdatedAt: now.toISOString() } : null,
			Event: {
				Message: "Node drain strategy cancelled",
				Subsystem: "Drain",
				Details: null,
				Timestamp: now.toISOString(),
			},
		});
	}
	return updateResponse({ ids: [], index: 0 }, r.index);
}
