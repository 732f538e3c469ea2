// Folds decoded patches into an AgentConfig the way Nomad's Config.Merge does: later sources win
// for scalars (only keys a source actually sets count), maps merge key by key, `servers`-style
// lists append while join lists replace, plugin and host_volume blocks merge by name, and
// consul/vault blocks merge by their `name`.

import { isObject, type Patch } from "./decode.ts";
import type { Schema } from "./schema.ts";

export function mergePatch(schema: Schema, target: Record<string, unknown>, patch: Patch): void {
	if (isObject(patch.extra)) {
		const bag = (target.extra ?? {}) as Record<string, unknown>;
		for (const [k, v] of Object.entries(patch.extra)) bag[k] = mergeLoose(bag[k], v);
		target.extra = bag;
	}
	for (const f of Object.values(schema)) {
		if (f.t === "ignore" || f.t === "extra" || !(f.to in patch)) continue;
		const v = patch[f.to];
		switch (f.t) {
			case "block": {
				let cur = target[f.to] as Record<string, unknown> | null | undefined;
				if (cur === null || cur === undefined) cur = f.nullable ? f.nullable() : {};
				mergePatch(f.fields, cur, v as Patch);
				target[f.to] = cur;
				break;
			}
			case "labeled": {
				const list = [...((target[f.to] ?? []) as Record<string, unknown>[])];
				for (const item of v as Patch[]) {
					const name = item.name as string;
					const idx = list.findIndex((x) => x.name === name);
					const base = idx >= 0 ? structuredClone(list[idx]) : f.defaults(name);
					mergePatch(f.fields, base, item);
					if (idx >= 0) list[idx] = base;
					else list.push(base);
				}
				target[f.to] = list;
				break;
			}
			case "named": {
				const list = [...((target[f.to] ?? []) as Record<string, unknown>[])];
				for (const item of v as Patch[]) {
					const name = typeof item.name === "string" && item.name !== "" ? item.name : "default";
					const idx = list.findIndex((x) => (x.name ?? "default") === name);
					if (idx >= 0) list[idx] = { ...list[idx], ...item, name };
					else list.push({ ...item, name });
				}
				target[f.to] = list;
				break;
			}
			case "map":
				target[f.to] = { ...((target[f.to] ?? {}) as Record<string, string>), ...(v as Record<string, string>) };
				break;
			case "list":
				target[f.to] =
					f.merge === "append" ? [...((target[f.to] ?? []) as string[]), ...(v as string[])] : [...(v as string[])];
				break;
			case "object":
				// Nomad replaces a plugin's config wholesale when the later block has one
				if (Object.keys(v as object).length > 0 || !(f.to in target)) target[f.to] = structuredClone(v);
				break;
			case "bool":
				if (!(f.trueWins && v === false && target[f.to] === true)) target[f.to] = v;
				break;
			default:
				target[f.to] = v;
		}
	}
}

/** For tolerated blocks: objects merge shallowly, anything else is replaced. */
function mergeLoose(a: unknown, b: unknown): unknown {
	const flat = (x: unknown): Record<string, unknown> | undefined => {
		if (isObject(x)) return x;
		if (Array.isArray(x) && x.length > 0 && x.every(isObject)) return Object.assign({}, ...x);
		return undefined;
	};
	const fa = flat(a);
	const fb = flat(b);
	if (fa && fb) return { ...fa, ...fb };
	return structuredClone(b);
}
