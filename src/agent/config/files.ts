// Finding and parsing config files. A -config path is a file or a directory; a directory
// contributes its *.hcl and *.json files in lexical order (editor temp files and sub-directories
// skipped), as Nomad's LoadConfigDir does. A file is JSON when it is named *.json or when its first
// non-blank character is "{" (how HCL1 tells the two apart); anything else is HCL.

import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { parseHcl } from "../../lib/hcl.ts";
import { isObject } from "./decode.ts";
import { ConfigError } from "./errors.ts";

export interface ParsedFile {
	file: string;
	body: Record<string, unknown>;
}

function errnoMessage(err: unknown): string {
	const code = (err as NodeJS.ErrnoException)?.code;
	if (code === "ENOENT") return "no such file or directory";
	if (code === "EACCES") return "permission denied";
	return err instanceof Error ? err.message : String(err);
}

/** Emacs/vim leftovers Nomad skips when reading a directory. */
function isTemporaryFile(name: string): boolean {
	return name.endsWith("~") || name.startsWith(".#") || (name.startsWith("#") && name.endsWith("#"));
}

/** The files a -config path stands for, in load order. */
export async function expandConfigPath(path: string): Promise<string[]> {
	let info: Awaited<ReturnType<typeof stat>>;
	try {
		info = await stat(path);
	} catch (err) {
		throw new ConfigError(`${path}: cannot load configuration: ${errnoMessage(err)}`);
	}
	if (!info.isDirectory()) return [path];
	const names: string[] = [];
	for (const entry of await readdir(path, { withFileTypes: true })) {
		if (entry.isDirectory()) continue;
		const n = entry.name;
		if (!(n.endsWith(".hcl") || n.endsWith(".json")) || isTemporaryFile(n)) continue;
		names.push(n);
	}
	names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	return names.map((n) => join(path, n));
}

export async function parseConfigFile(file: string): Promise<ParsedFile> {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (err) {
		throw new ConfigError(`${file}: cannot load configuration: ${errnoMessage(err)}`);
	}
	return { file, body: await parseConfigText(file, text) };
}

/** Parses HCL or JSON config text; `file` is used for format detection and messages. */
export async function parseConfigText(file: string, text: string): Promise<Record<string, unknown>> {
	const ext = extname(file).toLowerCase();
	const json = ext === ".json" || text.trimStart().startsWith("{");
	const body = json ? parseJson(file, text) : await parseHclText(file, text);
	if (!isObject(body)) throw new ConfigError(`${file}: the configuration must be an object at the top level`);
	return body;
}

function parseJson(file: string, text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (err) {
		// HCL1's JSON parser tolerates trailing commas; so do we.
		try {
			return JSON.parse(stripTrailingCommas(text));
		} catch {
			const msg = (err as Error).message;
			throw new ConfigError(`${file}: invalid JSON: ${positionHint(text, msg)}`);
		}
	}
}

/** Adds "line L, column C" to V8 messages that only carry a character position. */
function positionHint(text: string, msg: string): string {
	const m = /position (\d+)/.exec(msg);
	if (!m || /line \d+/.test(msg)) return msg;
	const before = text.slice(0, Number(m[1]));
	const line = before.split("\n").length;
	const col = Number(m[1]) - before.lastIndexOf("\n");
	return `${msg} (line ${line}, column ${col})`;
}

function stripTrailingCommas(text: string): string {
	let out = "";
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (inString) {
			out += c;
			if (c === "\\") out += text[++i] ?? "";
			else if (c === '"') inString = false;
			continue;
		}
		if (c === '"') inString = true;
		if (c === ",") {
			const rest = text.slice(i + 1).trimStart();
			if (rest.startsWith("}") || rest.startsWith("]")) continue;
		}
		out += c;
	}
	return out;
}

async function parseHclText(file: string, text: string): Promise<unknown> {
	try {
		return await parseHcl(file, text);
	} catch (err) {
		throw new ConfigError(`${file}: invalid HCL: ${(err as Error).message}`);
	}
}
