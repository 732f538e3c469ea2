// Linux capability sets for the exec driver, with the rules of Nomad's drivers/shared/capabilities:
// names are case-insensitive with or without a CAP_ prefix, "all" means every capability the
// kernel supports, the task's set is (defaults ∩ allow_caps) − cap_drop + cap_add, and cap_add may
// only name capabilities that allow_caps allows.
import { readFileSync } from "node:fs";

/** Kernel capability names by number (include/uapi/linux/capability.h), lower case, no prefix. */
const CAP_NAMES = [
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
] as const;

/** Nomad's default task capabilities (Docker's defaults minus NET_RAW); also allow_caps' default. */
export const NOMAD_DEFAULT_CAPS = [
	"audit_write",
	"chown",
	"dac_override",
	"fowner",
	"fsetid",
	"kill",
	"mknod",
	"net_bind_service",
	"setfcap",
	"setgid",
	"setpcap",
	"setuid",
	"sys_chroot",
];

/** The set a task running as root gets (Nomad's LegacySupported: every cap of Nomad 1.0's list). */
export const LEGACY_ROOT_CAPS = CAP_NAMES.slice(0, 38);

/** Capabilities this kernel knows (cap_last_cap); the full table when /proc cannot tell. */
export function supportedCaps(lastCapPath = "/proc/sys/kernel/cap_last_cap"): string[] {
	try {
		const last = Number(readFileSync(lastCapPath, "utf8").trim());
		if (Number.isInteger(last) && last >= 0) return CAP_NAMES.slice(0, last + 1);
	} catch {
		// not Linux, or /proc not mounted
	}
	return [...CAP_NAMES];
}

export function normalizeCap(name: string): string {
	const n = name.trim().toLowerCase();
	return n.startsWith("cap_") ? n.slice(4) : n;
}

/** A set from names, expanding "all" to `supported`. */
export function capSet(names: readonly string[], supported: readonly string[]): Set<string> {
	const s = new Set<string>();
	for (const raw of names) {
		const n = normalizeCap(raw);
		if (n === "") continue;
		if (n === "all") for (const c of supported) s.add(c);
		else s.add(n);
	}
	return s;
}

/** Names in `names` the kernel does not support, sorted (for Nomad's validation messages). */
export function unsupportedCaps(names: readonly string[], supported: readonly string[]): string[] {
	const sup = new Set(supported);
	return [...capSet(names, supported)].filter((c) => !sup.has(c)).sort();
}

export interface CapInputs {
	allowCaps: readonly string[];
	capAdd: readonly string[];
	capDrop: readonly string[];
	supported: readonly string[];
}

/** The task's capabilities, sorted lower-case names; throws when cap_add exceeds allow_caps. */
export function calculateCaps(inp: CapInputs): string[] {
	const allow = capSet(inp.allowCaps, inp.supported);
	const adds = capSet(inp.capAdd, inp.supported);
	const missing = [...adds].filter((c) => !allow.has(c)).sort();
	if (missing.length > 0) {
		throw new Error(`driver does not allow the following capabilities: ${missing.join(", ")}`);
	}
	const result = new Set(NOMAD_DEFAULT_CAPS.filter((c) => allow.has(c)));
	for (const raw of inp.capDrop) {
		const n = normalizeCap(raw);
		if (n === "all") result.clear();
		else result.delete(n);
	}
	for (const c of adds) result.add(c);
	return [...result].sort();
}

/** setpriv's capability list syntax: "-all,+chown,+kill" (clears first, then adds). */
export function setprivCapList(caps: readonly string[]): string {
	return ["-all", ...caps.map((c) => `+${c}`)].join(",");
}
