// Where nomad-ts's own files are, whichever form is running: the TypeScript sources (src/), the
// compiled modules (dist/) or the bundle (dist/bundle/, one file per entry point plus shared
// chunks, so a module's own URL no longer says where its neighbours are).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "nomad-ts";

/** The directory of nomad-ts's package.json above `fromUrl` (a module's import.meta.url). */
export function packageRoot(fromUrl: string): string | undefined {
	let dir = dirname(fileURLToPath(fromUrl));
	for (;;) {
		const pkg = join(dir, "package.json");
		if (existsSync(pkg)) {
			try {
				if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
			} catch {
				// not ours (or unreadable): keep looking upwards
			}
		}
		const up = dirname(dir);
		if (up === dir) return undefined;
		dir = up;
	}
}

/**
 * A compiled entry point (`rel` as under dist/, e.g. "client/supervisor/main.js") in the same form
 * as the module at `fromUrl`: the bundle's copy when that module is bundled, else dist/'s.
 */
export function builtEntry(fromUrl: string, rel: string): string {
	const self = fileURLToPath(fromUrl);
	const root = packageRoot(fromUrl);
	if (!root) throw new Error(`cannot find the ${PACKAGE_NAME} package above ${self}`);
	const bundle = join(root, "dist", "bundle");
	return join(self.startsWith(bundle + sep) ? bundle : join(root, "dist"), rel);
}
