// /.well-known/jwks.json and /.well-known/openid-configuration: public keys for workload identities.
import { emptyQueryMeta } from "../../../api/query.ts";
import { listPublicKeys } from "../../../server/endpoints/keyringEndpoint.ts";
import { byMethod } from "../methods.ts";
import { parseQueryOptions } from "../query.ts";
import type { Route } from "../types.ts";
import { type AgentHandle, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

/** Consumers cache the key set at least this long (Nomad's jwksMinMaxAge). */
const JWKS_MIN_MAX_AGE_S = 15 * 60;

export function keyringRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/.well-known/jwks.json",
			acl: "none",
			handler: byMethod({
				GET: async (ctx) => {
					const q = parseQueryOptions(ctx, agent.region);
					const meta = emptyQueryMeta();
					const out = await listPublicKeys(serverOf(agent), q, meta, ctx.signal);
					setMeta(ctx, meta);
					if (out.newestCreateTime > 0 && out.rotationThreshold > 0) {
						// The key set changes once the newest key is older than the rotation threshold;
						// ask caches to come back halfway there, but never sooner than 15 minutes.
						const expiresMs = (out.newestCreateTime + out.rotationThreshold) / 1e6;
						const half = Math.floor((expiresMs - Date.now()) / 2000);
						ctx.headers["Cache-Control"] = `max-age=${Math.max(JWKS_MIN_MAX_AGE_S, half)}`;
					}
					return { keys: out.keys };
				},
			}),
		},
	];
}
