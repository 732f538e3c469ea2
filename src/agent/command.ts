// `nomad-ts agent ...`: parse flags and configuration, set up logging, run the agent until
// SIGINT/SIGTERM, then stop gracefully (forced after 5 s; a second signal exits at once).
import { LogHub, parseLogLevel, streamSink } from "../lib/logger.ts";
import { versionLine } from "../lib/version.ts";
import { Agent } from "./agent.ts";
import { ConfigError, loadAgentConfig, parseAgentArgs } from "./config/index.ts";

const SHUTDOWN_GRACE_MS = 5000;

export async function runAgentCommand(argv: string[]): Promise<number> {
	let flags: ReturnType<typeof parseAgentArgs>;
	const warnings: string[] = [];
	try {
		flags = parseAgentArgs(argv);
	} catch (err) {
		process.stderr.write(`${(err as Error).message}\n`);
		return 1;
	}
	if (flags.help) {
		process.stdout.write(AGENT_HELP);
		return 0;
	}
	let config: Awaited<ReturnType<typeof loadAgentConfig>>;
	try {
		config = await loadAgentConfig(flags, (w) => warnings.push(w));
	} catch (err) {
		if (err instanceof ConfigError) {
			process.stderr.write(`==> Error loading configuration: ${err.message}\n`);
			return 1;
		}
		throw err;
	}
	const hub = new LogHub();
	hub.addSink(streamSink(process.stderr, parseLogLevel(config.logLevel) ?? "info", config.logJson));
	const simClient = flags.simClient;
	if (simClient !== undefined && !["run", "complete-batch", "none"].includes(simClient)) {
		process.stderr.write(`==> Error: -dev-sim-client must be run, complete-batch or none\n`);
		return 1;
	}
	const agent = new Agent({
		config,
		hub,
		sim: flags.simNodes
			? { nodes: flags.simNodes, client: simClient as "run" | "complete-batch" | "none" | undefined }
			: undefined,
	});
	for (const w of warnings) agent.logger.warn(w);
	process.stderr.write(`==> Starting Nomad agent (${versionLine()})...\n`);
	try {
		await agent.start();
	} catch (err) {
		process.stderr.write(`==> Error starting agent: ${(err as Error).message}\n`);
		await agent.shutdown().catch(() => {});
		return 1;
	}
	process.stderr.write(
		`==> Nomad agent started! Log data will stream in below:\n    HTTP: ${agent.httpAddresses().join(", ")}  Region: ${config.region} (DC: ${config.datacenter})  Server: ${config.server.enabled}  Client: ${config.client.enabled}\n\n`,
	);
	return new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => {
			if (stopping) {
				agent.logger.warn("second signal received, exiting now", { signal });
				resolve(1);
				return;
			}
			stopping = true;
			agent.logger.info("caught signal", { signal });
			const force = setTimeout(() => {
				agent.logger.error("graceful shutdown timed out, exiting");
				resolve(1);
			}, SHUTDOWN_GRACE_MS);
			force.unref();
			// leave_on_interrupt / leave_on_terminate: leave the gossip pool gracefully first
			const leave = signal === "interrupt" ? config.leaveOnInterrupt : config.leaveOnTerminate;
			agent.shutdown({ leave }).then(
				() => {
					clearTimeout(force);
					resolve(0);
				},
				(err: unknown) => {
					agent.logger.error("shutdown failed", { error: err });
					resolve(1);
				},
			);
		};
		process.on("SIGINT", () => stop("interrupt"));
		process.on("SIGTERM", () => stop("terminated"));
	});
}

const AGENT_HELP = `Usage: nomad-ts agent [options]

  Starts the Nomad agent and runs until an interrupt is received.
  The agent may be a client and/or server.

General Options:
  -bind=<addr>              Address the agent listens on (default 0.0.0.0; -dev: 127.0.0.1)
  -config=<path>            Config file or directory; repeatable; HCL or JSON
  -data-dir=<path>          Directory for persistent state
  -dc=<datacenter>          Datacenter (default dc1)
  -dev                      Dev mode: server + client, in-memory state, raw_exec enabled
  -log-level=<level>        TRACE, DEBUG, INFO, WARN, ERROR
  -log-json                 Log as JSON lines
  -node=<name>              Node name (default: hostname)
  -region=<region>          Region (default global)

Server Options:
  -server                   Enable server mode
  -bootstrap-expect=<num>   Servers to wait for before bootstrapping

Client Options:
  -client                   Enable client mode
  -servers=<host:port,...>  Servers the client joins
  -network-interface=<if>   Interface for network fingerprinting
`;
