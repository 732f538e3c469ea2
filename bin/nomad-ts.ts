#!/usr/bin/env node
// nomad-ts: `agent` runs the agent in this process; everything else is the HTTP-only CLI.
const argv = process.argv.slice(2);
let code: number;
if (argv[0] === "agent") {
	const { runAgentCommand } = await import("../src/agent/command.ts");
	code = await runAgentCommand(argv.slice(1));
} else {
	const { runCli } = await import("../src/cli/main.ts");
	code = await runCli(argv);
}
process.exit(code);
