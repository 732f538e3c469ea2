// The CLI entry: dispatches subcommands. It speaks only the HTTP API (src/api); the `agent`
// command is dispatched by bin/nomad-ts.js before reaching here, since it runs the agent itself.
import { versionLine } from "../lib/version.ts";

const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
	version: () => {
		process.stdout.write(`${versionLine()}\n`);
		return 0;
	},
};

const USAGE = `Usage: nomad-ts [-version] [-help] <command> [args]

Common commands:
    agent      Runs a Nomad agent
    version    Prints the Nomad version
`;

export async function runCli(argv: string[]): Promise<number> {
	const [cmd, ...rest] = argv;
	if (cmd === undefined || cmd === "-h" || cmd === "-help" || cmd === "--help" || cmd === "help") {
		process.stdout.write(USAGE);
		return cmd === undefined ? 1 : 0;
	}
	if (cmd === "-version" || cmd === "--version" || cmd === "-v") return COMMANDS.version?.(rest) ?? 0;
	const run = COMMANDS[cmd];
	if (!run) {
		const names = [...Object.keys(COMMANDS), "agent"];
		const close = names.find((n) => n.startsWith(cmd.slice(0, 2)));
		process.stderr.write(`Unknown command: ${cmd}${close ? ` (did you mean "${close}"?)` : ""}\n\n${USAGE}`);
		return 127;
	}
	return run(rest);
}
