#!/usr/bin/env node
// Enforces the layer import direction of docs/architecture.md. Biome's noRestrictedImports matches
// import strings, not resolved paths, so a relative "../server/x.ts" three folders deep would slip
// through; this check resolves every relative import and compares source and target layers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Which layers each layer may import (itself always allowed). */
export const ALLOWED: Record<string, readonly string[]> = {
	lib: [],
	api: [],
	acl: [],
	jobspec: ["api", "lib"],
	scheduler: ["api", "lib"],
	rpc: ["api", "lib"],
	server: ["api", "lib", "acl", "jobspec", "scheduler", "rpc"],
	client: ["api", "lib", "rpc"],
	agent: ["api", "lib", "acl", "jobspec", "scheduler", "rpc", "server", "client"],
	cli: ["api", "lib", "jobspec"],
};

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function layerOf(root: string, file: string): string | undefined {
	const rel = relative(join(root, "src"), file);
	if (rel.startsWith("..")) return undefined;
	return rel.split(sep)[0];
}

function* walk(dir: string): Generator<string> {
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) yield* walk(p);
		else if (p.endsWith(".ts")) yield p;
	}
}

export function checkLayers(root: string): string[] {
	const problems: string[] = [];
	for (const file of walk(join(root, "src"))) {
		const from = layerOf(root, file);
		if (!from) continue;
		const allowed = ALLOWED[from];
		if (!allowed) {
			problems.push(`${relative(root, file)}: layer "${from}" is not declared in scripts/checkLayers.ts`);
			continue;
		}
		const text = readFileSync(file, "utf8");
		for (const m of text.matchAll(IMPORT_RE)) {
			const spec = m[1] ?? m[2];
			if (!spec?.startsWith(".")) continue;
			const to = layerOf(root, resolve(dirname(file), spec));
			if (to === undefined || to === from || allowed.includes(to)) continue;
			problems.push(`${relative(root, file)}: layer "${from}" must not import "${to}" (${spec})`);
		}
	}
	return problems;
}

if (import.meta.main) {
	const problems = checkLayers(resolve(dirname(new URL(import.meta.url).pathname), ".."));
	for (const p of problems) console.error(p);
	if (problems.length > 0) process.exit(1);
	console.log("layers: ok");
}
