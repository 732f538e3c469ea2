// Plan annotations on a job diff (Nomad's scheduler/annotate.go): each task group's diff gets the
// counts of what the scheduler would do ("create", "in-place update", ...), a count change says
// whether it forces creates or destroys, and each changed task whether it forces an in-place or a
// create/destroy update. `nomad job plan` prints these next to the diff.
import type { JobDiff, TaskDiff, TaskGroupDiff } from "./diff.ts";

/** DesiredTGUpdates keys → the words Nomad's diff uses for them, in Nomad's order. */
const UPDATE_TYPES: [string, string][] = [
	["Ignore", "ignore"],
	["Place", "create"],
	["Migrate", "migrate"],
	["Stop", "destroy"],
	["Canary", "canary"],
	["InPlaceUpdate", "in-place update"],
	["DestructiveUpdate", "create/destroy update"],
];

const FORCES_CREATE = "forces create";
const FORCES_DESTROY = "forces destroy";
const FORCES_INPLACE = "forces in-place update";
const FORCES_DESTRUCTIVE = "forces create/destroy update";

/** Task objects whose changes can be applied in place (LogConfig unless logging is switched). */
const INPLACE_OBJECTS = new Set(["Service", "Constraint", "Affinity", "Spread"]);

export function annotateDiff(
	diff: JobDiff,
	annotations: { DesiredTGUpdates?: Record<string, Record<string, number>> | null } | null,
): void {
	for (const tg of diff.TaskGroups ?? []) {
		const counts = annotations?.DesiredTGUpdates?.[tg.Name];
		if (counts) {
			const updates: Record<string, number> = { ...(tg.Updates ?? {}) };
			for (const [key, word] of UPDATE_TYPES) if ((counts[key] ?? 0) !== 0) updates[word] = counts[key] as number;
			tg.Updates = updates;
		}
		annotateCount(tg);
		for (const task of tg.Tasks ?? []) annotateTask(task, tg);
	}
}

function annotateCount(tg: TaskGroupDiff): void {
	const count = tg.Fields?.find((f) => f.Name === "Count");
	if (!count) return;
	const before = count.Old === "" ? 0 : Number.parseInt(count.Old, 10);
	const after = count.New === "" ? 0 : Number.parseInt(count.New, 10);
	if (before < after) count.Annotations = [...(count.Annotations ?? []), FORCES_CREATE];
	else if (after < before) count.Annotations = [...(count.Annotations ?? []), FORCES_DESTROY];
}

function annotateTask(task: TaskDiff, tg: TaskGroupDiff): void {
	if (task.Type === "None") return;
	const annotate = (a: string): void => {
		task.Annotations = [...(task.Annotations ?? []), a];
	};
	if ((tg.Type === "Added" || tg.Type === "Deleted") && (task.Type === "Added" || task.Type === "Deleted")) {
		annotate(task.Type === "Added" ? FORCES_CREATE : FORCES_DESTROY);
		return;
	}
	// Every changed primitive field but the kill timeout needs new allocations; of the objects,
	// services, constraints, affinities and spreads change in place, and the log config unless
	// logging is switched on or off.
	let destructive = (task.Fields ?? []).some((f) => f.Name !== "KillTimeout");
	if (!destructive) {
		destructive = (task.Objects ?? []).some((o) => {
			if (INPLACE_OBJECTS.has(o.Name)) return false;
			if (o.Name === "LogConfig") return (o.Fields ?? []).some((f) => f.Name === "Disabled");
			return true;
		});
	}
	annotate(destructive ? FORCES_DESTRUCTIVE : FORCES_INPLACE);
}
