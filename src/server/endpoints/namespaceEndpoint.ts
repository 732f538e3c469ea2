// Namespace.* endpoints: list, read, upsert, delete.
import type { QueryMeta, QueryOptions, WriteRequest } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { Cmd } from "../fsm/coreCommands.ts";
import { paginate } from "../paginate.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";

const VALID_NAME = /^[a-zA-Z0-9-]{1,128}$/;
const MAX_DESCRIPTION = 256;

export async function listNamespaces(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row[]> {
	return srv.read(q, meta, {
		tables: ["namespaces"],
		signal,
		run: (view) => {
			const page = paginate({
				rows: view.scan("namespaces", { prefix: q.Prefix, reverse: q.Reverse }),
				query: q,
				token: (r) => r.Name as string,
			});
			meta.NextToken = page.nextToken;
			return {
				index: Math.max(1, view.tableIndex("namespaces")),
				value: page.items,
			};
		},
	});
}

export async function getNamespace(
	srv: Server,
	name: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	return srv.readRow(q, meta, "namespaces", name, signal);
}

/** Validates and normalises a namespace from a request body (Nomad's Namespace.Validate). */
export function validateNamespace(input: Row): Row {
	const name = typeof input.Name === "string" ? input.Name : "";
	const errs: string[] = [];
	if (!VALID_NAME.test(name)) errs.push(`invalid name "${name}". Must match regex ${VALID_NAME.source}`);
	const description = input.Description ?? "";
	if (typeof description !== "string") errs.push("description must be a string");
	else if (description.length > MAX_DESCRIPTION) errs.push(`description longer than ${MAX_DESCRIPTION}`);
	const meta = input.Meta ?? null;
	if (
		meta !== null &&
		(typeof meta !== "object" || Array.isArray(meta) || Object.values(meta).some((v) => typeof v !== "string"))
	) {
		errs.push("meta must be a map of strings");
	}
	if (errs.length > 0) throw new CodedError(400, `Invalid namespace "${name}": ${errs.join("; ")}`);
	return {
		Name: name,
		Description: description,
		Quota: typeof input.Quota === "string" ? input.Quota : "",
		Capabilities: input.Capabilities ?? null,
		NodePoolConfiguration: input.NodePoolConfiguration ?? null,
		VaultConfiguration: input.VaultConfiguration ?? null,
		ConsulConfiguration: input.ConsulConfiguration ?? null,
		Meta: meta,
		CreateIndex: 0,
		ModifyIndex: 0,
	};
}

export async function upsertNamespaces(srv: Server, namespaces: Row[], w: WriteRequest): Promise<number> {
	srv.checkRoute(w.Region, { write: true });
	if (namespaces.length === 0) throw new CodedError(400, "must specify at least one namespace");
	const valid = namespaces.map(validateNamespace);
	for (const ns of valid) {
		if (ns.Quota)
			throw new CodedError(400, `namespace "${ns.Name as string}" using non-existent quota "${ns.Quota as string}"`);
	}
	const r = await srv.apply(Cmd.namespaceUpsert, { Namespaces: valid });
	return r.index;
}

export async function deleteNamespaces(srv: Server, names: string[], w: WriteRequest): Promise<number> {
	srv.checkRoute(w.Region, { write: true });
	if (names.length === 0) throw new CodedError(400, "must specify at least one namespace to delete");
	if (names.includes("default")) throw new CodedError(400, "can not delete default namespace");
	const r = await srv.apply(Cmd.namespaceDelete, { Names: names });
	return r.index;
}
