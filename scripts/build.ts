// `npm run build` and npm's `prepare` step (run by `npm ci`): compiles src/ to dist/, bundles the
// process entry points (agent, CLI, node supervisor) into dist/bundle/ (what bin/nomad-ts.js
// prefers to run), stamps the build time, and links bin/nomad-ts.js into node_modules/.bin so
// `npx nomad-ts` finds this project's own CLI (npm links the bins of dependencies there, never the
// root package's).
//
// Why a bundle: an agent started from ~170 separate modules spends ~11 MB of resident memory on
// them (module records, resolving and normalising every path, the compilers that code pages in);
// one file per entry point, with the lazily imported parts split into chunks that still load on
// first use, starts at ~72 MB instead of ~84 MB. npm packages stay external (node_modules).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

const { build } = await import("esbuild");
await build({
	entryPoints: ["agent/command.js", "cli/main.js", "client/supervisor/main.js"].map((e) => join(root, "dist", e)),
	outbase: join(root, "dist"),
	outdir: join(root, "dist", "bundle"),
	bundle: true,
	splitting: true,
	format: "esm",
	platform: "node",
	target: "node24",
	packages: "external",
	// Maps for stack traces when wanted (NODE_OPTIONS=--enable-source-maps); unused otherwise.
	sourcemap: "linked",
	logLevel: "warning",
});
writeFileSync(join(root, "dist", "BUILD"), `${new Date().toISOString()}\n`);

const binDir = join(root, "node_modules", ".bin");
mkdirSync(binDir, { recursive: true });
rmSync(join(binDir, "nomad-ts"), { force: true });
symlinkSync("../../bin/nomad-ts.js", join(binDir, "nomad-ts"));
