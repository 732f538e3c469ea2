// Storage fingerprint (Nomad 2.0 fingerprint/storage.go): the filesystem holding the alloc dir.
// Since Nomad 1.11 only the total size counts (schedulable disk = total − client.reserved.disk);
// `unique.storage.bytesfree` is no longer reported.
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SystemSource } from "./source.ts";

const MiB = 1024 * 1024;

/** Undo mountinfo's octal escapes ("\040" = space). */
const unescapeMount = (s: string) =>
	s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** The mount source (what `df` prints as "Filesystem") of the deepest mount containing `path`. */
export function mountSourceFor(mountinfo: string, path: string): string | undefined {
	let best: { point: string; source: string } | undefined;
	for (const line of mountinfo.split("\n")) {
		const sep = line.indexOf(" - ");
		if (sep < 0) continue;
		const pre = line.slice(0, sep).split(" ");
		const post = line.slice(sep + 3).split(" ");
		if (pre.length < 5 || post.length < 2) continue;
		const point = unescapeMount(pre[4]);
		const inside = point === "/" || path === point || path.startsWith(`${point}/`);
		// later lines over-mount earlier ones at the same point
		if (inside && (!best || point.length >= best.point.length)) best = { point, source: unescapeMount(post[1]) };
	}
	return best?.source;
}

export interface StorageFingerprint {
	attributes: Record<string, string>;
	diskMB: number;
}

/** Nearest existing directory at or above `path` (the alloc dir may not exist yet). */
async function existingAncestor(path: string): Promise<string> {
	let p = resolve(path);
	for (;;) {
		try {
			await statfs(p);
			return p;
		} catch {
			const up = dirname(p);
			if (up === p) return p;
			p = up;
		}
	}
}

export async function fingerprintStorage(
	src: SystemSource,
	allocDir: string,
	diskTotalMB?: number,
): Promise<StorageFingerprint> {
	const dir = await existingAncestor(allocDir || process.cwd());
	const st = await statfs(dir);
	// df -kP reports whole KiB blocks; Nomad multiplies back by 1024.
	let total = Math.floor((Number(st.blocks) * Number(st.bsize)) / 1024) * 1024;
	if (diskTotalMB && diskTotalMB > 0) total = diskTotalMB * MiB;
	const volume = mountSourceFor(src.readFile("/proc/self/mountinfo") ?? "", dir) ?? dir;
	return {
		attributes: { "unique.storage.volume": volume, "unique.storage.bytestotal": String(total) },
		diskMB: Math.floor(total / MiB),
	};
}
