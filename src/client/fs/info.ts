// ls and stat of an allocation directory: Nomad's AllocFileInfo with Go's FileMode strings,
// RFC3339Nano modification times and (stat only) a sniffed ContentType.
import {
	type BigIntStats,
	closeSync,
	constants as fsc,
	lstatSync,
	openSync,
	readdirSync,
	readSync,
	realpathSync,
	statSync,
} from "node:fs";
import { basename, join, relative } from "node:path";
import { CodedError } from "../../lib/errors.ts";
import { isPrivatePath, resolveInAllocDir } from "./paths.ts";

export interface AllocFileInfo {
	Name: string;
	IsDir: boolean;
	Size: number;
	FileMode: string;
	ModTime: string;
	ContentType?: string;
}

/** Go's os.FileMode.String(): type letters from "dalTLDpSugct?" (or "-"), then rwxrwxrwx. */
export function goModeString(st: {
	mode: number | bigint;
	isDirectory(): boolean;
	isSymbolicLink(): boolean;
	isBlockDevice(): boolean;
	isCharacterDevice(): boolean;
	isFIFO(): boolean;
	isSocket(): boolean;
}): string {
	const mode = Number(st.mode);
	let t = "";
	if (st.isDirectory()) t += "d";
	if (st.isSymbolicLink()) t += "L";
	if (st.isBlockDevice() || st.isCharacterDevice()) t += "D";
	if (st.isFIFO()) t += "p";
	if (st.isSocket()) t += "S";
	if (mode & 0o4000) t += "u";
	if (mode & 0o2000) t += "g";
	if (st.isCharacterDevice()) t += "c";
	if (mode & 0o1000) t += "t";
	if (t === "") t = "-";
	const rwx = "rwxrwxrwx";
	let perm = "";
	for (let i = 0; i < 9; i++) perm += mode & (1 << (8 - i)) ? rwx[i] : "-";
	return t + perm;
}

/** RFC3339Nano in UTC from nanoseconds since the epoch (Go trims trailing zeros of the fraction). */
export function rfc3339Nano(ns: bigint): string {
	const ms = Number(ns / 1_000_000n);
	const secs = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
	let frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, "0");
	frac = frac.replace(/0+$/, "");
	return `${secs}${frac ? `.${frac}` : ""}Z`;
}

function infoOf(name: string, st: BigIntStats): AllocFileInfo {
	return {
		Name: name,
		IsDir: st.isDirectory(),
		Size: Number(st.size),
		FileMode: goModeString(st),
		ModTime: rfc3339Nano(st.mtimeNs),
	};
}

/** Errors name the path as the caller gave it, never the host path of the alloc dir. */
function notFound(err: unknown, path: string): never {
	const code = (err as NodeJS.ErrnoException).code;
	if (code === "ENOENT" || code === "ENOTDIR") throw new CodedError(404, `stat ${path}: no such file or directory`);
	throw err;
}

/** The entries of a directory inside the alloc dir (symlinks are listed, not followed). */
export function listDir(allocDir: string, path: string): AllocFileInfo[] {
	const r = resolveInAllocDir(allocDir, path || "/");
	try {
		if (!r.exists) throw Object.assign(new Error("missing"), { code: "ENOENT" });
		const names = readdirSync(r.real).sort();
		return names.map((n) => infoOf(n, lstatSync(join(r.real, n), { bigint: true })));
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOTDIR")
			throw new CodedError(400, `readdirent ${path}: not a directory`);
		return notFound(err, path || "/");
	}
}

/** The "text/plain; charset=utf-8" / "application/octet-stream" / ... of Go's DetectContentType (subset). */
export function sniffContentType(buf: Buffer): string {
	const b = buf.subarray(0, 512);
	const starts = (sig: string | number[]) =>
		typeof sig === "string" ? b.subarray(0, sig.length).toString("latin1") === sig : sig.every((v, i) => b[i] === v);
	if (starts([0xfe, 0xff]) || starts([0xff, 0xfe])) return "text/plain; charset=utf-16";
	if (starts([0xef, 0xbb, 0xbf])) return "text/plain; charset=utf-8";
	const ws = b.toString("latin1").replace(/^[\t\n\f\r ]+/, "");
	const lower = ws.slice(0, 16).toLowerCase();
	for (const tag of [
		"<!doctype html",
		"<html",
		"<head",
		"<script",
		"<iframe",
		"<h1",
		"<div",
		"<font",
		"<table",
		"<a",
		"<style",
		"<title",
		"<b",
		"<body",
		"<br",
		"<p",
		"<!--",
	]) {
		if (lower.startsWith(tag)) {
			const next = ws.charCodeAt(tag.length);
			if (tag === "<!--" || next === 0x20 || next === 0x3e || Number.isNaN(next)) return "text/html; charset=utf-8";
		}
	}
	if (ws.startsWith("<?xml")) return "text/xml; charset=utf-8";
	if (starts("%PDF-")) return "application/pdf";
	if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
	if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
	if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
	if (starts([0x1f, 0x8b, 0x08])) return "application/x-gzip";
	if (starts([0x50, 0x4b, 0x03, 0x04])) return "application/zip";
	if (starts([0x7f, 0x45, 0x4c, 0x46])) return "application/octet-stream";
	for (const c of b) {
		if (c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f))
			return "application/octet-stream";
	}
	return "text/plain; charset=utf-8";
}

function sniffFile(real: string): string {
	let fd = -1;
	try {
		fd = openSync(real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
		const buf = Buffer.alloc(512);
		const n = readSync(fd, buf, 0, 512, 0);
		return sniffContentType(buf.subarray(0, n));
	} catch {
		return "application/octet-stream";
	} finally {
		if (fd >= 0) closeSync(fd);
	}
}

/** One file's info plus its ContentType. Stat follows symlinks (inside the alloc dir), as os.Stat. */
export function statFile(allocDir: string, path: string): AllocFileInfo {
	const r = resolveInAllocDir(allocDir, path);
	let st: BigIntStats;
	try {
		if (!r.exists) throw Object.assign(new Error("missing"), { code: "ENOENT" });
		st = statSync(r.real, { bigint: true });
	} catch (err) {
		return notFound(err, path);
	}
	const info = infoOf(basename(r.path) || basename(r.real), st);
	let ct = "application/octet-stream";
	// Sniffing reads content; not for secrets/private (ls/stat of those are allowed, reads are not).
	if (
		st.isFile() &&
		!isPrivatePath(relative(allocDir, r.path)) &&
		!isPrivatePath(relative(realpathSync(allocDir), r.real))
	)
		ct = sniffFile(r.real);
	if (r.path.endsWith(".json")) ct = "application/json";
	return { ...info, ContentType: ct };
}
