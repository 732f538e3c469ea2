// ACL.* endpoints: bootstrap, policies, tokens (incl. one-time tokens) and roles. Every function
// takes the caller's Identity (resolved from its secret) and applies Nomad's rules for who may do
// what: management for writes and listings, a token may read itself and its own policies/roles.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { QueryMeta, QueryOptions } from "../../api/query.ts";
import { CodedError } from "../../lib/errors.ts";
import { parsePolicy } from "../acl/policyText.ts";
import { ERR_PERMISSION_DENIED, type Identity } from "../acl/resolver.ts";
import {
	hashSecret,
	isUUID,
	policyHash,
	policyStub,
	roleHash,
	roleStub,
	tokenHash,
	tokenStub,
	tokenView,
} from "../acl/tokens.ts";
import { AclCmd } from "../fsm/aclCommands.ts";
import { multiError } from "../jobs/goText.ts";
import type { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";

const VALID_NAME = /^[a-zA-Z0-9-]{1,128}$/;
const MAX_DESCRIPTION = 256;
const MAX_TOKEN_NAME = 256;
const ONE_TIME_TTL_MS = 10 * 60_000;

function aclEnabled(srv: Server): void {
	if (!srv.opts.aclEnabled) throw new CodedError(400, "ACL support disabled");
}

function requireManagement(id: Identity): void {
	if (!id.acl.isManagement()) throw new CodedError(403, ERR_PERMISSION_DENIED);
}

function denied(): never {
	throw new CodedError(403, ERR_PERMISSION_DENIED);
}

// ---- bootstrap ------------------------------------------------------------------------------

/** The reset index an operator wrote to <data_dir>/server/acl-bootstrap-reset, 0 when none. */
function resetIndex(srv: Server): number {
	if (!srv.opts.dataDir) return 0;
	try {
		const n = Number.parseInt(readFileSync(join(srv.opts.dataDir, "acl-bootstrap-reset"), "utf8").trim(), 10);
		return Number.isFinite(n) ? n : 0;
	} catch {
		return 0;
	}
}

export async function bootstrap(srv: Server, bootstrapSecret: string): Promise<Row> {
	aclEnabled(srv);
	const done = srv.view().get("acl_bootstrap", "bootstrap");
	const reset = resetIndex(srv);
	if (done) {
		const at = done.BootstrapIndex as number;
		if (reset === 0) throw new CodedError(400, `ACL bootstrap already done (reset index: ${at})`);
		if (reset !== at)
			throw new CodedError(400, `Invalid bootstrap reset index (specified ${reset}, reset index: ${at})`);
	}
	if (bootstrapSecret !== "" && !isUUID(bootstrapSecret)) throw new CodedError(400, "invalid acl token");
	const secret = bootstrapSecret || randomUUID();
	const token = newTokenRow(
		srv,
		{
			Name: "Bootstrap Token",
			Type: "management",
			Global: true,
			Policies: null,
			Roles: null,
		},
		secret,
	);
	const r = await srv.apply(AclCmd.bootstrap, { Token: token, ResetIndex: done ? reset : 0 });
	return tokenView(r.result as Row, secret);
}

// ---- policies -------------------------------------------------------------------------------

export async function listPolicies(srv: Server, id: Identity, q: QueryOptions, meta: QueryMeta, signal?: AbortSignal) {
	aclEnabled(srv);
	const own = id.acl.isManagement() ? undefined : new Set(srv.aclResolver.namesOf(id.token));
	return srv.read(q, meta, {
		tables: ["acl_policies"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("acl_policies")),
			value: [...view.scan("acl_policies", { prefix: q.Prefix })]
				.filter((p) => !own || own.has(p.Name as string))
				.map(policyStub),
		}),
	});
}

export async function getPolicy(
	srv: Server,
	id: Identity,
	name: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	aclEnabled(srv);
	if (!id.acl.isManagement()) {
		const own = srv.aclResolver.namesOf(id.token);
		if (!own.includes(name)) denied();
	}
	return srv.readRow(q, meta, "acl_policies", name, signal);
}

/** The policies of the calling token (GET /v1/acl/policy/self). */
export function selfPolicies(srv: Server, id: Identity): Row[] {
	aclEnabled(srv);
	if (!id.token) denied();
	const view = srv.view();
	return srv.aclResolver
		.policyNames(id.token)
		.map((n) => view.get("acl_policies", n))
		.filter((p): p is Row => p !== undefined);
}

export async function upsertPolicies(srv: Server, id: Identity, policies: Row[]): Promise<number> {
	aclEnabled(srv);
	requireManagement(id);
	if (policies.length === 0) throw new CodedError(400, "must specify as least one policy");
	const rows: Row[] = [];
	for (const [i, p] of policies.entries()) {
		const name = typeof p.Name === "string" ? p.Name : "";
		const description = typeof p.Description === "string" ? p.Description : "";
		const rules = typeof p.Rules === "string" ? p.Rules : "";
		const errs: string[] = [];
		if (!VALID_NAME.test(name)) errs.push(`invalid name '${name}'`);
		try {
			await parsePolicy(rules, true);
		} catch (e) {
			errs.push(`failed to parse rules: ${(e as Error).message}`);
		}
		if (description.length > MAX_DESCRIPTION) errs.push(`description longer than ${MAX_DESCRIPTION}`);
		if (errs.length > 0) throw new CodedError(400, `policy ${i} invalid: ${multiError(errs)}`);
		const row: Row = { Name: name, Description: description, Rules: rules, JobACL: p.JobACL ?? null };
		row.Hash = policyHash(row);
		rows.push(row);
	}
	return (await srv.apply(AclCmd.policyUpsert, { Policies: rows })).index;
}

export async function deletePolicies(srv: Server, id: Identity, names: string[]): Promise<number> {
	aclEnabled(srv);
	requireManagement(id);
	if (names.length === 0) throw new CodedError(400, "must specify as least one policy");
	return (await srv.apply(AclCmd.policyDelete, { Names: names })).index;
}

// ---- tokens ---------------------------------------------------------------------------------

function newTokenRow(srv: Server, t: Row, secret: string): Row {
	const row: Row = {
		AccessorID: randomUUID(),
		Name: t.Name ?? "",
		Type: t.Type,
		Policies: t.Policies ?? null,
		Roles: t.Roles ?? null,
		Global: Boolean(t.Global),
		CreateTime: new Date().toISOString(),
		ExpirationTime: t.ExpirationTime ?? null,
		ExpirationTTL: t.ExpirationTTL ?? 0,
		SecretHash: hashSecret(secret),
		SecretSealed: srv.sealSecret(secret),
	};
	row.Hash = tokenHash(row);
	return row;
}

/** The unsealed SecretID of a stored token. */
function secretOf(srv: Server, t: Row): string {
	return srv.openSecret(t.SecretSealed as string);
}

function validateToken(srv: Server, t: Row, existing: Row | undefined, nowMs: number): string[] {
	const errs: string[] = [];
	if (String(t.Name ?? "").length > MAX_TOKEN_NAME) errs.push("token name too long");
	const policies = (t.Policies as string[] | null) ?? [];
	const roles = (t.Roles as Row[] | null) ?? [];
	if (t.Type === "client") {
		if (policies.length === 0 && roles.length === 0) errs.push("client token missing policies or roles");
	} else if (t.Type === "management") {
		if (policies.length > 0 || roles.length > 0)
			errs.push("management token cannot be associated with policies or roles");
	} else {
		errs.push("token type must be client or management");
	}
	const ttl = Number(t.ExpirationTTL ?? 0);
	if (!existing) {
		if (ttl < 0) errs.push(`token expiration TTL '${ttl}' should not be negative`);
		if (typeof t.ExpirationTime === "string" && t.ExpirationTime !== "") {
			const inMs = Date.parse(t.ExpirationTime) - nowMs;
			const minMs = srv.opts.aclTokenMinExpirationMs ?? 60_000;
			const maxMs = srv.opts.aclTokenMaxExpirationMs ?? 86_400_000;
			if (Number.isNaN(inMs)) errs.push("invalid expiration time");
			else if (inMs < 0) errs.push("expiration time cannot be before create time");
			else if (inMs > maxMs) errs.push(`expiration time cannot be more than ${maxMs / 1000}s in the future`);
			else if (inMs < minMs) errs.push(`expiration time cannot be less than ${minMs / 1000}s in the future`);
		}
	} else {
		if (Boolean(existing.Global) !== Boolean(t.Global)) errs.push("cannot toggle global mode");
		if (Number(existing.ExpirationTTL ?? 0) !== ttl) errs.push("cannot update expiration TTL");
	}
	return errs;
}

/** Resolves role links by ID or name to {ID, Name}; 400 when one does not exist. */
function linkRoles(srv: Server, roles: Row[] | null): Row[] | null {
	if (!roles || roles.length === 0) return null;
	const view = srv.view();
	return roles.map((link) => {
		let role = link.ID ? view.get("acl_roles", link.ID as string) : undefined;
		if (!role && link.Name) for (const r of view.byIndex("acl_roles", "name", link.Name as string)) role = r;
		if (!role) throw new CodedError(400, `cannot find role ${String(link.ID || link.Name)}`);
		return { ID: role.ID, Name: role.Name };
	});
}

/** Creates or updates tokens (no AccessorID = create). Returns the tokens with their secrets. */
export async function upsertTokens(
	srv: Server,
	id: Identity,
	tokens: Row[],
): Promise<{ index: number; tokens: Row[] }> {
	aclEnabled(srv);
	requireManagement(id);
	if (tokens.length === 0) throw new CodedError(400, "must specify as least one token");
	const now = Date.now();
	const rows: Row[] = [];
	const secrets: string[] = [];
	for (const [i, t] of tokens.entries()) {
		const existing = t.AccessorID ? srv.view().get("acl_tokens", String(t.AccessorID)) : undefined;
		if (t.AccessorID && !existing) throw new CodedError(400, `cannot find token ${String(t.AccessorID)}`);
		const input: Row = { ...t, Roles: linkRoles(srv, (t.Roles as Row[] | null) ?? null) };
		if (!existing && Number(input.ExpirationTTL ?? 0) > 0 && !input.ExpirationTime) {
			input.ExpirationTime = new Date(now + Number(input.ExpirationTTL) / 1e6).toISOString();
		}
		const errs = validateToken(srv, input, existing, now);
		if (errs.length > 0) throw new CodedError(400, `token ${i} invalid: ${multiError(errs)}`);
		if (existing) {
			const row: Row = {
				...existing,
				Name: input.Name ?? "",
				Type: input.Type,
				Policies: input.Policies ?? null,
				Roles: input.Roles,
			};
			row.Hash = tokenHash(row);
			rows.push(row);
			secrets.push(secretOf(srv, existing));
		} else {
			const secret = randomUUID();
			rows.push(newTokenRow(srv, input, secret));
			secrets.push(secret);
		}
	}
	const r = await srv.apply(AclCmd.tokenUpsert, { Tokens: rows });
	const stored = r.result as Row[];
	return { index: r.index, tokens: stored.map((t, i) => tokenView(t, secrets[i])) };
}

export async function listTokens(srv: Server, id: Identity, q: QueryOptions, meta: QueryMeta, signal?: AbortSignal) {
	aclEnabled(srv);
	requireManagement(id);
	return srv.read(q, meta, {
		tables: ["acl_tokens"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("acl_tokens")),
			value: [...view.scan("acl_tokens", { prefix: q.Prefix })].map(tokenStub),
		}),
	});
}

export async function getToken(
	srv: Server,
	id: Identity,
	accessor: string,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	aclEnabled(srv);
	if (!id.acl.isManagement() && id.token?.AccessorID !== accessor) denied();
	const row = await srv.readRow(q, meta, "acl_tokens", accessor, signal);
	return row ? tokenView(row, secretOf(srv, row)) : undefined;
}

export function selfToken(srv: Server, id: Identity): Row | undefined {
	aclEnabled(srv);
	return id.token ? tokenView(id.token, secretOf(srv, id.token)) : undefined;
}

export async function deleteTokens(srv: Server, id: Identity, accessors: string[]): Promise<number> {
	aclEnabled(srv);
	requireManagement(id);
	if (accessors.length === 0) throw new CodedError(400, "must specify as least one token");
	const missing = accessors.filter((a) => !srv.view().get("acl_tokens", a));
	if (missing.length > 0) throw new CodedError(400, `Cannot delete nonexistent tokens: ${missing.join(", ")}`);
	return (await srv.apply(AclCmd.tokenDelete, { AccessorIDs: accessors })).index;
}

export async function createOneTimeToken(srv: Server, id: Identity): Promise<{ index: number; token: Row }> {
	aclEnabled(srv);
	if (!id.token) denied();
	const secret = randomUUID();
	const row: Row = {
		SecretHash: hashSecret(secret),
		AccessorID: id.token.AccessorID,
		ExpiresAt: new Date(Date.now() + ONE_TIME_TTL_MS).toISOString(),
	};
	const r = await srv.apply(AclCmd.oneTimeUpsert, { OneTimeToken: row });
	const stored = r.result as Row;
	return {
		index: r.index,
		token: {
			OneTimeSecretID: secret,
			AccessorID: stored.AccessorID,
			ExpiresAt: stored.ExpiresAt,
			CreateIndex: stored.CreateIndex,
			ModifyIndex: stored.ModifyIndex,
		},
	};
}

export async function exchangeOneTimeToken(srv: Server, oneTimeSecret: string): Promise<{ index: number; token: Row }> {
	aclEnabled(srv);
	const hash = hashSecret(oneTimeSecret);
	const ott = srv.view().get("acl_onetime", hash);
	if (!ott || Date.parse(ott.ExpiresAt as string) <= Date.now()) denied();
	const token = srv.view().get("acl_tokens", ott.AccessorID as string);
	// Used once, whatever the outcome.
	const r = await srv.apply(AclCmd.oneTimeDelete, { SecretHashes: [hash] });
	if (!token) denied();
	return { index: r.index, token: tokenView(token, secretOf(srv, token)) };
}

// ---- roles ----------------------------------------------------------------------------------

export async function upsertRoles(srv: Server, id: Identity, roles: Row[]): Promise<{ index: number; roles: Row[] }> {
	aclEnabled(srv);
	requireManagement(id);
	if (roles.length === 0) throw new CodedError(400, "must specify as least one role");
	const view = srv.view();
	const rows: Row[] = [];
	for (const [i, r] of roles.entries()) {
		const name = typeof r.Name === "string" ? r.Name : "";
		const description = typeof r.Description === "string" ? r.Description : "";
		const policies = Array.isArray(r.Policies) ? (r.Policies as Row[]) : [];
		const errs: string[] = [];
		if (!VALID_NAME.test(name)) errs.push(`invalid name '${name}'`);
		if (description.length > MAX_DESCRIPTION) errs.push(`description longer than ${MAX_DESCRIPTION}`);
		if (policies.length < 1) errs.push("at least one policy should be specified");
		if (errs.length > 0) throw new CodedError(400, `role ${i} invalid: ${multiError(errs)}`);
		const roleID = typeof r.ID === "string" && r.ID !== "" ? r.ID : randomUUID();
		if (r.ID && !view.get("acl_roles", roleID)) throw new CodedError(400, `cannot find role ${roleID}`);
		for (const other of view.byIndex("acl_roles", "name", name)) {
			if (other.ID !== roleID) throw new CodedError(400, `role with name ${name} already exists`);
		}
		for (const p of policies) {
			if (!view.get("acl_policies", String(p.Name))) throw new CodedError(400, `cannot find policy ${String(p.Name)}`);
		}
		const row: Row = {
			ID: roleID,
			Name: name,
			Description: description,
			Policies: policies.map((p) => ({ Name: p.Name })),
		};
		row.Hash = roleHash(row);
		rows.push(row);
	}
	const res = await srv.apply(AclCmd.roleUpsert, { Roles: rows });
	return { index: res.index, roles: res.result as Row[] };
}

export async function listRoles(srv: Server, id: Identity, q: QueryOptions, meta: QueryMeta, signal?: AbortSignal) {
	aclEnabled(srv);
	const own = id.acl.isManagement()
		? undefined
		: new Set(((id.token?.Roles as Row[] | null) ?? []).map((r) => r.ID as string));
	return srv.read(q, meta, {
		tables: ["acl_roles"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("acl_roles")),
			value: [...view.scan("acl_roles", { prefix: q.Prefix })]
				.filter((r) => !own || own.has(r.ID as string))
				.map(roleStub),
		}),
	});
}

export async function getRole(
	srv: Server,
	id: Identity,
	by: { id?: string; name?: string },
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<Row | undefined> {
	aclEnabled(srv);
	const row = await srv.read(q, meta, {
		tables: ["acl_roles"],
		signal,
		run: (view) => {
			let r: Row | undefined = by.id ? view.get("acl_roles", by.id) : undefined;
			if (by.name) for (const x of view.byIndex("acl_roles", "name", by.name)) r = x;
			return { index: Math.max(1, (r?.ModifyIndex as number | undefined) ?? view.tableIndex("acl_roles")), value: r };
		},
	});
	if (row && !id.acl.isManagement()) {
		const own = ((id.token?.Roles as Row[] | null) ?? []).some((l) => l.ID === row.ID);
		if (!own) denied();
	}
	return row;
}

export async function deleteRoles(srv: Server, id: Identity, ids: string[]): Promise<number> {
	aclEnabled(srv);
	requireManagement(id);
	for (const rid of ids) if (!srv.view().get("acl_roles", rid)) throw new CodedError(400, `ACL role not found: ${rid}`);
	return (await srv.apply(AclCmd.roleDelete, { IDs: ids })).index;
}
