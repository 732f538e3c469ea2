// ACL enforcement for every route, from the capability the route declares next to itself. With
// ACLs disabled everything passes (debug endpoints still need enable_debug, which their handlers
// check). With ACLs enabled the caller's token is resolved once per request; a declared
// capability the token lacks is a 403 "Permission denied", as Nomad. List answers for namespace
// "*" keep only the namespaces the token may read (CVE-2025-0937).
import { ACL, ALL_NAMESPACES } from "../../acl/acl.ts";
import { CodedError } from "../../lib/errors.ts";
import { ERR_PERMISSION_DENIED, type Identity } from "../../server/acl/resolver.ts";
import type { AclRequirement, Handler, RequestContext, Route } from "./types.ts";

export interface AclAuthority {
	readonly aclEnabled: boolean;
	resolveToken?(secret: string): Promise<Identity>;
	/** The namespace of an allocation/evaluation this agent knows, for object-scoped checks. */
	namespaceOf?(table: "allocs" | "evals", id: string): string | undefined;
}

const DISABLED: Identity = { acl: ACL.aclsDisabled(), token: undefined };

/** The requirement that applies to this request's method. */
export function requirementFor(route: Route, method: string): AclRequirement {
	if (typeof route.acl === "string") return route.acl;
	const m = (method === "HEAD" ? "GET" : method) as "GET" | "PUT" | "POST" | "DELETE";
	return route.acl[m] ?? "management";
}

function requestNamespace(ctx: RequestContext): string {
	return ctx.query.get("namespace") || "default";
}

/** The namespace the request's capability applies to: the named object's, else the parameter. */
function targetNamespace(ctx: RequestContext, route: Route, authority: AclAuthority): string {
	const obj = route.aclObject?.(ctx);
	if (obj) {
		const ns = authority.namespaceOf?.(obj.table, obj.id);
		if (ns !== undefined) return ns;
	}
	return requestNamespace(ctx);
}

/** Does the identity satisfy the requirement for this request (in namespace `ns`)? */
function allowed(acl: ACL, req: AclRequirement, ctx: RequestContext, ns = requestNamespace(ctx)): boolean {
	switch (req) {
		case "none":
		case "token":
			return true;
		case "agent:read":
			return acl.allowAgentRead();
		case "agent:write":
			return acl.allowAgentWrite();
		case "node:read":
			return acl.allowNodeRead();
		case "node:write":
			return acl.allowNodeWrite();
		case "operator:read":
			return acl.allowOperatorRead();
		case "operator:write":
			return acl.allowOperatorWrite();
		case "management":
			return acl.isManagement();
	}
	const cap = req.slice("namespace:".length);
	// Listing namespaces is open to every token; the list is filtered by what it may see.
	if (cap === "list") return true;
	if (cap === "read") return acl.allowNamespace(decodeURIComponent(ctx.rest) || ns);
	return acl.allowNamespaceAnyOf(ns, cap.split("|"));
}

function filterByNamespace(out: unknown, keep: (ns: string) => boolean): unknown {
	if (!Array.isArray(out)) return out;
	return out.filter((item) => {
		const ns = (item as { Namespace?: unknown } | null)?.Namespace;
		return typeof ns !== "string" || keep(ns);
	});
}

/** Wraps a route's handler with its ACL check. */
export function enforced(route: Route, authority: AclAuthority): Handler {
	const inner = route.handler;
	return async (ctx: RequestContext) => {
		if (!authority.aclEnabled || !authority.resolveToken) {
			ctx.identity = DISABLED;
			return inner(ctx);
		}
		const req = route.aclFor?.(ctx) ?? requirementFor(route, ctx.method);
		let identity: Identity;
		try {
			identity = await authority.resolveToken(ctx.token);
		} catch (err) {
			// Public endpoints answer whatever the token; a bad token only matters where one is needed.
			if (req !== "none") throw err;
			return inner(ctx);
		}
		ctx.identity = identity;
		if (identity.token) watchRevocation(ctx, authority);
		if (!allowed(identity.acl, req, ctx, targetNamespace(ctx, route, authority)))
			throw new CodedError(403, ERR_PERMISSION_DENIED);
		const out = await inner(ctx);
		if (req.startsWith("namespace:")) {
			const cap = req.slice("namespace:".length);
			if (cap === "list") return filterByNamespaceName(out, identity.acl);
			if (requestNamespace(ctx) === ALL_NAMESPACES) {
				return filterByNamespace(out, (ns) => identity.acl.allowNamespaceAnyOf(ns, cap.split("|")));
			}
		}
		return out;
	};
}

/** How often a long-lived request (stream, blocking query) re-checks its token. */
const REVOCATION_CHECK_MS = 1000;

/**
 * Ends a long-lived response once its token is deleted or expires (CVE-2022-3867: streams kept
 * flowing to revoked tokens). Short requests finish before the first check and cost one timer.
 */
function watchRevocation(ctx: RequestContext, authority: AclAuthority): void {
	const resolve = authority.resolveToken;
	if (!resolve) return;
	const timer = setInterval(() => {
		resolve(ctx.token).catch(() => {
			clearInterval(timer);
			ctx.res.destroy();
		});
	}, REVOCATION_CHECK_MS);
	timer.unref();
	ctx.res.once("close", () => clearInterval(timer));
}

/** /v1/namespaces: only namespaces the token may do something in. */
function filterByNamespaceName(out: unknown, acl: ACL): unknown {
	if (!Array.isArray(out)) return out;
	return out.filter((ns) => acl.allowNamespace(String((ns as { Name?: unknown }).Name ?? "")));
}
