// Temp directories for the sqlite tests (not a test file).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(): {
	dir: string;
	file: (name: string) => string;
	remove: () => void;
} {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-raftlog-"));
	return {
		dir,
		file: (name) => join(dir, name),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
