// The allocation directory, laid out and permissioned as Nomad's client/allocdir:
//   <root>/<alloc id>/           0755
//     alloc/{logs,tmp,data}      0777 (shared by the group's tasks; NOMAD_ALLOC_DIR)
//     <task>/                    0777
//       local/ 0777, tmp/ 1777 (sticky), secrets/ 0777, private/ 0777
// Directories are chmod'ed explicitly so the umask does not matter, and handed to "nobody" when
// the agent runs as root, as Nomad's dropDirPermissions.
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export const SHARED_ALLOC_NAME = "alloc";
export const SHARED_ALLOC_DIRS = ["logs", "tmp", "data"] as const;

export interface TaskDirPaths {
	dir: string;
	local: string;
	secrets: string;
	tmp: string;
	private: string;
	/** The shared alloc/ dir and its logs/ (host paths; no chroot for raw_exec). */
	sharedAllocDir: string;
	logDir: string;
}

let nobody: { uid: number; gid: number } | null | undefined;

function nobodyIds(): { uid: number; gid: number } | null {
	if (nobody !== undefined) return nobody;
	nobody = null;
	try {
		for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
			const f = line.split(":");
			if (f[0] === "nobody") nobody = { uid: Number(f[2]), gid: Number(f[3]) };
		}
	} catch {
		// No passwd file: leave ownership alone.
	}
	return nobody;
}

/** mkdir -p, then chmod (desired | 0777, keeping the sticky bit), then chown nobody when root. */
function allocMkdir(path: string, mode: number): void {
	mkdirSync(path, { recursive: true, mode });
	chmodSync(path, mode | 0o777);
	if (process.geteuid?.() === 0) {
		const ids = nobodyIds();
		if (ids) chownSync(path, ids.uid, ids.gid);
	}
}

export class AllocDir {
	readonly dir: string;
	readonly sharedDir: string;
	readonly logDir: string;

	constructor(root: string, allocID: string) {
		this.dir = join(root, allocID);
		this.sharedDir = join(this.dir, SHARED_ALLOC_NAME);
		this.logDir = join(this.sharedDir, "logs");
	}

	build(): void {
		mkdirSync(this.dir, { recursive: true, mode: 0o755 });
		chmodSync(this.dir, 0o755);
		allocMkdir(this.sharedDir, 0o755);
		for (const d of SHARED_ALLOC_DIRS) allocMkdir(join(this.sharedDir, d), 0o777);
	}

	taskDir(task: string): TaskDirPaths {
		const dir = join(this.dir, task);
		return {
			dir,
			local: join(dir, "local"),
			secrets: join(dir, "secrets"),
			tmp: join(dir, "tmp"),
			private: join(dir, "private"),
			sharedAllocDir: this.sharedDir,
			logDir: this.logDir,
		};
	}

	/** Builds <task>/{local,tmp,secrets,private}. Idempotent. */
	buildTaskDir(task: string): TaskDirPaths {
		const p = this.taskDir(task);
		allocMkdir(p.dir, 0o777);
		allocMkdir(p.local, 0o777);
		allocMkdir(p.tmp, 0o1777);
		// Nomad mounts a tmpfs here when running as root on Linux; a plain directory otherwise.
		allocMkdir(p.secrets, 0o777);
		allocMkdir(p.private, 0o777);
		return p;
	}

	destroy(): void {
		rmSync(this.dir, { recursive: true, force: true });
	}
}
