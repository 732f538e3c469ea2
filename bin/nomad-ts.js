#!/usr/bin/env node
// nomad-ts entry point. Runs the bundled JavaScript in dist/bundle/ (built by `npm ci` through the
// `prepare` script, see scripts/build.ts) when it is at least as new as every source file, else the
// TypeScript sources directly through Node's type stripping. The compiled form is ~40 MB lighter at
// run time: type stripping keeps a WebAssembly compiler resident for the life of the process, and
// a bundle spares loading ~170 separate modules.
import { readdirSync, statSync } from "node:fs";
import { totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Plain string paths, not path.join: a join per file of src/ would make Node's path normalisation
// hot enough for V8 to optimise it with TurboFan, paging ~5 MB of compiler into an agent that is
// about to sit idle.
function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const p = `${dir}/${entry.name}`;
		if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
		else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
			newest = Math.max(newest, statSync(p).mtimeMs);
	}
	return newest;
}

function entryBase() {
	try {
		const built = statSync(join(root, "dist", "BUILD")).mtimeMs;
		if (built >= newestSource(join(root, "src"))) return { dir: join(root, "dist", "bundle"), ext: ".js" };
	} catch {
		// no build: run the sources
	}
	return { dir: join(root, "src"), ext: ".ts" };
}

const argv = process.argv.slice(2);

// An agent's state only grows with the cluster (1M allocations ≈ 3 GB of heap): V8's default heap
// limit (~4 GB) is too small for that and its default growth steps make the collector run again
// and again while the state builds up (a third of C1M's time). The agent re-executes itself once
// (same pid) with a heap limit of 3/4 of the machine's memory and a first growth step of up to
// 4 GB. With such a heap V8 would also grow its young generation to 64 MB semi-spaces, and every
// scavenge of those then copies ~13 MB of new state in one 25–45 ms pause — the API's tail latency
// while scheduling; 16 MB semi-spaces cost the same in total in pauses of 5–10 ms. Each flag the
// operator already chose (NODE_OPTIONS or node flags) is left to them. Memory is only committed
// when used, so an idle agent's footprint does not change.
const totalMB = Math.floor(totalmem() / 1048576);
const HEAP_FLAGS = {
	"--max-old-space-size": Math.max(1024, Math.floor(totalMB * 0.75)),
	"--initial-old-space-size": Math.max(256, Math.min(4096, Math.floor(totalMB / 4))),
	"--max-semi-space-size": 16,
};
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
const missing = Object.entries(HEAP_FLAGS)
	.filter(([flag]) => !given.some((f) => f.startsWith(flag)))
	.map(([flag, value]) => `${flag}=${value}`);
if (argv[0] === "agent" && missing.length > 0 && typeof process.execve === "function") {
	process.execve(
		process.execPath,
		[process.execPath, ...process.execArgv, ...missing, fileURLToPath(import.meta.url), ...argv],
		process.env,
	);
}

const base = entryBase();
const load = (rel) => import(pathToFileURL(join(base.dir, `${rel}${base.ext}`)).href);
let code;
if (argv[0] === "agent") {
	const { runAgentCommand } = await load("agent/command");
	code = await runAgentCommand(argv.slice(1));
} else {
	const { runCli } = await load("cli/main");
	code = await runCli(argv);
}
process.exit(code);
