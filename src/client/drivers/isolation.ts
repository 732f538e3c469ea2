// How an exec task is launched. Node cannot unshare(2), pivot_root(2) or chroot(2) itself, so the
// isolation is a chain of util-linux tools, each exec'ing the next (no process stays behind except
// unshare's parent when a PID namespace is made):
//
//   unshare --mount --propagation private [--pid --fork --kill-child] [--ipc]     (host, clean env)
//     sh -c LAUNCH_SCRIPT <operations...>       joins the cgroups, builds the chroot in the new
//                                               mount namespace (nothing leaks to the host), then
//                                               pivot_root's into the task dir and detaches the
//                                               host's root, so there is nothing to escape to
//       /usr/bin/setpriv --reuid --regid --clear-groups caps     drop to the task's user (in chroot)
//         /usr/bin/env -i -- K=V ...                             the task's environment
//           <command> <args>                                     PID 1 of its namespace
//
// Everything the job controls (command, args, env, paths) travels as separate argv entries and
// is only ever expanded quoted ("$1", "$@"): no interpolation into the script. The task's
// environment is applied last, by `env` running as the task's user inside the chroot, so that
// variables like LD_PRELOAD never reach a tool running as root.
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { setprivCapList } from "./capabilities.ts";
import type { ChrootMount } from "./chroot.ts";

/**
 * Operations (one per word, then its fixed arguments), consumed left to right:
 *   status F          open F for the setup outcome ("ok" or the error) — written to the host file
 *                     through fd 3 so mounts made later cannot redirect it
 *   cg F              join a cgroup: write "0" (this process) into F (a cgroup.procs file)
 *   rbind S D         mount --rbind -o ro S D (util-linux remounts it read-only itself)
 *   bind S D          mount --bind S D (read-write)
 *   fs T O D          mount -t T -o O T D ; `fs?` ignores failure (optional filesystems)
 *   devcp T D         fill our fresh /dev tmpfs D in one cp -a: the host's harmless device nodes
 *                     (recreated, not bound) and the template T's symlinks and directories
 *   mask D            hide D: /dev/null over a file, an empty read-only tmpfs over a directory
 *   roself D          remount D read-only onto itself (if it exists)
 *   pivot R           make R the root (pivot_root . .) and lazily unmount the old root
 *   exec W ARGV...    cd W, report "ok", close fd 3, exec ARGV
 */
export const LAUNCH_SCRIPT = `
fail() { printf '%s\\n' "$1" >&3; printf 'nomad-ts exec: %s\\n' "$1" >&2; exit 125; }
run() { out=$("$@" 2>&1) || fail "$* failed: $out"; }
exec 3>/dev/null
while [ "$#" -gt 0 ]; do
	op=$1; shift
	case "$op" in
	status) exec 3>"$1" || exit 125; shift ;;
	cg) { echo 0 > "$1"; } 2>/dev/null || fail "failed to join cgroup $1"; shift ;;
	rbind) run mount --rbind -o ro "$1" "$2"; shift 2 ;;
	bind) run mount --bind "$1" "$2"; shift 2 ;;
	fs) run mount -t "$1" -o "$2" "$1" "$3"; shift 3 ;;
	fs\\?) mount -t "$1" -o "$2" "$1" "$3" 2>/dev/null; shift 3 ;;
	devcp) run cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty "$1"/* "$2"; shift 2 ;;
	mask)
		if [ -d "$1" ]; then run mount -t tmpfs -o ro,size=0 tmpfs "$1";
		elif [ -e "$1" ]; then run mount --bind /dev/null "$1"; fi
		shift ;;
	roself) if [ -e "$1" ]; then run mount --bind -o ro,nosuid,nodev,noexec "$1" "$1"; fi; shift ;;
	pivot) cd "$1" || fail "failed to enter $1"; run pivot_root . .; run umount -l .; cd / || fail "no root"; shift ;;
	exec) cd "$1" 2>/dev/null || fail "failed to enter work_dir $1"; shift; printf 'ok\\n' >&3; exec 3>&-; exec "$@" ;;
	*) fail "unknown launch operation $op" ;;
	esac
done
fail "no command to run"
`;

export type IsolationMode = "private" | "host";

export interface LaunchTools {
	unshare: string;
	sh: string;
}

export interface LaunchPlan {
	/** Host path of the task dir: the task's root. */
	taskDir: string;
	/** Host path of the alloc's shared dir, mounted at /alloc. */
	sharedAllocDir: string;
	mounts: readonly ChrootMount[];
	/** cgroup.procs files to join. */
	cgroupProcs: readonly string[];
	pidMode: IsolationMode;
	ipcMode: IsolationMode;
	/** A directory made by buildDevTemplate, copied into the task's /dev. */
	devTemplate: string;
	/** Written by the script: "ok" once isolation is in place, or the error. */
	statusFile: string;
	/** Working directory inside the chroot. */
	workDir: string;
	/** Paths inside the chroot of setpriv and env (bind-mounted host binaries). */
	setprivPath: string;
	envPath: string;
	/** The task's user; root keeps the legacy capability set, others get caps as ambient ones. */
	uid: number;
	gid: number;
	caps: readonly string[];
	/** Capabilities for uid 0 (Nomad's legacy set). */
	rootCaps: readonly string[];
	/** Path inside the chroot of the command, and its arguments. */
	command: string;
	args: readonly string[];
	env: Readonly<Record<string, string>>;
}

/** PATH for the tools run as root before the task's environment applies. */
export const LAUNCH_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/** What the task's /dev holds besides device nodes (built by buildDevTemplate into a temp dir). */
export const DEV_TEMPLATE = {
	symlinks: {
		fd: "/proc/self/fd",
		stdin: "/proc/self/fd/0",
		stdout: "/proc/self/fd/1",
		stderr: "/proc/self/fd/2",
		ptmx: "pts/ptmx",
	} as Record<string, string>,
	dirs: ["pts", "shm", "mqueue"],
};

/** Writes the /dev template (symlinks and mountpoint directories) into an empty directory. */
export function buildDevTemplate(dir: string): void {
	for (const [name, target] of Object.entries(DEV_TEMPLATE.symlinks)) symlinkSync(target, join(dir, name));
	for (const d of DEV_TEMPLATE.dirs) mkdirSync(join(dir, d), { mode: 0o755 });
}

/** The operations that build the chroot and join the cgroups (see LAUNCH_SCRIPT). */
export function setupOperations(p: LaunchPlan): string[] {
	const r = (d: string) => (d === "/" ? p.taskDir : `${p.taskDir}${d}`);
	const ops: string[] = ["status", p.statusFile];
	for (const f of p.cgroupProcs) ops.push("cg", f);
	// pivot_root needs the new root to be a mount point; bound first, so the mounts below sit on it.
	ops.push("bind", p.taskDir, p.taskDir);
	for (const m of p.mounts) ops.push("rbind", m.src, r(m.dest));
	ops.push("bind", p.sharedAllocDir, r("/alloc"));
	// /proc of the task's PID namespace (mounted from inside it), with the kernel's sensitive
	// files hidden or read-only as runc's defaults.
	ops.push("fs", "proc", "nosuid,nodev,noexec", r("/proc"));
	ops.push("mask", r("/proc/kcore"));
	for (const d of ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]) ops.push("roself", r(d));
	ops.push("fs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k", r("/dev"));
	ops.push("devcp", p.devTemplate, r("/dev"));
	ops.push("fs?", "devpts", "newinstance,ptmxmode=0666,mode=0620,nosuid,noexec", r("/dev/pts"));
	ops.push("fs", "tmpfs", "nosuid,nodev,noexec,mode=1777,size=65536k", r("/dev/shm"));
	if (p.ipcMode === "private") ops.push("fs?", "mqueue", "nosuid,nodev,noexec", r("/dev/mqueue"));
	ops.push("fs?", "sysfs", "ro,nosuid,nodev,noexec", r("/sys"));
	ops.push("mask", r("/sys/firmware"));
	ops.push("pivot", p.taskDir);
	return ops;
}

/** setpriv's arguments: the user, and Nomad's capability sets for it. */
export function privilegeArgs(p: LaunchPlan): string[] {
	if (p.uid === 0) {
		// Nomad: root keeps the legacy set as bounding/permitted/effective, nothing ambient.
		return [`--bounding-set=${setprivCapList(p.rootCaps)}`, "--inh-caps=-all"];
	}
	const caps = setprivCapList(p.caps);
	return [
		`--regid=${p.gid}`,
		`--reuid=${p.uid}`,
		"--clear-groups",
		`--bounding-set=${caps}`,
		`--inh-caps=${caps}`,
		`--ambient-caps=${caps}`,
		// The parent-death signal (SIGKILL from unshare --kill-child) is reset by the uid change.
		"--pdeathsig=keep",
	];
}

/** K=V words for env(1); throws on names env cannot carry. */
export function envAssignments(env: Readonly<Record<string, string>>): string[] {
	const out: string[] = [];
	for (const [k, v] of Object.entries(env)) {
		if (k === "" || k.includes("=") || k.includes("\0") || v.includes("\0")) {
			throw new Error(`invalid environment variable name ${JSON.stringify(k)}`);
		}
		out.push(`${k}=${v}`);
	}
	return out;
}

/** What the script execs once inside the new root: setpriv → env → the command. */
export function taskArgv(p: LaunchPlan): string[] {
	if (p.command.includes("=")) {
		// env(1) would take it for an assignment.
		throw new Error(`command path must not contain "=": ${p.command}`);
	}
	return [
		p.setprivPath,
		...privilegeArgs(p),
		"--",
		p.envPath,
		"-i",
		"--",
		...envAssignments(p.env),
		p.command,
		...p.args,
	];
}

/** The full spawn: command, argv and the clean environment of the root-run tools. */
export function launchCommand(
	p: LaunchPlan,
	tools: LaunchTools,
): { command: string; args: string[]; env: Record<string, string> } {
	const ns = ["--mount", "--propagation", "private"];
	if (p.pidMode === "private") ns.push("--pid", "--fork", "--kill-child");
	if (p.ipcMode === "private") ns.push("--ipc");
	return {
		command: tools.unshare,
		args: [
			...ns,
			"--",
			tools.sh,
			"-c",
			LAUNCH_SCRIPT,
			"nomad-ts-exec",
			...setupOperations(p),
			"exec",
			p.workDir,
			...taskArgv(p),
		],
		env: { PATH: LAUNCH_PATH },
	};
}
