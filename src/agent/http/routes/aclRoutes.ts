// /v1/acl/*: bootstrap, policies, tokens (with one-time tokens) and roles. Auth methods, binding
// rules and OIDC/login stay 501 (the /v1/acl/ subtree of miscRoutes' not-built list).
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import type { Identity } from "../../../server/acl/resolver.ts";
import * as acl from "../../../server/endpoints/aclEndpoint.ts";
import type { Row } from "../../../server/state/schema.ts";
import { decodeBody, decodeOptionalBody, expectObject, type FieldSpec, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import type { RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const POLICY_FIELDS: FieldSpec = { Name: true, Description: true, Rules: true, JobACL: true };
const TOKEN_FIELDS: FieldSpec = {
	AccessorID: true,
	SecretID: true,
	Name: true,
	Type: true,
	Policies: true,
	Roles: { ID: true, Name: true },
	Global: true,
	ExpirationTime: true,
	ExpirationTTL: true,
};
const ROLE_FIELDS: FieldSpec = { ID: true, Name: true, Description: true, Policies: { Name: true } };

function identity(ctx: RequestContext): Identity {
	if (!ctx.identity) throw new CodedError(500, "request identity not resolved");
	return ctx.identity;
}

async function bodyOf(ctx: RequestContext, what: string, spec: FieldSpec): Promise<Row> {
	return foldKeys(expectObject(await decodeBody(ctx), what), spec) as Row;
}

/** The one path segment after a subtree pattern, or a 400 with `missing`. */
function segment(ctx: RequestContext, missing: string): string {
	const s = ctx.rest;
	if (s === "") throw new CodedError(400, missing);
	return s;
}

export function aclRoutes(agent: AgentHandle): Route[] {
	const read = async <T>(
		ctx: RequestContext,
		fn: (q: ReturnType<typeof parseQueryOptions>, meta: ReturnType<typeof emptyQueryMeta>) => Promise<T>,
	) => {
		const q = parseQueryOptions(ctx, agent.region);
		const meta = emptyQueryMeta();
		const out = await fn(q, meta);
		setMeta(ctx, meta);
		return out;
	};
	return [
		{
			pattern: "/v1/acl/bootstrap",
			acl: "none",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const raw = await decodeOptionalBody(ctx);
					const body = raw && typeof raw === "object" ? (foldKeys(raw, { BootstrapSecret: true }) as Row) : {};
					const secret = typeof body.BootstrapSecret === "string" ? body.BootstrapSecret : "";
					const token = await acl.bootstrap(serverOf(agent), secret);
					setIndex(ctx, token.CreateIndex as number);
					return token;
				}),
			),
		},
		{
			pattern: "/v1/acl/policies",
			acl: "token",
			handler: byMethod({
				GET: (ctx) => read(ctx, (q, m) => acl.listPolicies(serverOf(agent), identity(ctx), q, m, ctx.signal)),
			}),
		},
		{
			pattern: "/v1/acl/policy/self",
			acl: "token",
			handler: byMethod({ GET: (ctx) => acl.selfPolicies(serverOf(agent), identity(ctx)) }),
		},
		{
			pattern: "/v1/acl/policy/",
			acl: { GET: "token", PUT: "management", POST: "management", DELETE: "management" },
			handler: (ctx) => {
				const name = segment(ctx, "Missing Policy Name");
				return byMethod({
					GET: async () => {
						const p = await read(ctx, (q, m) => acl.getPolicy(serverOf(agent), identity(ctx), name, q, m, ctx.signal));
						if (!p) throw new CodedError(404, "ACL policy not found");
						return p;
					},
					...putOrPost(async () => {
						const body = await bodyOf(ctx, "ACLPolicy", POLICY_FIELDS);
						if (body.Name !== name) throw new CodedError(400, "ACL policy name does not match request path");
						setIndex(ctx, await acl.upsertPolicies(serverOf(agent), identity(ctx), [body]));
						return null;
					}),
					DELETE: async () => {
						setIndex(ctx, await acl.deletePolicies(serverOf(agent), identity(ctx), [name]));
						return null;
					},
				})(ctx);
			},
		},
		{
			pattern: "/v1/acl/tokens",
			acl: "management",
			handler: byMethod({
				GET: (ctx) => read(ctx, (q, m) => acl.listTokens(serverOf(agent), identity(ctx), q, m, ctx.signal)),
			}),
		},
		{
			pattern: "/v1/acl/token",
			acl: "management",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const body = await bodyOf(ctx, "ACLToken", TOKEN_FIELDS);
					if (body.AccessorID) throw new CodedError(400, "ACL token accessor must not be set on create");
					const r = await acl.upsertTokens(serverOf(agent), identity(ctx), [body]);
					setIndex(ctx, r.index);
					return r.tokens[0];
				}),
			),
		},
		{
			pattern: "/v1/acl/token/self",
			acl: "token",
			handler: byMethod({
				GET: (ctx) => {
					const t = acl.selfToken(serverOf(agent), identity(ctx));
					if (!t) throw new CodedError(404, "ACL token not found");
					return t;
				},
			}),
		},
		{
			pattern: "/v1/acl/token/onetime",
			acl: "token",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const r = await acl.createOneTimeToken(serverOf(agent), identity(ctx));
					setIndex(ctx, r.index);
					return { OneTimeToken: r.token };
				}),
			),
		},
		{
			pattern: "/v1/acl/token/onetime/exchange",
			acl: "none",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const body = foldKeys(expectObject(await decodeBody(ctx), "OneTimeTokenExchangeRequest"), {
						OneTimeSecretID: true,
					}) as Row;
					const r = await acl.exchangeOneTimeToken(serverOf(agent), String(body.OneTimeSecretID ?? ""));
					setIndex(ctx, r.index);
					return { Token: r.token };
				}),
			),
		},
		{
			pattern: "/v1/acl/token/",
			acl: { GET: "token", PUT: "management", POST: "management", DELETE: "management" },
			handler: (ctx) => {
				const accessor = segment(ctx, "Missing Token Accessor");
				return byMethod({
					GET: async () => {
						const t = await read(ctx, (q, m) =>
							acl.getToken(serverOf(agent), identity(ctx), accessor, q, m, ctx.signal),
						);
						if (!t) throw new CodedError(404, "ACL token not found");
						return t;
					},
					...putOrPost(async () => {
						const body = await bodyOf(ctx, "ACLToken", TOKEN_FIELDS);
						if (body.AccessorID !== undefined && body.AccessorID !== "" && body.AccessorID !== accessor) {
							throw new CodedError(400, "ACL token accessor does not match request path");
						}
						const r = await acl.upsertTokens(serverOf(agent), identity(ctx), [{ ...body, AccessorID: accessor }]);
						setIndex(ctx, r.index);
						return r.tokens[0];
					}),
					DELETE: async () => {
						setIndex(ctx, await acl.deleteTokens(serverOf(agent), identity(ctx), [accessor]));
						return null;
					},
				})(ctx);
			},
		},
		{
			pattern: "/v1/acl/roles",
			acl: "token",
			handler: byMethod({
				GET: (ctx) => read(ctx, (q, m) => acl.listRoles(serverOf(agent), identity(ctx), q, m, ctx.signal)),
			}),
		},
		{
			pattern: "/v1/acl/role",
			acl: "management",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const body = await bodyOf(ctx, "ACLRole", ROLE_FIELDS);
					if (body.ID) throw new CodedError(400, "ACL role ID must not be set on create");
					const r = await acl.upsertRoles(serverOf(agent), identity(ctx), [body]);
					setIndex(ctx, r.index);
					return r.roles[0];
				}),
			),
		},
		{
			pattern: "/v1/acl/role/name/",
			acl: "token",
			handler: byMethod({
				GET: async (ctx) => {
					const name = segment(ctx, "missing ACL role name");
					const r = await read(ctx, (q, m) => acl.getRole(serverOf(agent), identity(ctx), { name }, q, m, ctx.signal));
					if (!r) throw new CodedError(404, "ACL role not found");
					return r;
				},
			}),
		},
		{
			pattern: "/v1/acl/role/",
			acl: { GET: "token", PUT: "management", POST: "management", DELETE: "management" },
			handler: (ctx) => {
				const id = segment(ctx, "missing ACL role ID");
				if (id.includes("/")) throw new CodedError(400, "invalid URI");
				return byMethod({
					GET: async () => {
						const r = await read(ctx, (q, m) => acl.getRole(serverOf(agent), identity(ctx), { id }, q, m, ctx.signal));
						if (!r) throw new CodedError(404, "ACL role not found");
						return r;
					},
					...putOrPost(async () => {
						const body = await bodyOf(ctx, "ACLRole", ROLE_FIELDS);
						if (body.ID !== undefined && body.ID !== "" && body.ID !== id) {
							throw new CodedError(400, "ACL role ID does not match request path");
						}
						const r = await acl.upsertRoles(serverOf(agent), identity(ctx), [{ ...body, ID: id }]);
						setIndex(ctx, r.index);
						return r.roles[0];
					}),
					DELETE: async () => {
						setIndex(ctx, await acl.deleteRoles(serverOf(agent), identity(ctx), [id]));
						return null;
					},
				})(ctx);
			},
		},
	];
}
