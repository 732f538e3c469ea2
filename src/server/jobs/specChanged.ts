// Job.SpecChanged: two job versions differ in spec unless they are deeply equal once status,
// version, stability, indexes and submit time are ignored (reflect.DeepEqual semantics: null and
// an empty list/map differ; key order does not matter).
import type { Job } from "../../api/types/index.ts";

const IGNORED = new Set([
	"Status",
	"StatusDescription",
	"Stable",
	"Version",
	"CreateIndex",
	"ModifyIndex",
	"JobModifyIndex",
	"SubmitTime",
]);

export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) {
		return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
	}
	const ao = a as Record<string, unknown>;
	const bo = b as Record<string, unknown>;
	const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
	const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
	return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/**
 * Whether `b` changes the functional specification of `a` (a null `a` always counts as a change).
 * A group's scaling policy is compared without the ID and indexes the state store gives it, so a
 * job read back and submitted again is not a new version (Nomad carries the IDs over first).
 */
export function specChanged(a: Job | null, b: Job | null): boolean {
	if (!a) return b !== null;
	if (!b) return true;
	const strip = (j: Job): Record<string, unknown> => {
		const out = Object.fromEntries(Object.entries(j).filter(([k]) => !IGNORED.has(k)));
		if (Array.isArray(j.TaskGroups)) {
			out.TaskGroups = j.TaskGroups.map((tg) =>
				tg.Scaling ? { ...tg, Scaling: { ...tg.Scaling, ID: "", CreateIndex: 0, ModifyIndex: 0 } } : tg,
			);
		}
		return out;
	};
	return !deepEqual(strip(a), strip(b));
}
