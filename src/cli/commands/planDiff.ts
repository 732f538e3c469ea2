// The output of `job plan`: the job diff (markers + / - / +/- / blank, as Nomad's job_plan.go
// prints them) and the scheduler's dry run, plus Nomad's exit code rule.
import { paint, type Ui } from "../meta.ts";
import type { Obj } from "./common.ts";
import { metricLines } from "./evalMonitor.ts";

type Diff = Obj & { Type?: string; Name?: string; Fields?: Diff[]; Objects?: Diff[]; Old?: string; New?: string };

function marker(ui: Ui, type: string | undefined): string {
	const p = paint(ui);
	switch (type) {
		case "Added":
			return p.green("+");
		case "Deleted":
			return p.red("-");
		case "Edited":
			return p.yellow("+/-");
		default:
			return "";
	}
}

function fieldLine(ui: Ui, f: Diff, indent: string): string {
	const m = marker(ui, f.Type);
	const ann = (f.Annotations as string[] | null)?.length ? ` (${(f.Annotations as string[]).join(", ")})` : "";
	const pre = `${indent}${m}${m ? " " : "  "}`;
	if (f.Type === "Added") return `${pre}${f.Name}: ${JSON.stringify(f.New ?? "")}${ann}`;
	if (f.Type === "Deleted") return `${pre}${f.Name}: ${JSON.stringify(f.Old ?? "")}${ann}`;
	if (f.Type === "Edited")
		return `${pre}${f.Name}: ${JSON.stringify(f.Old ?? "")} => ${JSON.stringify(f.New ?? "")}${ann}`;
	return `${pre}${f.Name}: ${JSON.stringify(f.New ?? "")}${ann}`;
}

function fieldsAndObjects(ui: Ui, d: Diff, indent: string, verbose: boolean): string[] {
	const out: string[] = [];
	for (const f of d.Fields ?? []) if (verbose || f.Type !== "None") out.push(fieldLine(ui, f, indent));
	for (const o of d.Objects ?? []) {
		if (!verbose && o.Type === "None") continue;
		const m = marker(ui, o.Type);
		out.push(`${indent}${m}${m ? " " : "  "}${o.Name} {`);
		out.push(...fieldsAndObjects(ui, o, `${indent}  `, verbose));
		out.push(`${indent}  }`);
	}
	return out;
}

/** Annotation names of DesiredTGUpdates as Nomad's plan output words them. */
const UPDATE_WORDS: Record<string, string> = {
	Place: "create",
	Stop: "destroy",
	Migrate: "migrate",
	Canary: "canary",
	InPlaceUpdate: "in-place update",
	DestructiveUpdate: "create/destroy update",
	Ignore: "ignore",
	Preemptions: "preempt",
	Reconnect: "reconnect",
	Disconnect: "disconnect",
	RescheduleNow: "reschedule now",
	RescheduleLater: "reschedule later",
};

function updatesFromAnnotations(ann: Obj | undefined, group: string): Record<string, number> {
	const u = ((ann?.DesiredTGUpdates ?? {}) as Record<string, Record<string, number>>)[group] ?? {};
	const out: Record<string, number> = {};
	for (const [k, v] of Object.entries(u)) if (v > 0 && UPDATE_WORDS[k]) out[UPDATE_WORDS[k] as string] = v;
	return out;
}

export function formatJobDiff(ui: Ui, d: Diff, verbose: boolean, annotations?: Obj): string {
	const out: string[] = [];
	const m = marker(ui, d.Type);
	out.push(`${m}${m ? " " : ""}Job: ${JSON.stringify(d.ID ?? "")}`);
	if (d.Type === "Edited" || verbose) out.push(...fieldsAndObjects(ui, d, "", verbose));
	for (const tg of (d.TaskGroups as Diff[] | null) ?? []) {
		const tm = marker(ui, tg.Type);
		const given = (tg.Updates ?? {}) as Record<string, number>;
		const counts = Object.keys(given).length > 0 ? given : updatesFromAnnotations(annotations, String(tg.Name));
		const updates = Object.entries(counts)
			.sort(([a], [b]) => (a < b ? -1 : 1))
			.map(([k, v]) => `${v} ${k}`)
			.join(", ");
		out.push(`${tm}${tm ? " " : "  "}Task Group: ${JSON.stringify(tg.Name)}${updates ? ` (${updates})` : ""}`);
		if (tg.Type === "Edited" || verbose) out.push(...fieldsAndObjects(ui, tg, "  ", verbose));
		for (const t of (tg.Tasks as Diff[] | null) ?? []) {
			const km = marker(ui, t.Type);
			const ann = (t.Annotations as string[] | null)?.length ? ` (${(t.Annotations as string[]).join(", ")})` : "";
			out.push(`  ${km}${km ? " " : "  "}Task: ${JSON.stringify(t.Name)}${ann}`);
			if (t.Type === "Edited" || verbose) out.push(...fieldsAndObjects(ui, t, "    ", verbose));
		}
	}
	return out.join("\n");
}

export function formatPlan(resp: Obj, ui: Ui, verbose: boolean, diff: boolean): string {
	const p = paint(ui);
	const parts: string[] = [];
	if (diff && resp.Diff)
		parts.push(formatJobDiff(ui, resp.Diff as Diff, verbose, resp.Annotations as Obj | undefined), "");
	parts.push(p.bold("Scheduler dry-run:"));
	const failed = (resp.FailedTGAllocs ?? {}) as Record<string, Obj>;
	const names = Object.keys(failed).sort();
	if (names.length === 0) parts.push(p.green("- All tasks successfully allocated."));
	else {
		parts.push(p.yellow("- WARNING: Failed to place all allocations."));
		for (const tg of names) {
			const m = failed[tg] as Obj;
			const count = Number(m.CoalescedFailures ?? 0) + 1;
			parts.push(
				`  Task Group ${JSON.stringify(tg)} (failed to place ${count} ${count === 1 ? "allocation" : "allocations"}):`,
			);
			parts.push(...metricLines(m, "    "));
		}
		if ((resp.CreatedEvals as Obj[] | null)?.length) {
			parts.push("", "  Evaluations were created to place the remaining allocations once capacity is available.");
		}
	}
	parts.push("");
	return parts.join("\n");
}

/** Nomad's rule: 1 when any task group would place, stop, migrate or destructively update. */
export function planExitCode(resp: Obj): number {
	const updates = ((resp.Annotations as Obj | null)?.DesiredTGUpdates ?? {}) as Record<string, Record<string, number>>;
	for (const u of Object.values(updates)) {
		if ((u.Stop ?? 0) + (u.Place ?? 0) + (u.Migrate ?? 0) + (u.DestructiveUpdate ?? 0) + (u.Canary ?? 0) > 0) return 1;
	}
	return 0;
}
