// Shapes shared by the HTTP layer: routes, the per-request context and raw responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Identity } from "../../server/acl/resolver.ts";

/**
 * The capability a route requires, declared next to the route so the ACL matrix can be checked
 * mechanically: "none" (public), agent/node/operator read|write, a namespace capability, or
 * "management". Enforcement arrives with the ACL system; the declaration is required now.
 */
export type AclRequirement =
	| "none"
	/** Any valid token (or anonymous); the handler decides with ctx.identity (e.g. the ACL API). */
	| "token"
	| "agent:read"
	| "agent:write"
	| "node:read"
	| "node:write"
	| "operator:read"
	| "operator:write"
	| "management"
	/** A namespace capability; "a|b" accepts either (fine-grained alternatives to submit-job). */
	| `namespace:${string}`;

export interface RequestContext {
	readonly req: IncomingMessage;
	readonly res: ServerResponse;
	readonly method: string;
	/** The cleaned request path. */
	readonly path: string;
	/** For subtree routes ("/v1/job/"), what follows the pattern; "" for exact routes. */
	readonly rest: string;
	readonly query: URLSearchParams;
	/** Aborted when the client disconnects or the agent shuts down. */
	readonly signal: AbortSignal;
	/** The ACL token from X-Nomad-Token or Authorization: Bearer. */
	readonly token: string;
	/** Response headers to add (X-Nomad-Index etc.). */
	readonly headers: Record<string, string>;
	/**
	 * Set when another agent forwarded this request over agent RPC: "server" (a server sent it to
	 * this node's client, which must answer it here, never forward it again) or "client" (a
	 * client-only agent handed it to this server). Undefined for requests from the listener.
	 */
	readonly forwardedFrom?: "server" | "client" | undefined;
	/** The caller's resolved identity, set by ACL enforcement before the handler runs. */
	identity?: Identity;
}

export type Handler = (ctx: RequestContext) => unknown;

export interface Route {
	/** Go ServeMux pattern: exact ("/v1/jobs") or subtree ("/v1/job/"). */
	pattern: string;
	/** One requirement for every method, or one per method the route answers. */
	acl: AclRequirement | Partial<Record<"GET" | "PUT" | "POST" | "DELETE", AclRequirement>>;
	handler: Handler;
	/** When the requirement depends on the request beyond its method (e.g. the sub-action). */
	aclFor?: (ctx: RequestContext) => AclRequirement;
	/**
	 * The object a namespace capability is checked against, when the path names one (an
	 * allocation or evaluation ID): its own namespace counts, not the `namespace` parameter.
	 */
	aclObject?: (ctx: RequestContext) => { table: "allocs" | "evals"; id: string } | undefined;
	/** Wrapped in Nomad's CORS middleware. */
	cors?: boolean;
	/** Methods the CORS middleware advertises (rs/cors default: GET, POST, HEAD). */
	corsMethods?: readonly string[];
}

/** A non-JSON body (text, profile bytes, ...), written as is. */
export class RawResponse {
	readonly body: string | Buffer;
	readonly contentType: string | undefined;
	readonly status: number;
	constructor(body: string | Buffer, contentType?: string, status = 200) {
		this.body = body;
		this.contentType = contentType;
		this.status = status;
	}
}

/** Returned by handlers that wrote the response themselves (streams). */
export const HANDLED: unique symbol = Symbol("handled");
