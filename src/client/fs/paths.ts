// Resolving a path given to the FS API against an allocation directory, as Nomad's allocdir does:
// the path is always relative to <allocDir> (a leading "/" included), ".." that climbs out of it
// is refused, and so is any path whose real location (symlinks resolved) is outside it. Reads (not
// ls/stat) under <task>/secrets and <task>/private are refused, compared case-insensitively.
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { CodedError } from "../../lib/errors.ts";

export const ESCAPE_MESSAGE = "Path escapes the alloc directory";

export interface Resolved {
	/** The lexical absolute path (<allocDir>/<path>, cleaned). */
	path: string;
	/** The path with every symlink resolved (the nearest existing ancestor for missing files). */
	real: string;
	/** Whether `real` is the file itself (false when it does not exist yet). */
	exists: boolean;
}

function outside(base: string, p: string): boolean {
	const rel = relative(base, p);
	return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** The real path of `p`, or of its nearest existing ancestor when it does not exist. */
function realOrAncestor(p: string): { real: string; exists: boolean } {
	let cur = p;
	for (;;) {
		try {
			return { real: realpathSync(cur), exists: cur === p };
		} catch (err) {
			const code = (err as NodeJS.ErrnoException).code;
			if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
			const up = dirname(cur);
			if (up === cur) throw err;
			cur = up;
		}
	}
}

/** Whether the path relative to the alloc dir lies under some <task>/secrets or <task>/private. */
export function isPrivatePath(relToAlloc: string): "secret" | "private" | undefined {
	const segs = relToAlloc.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
	if (segs.length < 2) return undefined;
	// Nomad compares by case-insensitive prefix of <allocDir>/<task>/secrets.
	const second = (segs[1] as string).toLowerCase();
	if (second.startsWith("secrets")) return "secret";
	if (second.startsWith("private")) return "private";
	return undefined;
}

/**
 * Resolves `path` inside `allocDir`. Throws CodedError(400, "Path escapes the alloc directory") for
 * escapes and, when `read` is set, CodedError(403, "Reading secret file prohibited: <path>") for
 * secrets/private contents. Call it again right before opening: it checks the file system now.
 */
export function resolveInAllocDir(allocDir: string, path: string, opts: { read?: boolean } = {}): Resolved {
	if (!isAbsolute(allocDir)) throw new Error("alloc dir must be absolute");
	if (path.includes("\0")) throw new CodedError(400, ESCAPE_MESSAGE);
	const full = join(allocDir, path);
	if (outside(allocDir, full)) throw new CodedError(400, ESCAPE_MESSAGE);
	const base = realpathSync(allocDir);
	const { real, exists } = realOrAncestor(full);
	if (outside(base, real)) throw new CodedError(400, ESCAPE_MESSAGE);
	if (opts.read) {
		for (const rel of [relative(allocDir, full), relative(base, real)]) {
			const kind = isPrivatePath(rel);
			if (kind === "secret") throw new CodedError(403, `Reading secret file prohibited: ${path}`);
			if (kind === "private") throw new CodedError(403, `Reading private file prohibited: ${path}`);
		}
	}
	return { path: full, real, exists };
}
