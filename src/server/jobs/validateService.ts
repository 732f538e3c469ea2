// Service, check and network validation (nomad/structs/services.go Service.Validate and the task
// group's validateNetworks/validateServices/validateScriptChecksInGroupServices, plus the task-level
// validateServices). Messages are Nomad's.
import type { NetworkResource, Task, TaskGroup } from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import { goDur, goQuote, multiError } from "./goText.ts";
import type { Service, ServiceCheck } from "./types.ts";

const ENV_RE = /\$\{[a-zA-Z0-9_\-.]+\}/g;
const NAME_RE = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])$/i;
const ADDRESS_MODES = ["", "host", "driver", "alloc", "alloc_ipv6"];
const ON_UPDATE = ["", "ignore", "require_healthy", "ignore_warnings"];
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"];
const CONSUL_KINDS = ["", "api-gateway", "ingress-gateway", "mesh-gateway", "terminating-gateway"];

export const servicesOf = (x: TaskGroup | Task): Service[] => (x.Services as Service[] | null) ?? [];

const requiresPort = (c: ServiceCheck): boolean => c.Type === "grpc" || c.Type === "http" || c.Type === "tcp";

/** %+q of a string: like %q but non-ASCII escaped. */
const plusQ = (s: string): string =>
	goQuote(s).replace(/[^\x20-\x7e]/gu, (ch) => {
		const cp = ch.codePointAt(0) ?? 0;
		return cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
	});

function checkCommonError(c: ServiceCheck, allowed: string[]): string | undefined {
	const type = c.Type.toLowerCase();
	if (!allowed.includes(type)) return `invalid check type (${goQuote(type)}), must be one of ${allowed.join(", ")}`;
	if (type === "http") {
		if (c.Path === "") return "http type must have http path";
		if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(c.Path)) return "http type must have relative http path";
	} else if (type === "script" && c.Command === "") return "script type must have a valid script path";
	if (c.Interval === 0) return "missing required value interval. Interval cannot be less than 1s";
	if (c.Interval < SECOND) return `interval (${goDur(c.Interval)}) cannot be lower than 1s`;
	if (c.Timeout === 0) return "missing required value timeout. Timeout cannot be less than 1s";
	if (c.Timeout < SECOND) return `timeout (${goDur(c.Timeout)}) is lower than required minimum timeout 1s`;
	if (!["", "passing", "warning", "critical"].includes(c.InitialStatus)) {
		return `invalid initial check state (${c.InitialStatus}), must be one of "passing", "warning", "critical" or empty`;
	}
	if (c.AddressMode === "auto") return `invalid address_mode "auto" - auto only valid for services`;
	if (!ADDRESS_MODES.includes(c.AddressMode)) return `invalid address_mode ${goQuote(c.AddressMode)}`;
	if (!ON_UPDATE.includes(c.OnUpdate)) {
		return `on_update must be "require_healthy", "ignore_warnings", or "ignore"; got ${goQuote(c.OnUpdate)}`;
	}
	if (c.CheckRestart) {
		if (c.OnUpdate === "ignore") return `on_update value "ignore" is not compatible with check_restart`;
		if (!c.CheckRestart.IgnoreWarnings && c.OnUpdate === "ignore_warnings") {
			return `on_update value "ignore_warnings" not supported with check_restart ignore_warnings value "false"`;
		}
		const errs: string[] = [];
		if (c.CheckRestart.Limit < 0)
			errs.push(`limit must be greater than or equal to 0 but found ${c.CheckRestart.Limit}`);
		if (c.CheckRestart.Grace < 0)
			errs.push(`grace period must be greater than or equal to 0 but found ${c.CheckRestart.Grace}`);
		if (errs.length) return multiError(errs);
	}
	return undefined;
}

function nomadCheckError(c: ServiceCheck): string | undefined {
	const common = checkCommonError(c, ["tcp", "http"]);
	if (common) return common;
	if (c.Expose) return "expose may only be set for Consul service checks";
	if (c.OnUpdate === "ignore_warnings") return "on_update may only be set to ignore_warnings for Consul service checks";
	if (c.CheckRestart?.IgnoreWarnings)
		return "ignore_warnings on check_restart only supported for Consul service checks";
	if (c.AddressMode === "driver") return "address_mode = driver may only be set for Consul service checks";
	if (c.Type === "http" && c.Method !== "" && !HTTP_METHODS.includes(c.Method.toUpperCase())) {
		return `method type ${goQuote(c.Method)} not supported in Nomad http check`;
	}
	if (c.SuccessBeforePassing !== 0) return "success_before_passing may only be set for Consul service checks";
	if (c.FailuresBeforeCritical !== 0) return "failures_before_critical may only be set for Consul service checks";
	if (c.FailuresBeforeWarning !== 0) return "failures_before_warning may only be set for Consul service checks";
	if (c.TLSServerName !== "") return "tls_server_name may only be set for Consul service checks";
	return undefined;
}

function consulCheckError(c: ServiceCheck): string | undefined {
	const common = checkCommonError(c, ["grpc", "tcp", "http", "script"]);
	if (common) return common;
	const type = c.Type.toLowerCase();
	if (c.Expose && type !== "grpc" && type !== "http") return "expose may only be set on HTTP or gRPC checks";
	const passFail = ["tcp", "http", "grpc"];
	for (const [field, v] of [
		["success_before_passing", c.SuccessBeforePassing],
		["failures_before_critical", c.FailuresBeforeCritical],
		["failures_before_warning", c.FailuresBeforeWarning],
	] as const) {
		if (v < 0) return `${field} must be non-negative`;
		if (v > 0 && !passFail.includes(c.Type)) return `${field} not supported for check of type ${goQuote(c.Type)}`;
	}
	if (c.Notes.length > 255) return "notes must not be longer than 255 characters";
	return undefined;
}

/** Service.Validate. */
export function serviceErrors(s: Service): string[] {
	const errs: string[] = [];
	if (!NAME_RE.test(s.Name.replace(ENV_RE, "ENV-VAR"))) {
		errs.push(
			`Service name must be valid per RFC 1123 and can contain only alphanumeric characters or dashes and must be no longer than 63 characters: ${goQuote(s.Name)}`,
		);
	}
	if (["host", "driver", "alloc", "alloc_ipv6"].includes(s.AddressMode)) {
		if (s.Address !== "") errs.push(`Service address_mode must be "auto" if address is set`);
	} else if (s.AddressMode !== "" && s.AddressMode !== "auto") {
		errs.push(`Service address_mode must be "auto", "host", or "driver"; not ${goQuote(s.AddressMode)}`);
	}
	if (!ON_UPDATE.includes(s.OnUpdate)) {
		errs.push(
			`Service on_update must be "require_healthy", "ignore_warnings", or "ignore"; not ${goQuote(s.OnUpdate)}`,
		);
	}
	const portless = (c: ServiceCheck): string | undefined =>
		s.PortLabel === "" && c.PortLabel === "" && requiresPort(c)
			? `Check ${c.Name} invalid: check requires a port but neither check nor service ${plusQ(s.Name)} have a port`
			: undefined;
	if (s.Provider === "consul") {
		for (const c of s.Checks ?? []) {
			const p = portless(c);
			if (p) {
				errs.push(p);
				continue;
			}
			if (c.Type === "tcp" && s.Connect && hasKey(s.Connect, "SidecarService")) {
				errs.push(`Check ${c.Name} invalid: tcp checks are not valid for Connect enabled services`);
				continue;
			}
			const e = consulCheckError(c);
			if (e) errs.push(`Check ${c.Name} invalid: ${e}`);
		}
		if (!CONSUL_KINDS.includes(s.Kind)) errs.push(`Service ${s.Name} kind must be one of consul service kind or empty`);
	} else if (s.Provider === "nomad") {
		for (const c of s.Checks ?? []) {
			const p = portless(c);
			if (p) {
				errs.push(p);
				continue;
			}
			const e = nomadCheckError(c);
			if (e) errs.push(e);
		}
		if (s.Connect) errs.push("Service with provider nomad cannot include Connect blocks");
	} else {
		errs.push(`Service provider must be "consul", or "nomad"; not ${goQuote(s.Provider)}`);
	}
	if (s.Identity && (s.Identity.Audience?.length ?? 0) === 0) {
		errs.push("Service identity must provide at least one target aud value");
	}
	return errs;
}

const hasKey = (o: Record<string, unknown>, key: string): boolean =>
	Object.keys(o).some((k) => k.toLowerCase() === key.toLowerCase() && o[k] !== null);

function portLabels(n: NetworkResource): string[] {
	return [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])].map((p) => p.Label ?? "");
}

/** Task-level validateServices: names, address modes, duplicate services/checks, port labels. */
export function taskServiceErrors(t: Task, tgNetworks: NetworkResource[] | null): string[] {
	const errs: string[] = [];
	const servicePorts = new Map<string, Set<string>>();
	const addPort = (label: string, svc: string): void => {
		if (!servicePorts.has(label)) servicePorts.set(label, new Set());
		servicePorts.get(label)?.add(svc);
	};
	const known = new Set<string>();
	servicesOf(t).forEach((s, i) => {
		const se = serviceErrors(s);
		if (se.length) errs.push(`service[${i}] ${plusQ(s.Name)} validation failed: ${multiError(se)}`);
		if (s.AddressMode === "alloc" || s.AddressMode === "alloc_ipv6") {
			errs.push(
				`service ${goQuote(s.Name)} cannot use address_mode="${s.AddressMode}", only services defined in a "group" block can use this mode`,
			);
		}
		if (known.has(s.Name + s.PortLabel)) errs.push(`service ${goQuote(s.Name)} is duplicate`);
		known.add(s.Name + s.PortLabel);
		if (s.PortLabel !== "" && !(s.AddressMode === "driver" && /^[+-]?\d+$/.test(s.PortLabel)))
			addPort(s.PortLabel, s.Name);
		if (s.Connect) {
			errs.push(`service ${goQuote(s.Name)} cannot have "connect" block, only services defined in a "group" block can`);
		}
		const checks = new Set<string>();
		for (const c of s.Checks ?? []) {
			if (checks.has(c.Name)) errs.push(`check ${goQuote(c.Name)} is duplicate`);
			checks.add(c.Name);
			if (c.AddressMode === "alloc" || c.AddressMode === "alloc_ipv6") {
				errs.push(
					`check ${goQuote(s.Name)} cannot use address_mode="${c.AddressMode}", only checks defined in a "group" service block can use this mode`,
				);
			}
			if (!requiresPort(c)) continue;
			const port = c.PortLabel || s.PortLabel;
			if (port === "") {
				errs.push(`check ${goQuote(c.Name)} is missing a port`);
				continue;
			}
			const numeric = /^[+-]?\d+$/.test(port);
			if (c.AddressMode === "driver" && numeric) {
				if (Number(port) <= 0) errs.push(`check ${goQuote(c.Name)} has invalid numeric port ${Number(port)}`);
				continue;
			}
			if (numeric) {
				errs.push(
					`check ${goQuote(c.Name)} cannot use a numeric port ${Number(port)} without setting address_mode="driver"`,
				);
				continue;
			}
			addPort(port, s.Name);
		}
	});
	const labels = new Set<string>();
	if (tgNetworks?.length) for (const l of portLabels(tgNetworks[0])) labels.add(l);
	for (const n of t.Resources?.Networks ?? []) for (const l of portLabels(n)) labels.add(l);
	for (const port of [...servicePorts.keys()].sort()) {
		if (labels.has(port)) continue;
		const names = [...(servicePorts.get(port) ?? [])].sort().join(", ");
		errs.push(`port label ${goQuote(port)} referenced by services ${names} does not exist`);
	}
	return errs;
}

/** TaskGroup.validateServices. */
export function groupServiceErrors(tg: TaskGroup): string[] {
	const errs: string[] = [];
	const taskNames = new Set((tg.Tasks ?? []).map((t) => t.Name));
	const ids = new Set<string>();
	const dups: string[] = [];
	const providers = new Set<string>();
	const track = (name: string, task: string, port: string, provider: string): void => {
		const id = `${task}->${name}${port ? `:${port}` : ""}`;
		if (ids.has(id)) {
			if (!dups.includes(id)) dups.push(id);
		} else ids.add(id);
		providers.add(provider);
	};
	for (const t of tg.Tasks ?? []) {
		for (const s of servicesOf(t)) {
			if (s.TaskName !== "" && s.TaskName !== t.Name) {
				errs.push(
					`Service ${s.Name} is invalid: may only specify task the service belongs to, got ${goQuote(s.TaskName)}`,
				);
			}
			for (const c of s.Checks ?? []) {
				if (c.TaskName !== "" && c.TaskName !== t.Name) {
					errs.push(
						`Check ${c.Name} is invalid: may only specify task the check belongs to, got ${goQuote(c.TaskName)}`,
					);
				}
			}
			track(s.Name, t.Name, s.PortLabel, s.Provider);
		}
	}
	servicesOf(tg).forEach((s, i) => {
		track(s.Name, "group", s.PortLabel, s.Provider);
		const se = serviceErrors(s);
		if (se.length) {
			errs.push(`Service[${i}] ${s.Name} validation failed: ${multiError(se)}`);
			return;
		}
		if (s.AddressMode === "driver") {
			errs.push(
				`service ${goQuote(s.Name)} cannot use address_mode="driver", only services defined in a "task" block can use this mode`,
			);
		}
		for (const c of s.Checks ?? []) {
			if (c.TaskName === "") continue;
			if (c.AddressMode === "driver") {
				errs.push(
					`Check ${goQuote(s.Name)} invalid: cannot use address_mode="driver", only checks defined in a "task" service block can use this mode`,
				);
			}
			if (!taskNames.has(c.TaskName)) errs.push(`Check ${c.Name} invalid: refers to non-existent task ${c.TaskName}`);
		}
	});
	if (dups.length > 0) errs.push(`Services are not unique: ${dups.join(", ")}`);
	if (providers.size > 1) errs.push("Multiple service providers used: task group services must use the same provider");
	return errs;
}

/** TaskGroup.validateScriptChecksInGroupServices. */
export function groupScriptCheckErrors(tg: TaskGroup): string[] {
	const errs: string[] = [];
	for (const s of servicesOf(tg)) {
		if (s.TaskName !== "") continue;
		for (const c of s.Checks ?? []) {
			if (c.Type === "script" && c.TaskName === "") {
				errs.push(`Service [${tg.Name}]->${s.Name} or Check ${c.Name} must specify task parameter`);
			}
		}
	}
	return errs;
}

const DNS_LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;
const isDomainName = (s: string): boolean => {
	const name = s.endsWith(".") ? s.slice(0, -1) : s;
	return name.length > 0 && name.length <= 253 && name.split(".").every((l) => DNS_LABEL.test(l));
};

/** TaskGroup.validateNetworks: port labels, static port collisions, port ranges, CNI args, hostname. */
export function groupNetworkErrors(tg: TaskGroup): string[] {
	const errs: string[] = [];
	const labels = new Map<string, string>();
	const statics = new Map<string, Map<number, string>>();
	const reserve = (
		hostNetwork: string | undefined,
		value: number,
		owner: string,
		label: string,
		ignore: boolean,
	): void => {
		const hn = hostNetwork || "default";
		const ports = statics.get(hn) ?? new Map<number, string>();
		const other = ports.get(value);
		if (other !== undefined) {
			if (!ignore) errs.push(`Static port ${value} already reserved by ${other}`);
		} else if (value > 65535) errs.push(`Port ${label} (${value}) cannot be greater than 65535`);
		else {
			ports.set(value, owner);
			statics.set(hn, ports);
		}
	};
	const cniKeys = new Set<string>();
	for (const n of tg.Networks ?? []) {
		for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
			const label = p.Label ?? "";
			const other = labels.get(label);
			if (other !== undefined) errs.push(`Port label ${label} already in use by ${other}`);
			else labels.set(label, "taskgroup network");
			if (p.Value) reserve(p.HostNetwork, p.Value, `taskgroup network:${label}`, label, p.IgnoreCollision ?? false);
			const to = p.To ?? 0;
			if (to < -1) errs.push(`Port ${goQuote(label)} cannot be mapped to negative value ${to}`);
			else if (to > 65535) errs.push(`Port ${goQuote(label)} cannot be mapped to a port (${to}) greater than 65535`);
			if (p.IgnoreCollision && !(n.Mode === undefined || n.Mode === "" || n.Mode === "host")) {
				errs.push(`Port ${goQuote(label)} collision may not be ignored on non-host network mode ${goQuote(n.Mode)}`);
			}
		}
		const args = (n.CNI as { Args?: Record<string, string> | null } | undefined)?.Args ?? {};
		for (const [k, v] of Object.entries(args)) {
			if (cniKeys.has(k)) errs.push(`duplicate CNI arg ${goQuote(k)}`);
			else cniKeys.add(k);
			if (k.includes(";")) errs.push(`invalid ';' character in CNI arg key ${goQuote(k)}`);
			if (v.includes(";")) errs.push(`invalid ';' character in CNI arg value ${goQuote(v)}`);
		}
		if (n.Hostname && !n.Hostname.includes("${") && !isDomainName(n.Hostname)) {
			errs.push("Hostname is not a valid DNS name");
		}
	}
	for (const t of tg.Tasks ?? []) {
		for (const n of t.Resources?.Networks ?? []) {
			for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
				const label = p.Label ?? "";
				const other = labels.get(label);
				if (other !== undefined) errs.push(`Port label ${label} already in use by ${other}`);
				if (p.Value) reserve(p.HostNetwork, p.Value, `${t.Name}:${label}`, label, false);
			}
		}
	}
	return errs;
}
