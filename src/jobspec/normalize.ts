// normalizeJob (jobspec2/parse_job.go): the defaults and reshaping jobspec2 applies after
// decoding, before any api Canonicalize: job name/ID from the label, periodic spec type,
// top-level tasks as single-task groups, port classification, template/vault defaults, job-level
// vault and secrets inherited by tasks, and the default identity moved to Task.Identity.
import type { Obj } from "./decode.ts";
import { newStruct } from "./decode.ts";
import type { JobParts } from "./nomad.ts";

const SECOND = 1_000_000_000;

function normalizeVault(v: Obj | null): void {
	if (!v) return;
	if (v.Env === null) v.Env = true;
	if (v.DisableFile === null) v.DisableFile = false;
	if (v.ChangeMode === null) v.ChangeMode = "restart";
}

function normalizePorts(networks: Obj[] | null): void {
	if (!networks) return;
	for (const n of networks) {
		const ports = n.DynamicPorts as Obj[] | null;
		if (!ports || ports.length === 0) continue;
		const dynamic = ports.filter((p) => !((p.Value as number) > 0));
		const reserved = ports.filter((p) => (p.Value as number) > 0);
		n.DynamicPorts = dynamic.length > 0 ? dynamic : null;
		n.ReservedPorts = reserved.length > 0 ? reserved : null;
	}
}

function normalizeTemplates(templates: Obj[] | null): void {
	for (const t of templates ?? []) {
		if (t.ChangeMode === null) t.ChangeMode = "restart";
		if (t.Perms === null) t.Perms = "0644";
		if (t.Splay === null) t.Splay = 5 * SECOND;
		if (t.ErrMissingKey === null) t.ErrMissingKey = false;
		const cs = t.ChangeScript as Obj | null;
		if (cs) {
			if (cs.Args === null) cs.Args = [];
			if (cs.Timeout === null) cs.Timeout = 5 * SECOND;
			if (cs.FailOnError === null) cs.FailOnError = false;
			if (cs.RunOnFirstRender === null) cs.RunOnFirstRender = false;
		}
	}
}

export function normalizeJob(parts: JobParts): Obj {
	const j = parts.job;
	if (j.Name === null) j.Name = parts.id;
	if (j.ID === null) j.ID = parts.id;
	const periodic = j.Periodic as Obj | null;
	if (periodic && (periodic.Spec !== null || periodic.Specs !== null)) periodic.SpecType = "cron";
	normalizeVault(parts.vault);
	if (parts.tasks.length > 0) {
		const alone = parts.tasks.map((t) => ({ ...newStruct("TaskGroup"), Name: t.Name, Tasks: [t] }));
		j.TaskGroups = [...alone, ...((j.TaskGroups as Obj[] | null) ?? [])];
	}
	for (const tg of (j.TaskGroups as Obj[] | null) ?? []) {
		normalizePorts(tg.Networks as Obj[] | null);
		for (const t of (tg.Tasks as Obj[] | null) ?? []) {
			const res = t.Resources as Obj | null;
			if (res) normalizePorts(res.Networks as Obj[] | null);
			normalizeTemplates(t.Templates as Obj[] | null);
			normalizeVault(t.Vault as Obj | null);
			if (t.Vault === null && parts.vault) t.Vault = structuredClone(parts.vault);
			const own = t.Secrets as Obj[] | null;
			if (!own || own.length === 0) t.Secrets = parts.secrets ? structuredClone(parts.secrets) : null;
			else if (parts.secrets) t.Secrets = [...own, ...structuredClone(parts.secrets)];
			const ids = t.Identities as Obj[] | null;
			if (ids) {
				const i = ids.findIndex((w) => w.Name === "" || w.Name === "default");
				if (i >= 0) {
					t.Identity = ids[i];
					t.Identities = [...ids.slice(0, i), ...ids.slice(i + 1)];
				}
			}
		}
	}
	return j;
}
