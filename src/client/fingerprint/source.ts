// Where fingerprinters read the machine from. Everything goes through a SystemSource so tests can
// replace /proc, /sys and /etc with fixtures; `realSource` reads the live host.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

export interface SystemSource {
	/** File contents, or undefined when the file cannot be read (missing, EINVAL, EACCES...). */
	readFile(path: string): string | undefined;
	/** Entry names of a directory ([] when unreadable). */
	listDir(path: string): string[];
	/** Output of `dmidecode -t 4`, or undefined when unavailable (Nomad's Smbios scanner). */
	dmidecode(): string | undefined;
	/** Effective uid (cgroup detection depends on running as root). */
	geteuid(): number;
}

function tryRead(path: string): string | undefined {
	try {
		return readFileSync(path, "utf8");
	} catch {
		return undefined;
	}
}

function runDmidecode(): string | undefined {
	try {
		// Nomad looks dmidecode up in PATH and gives it 3 s.
		return execFileSync("dmidecode", ["-t", "4"], {
			encoding: "utf8",
			timeout: 3000,
			stdio: ["ignore", "pipe", "pipe"],
		});
	} catch {
		return undefined;
	}
}

export const realSource: SystemSource = {
	readFile: tryRead,
	listDir: (p) => {
		try {
			return readdirSync(p);
		} catch {
			return [];
		}
	},
	dmidecode: runDmidecode,
	geteuid: () => (typeof process.geteuid === "function" ? process.geteuid() : -1),
};

/** A source backed by a map of path → contents (tests). */
export function fakeSource(
	files: Record<string, string>,
	opts: { dmidecode?: string; euid?: number } = {},
): SystemSource {
	return {
		readFile: (p) => (Object.hasOwn(files, p) ? files[p] : undefined),
		listDir: (dir) => {
			const prefix = dir.endsWith("/") ? dir : `${dir}/`;
			const names = new Set<string>();
			for (const k of Object.keys(files)) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split("/")[0]);
			return [...names].sort();
		},
		dmidecode: () => opts.dmidecode,
		geteuid: () => opts.euid ?? 0,
	};
}

/** Go's runtime.GOARCH for the running Node process. */
export function goArch(arch: string = process.arch, endianness: string = os.endianness()): string {
	switch (arch) {
		case "x64":
			return "amd64";
		case "ia32":
			return "386";
		case "ppc64":
			return endianness === "LE" ? "ppc64le" : "ppc64";
		case "mips":
		case "mipsel":
		case "riscv64":
		case "loong64":
		case "s390x":
		case "arm64":
		case "arm":
			return arch === "mips" && endianness === "LE" ? "mipsle" : arch;
		default:
			return arch;
	}
}

/** Go's runtime.GOOS for the running Node process. */
export function goOS(platform: string = process.platform): string {
	return platform === "win32" ? "windows" : platform === "sunos" ? "solaris" : platform;
}
