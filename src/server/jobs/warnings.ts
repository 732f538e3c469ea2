// Registration warnings (Job.Warnings, TaskGroup/Task/Service/Identity warnings, the Vault identity
// warning and the memory-oversubscription validator) and their HTTP text
// (helper.MergeMultierrorWarnings), as returned in JobRegisterResponse.Warnings.
import type { Job, Task, TaskGroup } from "../../api/types/index.ts";
import { goQuote, multiError } from "./goText.ts";
import type { Service, WorkloadIdentity } from "./types.ts";

const servicesOf = (x: TaskGroup | Task): Service[] => (x.Services as Service[] | null) ?? [];

function identityWarnings(wi: WorkloadIdentity): string[] {
	const out: string[] = [];
	const n = wi.Audience?.length ?? 0;
	if (n === 0) out.push("identities without an audience are insecure");
	else if (n > 1) out.push("while multiple audiences is allowed, it is more secure to use 1 audience per identity");
	if (wi.Name !== "" && wi.Name !== "default" && wi.TTL === 0)
		out.push("identities without an expiration are insecure");
	if (wi.Env && wi.ChangeMode !== "restart") {
		out.push(`using env=true without change_mode="restart" may result in task not getting updated identity`);
	}
	return out;
}

/** Service.Warnings, each prefixed `Service "<name>":` (multierror.Prefix). */
const serviceWarnings = (s: Service): string[] =>
	s.Identity ? identityWarnings(s.Identity).map((w) => `Service ${goQuote(s.Name)}: ${w}`) : [];

function taskWarnings(t: Task): string[] {
	const out: string[] = [];
	if (t.Resources && t.Resources.IOPS !== 0) {
		out.push("IOPS has been deprecated as of Nomad 0.9.0. Please remove IOPS from resource block.");
	}
	if ((t.Resources?.Networks?.length ?? 0) !== 0) {
		out.push(
			"task network resources have been deprecated as of Nomad 0.12.0. Please configure networking via group network block.",
		);
	}
	(t.Templates ?? []).forEach((tmpl, i) => {
		if (tmpl.VaultGrace !== 0) {
			out.push(
				`Template[${i}] VaultGrace has been deprecated as of Nomad 0.11 and ignored since Vault 0.5. Please remove VaultGrace / vault_grace from template block.`,
			);
		}
	});
	for (const s of servicesOf(t)) out.push(...serviceWarnings(s));
	for (const wi of (t.Identities as WorkloadIdentity[] | null) ?? []) {
		const w = identityWarnings(wi);
		if (w.length) out.push(multiError(w.map((x) => `Identity[${wi.Name}] ${x}`)));
	}
	return out;
}

function groupWarnings(tg: TaskGroup): string[] {
	const out: string[] = [];
	const u = tg.Update;
	if (u && tg.Count > 1 && u.MaxParallel > tg.Count) {
		out.push(
			`Update max parallel count is greater than task group count (${u.MaxParallel} > ${tg.Count}). A destructive change would result in the simultaneous replacement of all allocations.`,
		);
	}
	if (tg.MaxClientDisconnect !== null && tg.MaxClientDisconnect !== undefined) {
		out.push("MaxClientDisconnect is deprecated and ignored in favor of Disconnect.LostAfter");
	}
	if (tg.StopAfterClientDisconnect !== null && tg.StopAfterClientDisconnect !== undefined) {
		out.push("StopAfterClientDisconnect is deprecated and ignored favor of Disconnect.StopOnClientAfter");
	}
	if (tg.PreventRescheduleOnLost)
		out.push("PreventRescheduleOnLost is deprecated and ignored in favor of Disconnect.Replace");
	if ((tg.Networks?.[0]?.MBits ?? 0) > 0) {
		out.push("mbits has been deprecated as of Nomad 0.12.0. Please remove mbits from the network block");
	}
	for (const s of servicesOf(tg)) out.push(...serviceWarnings(s));
	for (const t of tg.Tasks ?? []) {
		const w = taskWarnings(t);
		if (w.length) out.push(`Task ${goQuote(t.Name)} has warnings: ${multiError(w)}`);
	}
	return out;
}

function shutdownDelayWarnings(tg: TaskGroup): string[] {
	const out: string[] = [];
	const referenced = new Set<string>();
	let unscoped = false;
	let anyTaskDelay = false;
	const groupDelay = ((tg.ShutdownDelay as number | null) ?? 0) > 0;
	for (const s of servicesOf(tg)) {
		if (s.TaskName !== "") {
			referenced.add(s.TaskName);
			continue;
		}
		const sidecarTask = s.Connect && Object.entries(s.Connect).find(([k]) => k.toLowerCase() === "sidecartask")?.[1];
		if (sidecarTask) {
			const delay = Object.entries(sidecarTask as Record<string, unknown>).find(
				([k]) => k.toLowerCase() === "shutdowndelay",
			)?.[1];
			if (delay === undefined || delay === null) {
				out.push(
					`service ${goQuote(s.Name)} defines a sidecar task in Consul Connect definition, but the task has no shutdown_delay set`,
				);
			}
			continue;
		}
		unscoped = true;
	}
	for (const t of tg.Tasks ?? []) {
		if (referenced.has(t.Name) && t.ShutdownDelay === 0) {
			out.push(
				`group ${goQuote(tg.Name)} references task ${goQuote(t.Name)} in a service definition, but the task has no shutdown_delay set`,
			);
		}
		if (t.ShutdownDelay > 0) anyTaskDelay = true;
		else if (servicesOf(t).length > 0) {
			out.push(`task ${goQuote(t.Name)} in group ${goQuote(tg.Name)} defines services, but has no shutdown_delay set`);
		}
	}
	if (unscoped && !groupDelay && !anyTaskDelay) {
		out.push(
			`group ${goQuote(tg.Name)} defines services, but neither the group nor any of its tasks have shutdown_delay set`,
		);
	}
	return out;
}

export interface WarningOptions {
	/** Scheduler configuration's memory oversubscription for the job's node pool. */
	memoryOversubscription?: boolean;
}

/** The warnings Nomad attaches to a registration of `job` (after admission mutators). */
export function jobWarnings(job: Job, opts: WarningOptions = {}): string[] {
	const out: string[] = [];
	const groups = job.TaskGroups ?? [];
	let hasAutoPromote = false;
	let allAutoPromote = true;
	for (const tg of groups) {
		const w = groupWarnings(tg);
		if (w.length) out.push(`Group ${goQuote(tg.Name)} has warnings: ${multiError(w)}`);
		if (tg.Update) {
			hasAutoPromote ||= tg.Update.AutoPromote;
			allAutoPromote &&= tg.Update.Canary === 0 || tg.Update.AutoPromote;
		}
	}
	for (const tg of groups) out.push(...shutdownDelayWarnings(tg));
	if (hasAutoPromote && !allAutoPromote)
		out.push("auto_promote must be true for all groups to enable automatic promotion");
	if (job.Periodic && job.Periodic.Spec !== "") {
		out.push("cron is deprecated and may be removed in a future release. Use crons instead");
	}
	for (const tg of groups) {
		for (const t of tg.Tasks ?? []) {
			if (t.Vault) continue;
			for (const wi of (t.Identities as WorkloadIdentity[] | null) ?? []) {
				if (wi.Name.startsWith("vault_"))
					out.push(`Task ${t.Name} has an identity called ${wi.Name} but no vault block`);
			}
		}
	}
	if (!opts.memoryOversubscription) {
		for (const tg of groups) {
			for (const t of tg.Tasks ?? []) {
				if (t.Resources && t.Resources.MemoryMaxMB !== 0) {
					out.push(
						`Memory oversubscription is not enabled; Task "${tg.Name}.${t.Name}" memory_max value will be ignored. Update the Scheduler Configuration to allow oversubscription.`,
					);
				}
			}
		}
	}
	return out;
}

/** helper.MergeMultierrorWarnings: "" for none, else "N warning(s):\n\n* a\n* b". */
export function formatWarnings(ws: readonly string[]): string {
	if (ws.length === 0) return "";
	const head = ws.length === 1 ? "1 warning:\n" : `${ws.length} warnings:\n`;
	return head + ws.map((w) => `\n* ${w.trim()}`).join("");
}
