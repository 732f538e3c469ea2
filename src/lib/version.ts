// Versions. nomad-ts reports the Nomad version whose HTTP API it follows (clients such as the
// Terraform provider and Levant gate features on it) and carries its own version as build metadata.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./packagePaths.ts";

/** The Nomad release whose API nomad-ts is compatible with. */
export const NOMAD_VERSION = "2.0.5";
export const NOMAD_PRERELEASE = "";

function ownVersion(): string {
	try {
		const root = packageRoot(import.meta.url);
		if (!root) return "0.0.0";
		const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string };
		return pkg.version ?? "0.0.0";
	} catch {
		return "0.0.0";
	}
}

export const NOMAD_TS_VERSION = ownVersion();
/** Go semver build metadata as in Nomad's VersionMetadata ("ent" for Enterprise). */
export const VERSION_METADATA = `nomadts.${NOMAD_TS_VERSION}`;

/** "2.0.5+nomadts.0.1.0" — Nomad's FullVersionNumber(rev=false). */
export function fullVersion(): string {
	let v = NOMAD_VERSION;
	if (NOMAD_PRERELEASE) v += `-${NOMAD_PRERELEASE}`;
	return `${v}+${VERSION_METADATA}`;
}

/** The `nomad version` text: "Nomad v2.0.5+nomadts.0.1.0". */
export function versionLine(): string {
	return `Nomad v${fullVersion()}`;
}
