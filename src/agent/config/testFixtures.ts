// Shared fixtures for the config loader tests: a fake host, temp files, load helpers.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { Interfaces } from "./addrs.ts";
import { type AgentConfig, type AgentFlags, ConfigError, loadAgentConfig } from "./index.ts";

// A host with one private address, so wildcard binds have something to advertise.
export const IFACES: Interfaces = {
	lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "", internal: true, cidr: "127.0.0.1/8" }],
	eth0: [
		{ address: "10.9.8.7", netmask: "255.255.255.0", family: "IPv4", mac: "", internal: false, cidr: "10.9.8.7/24" },
	],
};

let dir = "";
/** The per-file temp directory (set in before()). */
export const tempRoot = (): string => dir;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), "nomad-ts-config-"));
});
after(async () => {
	await rm(dir, { recursive: true, force: true });
});

let seq = 0;
export async function file(name: string, text: string): Promise<string> {
	const sub = join(dir, `t${++seq}`);
	await mkdir(sub, { recursive: true });
	const p = join(sub, name);
	await writeFile(p, text);
	return p;
}

export async function load(flags: AgentFlags): Promise<{ c: AgentConfig; warnings: string[] }> {
	const warnings: string[] = [];
	const c = await loadAgentConfig(flags, (m) => warnings.push(m), { interfaces: IFACES });
	return { c, warnings };
}

export async function loadError(flags: AgentFlags): Promise<string> {
	try {
		await load(flags);
	} catch (err) {
		assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
		return err.message;
	}
	assert.fail("expected loadAgentConfig to throw");
}

export const SERVER = `data_dir = "/var/lib/nomad"\nserver {\n  enabled = true\n}\n`;
