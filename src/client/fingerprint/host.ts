// Host, arch, signal and memory fingerprints (Nomad's fingerprint/{host,arch,signal,memory}.go).
// os.name / os.version follow gopsutil's PlatformInformation for Linux.
import os from "node:os";
import type { SystemSource } from "./source.ts";

const exists = (src: SystemSource, p: string) => src.readFile(p) !== undefined;
const firstLine = (text: string) => text.split("\n")[0].trim();

function parseKV(text: string, sep: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of text.split("\n")) {
		const i = line.indexOf(sep);
		if (i < 0) continue;
		out[line.slice(0, i).trim()] = line
			.slice(i + sep.length)
			.trim()
			.replace(/^"(.*)"$/, "$1");
	}
	return out;
}

function redhatishVersion(text: string): string {
	const c = text.replaceAll("\n", "").toLowerCase();
	if (c.includes("rawhide")) return "rawhide";
	return /release (\d[\d.]*)/.exec(c)?.[1] ?? "";
}

function redhatishPlatform(text: string): string {
	const c = text.replaceAll("\n", "").toLowerCase();
	if (c.includes("red hat")) return "redhat";
	return c.split(" ")[0];
}

/** Linux distribution as gopsutil names it: ("debian", "12.11"), ("ubuntu", "24.04"), ("alpine", "3.20.1")… */
export function platformInfo(src: SystemSource): { platform: string; version: string } {
	const etc = (f: string) => src.readFile(`/etc/${f}`);
	const lsb = parseKV(etc("lsb-release") ?? "", "=");
	const osRelease = parseKV(etc("os-release") ?? "", "=");
	const oracle = etc("oracle-release") ?? etc("enterprise-release");
	if (oracle !== undefined) return { platform: "oracle", version: redhatishVersion(oracle) };
	const slack = etc("slackware-version");
	if (slack !== undefined)
		return { platform: "slackware", version: slack.replaceAll("\n", "").toLowerCase().replace("slackware ", "") };
	const debian = etc("debian_version");
	if (debian !== undefined) {
		if (lsb.DISTRIB_ID === "Ubuntu") return { platform: "ubuntu", version: lsb.DISTRIB_RELEASE ?? "" };
		if (lsb.DISTRIB_ID === "LinuxMint") return { platform: "linuxmint", version: lsb.DISTRIB_RELEASE ?? "" };
		const platform = exists(src, "/usr/bin/raspi-config") ? "raspbian" : "debian";
		return { platform, version: firstLine(debian) };
	}
	if (exists(src, "/etc/bedrock-release")) return { platform: "bedrock", version: osRelease.VERSION ?? "" };
	for (const f of ["redhat-release", "system-release"]) {
		const text = etc(f);
		if (text !== undefined) return { platform: redhatishPlatform(text), version: redhatishVersion(text) };
	}
	const gentoo = etc("gentoo-release");
	if (gentoo !== undefined) return { platform: "gentoo", version: redhatishVersion(gentoo) };
	if (exists(src, "/etc/arch-release")) return { platform: "arch", version: lsb.DISTRIB_RELEASE ?? "" };
	const alpine = etc("alpine-release");
	if (alpine !== undefined) return { platform: "alpine", version: firstLine(alpine) };
	if (etc("os-release") !== undefined) return { platform: osRelease.ID ?? "", version: osRelease.VERSION ?? "" };
	if (lsb.DISTRIB_ID) return { platform: lsb.DISTRIB_ID.toLowerCase(), version: lsb.DISTRIB_RELEASE ?? "" };
	return { platform: "", version: "" };
}

/** gopsutil HostID: DMI product UUID, else machine-id formatted as a UUID, else the boot id. */
export function hostID(src: SystemSource): string {
	const uuid = src.readFile("/sys/class/dmi/id/product_uuid")?.trim();
	if (uuid && uuid.length === 36) return uuid.toLowerCase();
	const mid = src.readFile("/etc/machine-id")?.trim();
	if (mid && mid.length === 32)
		return `${mid.slice(0, 8)}-${mid.slice(8, 12)}-${mid.slice(12, 16)}-${mid.slice(16, 20)}-${mid.slice(20)}`;
	return src.readFile("/proc/sys/kernel/random/boot_id")?.trim().toLowerCase() ?? "";
}

/** consul-template's SignalLookup on Unix (what Nomad advertises as `os.signals`). Go map
 * iteration makes Nomad's order random; we sort so the value (and the computed class) is stable. */
export const UNIX_SIGNALS: readonly string[] = [
	"SIGABRT",
	"SIGALRM",
	"SIGBUS",
	"SIGCONT",
	"SIGFPE",
	"SIGHUP",
	"SIGILL",
	"SIGINT",
	"SIGIO",
	"SIGIOT",
	"SIGKILL",
	"SIGNULL",
	"SIGPIPE",
	"SIGPROF",
	"SIGQUIT",
	"SIGSEGV",
	"SIGSTOP",
	"SIGSYS",
	"SIGTERM",
	"SIGTRAP",
	"SIGTSTP",
	"SIGTTIN",
	"SIGTTOU",
	"SIGUSR1",
	"SIGUSR2",
	"SIGWINCH",
	"SIGXCPU",
	"SIGXFSZ",
];

export interface HostFacts {
	goos: string;
	goarch: string;
	kernelArch: string;
	kernelVersion: string;
	hostname: string;
}

export function defaultHostFacts(goos: string, goarch: string): HostFacts {
	return { goos, goarch, kernelArch: os.machine(), kernelVersion: os.release(), hostname: os.hostname() };
}

export function hostAttributes(src: SystemSource, facts: HostFacts): Record<string, string> {
	const { platform, version } = platformInfo(src);
	return {
		"cpu.arch": facts.goarch,
		"kernel.name": facts.goos,
		"kernel.version": facts.kernelVersion,
		"kernel.arch": facts.kernelArch,
		"os.name": platform,
		"os.version": version,
		"os.signals": UNIX_SIGNALS.join(","),
		"unique.host_id": hostID(src),
		"unique.hostname": facts.hostname,
	};
}

const MiB = 1024 * 1024;

/** memory.totalbytes and NodeResources.Memory.MemoryMB; `overrideMB` is client.memory_total_mb. */
export function memoryFingerprint(
	totalBytes: number,
	overrideMB?: number,
): { attributes: Record<string, string>; memoryMB: number } {
	const total = overrideMB ? overrideMB * MiB : totalBytes;
	if (!(total > 0)) return { attributes: {}, memoryMB: 0 };
	return { attributes: { "memory.totalbytes": String(total) }, memoryMB: Math.floor(total / MiB) };
}
