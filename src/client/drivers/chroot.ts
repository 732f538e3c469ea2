// The exec task's filesystem: its task dir becomes its root, with the client's chroot_env host
// directories bind-mounted in read-only, the alloc's shared dir at /alloc, and a fresh /dev, /proc
// (and /sys). Nomad copies/hard-links chroot_env into every task dir; we bind-mount instead, inside
// the task's own mount namespace, so building a chroot costs a few mount(2) calls instead of
// copying /usr, nothing of the host is written to, and every mount vanishes with the namespace
// when the task's last process exits. The host only ever sees the empty mountpoint directories.
//
// This module plans (pure) and prepares mountpoints (on the host, refusing symlinks so a task
// cannot redirect a later mount); isolation.ts turns the plan into the launch script's operations.
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, normalize, relative, sep } from "node:path";

/** Nomad's client DefaultChrootEnv (host path → path inside the chroot). */
export const DEFAULT_CHROOT_ENV: Readonly<Record<string, string>> = {
	"/bin": "/bin",
	"/etc": "/etc",
	"/lib": "/lib",
	"/lib32": "/lib32",
	"/lib64": "/lib64",
	"/run/resolvconf": "/run/resolvconf",
	"/sbin": "/sbin",
	"/usr": "/usr",
	"/run/systemd/resolve": "/run/systemd/resolve",
};

/** Where Nomad's chroot drivers see the alloc dirs (allocdir.SharedAllocContainerPath etc.). */
export const CONTAINER_ALLOC_DIR = "/alloc";
export const CONTAINER_LOCAL_DIR = "/local";
export const CONTAINER_SECRETS_DIR = "/secrets";

export interface ChrootMount {
	/** Host path (absolute). */
	src: string;
	/** Path inside the chroot (absolute). */
	dest: string;
	isDir: boolean;
}

/**
 * The chroot_env entries that exist on this host, as mounts sorted parents-first. Entries whose
 * host path is missing are skipped (as Nomad skips them), and so are destinations that would
 * cover the task's own directories.
 */
export function chrootMounts(env: Readonly<Record<string, string>>, exists = existsSync): ChrootMount[] {
	const reserved = ["/", "/alloc", "/local", "/secrets", "/tmp", "/private", "/proc", "/dev", "/sys"];
	const out: ChrootMount[] = [];
	for (const [src, destRaw] of Object.entries(env)) {
		if (!isAbsolute(src) || !exists(src)) continue;
		const dest = normalize(`/${destRaw}`);
		if (dest.split("/").includes("..")) continue;
		if (reserved.some((r) => dest === r || (r !== "/" && dest.startsWith(`${r}/`)))) continue;
		let isDir = true;
		try {
			isDir = statSync(src).isDirectory();
		} catch {
			continue;
		}
		out.push({ src, dest, isDir });
	}
	return out.sort((a, b) => a.dest.split("/").length - b.dest.split("/").length || a.dest.localeCompare(b.dest));
}

/**
 * mkdir -p <root><dest> (or an empty file for a file mount) without following a symlink anywhere
 * below root: a task owns its task dir and could otherwise point a mountpoint at the host.
 */
export function prepareMountpoint(root: string, dest: string, isDir: boolean): string {
	const rel = relative("/", normalize(`/${dest}`));
	const parts = rel === "" ? [] : rel.split(sep);
	let cur = root;
	for (let i = 0; i < parts.length; i++) {
		cur = join(cur, parts[i] as string);
		const last = i === parts.length - 1;
		let st: ReturnType<typeof lstatSync> | undefined;
		try {
			st = lstatSync(cur);
		} catch {
			st = undefined;
		}
		if (st?.isSymbolicLink()) throw new Error(`chroot mountpoint ${cur} is a symlink`);
		if (!st) {
			if (last && !isDir) writeFileSync(cur, "", { flag: "wx", mode: 0o644 });
			else mkdirSync(cur, { mode: 0o755 });
		} else if (!last || isDir ? !st.isDirectory() : st.isDirectory()) {
			throw new Error(`chroot mountpoint ${cur} is not a ${!last || isDir ? "directory" : "file"}`);
		}
	}
	return cur;
}

/** Maps a path inside the chroot to the host path holding it (through the chroot_env mounts). */
export function hostPathOf(taskDir: string, mounts: readonly ChrootMount[], containerPath: string): string {
	const p = normalize(`/${containerPath}`);
	let best: ChrootMount | undefined;
	for (const m of mounts) {
		if ((p === m.dest || p.startsWith(`${m.dest}/`)) && (!best || m.dest.length > best.dest.length)) best = m;
	}
	if (best) return join(best.src, p.slice(best.dest.length));
	return join(taskDir, p);
}

function isFile(p: string): boolean {
	try {
		return statSync(p).isFile();
	} catch {
		return false;
	}
}

/** The restricted PATH Nomad's executor searches inside the chroot (not the agent's PATH). */
const CHROOT_PATH = ["/usr/local/bin", "/usr/bin", "/bin"];

/**
 * Nomad's lookupTaskBin: <task>/local/<bin>, <task>/<bin>, then (for a bare name) the restricted
 * PATH inside the chroot. Returns the path inside the chroot (argv[0] for the task) and on the host.
 */
export function lookupTaskBin(
	taskDir: string,
	mounts: readonly ChrootMount[],
	bin: string,
): { taskPath: string; hostPath: string } {
	const candidates: string[] = [];
	if (!isAbsolute(bin)) candidates.push(normalize(`/local/${bin}`));
	candidates.push(normalize(`/${bin}`));
	if (!bin.includes("/")) for (const dir of CHROOT_PATH) candidates.push(`${dir}/${bin}`);
	for (const c of candidates) {
		const host = hostPathOf(taskDir, mounts, c);
		if (isFile(host)) return { taskPath: c, hostPath: host };
	}
	throw new Error(`file ${bin} not found under path ${taskDir}`);
}

/** As Nomad's makeExecutable, but only for files the task brought (never the host's binaries). */
export function makeExecutable(taskDir: string, hostPath: string): void {
	const rel = relative(taskDir, hostPath);
	if (rel.startsWith("..") || isAbsolute(rel)) return;
	const st = lstatSync(hostPath);
	// A symlink could point anywhere on the host: chmod would follow it.
	if (!st.isFile()) return;
	if ((st.mode & 0o111) !== 0o111) chmodSync(hostPath, st.mode | 0o111);
}
