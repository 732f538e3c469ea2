// loadAgentConfig: Nomad's Command.readConfig. Start from DefaultConfig (or DevConfig with -dev),
// merge every -config path in order, merge the command-line flags over that, derive defaults,
// validate, and normalise the bind/advertise addresses.

import { normalize } from "node:path";
import { type Interfaces, normalizeAddrs } from "./addrs.ts";
import { decodeBlock } from "./decode.ts";
import { defaultConfig, devConfig } from "./defaults.ts";
import { expandConfigPath, parseConfigFile } from "./files.ts";
import { flagsToBody } from "./flags.ts";
import { mergePatch } from "./merge.ts";
import { AGENT_SCHEMA } from "./schema.ts";
import type { AgentConfig, AgentFlags } from "./types.ts";
import { finalize, validate } from "./validate.ts";

export interface LoadOptions {
	/** network interfaces to pick advertise addresses from (default: os.networkInterfaces()) */
	interfaces?: Interfaces;
}

export const COMMAND_LINE = "command line";

export async function loadAgentConfig(
	flags: AgentFlags,
	warn: (msg: string) => void,
	options: LoadOptions = {},
): Promise<AgentConfig> {
	const c = flags.dev ? devConfig() : defaultConfig();
	const target = c as unknown as Record<string, unknown>;
	const origins = new Map<string, string>();
	// the source that last set a key, or failing that the closest enclosing block
	const origin = (key: string): string | undefined => {
		for (let k = key; k !== ""; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
			const found = origins.get(k);
			if (found) return found;
		}
		return undefined;
	};
	const where = (key: string): string => origin(key) ?? "agent configuration";

	c.configPaths = [...(flags.configPaths ?? [])];
	for (const path of c.configPaths) {
		let loaded = 0;
		for (const file of await expandConfigPath(path)) {
			const { body } = await parseConfigFile(file);
			const patch = decodeBlock({ file, warn, origins }, AGENT_SCHEMA, body, "");
			mergePatch(AGENT_SCHEMA, target, patch);
			c.files.push(normalize(file));
			loaded += Object.keys(body).length;
		}
		if (loaded === 0) warn(`No configuration loaded from ${path}`);
	}

	const flagPatch = decodeBlock({ file: COMMAND_LINE, warn, origins }, AGENT_SCHEMA, flagsToBody(flags), "");
	mergePatch(AGENT_SCHEMA, target, flagPatch);

	finalize(c);
	validate(c, { flags, warn, where });
	await normalizeAddrs(c, { interfaces: options.interfaces, warn, where: origin });
	return c;
}
