// Nomad's handlers check the method themselves and answer 405 "Invalid method" otherwise.
import { CodedError, ErrMsg } from "../../lib/errors.ts";
import type { Handler, RequestContext } from "./types.ts";

export type MethodTable = Partial<Record<"GET" | "PUT" | "POST" | "DELETE" | "HEAD", Handler>>;

export function byMethod(table: MethodTable): Handler {
	return (ctx: RequestContext) => {
		const h = table[ctx.method as keyof MethodTable];
		if (!h) throw new CodedError(405, ErrMsg.invalidMethod);
		return h(ctx);
	};
}

/** PUT and POST are interchangeable for Nomad's writes. */
export function putOrPost(h: Handler): MethodTable {
	return { PUT: h, POST: h };
}
