// The CLI entry: finds the command named by the leading words of argv (longest match, as
// mitchellh/cli does for Nomad) and runs it. It speaks only the HTTP API (src/api); `agent` is
// dispatched by bin/nomad-ts.js before reaching here, since it runs the agent itself.
import { aclCommands } from "./commands/acl.ts";
import { allocCommands } from "./commands/alloc.ts";
import { allocFsCommands } from "./commands/allocFs.ts";
import { evalCommands } from "./commands/eval.ts";
import { jobCommands } from "./commands/job.ts";
import { jobMiscCommands } from "./commands/jobMisc.ts";
import { jobRunCommands } from "./commands/jobRun.ts";
import { nodeCommands } from "./commands/node.ts";
import { operatorCommands } from "./commands/operator.ts";
import { statusCommands } from "./commands/status.ts";
import { closest } from "./flags.ts";
import { BIN, type Command, runCommand } from "./meta.ts";

const GROUPED: Command[] = [
	...statusCommands,
	...jobCommands,
	...jobRunCommands,
	...jobMiscCommands,
	...allocCommands,
	...allocFsCommands,
	...nodeCommands,
	...evalCommands,
	...operatorCommands,
	...aclCommands,
];

/** Nomad's top-level shortcuts (`nomad run` = `nomad job run`, ...). */
const ALIASES: Record<string, string> = {
	run: "job run",
	stop: "job stop",
	plan: "job plan",
	init: "job init",
	inspect: "job inspect",
	validate: "job validate",
	logs: "alloc logs",
};

export const COMMANDS: Command[] = [
	...GROUPED,
	...Object.entries(ALIASES).flatMap(([alias, target]) => {
		const cmd = GROUPED.find((c) => c.name === target);
		return cmd ? [{ ...cmd, name: alias, synopsis: `${cmd.synopsis} (alias of "${target}")` }] : [];
	}),
];

const AGENT_SYNOPSIS = "Runs a Nomad agent";

/** Top-level words with their one-line summary, for the main help. */
function topLevel(): Map<string, string> {
	const out = new Map<string, string>([["agent", AGENT_SYNOPSIS]]);
	for (const c of COMMANDS) {
		const word = c.name.split(" ")[0] as string;
		if (c.name === word) out.set(word, c.synopsis);
		else if (!out.has(word)) out.set(word, GROUPS[word] ?? `${word} commands`);
	}
	return out;
}

const GROUPS: Record<string, string> = {
	job: "Interact with jobs",
	alloc: "Interact with allocations",
	node: "Interact with nodes",
	eval: "Interact with evaluations",
	server: "Interact with servers",
	acl: "Interact with ACL policies, tokens and roles",
	operator: "Provides cluster-level tools for Nomad operators",
	system: "Interact with the system API",
};

const COMMON = ["run", "status", "stop", "alloc", "job", "node", "agent"];

function mainHelp(): string {
	const top = topLevel();
	const width = Math.max(...[...top.keys()].map((k) => k.length)) + 4;
	const line = (k: string) => `    ${k.padEnd(width)}${top.get(k) ?? ""}`;
	const common = COMMON.filter((k) => top.has(k));
	const other = [...top.keys()].filter((k) => !common.includes(k)).sort();
	return `Usage: ${BIN} [-version] [-help] <command> [args]

Common commands:
${common.map(line).join("\n")}

Other commands:
${other.map(line).join("\n")}
`;
}

/** The help of a word that only groups subcommands ("job", "acl token"). */
function groupHelp(prefix: string): string {
	const subs = COMMANDS.filter((c) => c.name.startsWith(`${prefix} `));
	const width = Math.max(...subs.map((c) => c.name.length - prefix.length)) + 4;
	return `Usage: ${BIN} ${prefix} <subcommand> [options] [args]

  ${GROUPS[prefix] ?? `Commands under "${prefix}".`}

Subcommands:
${subs.map((c) => `    ${c.name.slice(prefix.length + 1).padEnd(width)}${c.synopsis}`).join("\n")}
`;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
	// `nomad-ts job status | head -1`: a closed pipe ends the command quietly, as it does in Go.
	process.stdout.on("error", (e: NodeJS.ErrnoException) => {
		if (e.code === "EPIPE") process.exit(0);
		throw e;
	});
	let args = argv;
	if (args[0] === "help") args = [...args.slice(1), "-help"];
	const first = args[0];
	if (first === undefined || first === "-h" || first === "-help" || first === "--help") {
		process.stdout.write(mainHelp());
		return first === undefined ? 127 : 0;
	}
	if (first === "-version" || first === "--version" || first === "-v") args = ["version", ...args.slice(1)];
	// Longest command name matching the leading words.
	let cmd: Command | undefined;
	let words = 0;
	for (const c of COMMANDS) {
		const parts = c.name.split(" ");
		if (parts.length > words && parts.every((p, i) => args[i] === p)) {
			cmd = c;
			words = parts.length;
		}
	}
	// A group word without a (known) subcommand: list the subcommands.
	let groupLen = 0;
	for (let n = 1; n <= args.length; n++) {
		const prefix = args.slice(0, n).join(" ");
		if (COMMANDS.some((c) => c.name.startsWith(`${prefix} `))) groupLen = n;
	}
	if (cmd && words >= groupLen) return runCommand(cmd, args.slice(words), env);
	if (groupLen > 0) {
		const prefix = args.slice(0, groupLen).join(" ");
		const next = args[groupLen];
		if (next === undefined || next.startsWith("-")) {
			process.stdout.write(groupHelp(prefix));
			return next === "-h" || next === "-help" || next === "--help" ? 0 : 1;
		}
		const subs = COMMANDS.filter((c) => c.name.startsWith(`${prefix} `)).map(
			(c) => c.name.slice(prefix.length + 1).split(" ")[0] as string,
		);
		const close = closest(next, subs);
		process.stderr.write(
			`Unknown command: ${BIN} ${prefix} ${next}${close ? `\nDid you mean "${BIN} ${prefix} ${close}"?` : ""}\n\n${groupHelp(prefix)}`,
		);
		return 127;
	}
	const close = closest(first, [...topLevel().keys()]);
	process.stderr.write(
		`Unknown command: ${first}${close ? `\nDid you mean "${BIN} ${close}"?` : ""}\nRun '${BIN} -help' for the list of commands.\n`,
	);
	return 127;
}
