// The function table jobspec2 offers to expressions (jobspec2/functions.go): go-cty stdlib and
// go-cty-funcs functions, try/can/convert, and filesystem functions that only work when the
// caller allows filesystem access (the CLI does; the HTTP parse endpoint does not).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConvertError, convert } from "./convert.ts";
import { DiagnosticsError, rangeString } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { collectionFunctions } from "./fn_collections.ts";
import { encodingFunctions } from "./fn_encoding.ts";
import { miscFunctions } from "./fn_misc.ts";
import { param, stringFunctions } from "./fn_strings.ts";
import { ArgError, type FunctionDef, FunctionError } from "./scope.ts";
import { typeFromExpr } from "./typeexpr.ts";
import { bool, constraintName, DYNAMIC, friendlyName, STRING, set, str } from "./values.ts";

const meta: Record<string, FunctionDef> = {
	try: {
		params: [],
		varParam: param("expressions", DYNAMIC),
		impl: () => {
			throw new FunctionError("try is evaluated lazily");
		},
		lazy: (args, scope) => {
			if (args.length === 0) throw new FunctionError("at least one argument is required");
			let report = "";
			for (const a of args) {
				try {
					return evaluate(a, scope);
				} catch (e) {
					if (!(e instanceof DiagnosticsError)) throw e;
					for (const d of e.diagnostics)
						report += d.subject
							? `- ${d.summary} (at ${rangeString(d.subject)})\n  ${d.detail}\n`
							: `- ${d.summary}\n  ${d.detail}\n`;
				}
			}
			throw new FunctionError(
				`no expression succeeded:\n${report}\nAt least one expression must produce a successful result`,
			);
		},
	},
	can: {
		params: [param("expression", DYNAMIC)],
		impl: () => {
			throw new FunctionError("can is evaluated lazily");
		},
		lazy: (args, scope) => {
			if (args.length !== 1) throw new FunctionError(`Function "can" expects 1 argument(s).`);
			try {
				evaluate(args[0], scope);
				return bool(true);
			} catch (e) {
				if (e instanceof DiagnosticsError) return bool(false);
				throw e;
			}
		},
	},
	convert: {
		params: [param("value", DYNAMIC, true), param("type", DYNAMIC)],
		impl: () => {
			throw new FunctionError("convert is evaluated lazily");
		},
		lazy: (args, scope) => {
			if (args.length !== 2) throw new FunctionError(`Function "convert" expects 2 argument(s).`);
			const v = evaluate(args[0], scope);
			const want = typeFromExpr(args[1]);
			try {
				return convert(v, want);
			} catch (e) {
				if (e instanceof ConvertError)
					throw new ArgError(0, `cannot convert ${friendlyName(v.t)} to ${constraintName(want)}`);
				throw e;
			}
		},
	},
};

function readUTF8(path: string): string {
	const bytes = readFileSync(path);
	const text = bytes.toString("utf8");
	if (Buffer.from(text, "utf8").compare(bytes) !== 0)
		throw new FunctionError(
			`contents of ${path} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead`,
		);
	return text;
}

function expandHome(path: string): string {
	return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

function openFile(baseDir: string, path: string): string {
	const p = expandHome(path);
	const full = isAbsolute(p) ? p : join(baseDir, p);
	if (!existsSync(full))
		throw new FunctionError(
			`no file exists at ${path}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource`,
		);
	return full;
}

/** Glob pattern (with ** support) to a regular expression over slash-separated paths. */
function globRegExp(pattern: string): RegExp {
	let re = "";
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === "*" && pattern[i + 1] === "*") {
			re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
			i += pattern[i + 2] === "/" ? 2 : 1;
		} else if (c === "*") re += "[^/]*";
		else if (c === "?") re += "[^/]";
		else if (c === "[") {
			const close = pattern.indexOf("]", i);
			re += close > i ? pattern.slice(i, close + 1).replace(/^\[!/, "[^") : "\\[";
			if (close > i) i = close;
		} else if (c === "{") {
			const close = pattern.indexOf("}", i);
			if (close > i) {
				re += `(?:${pattern
					.slice(i + 1, close)
					.split(",")
					.map((x) => x.replace(/[.+^$()|\\]/g, "\\$&"))
					.join("|")})`;
				i = close;
			} else re += "\\{";
		} else re += c.replace(/[.+^$()|\\]/g, "\\$&");
	}
	return new RegExp(`^${re}$`);
}

function walkFiles(root: string, dir = root, out: string[] = []): string[] {
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) walkFiles(root, p, out);
		else out.push(relative(root, p).split("\\").join("/"));
	}
	return out;
}

function filesystem(baseDir: string): Record<string, FunctionDef> {
	const pathFn = (f: (p: string) => string): FunctionDef => ({
		params: [param("path", STRING)],
		impl: (a) => str(f(a[0].v as string)),
	});
	return {
		abspath: pathFn((p) => resolve(p)),
		basename: pathFn((p) => basename(p)),
		dirname: pathFn((p) => dirname(p)),
		pathexpand: pathFn(expandHome),
		file: pathFn((p) => readUTF8(openFile(baseDir, p))),
		filebase64: pathFn((p) => readFileSync(openFile(baseDir, p)).toString("base64")),
		fileexists: {
			params: [param("path", STRING)],
			impl: (a) => {
				const p = expandHome(a[0].v as string);
				const full = isAbsolute(p) ? p : join(baseDir, p);
				if (!existsSync(full)) return bool(false);
				if (!statSync(full).isFile())
					throw new FunctionError(`${a[0].v} is not a regular file, but "${statSync(full).isDirectory() ? "d" : "?"}"`);
				return bool(true);
			},
		},
		fileset: {
			params: [param("path", STRING), param("pattern", STRING)],
			impl: (a) => {
				const p = expandHome(a[0].v as string);
				const root = isAbsolute(p) ? p : join(baseDir, p);
				const re = globRegExp(a[1].v as string);
				const files = existsSync(root) ? walkFiles(root).filter((f) => re.test(f)) : [];
				return set(STRING, files.map(str));
			},
		},
	};
}

function guarded(fns: Record<string, FunctionDef>): Record<string, FunctionDef> {
	const out: Record<string, FunctionDef> = {};
	for (const [name, def] of Object.entries(fns)) {
		out[name] = {
			...def,
			impl: () => {
				throw new FunctionError("filesystem function disabled");
			},
		};
	}
	return out;
}

/** The functions available to jobspec expressions. */
export function jobspecFunctions(baseDir: string, allowFS: boolean): Map<string, FunctionDef> {
	const fs = filesystem(baseDir);
	const all: Record<string, FunctionDef> = {
		...stringFunctions,
		...collectionFunctions,
		...encodingFunctions,
		...miscFunctions,
		...meta,
		...(allowFS ? fs : guarded(fs)),
	};
	return new Map(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
