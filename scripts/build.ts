// Compiles src/ to dist/ (what bin/nomad-ts.js prefers to run) and stamps the build time.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
writeFileSync(join(root, "dist", "BUILD"), `${new Date().toISOString()}\n`);
