// Keyring.ListPublic: the public signing keys, for /.well-known/jwks.json.
import type { QueryMeta, QueryOptions } from "../../api/query.ts";
import { HOUR } from "../../lib/duration.ts";
import { type JWK, publicJWKS } from "../keyring.ts";
import type { Server } from "../server.ts";

/** Nomad's root_key_rotation_threshold default (30 days); consumers derive cache lifetimes from it. */
export const ROOT_KEY_ROTATION_THRESHOLD = 720 * HOUR;

export async function listPublicKeys(
	srv: Server,
	q: QueryOptions,
	meta: QueryMeta,
	signal?: AbortSignal,
): Promise<{
	keys: JWK[];
	newestCreateTime: number;
	rotationThreshold: number;
}> {
	const out = await srv.read(q, meta, {
		tables: ["root_keys"],
		signal,
		run: (view) => ({
			index: Math.max(1, view.tableIndex("root_keys")),
			value: publicJWKS(view),
		}),
	});
	return { ...out, rotationThreshold: ROOT_KEY_ROTATION_THRESHOLD };
}
