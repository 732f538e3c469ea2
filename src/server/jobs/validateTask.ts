// Task validation (nomad/structs/structs.go Task.Validate and the blocks it checks: resources,
// logs, constraints, services, artifacts, vault, templates, actions, dispatch payload, lifecycle,
// volume mounts, CSI plugin, identities and secrets). Sub-validators that Go returns as a
// multierror appear nested ("1 error occurred:\n\t* ...") exactly as Nomad prints them.
import { posix } from "node:path";
import type { Resources, Task, TaskGroup, Template } from "../../api/types/index.ts";
import { goDur, goQuote, multiError } from "./goText.ts";
import type {
	Action,
	ChangeScript,
	Secret,
	TaskCSIPluginConfig,
	Vault,
	VolumeMount,
	WaitConfig,
	WorkloadIdentity,
} from "./types.ts";
import { affinityErrors, constraintErrors } from "./validateParts.ts";
import { taskServiceErrors } from "./validateService.ts";

/** escapingfs.PathEscapesAllocViaRelative. */
export function escapesAlloc(prefix: string, path: string): boolean {
	const alloc = "/alloc-dir/alloc-id";
	const rel = posix.relative(alloc, posix.join(alloc, prefix, path));
	return rel.startsWith("..");
}

function resourcesErrors(r: Resources): string[] {
	const errs: string[] = [];
	if (r.Cores > 0 && r.CPU > 0) errs.push("Task can only ask for 'cpu' or 'cores' resource, not both.");
	if (r.Cores < 0) errs.push(`cores value (${r.Cores}) cannot be negative`);
	const min: string[] = [];
	if (r.CPU < 1 && r.Cores === 0) min.push(`minimum CPU value is 1; got ${r.CPU}`);
	if (r.MemoryMB < 10) min.push(`minimum MemoryMB value is 10; got ${r.MemoryMB}`);
	if (min.length) errs.push(multiError(min));
	if (r.DiskMB > 0) {
		errs.push("Task can't ask for disk resources, they have to be specified at the task group level.");
	}
	const devices = new Set<string>();
	(r.Devices ?? []).forEach((d, i) => {
		const de: string[] = [];
		if (d.Name === "") {
			de.push("device name must be given as one of the following: type, vendor/type, or vendor/type/name");
		}
		(d.Constraints ?? []).forEach((c, j) => {
			if (c.Operand === "distinct_hosts" || c.Operand === "distinct_property") {
				de.push(`Constraint ${j + 1} validation failed: using unsupported operand ${goQuote(c.Operand)}`);
			} else {
				const ce = constraintErrors(c);
				if (ce.length) de.push(`Constraint ${j + 1} validation failed: ${multiError(ce)}`);
			}
		});
		(d.Affinities ?? []).forEach((a, j) => {
			const ae = affinityErrors(a);
			if (ae.length) de.push(`Affinity ${j + 1} validation failed: ${multiError(ae)}`);
		});
		if (de.length) errs.push(`device ${i + 1} failed validation: ${multiError(de)}`);
		devices.add(d.Name);
	});
	const numa = r.NUMA as { Affinity: string; Devices: string[] | null } | null;
	if (numa) {
		for (const d of numa.Devices ?? []) {
			if (!devices.has(d)) errs.push(`numa device ${goQuote(d)} not requested as task resource`);
		}
		if (!["none", "prefer", "require"].includes(numa.Affinity)) {
			errs.push("numa affinity must be one of none, prefer, or require");
		}
	}
	if (r.MemoryMaxMB !== 0 && r.MemoryMaxMB !== -1 && r.MemoryMaxMB < r.MemoryMB) {
		errs.push(`MemoryMaxMB value (${r.MemoryMaxMB}) should be larger than MemoryMB value (${r.MemoryMB})`);
	}
	if (r.SecretsMB > r.MemoryMB) {
		errs.push(`SecretsMB value (${r.SecretsMB}) cannot be larger than MemoryMB value (${r.MemoryMB})`);
	}
	if (r.SecretsMB < 0) errs.push(`SecretsMB value (${r.SecretsMB}) cannot be negative`);
	return errs;
}

function templateErrors(t: Template): string[] {
	const errs: string[] = [];
	if (t.SourcePath === "" && t.EmbeddedTmpl === "")
		errs.push("Must specify a source path or have an embedded template");
	if (t.DestPath === "") errs.push("Must specify a destination for the template");
	if (escapesAlloc("task", t.DestPath)) errs.push("destination escapes allocation directory");
	switch (t.ChangeMode) {
		case "noop":
		case "restart":
			break;
		case "signal":
			if (t.ChangeSignal === "") errs.push("Must specify signal value when change mode is signal");
			if (t.Envvars) errs.push("cannot use signals with env var templates");
			break;
		case "script": {
			const cs = t.ChangeScript as ChangeScript | null;
			if (!cs) errs.push("must specify change script configuration value when change mode is script");
			else if (cs.Command === "") errs.push("must specify script path value when change mode is script");
			break;
		}
		default:
			errs.push("Invalid change mode. Must be one of the following: noop, signal, script, restart");
	}
	if (t.Splay < 0) errs.push("Must specify positive splay value");
	if (t.Perms !== "" && !/^[0-7]+$/.test(t.Perms)) {
		errs.push(
			`Failed to parse ${goQuote(t.Perms)} as octal: strconv.ParseUint: parsing ${goQuote(t.Perms)}: invalid syntax`,
		);
	} else if (t.Perms !== "" && Number.parseInt(t.Perms, 8) > 0o7777) {
		errs.push(
			`Failed to parse ${goQuote(t.Perms)} as octal: strconv.ParseUint: parsing ${goQuote(t.Perms)}: value out of range`,
		);
	}
	const w = t.Wait as WaitConfig | null;
	if (w && w.Min !== null && w.Max !== null && w.Min > w.Max) {
		errs.push(`wait min ${goDur(w.Min)} is greater than max ${goDur(w.Max)}`);
	}
	return errs;
}

const CHECKSUM_LENGTHS: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

function checksumError(options: Record<string, string> | null): string | undefined {
	const raw = options?.checksum;
	if (raw === undefined || /\$\{[a-zA-Z0-9_\-.]+\}/.test(raw)) return undefined;
	const check = raw.trim();
	if (check === "") return "checksum value cannot be empty";
	const parts = check.split(":");
	if (parts.length !== 2) return `checksum must be given as "type:value"; got ${goQuote(check)}`;
	const [type, value] = parts;
	if (!/^([0-9a-fA-F]{2})*$/.test(value)) return "invalid checksum: encoding/hex: invalid byte";
	const want = CHECKSUM_LENGTHS[type];
	if (want === undefined) return `unsupported checksum type: ${type}`;
	if (value.length / 2 !== want) return `invalid ${type} checksum: ${value}`;
	return undefined;
}

function identityErrors(wi: WorkloadIdentity): string[] {
	const errs: string[] = [];
	if (!/^[a-zA-Z0-9-_]{1,128}$/.test(wi.Name)) {
		errs.push(`invalid name ${goQuote(wi.Name)}. Must match regex ^[a-zA-Z0-9-_]{1,128}$`);
	}
	(wi.Audience ?? []).forEach((a, i) => {
		if (a === "") errs.push(`an empty string is an invalid audience (${i + 1})`);
	});
	if (wi.ChangeMode === "" || wi.ChangeMode === "noop" || wi.ChangeMode === "restart") {
		if (wi.ChangeSignal !== "") {
			errs.push(`can only use change_signal=${goQuote(wi.ChangeSignal)} with change_mode="signal"`);
		}
	} else if (wi.ChangeMode === "signal") {
		if (wi.ChangeSignal === "") errs.push(`change_signal must be specified when using change_mode="signal"`);
	} else errs.push(`invalid change_mode: ${wi.ChangeMode}`);
	if (wi.TTL > 0 && (wi.Name === "" || wi.Name === "default")) errs.push("ttl for default identity not yet supported");
	if (wi.TTL < 0) errs.push("ttl must be >= 0");
	if (wi.Filepath !== "" && !wi.File) errs.push("file parameter must be true in order to specify filepath");
	return errs;
}

function secretErrors(s: Secret): string[] {
	const errs: string[] = [];
	if (s.Name === "") errs.push("secret name cannot be empty");
	if (!/^[a-zA-Z0-9_]{1,128}$/.test(s.Name)) errs.push("secret name must match regex ^[a-zA-Z0-9_]{1,128}$");
	if (s.Provider === "") errs.push("secret provider cannot be empty");
	if (s.Path === "") errs.push("secret path cannot be empty");
	if (s.Provider === "nomad" || s.Provider === "vault") {
		if (Object.keys(s.Env ?? {}).length > 0) errs.push(`${s.Provider} provider cannot use the env block`);
	} else if (Object.keys(s.Config ?? {}).length > 0) {
		errs.push(`custom plugin provider ${s.Provider} cannot use the config block`);
	}
	return errs;
}

function artifactErrors(a: NonNullable<Task["Artifacts"]>[number]): string[] {
	const errs: string[] = [];
	if (a.GetterSource === "") errs.push("source must be specified");
	if (!["", "any", "file", "dir"].includes(a.GetterMode)) {
		errs.push(`invalid artifact mode ${goQuote(a.GetterMode)}; must be one of: any, file, dir`);
	}
	if (escapesAlloc("task", a.RelativeDest)) errs.push("destination escapes allocation directory");
	const cs = checksumError(a.GetterOptions);
	if (cs) errs.push(cs);
	return errs;
}

function volumeMountErrors(vm: VolumeMount): string[] {
	const errs: string[] = [];
	if (vm.Volume === "") errs.push("volume mount references an empty volume");
	if (!["", "private", "host-to-task", "bidirectional"].includes(vm.PropagationMode)) {
		errs.push(`volume mount has an invalid propagation mode: ${goQuote(vm.PropagationMode)}`);
	}
	if (!["", "z", "Z"].includes(vm.SELinuxLabel))
		errs.push(`volume mount has an invalid SELinux label: "${vm.SELinuxLabel}"`);
	return errs;
}

/** helper.IsSubdirectory (the same directory counts). */
const isSubdirectory = (parent: string, path: string): boolean => !posix.relative(parent, path).startsWith("..");

/** ^[^\x00\s]{1,128}$ with RE2's \s (ASCII whitespace only). */
const validActionName = (name: string): boolean => {
	const runes = [...name];
	return runes.length >= 1 && runes.length <= 128 && !runes.some((r) => r === "\0" || "\t\n\f\r ".includes(r));
};

/** Task.Validate for a task of `tg` in a job of type `jobType`. */
export function taskErrors(jobType: string, tg: TaskGroup, t: Task): string[] {
	const errs: string[] = [];
	if (t.Name === "") errs.push("Missing task name");
	if (t.Name === "alloc") errs.push('Task cannot be named "alloc"');
	if (/[/\\]/.test(t.Name)) errs.push("Task name cannot include slashes");
	else if (t.Name.includes("\0")) errs.push("Task name cannot include null characters");
	if (t.Driver === "") errs.push("Missing task driver");
	if (t.KillTimeout < 0) errs.push("KillTimeout must be a positive value");
	else if (
		jobType === "service" &&
		tg.Update &&
		tg.Update.ProgressDeadline > 0 &&
		t.KillTimeout > tg.Update.ProgressDeadline
	) {
		errs.push(
			`KillTimout (${goDur(t.KillTimeout)}) longer than the group's ProgressDeadline (${goDur(tg.Update.ProgressDeadline)})`,
		);
	}
	if (t.ShutdownDelay < 0) errs.push("ShutdownDelay must be a positive value");
	if (!t.Resources) errs.push("Missing task resources");
	else {
		const re = resourcesErrors(t.Resources);
		if (re.length) errs.push(multiError(re));
	}
	if (!t.LogConfig) errs.push("Missing Log Config");
	else {
		const le: string[] = [];
		const l = t.LogConfig;
		if (l.MaxFiles < 1) le.push(`minimum number of files is 1; got ${l.MaxFiles}`);
		if (l.MaxFileSizeMB < 1) le.push(`minimum file size is 1MB; got ${l.MaxFileSizeMB}`);
		if (tg.EphemeralDisk && tg.EphemeralDisk.SizeMB <= l.MaxFiles * l.MaxFileSizeMB) {
			le.push(
				`log storage (${l.MaxFiles * l.MaxFileSizeMB} MB) must be less than requested disk capacity (${tg.EphemeralDisk.SizeMB} MB)`,
			);
		}
		if (le.length) errs.push(multiError(le));
	}
	(t.Constraints ?? []).forEach((c, i) => {
		const ce = constraintErrors(c);
		if (ce.length) errs.push(`Constraint ${i + 1} validation failed: ${multiError(ce)}`);
		if (c.Operand === "distinct_hosts" || c.Operand === "distinct_property") {
			errs.push(`Constraint ${i + 1} has disallowed Operand at task level: ${c.Operand}`);
		}
	});
	if (jobType === "system") {
		if (t.Affinities) errs.push("System jobs may not have an affinity block");
	} else {
		(t.Affinities ?? []).forEach((a, i) => {
			const ae = affinityErrors(a);
			if (ae.length) errs.push(`Affinity ${i + 1} validation failed: ${multiError(ae)}`);
		});
	}
	const se = taskServiceErrors(t, tg.Networks);
	if (se.length) errs.push(multiError(se));
	(t.Artifacts ?? []).forEach((a, i) => {
		const ae = artifactErrors(a);
		if (ae.length) errs.push(`Artifact ${i + 1} validation failed: ${multiError(ae)}`);
	});
	const v = t.Vault as Vault | null;
	if (v) {
		if (v.ChangeMode === "signal") {
			if (v.ChangeSignal === "") {
				errs.push(
					`Vault validation failed: ${multiError(['Signal must be specified when using change mode "signal"'])}`,
				);
			}
		} else if (v.ChangeMode !== "noop" && v.ChangeMode !== "restart") {
			errs.push(`Vault validation failed: ${multiError([`Unknown change mode ${goQuote(v.ChangeMode)}`])}`);
		}
	}
	const dests = new Map<string, number>();
	(t.Templates ?? []).forEach((tmpl, i) => {
		const te = templateErrors(tmpl);
		if (te.length) errs.push(`Template ${i + 1} validation failed: ${multiError(te)}`);
		const other = dests.get(tmpl.DestPath);
		if (other !== undefined) errs.push(`Template ${i + 1} has same destination as ${other}`);
		else dests.set(tmpl.DestPath, i + 1);
	});
	const actions = new Map<string, boolean>();
	for (const a of (t.Actions as Action[] | null) ?? []) {
		const ae: string[] = [];
		if (a.Command === "") ae.push("command cannot be empty");
		if (!validActionName(a.Name)) ae.push(`invalid name '${a.Name}'`);
		if (ae.length) errs.push(`Action ${a.Name} validation failed: ${multiError(ae)}`);
		if (actions.has(a.Name) && actions.get(a.Name) === false) {
			errs.push(`Action ${a.Name} defined multiple times`);
			actions.set(a.Name, true);
			continue;
		}
		actions.set(a.Name, false);
	}
	if (t.DispatchPayload && escapesAlloc("task/local/", t.DispatchPayload.File)) {
		errs.push("Dispatch Payload validation failed: destination escapes allocation directory");
	}
	if (t.Lifecycle) {
		const hook = t.Lifecycle.Hook as string;
		if (hook === "") errs.push("Lifecycle validation failed: no lifecycle hook provided");
		else if (!["prestart", "poststart", "poststop"].includes(hook))
			errs.push(`Lifecycle validation failed: invalid hook: ${hook}`);
	}
	if (t.Kind.startsWith("connect-proxy:")) {
		if ((t.Services?.length ?? 0) > 0) errs.push("Connect proxy task must not have a service block");
		if (t.Leader) errs.push("Connect proxy task must not have leader set");
	}
	((t.VolumeMounts as VolumeMount[] | null) ?? []).forEach((vm, i) => {
		if (!Object.hasOwn(tg.Volumes ?? {}, vm.Volume))
			errs.push(`Volume Mount (${i}) references undefined volume ${vm.Volume}`);
		const ve = volumeMountErrors(vm);
		if (ve.length) errs.push(`Volume Mount (${i}) is invalid: "${multiError(ve)}"`);
	});
	const csi = t.CSIPluginConfig as TaskCSIPluginConfig | null;
	if (csi) {
		if (csi.ID === "") errs.push("CSIPluginConfig must have a non-empty PluginID");
		if (!["node", "controller", "monolith"].includes(csi.Type)) {
			errs.push(`CSIPluginConfig PluginType must be one of 'node', 'controller', or 'monolith', got: "${csi.Type}"`);
		}
		if (
			csi.StagePublishBaseDir !== "" &&
			csi.MountDir !== "" &&
			isSubdirectory(csi.MountDir, csi.StagePublishBaseDir)
		) {
			errs.push(
				`CSIPluginConfig StagePublishBaseDir must not be a subdirectory of MountDir, got: StagePublishBaseDir="${csi.StagePublishBaseDir}" MountDir="${csi.MountDir}"`,
			);
		}
	}
	const id = t.Identity as WorkloadIdentity | null;
	if (id) {
		const ie = identityErrors(id);
		if (ie.length) errs.push(`Identity ${goQuote(id.Name)} is invalid: ${multiError(ie)}`);
	}
	for (const wi of (t.Identities as WorkloadIdentity[] | null) ?? []) {
		if (wi.Name === "default") errs.push("Duplicate default identities found");
		const ie = identityErrors(wi);
		if (ie.length) errs.push(`Identity ${goQuote(wi.Name)} is invalid: ${multiError(ie)}`);
	}
	const secrets = new Set<string>();
	for (const s of (t.Secrets as Secret[] | null) ?? []) {
		if (secrets.has(s.Name)) errs.push(`Duplicate secret ${goQuote(s.Name)} found`);
		else secrets.add(s.Name);
		if (s.Provider === "vault" && !t.Vault)
			errs.push(`Secret ${goQuote(s.Name)} has provider "vault" but no vault block`);
		const sx = secretErrors(s);
		if (sx.length) errs.push(`Secret ${goQuote(s.Name)} is invalid: ${multiError(sx)}`);
	}
	return errs;
}
