// Job and task-group validation (Job.Validate, TaskGroup.Validate) plus the admission validators
// that need no state (jobValidate's priority/payload/count/identity checks, Vault, Consul cluster,
// NUMA and task schedule enterprise checks). The result is the flat list Nomad's multierror holds;
// nested sub-validations are already formatted inside their entries.
import type { Job, TaskGroup } from "../../api/types/index.ts";
import { goQuote, multiError } from "./goText.ts";
import type {
	AdmissionConfig,
	Consul,
	DisconnectStrategy,
	ScalingPolicy,
	Service,
	Vault,
	VolumeRequest,
	WorkloadIdentity,
} from "./types.ts";
import {
	affinityErrors,
	constraintErrors,
	disconnectErrors,
	migrateErrors,
	parameterizedErrors,
	periodicErrors,
	rescheduleErrors,
	restartErrors,
	scalingErrors,
	spreadErrors,
	updateErrors,
} from "./validateParts.ts";
import { groupNetworkErrors, groupScriptCheckErrors, groupServiceErrors, servicesOf } from "./validateService.ts";
import { taskErrors } from "./validateTask.ts";

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

function volumeErrors(v: VolumeRequest, jobType: string, count: number, canaries: number): string | undefined {
	if (v.Type !== "host" && v.Type !== "csi") return `volume has unrecognized type ${v.Type}`;
	const errs: string[] = [];
	if (v.Source === "") errs.push("volume has an empty source");
	if (v.PerAlloc) {
		if (jobType === "system" || jobType === "sysbatch")
			errs.push("volume cannot be per_alloc for system or sysbatch jobs");
		if (canaries > 0) errs.push("volume cannot be per_alloc when canaries are in use");
		if (v.Sticky) errs.push("volume cannot be per_alloc and sticky at the same time");
	}
	const mode = v.AccessMode;
	if (v.Type === "host") {
		if (v.MountOptions) errs.push("host volumes cannot have mount options");
		if (mode === "single-node-reader-only") {
			if (!v.ReadOnly) errs.push(`${mode} volumes must be read-only`);
		} else if (!["single-node-writer", "single-node-single-writer", "single-node-multi-writer", ""].includes(mode)) {
			errs.push(`host volumes cannot be mounted with ${mode} access mode`);
		}
	} else {
		if (v.AttachmentMode === "") errs.push("CSI volumes must have an attachment mode");
		else if (v.AttachmentMode === "block-device" && v.MountOptions)
			errs.push("block devices cannot have mount options");
		const many = count > 1 && !v.PerAlloc;
		if (mode === "") errs.push("CSI volumes must have an access mode");
		else if (mode === "single-node-reader-only") {
			if (!v.ReadOnly) errs.push(`${mode} volumes must be read-only`);
			if (many) errs.push(`volume with ${mode} access mode allows only one reader`);
		} else if (mode === "single-node-writer") {
			if (many) errs.push(`volume with ${mode} access mode allows only one reader or writer`);
		} else if (mode === "multi-node-reader-only") {
			if (!v.ReadOnly) errs.push(`${mode} volumes must be read-only`);
		} else if (mode === "multi-node-single-writer") {
			if (!v.ReadOnly && many) errs.push(`volume with ${mode} access mode allows only one writer`);
		}
	}
	return errs.length ? multiError(errs) : undefined;
}

function scalingPolicyErrors(tg: TaskGroup, job: Job): string[] {
	const p = tg.Scaling as ScalingPolicy | null;
	if (!p) return [];
	const errs = scalingErrors(p).map((e) => `Scaling policy invalid: ${e}`);
	if (p.Max < tg.Count) {
		errs.push("Scaling policy invalid: task group count must not be greater than maximum count in scaling policy");
	}
	if (tg.Count < p.Min && !(job.Multiregion && tg.Count === 0 && job.Region === "global")) {
		errs.push("Scaling policy invalid: task group count must not be less than minimum count in scaling policy");
	}
	return errs;
}

/** TaskGroup.Validate. */
export function groupErrors(tg: TaskGroup, job: Job): string[] {
	const errs: string[] = [];
	const type = job.Type as string;
	if (tg.Name === "") errs.push("Missing task group name");
	else if (tg.Name.includes("\0")) errs.push("Task group name contains null character");
	if (tg.Count < 0) errs.push("Task group count can't be negative");
	if ((tg.Tasks ?? []).length === 0) errs.push("Missing tasks for task group");
	if (tg.Disconnect) errs.push(...disconnectErrors(tg.Disconnect as DisconnectStrategy, type));
	const mrd = tg.MaxRunDuration as number | null | undefined;
	if (mrd !== null && mrd !== undefined) {
		if (mrd <= 0) errs.push("MaxRunDuration must be greater than zero");
		if (type !== "batch" && type !== "sysbatch") errs.push(`Job type ${goQuote(type)} does not allow max_run_duration`);
	}
	(tg.Constraints ?? []).forEach((c, i) => {
		const ce = constraintErrors(c);
		if (ce.length) errs.push(`Constraint ${i + 1} validation failed: ${multiError(ce)}`);
	});
	if (type === "system") {
		if (tg.Affinities) errs.push("System jobs may not have an affinity block");
	} else {
		(tg.Affinities ?? []).forEach((a, i) => {
			const ae = affinityErrors(a);
			if (ae.length) errs.push(`Affinity ${i + 1} validation failed: ${multiError(ae)}`);
		});
	}
	if (tg.RestartPolicy) errs.push(...restartErrors(tg.RestartPolicy));
	else errs.push(`Task Group ${tg.Name} should have a restart policy`);
	if (type === "system") {
		if (tg.Spreads) errs.push("System jobs may not have a spread block");
	} else {
		(tg.Spreads ?? []).forEach((s, i) => {
			const se = spreadErrors(s);
			if (se.length) errs.push(`Spread ${i + 1} validation failed: ${multiError(se)}`);
		});
	}
	if (type === "system" || type === "sysbatch") {
		if (tg.ReschedulePolicy) errs.push("System or sysbatch jobs should not have a reschedule policy");
	} else if (tg.ReschedulePolicy) errs.push(...rescheduleErrors(tg.ReschedulePolicy));
	else errs.push(`Task Group ${tg.Name} should have a reschedule policy`);
	if (tg.EphemeralDisk) {
		if (tg.EphemeralDisk.SizeMB < 10) errs.push(`minimum DiskMB value is 10; got ${tg.EphemeralDisk.SizeMB}`);
	} else errs.push(`Task Group ${tg.Name} should have an ephemeral disk object`);
	if (tg.Update) {
		if (type !== "service" && type !== "system") errs.push(`Job type ${goQuote(type)} does not allow update block`);
		errs.push(...updateErrors(tg.Update));
	}
	if (type === "service") {
		if (tg.Migrate) errs.push(...migrateErrors(tg.Migrate));
	} else if (tg.Migrate) errs.push(`Job type ${goQuote(type)} does not allow migrate block`);
	const names = new Map<string, number>();
	let leaders = 0;
	let mains = 0;
	(tg.Tasks ?? []).forEach((t, i) => {
		if (t.Name === "") errs.push(`Task ${i + 1} missing name`);
		else if (names.has(t.Name))
			errs.push(`Task ${i + 1} redefines '${t.Name}' from task ${(names.get(t.Name) ?? 0) + 1}`);
		else names.set(t.Name, i);
		if (t.Leader) leaders++;
		if (!t.Lifecycle || (t.Lifecycle.Hook as string) === "") mains++;
	});
	if (leaders > 1) errs.push("Only one task may be marked as leader");
	if ((tg.Tasks ?? []).length > 0 && mains === 0) errs.push(`Task group ${tg.Name} must have at least one main task`);
	const canaries = tg.Update?.Canary ?? 0;
	const volumes = (tg.Volumes as Record<string, VolumeRequest> | null) ?? {};
	for (const name of Object.keys(volumes).sort()) {
		const ve = volumeErrors(volumes[name], type, tg.Count, canaries);
		if (ve) errs.push(`Task group volume validation for ${name} failed: ${ve}`);
	}
	const ne = groupNetworkErrors(tg);
	if (ne.length) errs.push(`Task group network validation failed: ${multiError(ne)}`);
	const se = groupServiceErrors(tg);
	if (se.length) errs.push(`Task group service validation failed: ${multiError(se)}`);
	const sc = groupScriptCheckErrors(tg);
	if (sc.length) errs.push(`Task group service check validation failed: ${multiError(sc)}`);
	const pe = scalingPolicyErrors(tg, job);
	if (pe.length) errs.push(`Task group scaling policy validation failed: ${multiError(pe)}`);
	for (const t of tg.Tasks ?? []) {
		const te = taskErrors(type, tg, t);
		if (te.length) errs.push(`Task ${t.Name} validation failed: ${multiError(te)}`);
	}
	return errs;
}

/** Job.Validate. */
export function jobErrors(job: Job): string[] {
	const errs: string[] = [];
	const type = job.Type as string;
	if (job.Region === "" && !job.Multiregion) errs.push("Missing job region");
	if (job.ID === "") errs.push("Missing job ID");
	else if (job.ID.includes(" ")) errs.push("Job ID contains a space");
	else if (job.ID.includes("\0")) errs.push("Job ID contains a null character");
	if (job.Name === "") errs.push("Missing job name");
	else if (job.Name.includes("\0")) errs.push("Job Name contains a null character");
	if (job.Namespace === "") errs.push("Job must be in a namespace");
	if (type === "") errs.push("Missing job type");
	else if (!["_core", "service", "batch", "system", "sysbatch"].includes(type))
		errs.push(`Invalid job type: ${goQuote(type)}`);
	if ((job.Datacenters ?? []).length === 0 && !job.Multiregion) errs.push("Missing job datacenters");
	else for (const dc of job.Datacenters ?? []) if (dc === "") errs.push("Job datacenter must be non-empty string");
	const groups = job.TaskGroups ?? [];
	if (groups.length === 0) errs.push("Missing job task groups");
	(job.Constraints ?? []).forEach((c, i) => {
		const ce = constraintErrors(c);
		if (ce.length) errs.push(`Constraint ${i + 1} validation failed: ${multiError(ce)}`);
	});
	if (type === "system") {
		if (job.Affinities) errs.push("System jobs may not have an affinity block");
		if (job.Spreads) errs.push("System jobs may not have a spread block");
	}
	if (type !== "system") {
		(job.Affinities ?? []).forEach((a, i) => {
			const ae = affinityErrors(a);
			if (ae.length) errs.push(`Affinity ${i + 1} validation failed: ${multiError(ae)}`);
		});
		(job.Spreads ?? []).forEach((s, i) => {
			const se = spreadErrors(s);
			if (se.length) errs.push(`Spread ${i + 1} validation failed: ${multiError(se)}`);
		});
	}
	const ui = job.UI as { Description: string } | null;
	if (ui && byteLength(ui.Description) > 1000) {
		errs.push(`UI description must be under 1000 characters, currently ${byteLength(ui.Description)}`);
	}
	const tag = job.VersionTag as { Description: string } | null;
	if (tag && byteLength(tag.Description) > 1000) {
		errs.push(`Tagged version description must be under 1000 characters, currently ${byteLength(tag.Description)}`);
	}
	const seen = new Map<string, number>();
	groups.forEach((tg, i) => {
		if (tg.Name === "") errs.push(`Job task group ${i + 1} missing name`);
		else if (seen.has(tg.Name)) {
			errs.push(`Job task group ${i + 1} redefines '${tg.Name}' from group ${(seen.get(tg.Name) ?? 0) + 1}`);
		} else seen.set(tg.Name, i);
		const sd = tg.ShutdownDelay as number | null;
		if (sd !== null && sd < 0) errs.push("ShutdownDelay must be a positive value");
		if (type === "system" && tg.Count > 1) {
			errs.push(`Job task group ${tg.Name} has count ${tg.Count}. Count cannot exceed 1 with system scheduler`);
		}
	});
	for (const tg of groups) {
		const ge = groupErrors(tg, job);
		if (ge.length) errs.push(`Task group ${tg.Name} validation failed: ${multiError(ge)}`);
	}
	if (job.Periodic?.Enabled) {
		if (type !== "batch" && type !== "sysbatch")
			errs.push(`Periodic can only be used with "batch" or "sysbatch" scheduler`);
		const pe = periodicErrors(job.Periodic);
		if (pe.length) errs.push(multiError(pe));
	}
	if (job.ParameterizedJob && !job.Dispatched) {
		if (type !== "batch" && type !== "sysbatch")
			errs.push(`Parameterized job can only be used with "batch" or "sysbatch" scheduler`);
		const pe = parameterizedErrors(job.ParameterizedJob);
		if (pe.length) errs.push(multiError(pe));
	}
	if (job.Multiregion) errs.push("Multiregion jobs are unlicensed.");
	return errs;
}

/**
 * Job.Validate plus the stateless admission validators, in Nomad's order: Vault and Consul
 * cluster checks, jobValidate (job rules, core type, payload, priority, identities, job_max_count),
 * then the enterprise-only NUMA and task schedule checks. Returns [] when the job is admissible.
 */
export function validateJob(job: Job, cfg: AdmissionConfig): string[] {
	const errs: string[] = [];
	const groups = job.TaskGroups ?? [];
	const tasks = groups.flatMap((tg) => tg.Tasks ?? []);
	const vault = tasks.find((t) => t.Vault);
	if (vault) errs.push(`Vault ${goQuote((vault.Vault as Vault).Cluster)} not enabled but used in the job`);
	const consulErr = consulClusterError(job);
	if (consulErr) errs.push(consulErr);
	errs.push(...jobErrors(job));
	if (job.Type === ("_core" as Job["Type"])) errs.push("job type cannot be core");
	if (job.Payload) errs.push("job can't be submitted with a payload, only dispatched");
	if (job.Priority < 1 || job.Priority > cfg.jobMaxPriority)
		errs.push(`job priority must be between [1, ${cfg.jobMaxPriority}]`);
	let total = 0;
	for (const tg of groups) {
		total += tg.Count;
		for (const s of servicesOf(tg)) {
			if (s.Identity && s.Identity.Name === "")
				errs.push(`Service ${s.Name} in task group ${tg.Name} has an identity with an empty name`);
		}
		for (const t of tg.Tasks ?? []) {
			for (const s of servicesOf(t)) {
				if (s.Identity && s.Identity.Name === "")
					errs.push(`Service ${s.Name} in task ${t.Name} has an identity with an empty name`);
			}
			const v = t.Vault as Vault | null;
			if (v && v.Cluster !== "default") {
				const wid = `vault_${v.Cluster}`;
				if (!((t.Identities as WorkloadIdentity[] | null) ?? []).some((w) => w.Name === wid)) {
					errs.push(
						`Task ${t.Name} uses Vault cluster ${v.Cluster} but does not have an identity named ${wid} and no default identity is provided in agent configuration`,
					);
				}
			}
		}
	}
	if (cfg.jobMaxCount > 0 && total > cfg.jobMaxCount) {
		errs.push(`total count was greater than configured job_max_count: ${total} > ${cfg.jobMaxCount}`);
	}
	if (tasks.some((t) => ((t.Resources?.NUMA as { Affinity: string } | null)?.Affinity ?? "none") !== "none")) {
		errs.push("numa scheduling requires Nomad Enterprise");
	}
	if (tasks.some((t) => t.Schedule)) errs.push("task schedules requires Nomad Enterprise");
	return errs;
}

/** jobConsulHook.Validate (CE): only the default Consul cluster, partitions matching the group's. */
function consulClusterError(job: Job): string | undefined {
	const nonDefault = "non-default Consul cluster requires Nomad Enterprise";
	for (const tg of job.TaskGroups ?? []) {
		const gc = tg.Consul as Consul | null;
		if (gc && gc.Cluster !== "default") return nonDefault;
		const consulSvc = (s: Service): boolean => s.Provider === "consul" && s.Cluster !== "default";
		if (servicesOf(tg).some(consulSvc)) return nonDefault;
		for (const t of tg.Tasks ?? []) {
			if (servicesOf(t).some(consulSvc)) return nonDefault;
			const tc = t.Consul as Consul | null;
			if (tc) {
				const gp = gc?.Partition ?? "";
				if (gp !== "" && tc.Partition !== "" && tc.Partition !== gp) {
					return `task.consul.partition ${goQuote(tc.Partition)} must match group.consul.partition ${goQuote(gp)} if both are set`;
				}
				if (tc.Cluster !== "default") return nonDefault;
			}
		}
	}
	return undefined;
}
