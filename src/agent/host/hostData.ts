// Nomad's host.HostData, the agent's view of its host for /v1/agent/host and `operator debug`:
// uname, network addresses, /etc/resolv.conf and /etc/hosts, the agent's environment (secrets
// redacted by the shared shape rule) and disk usage of each real (block-device) mount.
import { readFileSync, statfsSync } from "node:fs";
import { hostname, machine, release, type, version } from "node:os";
import { redactSecrets } from "../../lib/redact.ts";
import { networkData } from "./network.ts";

export interface DiskUsage {
	DiskMB: number;
	UsedMB: number;
}

export interface HostData {
	OS: string;
	Network: Record<string, string>[];
	ResolvConf: string;
	Hosts: string;
	Environment: Record<string, string>;
	Disk: Record<string, DiskUsage>;
}

/** `uname -a`'s fields in Nomad's order: machine, nodename, release, sysname, version. */
export function unameString(): string {
	return [machine(), hostname(), release(), type(), version()].join(" ");
}

/** A file's text, or Go's error text for it ("open /etc/hosts: no such file or directory"). */
export function slurp(path: string): string {
	try {
		return readFileSync(path, "utf8");
	} catch (err) {
		const m = /^[A-Z]+: ([^,]+)/.exec((err as Error).message);
		return `open ${path}: ${m?.[1] ?? (err as Error).message}`;
	}
}

/** The agent's environment with secret-looking variables shown as "<redacted>". */
export function environment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const plain: Record<string, string> = {};
	for (const [k, v] of Object.entries(env)) if (v !== undefined) plain[k] = v;
	return redactSecrets(plain) as Record<string, string>;
}

/** File system types Nomad leaves out of the disk report even when they sit on a device. */
const SKIPPED_FS = new Set([
	"autofs",
	"binfmt_misc",
	"cgroup",
	"debugfs",
	"devpts",
	"devtmpfs",
	"fusectl",
	"fuse.lxcfs",
	"hugetlbfs",
	"mqueue",
	"procfs",
	"pstore",
	"rpc_pipefs",
	"securityfs",
	"sysfs",
	"tmpfs",
	"vboxsf",
	"ptyfs",
]);

/** /proc/mounts escapes blanks and backslashes as octal (\040). */
const unescapeMount = (s: string): string =>
	s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/**
 * Mount points of physical file systems, as gopsutil's Partitions(all=false): only types the kernel
 * lists without "nodev" in /proc/filesystems (plus zfs), device not "none", minus Nomad's skip list.
 */
export function mountedPaths(mounts = slurp("/proc/self/mounts"), filesystems = slurp("/proc/filesystems")): string[] {
	const physical = new Set(["zfs"]);
	for (const line of filesystems.split("\n")) {
		const parts = line.split("\t");
		if (parts.length === 2 && parts[0] !== "nodev" && parts[1]) physical.add(parts[1].trim());
	}
	const paths: string[] = [];
	for (const line of mounts.split("\n")) {
		const [device, mountpoint, fsType] = line.split(" ");
		if (!device || !mountpoint || !fsType || device === "none") continue;
		if (!physical.has(fsType) || SKIPPED_FS.has(fsType)) continue;
		paths.push(unescapeMount(mountpoint));
	}
	return paths;
}

const MiB = 1024 * 1024;

/** Size and used space (size minus free blocks, reserved ones counted as used) in whole MiB. */
export function diskUsage(path: string): DiskUsage {
	const s = statfsSync(path);
	const total = s.blocks * s.bsize;
	const free = s.bfree * s.bsize;
	return { DiskMB: Math.floor(total / MiB), UsedMB: Math.floor((total - free) / MiB) };
}

export function makeHostData(): HostData {
	const disk: Record<string, DiskUsage> = {};
	for (const p of mountedPaths()) {
		try {
			disk[p] = diskUsage(p);
		} catch {
			// A mount we cannot stat (permissions, stale NFS) is left out, as Nomad does.
		}
	}
	return {
		OS: unameString(),
		Network: networkData(),
		ResolvConf: slurp("/etc/resolv.conf"),
		Hosts: slurp("/etc/hosts"),
		Environment: environment(),
		Disk: disk,
	};
}
