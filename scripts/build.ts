// `npm run build` and npm's `prepare` step (run by `npm ci`): compiles src/ to dist/ (what
// bin/nomad-ts.js prefers to run), stamps the build time, and links bin/nomad-ts.js into
// node_modules/.bin so `npx nomad-ts` finds this project's own CLI (npm links the bins of
// dependencies there, never the root package's).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
writeFileSync(join(root, "dist", "BUILD"), `${new Date().toISOString()}\n`);

const binDir = join(root, "node_modules", ".bin");
mkdirSync(binDir, { recursive: true });
rmSync(join(binDir, "nomad-ts"), { force: true });
symlinkSync("../../bin/nomad-ts.js", join(binDir, "nomad-ts"));
