// Cgroups mode (Nomad's cgroupslib.GetMode / fingerprint/cgroup.go → `os.cgroups.version`).
import { join } from "node:path";
import type { SystemSource } from "./source.ts";

export type CgroupMode = "cg1" | "cg2" | "off";

const CG_ROOT = "/sys/fs/cgroup";
const CG2_REQUIRED = ["cpuset", "cpu", "io", "memory", "pids"];

/** Mode from /proc/self/mountinfo: a tmpfs on /sys/fs/cgroup → v1; cgroup2 on /sys/fs/cgroup → v2. */
export function scanMountinfo(text: string): CgroupMode {
	for (const line of text.split("\n")) {
		const tokens = new Set(line.split(/\s+/).filter(Boolean));
		if (!tokens.has(CG_ROOT)) continue;
		if (tokens.has("tmpfs")) return "cg1";
		if (tokens.has("cgroup2")) return "cg2";
	}
	return "off";
}

/**
 * Nomad's detection: v1 needs root; v2 needs the root controllers it drives and either root or
 * ownership of the (delegated) parent slice. Anything else is "off" and no attribute is set.
 * `ownerUid` reports the owner of a path (undefined when missing); only used for non-root v2.
 */
export function detectCgroupMode(
	src: SystemSource,
	parent = "nomad.slice",
	ownerUid: (path: string) => number | undefined = () => undefined,
): CgroupMode {
	const info = src.readFile("/proc/self/mountinfo");
	if (info === undefined) return "off";
	const mode = scanMountinfo(info);
	const uid = src.geteuid();
	if (mode === "cg1" && uid > 0) return "off";
	if (mode === "cg2") {
		const controllers = new Set((src.readFile(join(CG_ROOT, "cgroup.controllers")) ?? "").split(/\s+/));
		if (!CG2_REQUIRED.every((c) => controllers.has(c))) return "off";
		if (uid > 0 && ownerUid(join(CG_ROOT, parent)) !== uid) return "off";
	}
	return mode;
}

/** The `os.cgroups.version` attribute value, or undefined when cgroups are off. */
export function cgroupVersionAttr(mode: CgroupMode): string | undefined {
	return mode === "cg1" ? "1" : mode === "cg2" ? "2" : undefined;
}

/** Nomad's default cgroup parent for the mode (client config CgroupParent). */
export function defaultCgroupParent(mode: CgroupMode): string {
	return mode === "cg1" ? "/nomad" : "nomad.slice";
}

/** Effective cpuset of Nomad's parent cgroup, if it exists (numalib Cgroups1/Cgroups2 scanners). */
export function nomadEffectiveCpus(src: SystemSource, mode: CgroupMode, parent: string): string | undefined {
	if (mode === "cg1") return src.readFile(join(CG_ROOT, "cpuset", parent, "cpuset.effective_cpus"))?.trim();
	if (mode === "cg2") return src.readFile(join(CG_ROOT, parent, "cpuset.cpus.effective"))?.trim();
	return undefined;
}
