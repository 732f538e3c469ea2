// Entry point of the node supervisor process (see supervisor.ts), started detached (own session)
// by the client agent with the same node binary:
//   node main.ts --state-dir <data_dir>/client [--ephemeral] [--idle-exit-ms N]
// One per state directory: supervisor.pid holds "<pid> <start time>"; a second supervisor that
// finds a live first one exits at once (the agent then simply connects to the first).
// SIGTERM/SIGINT stop every task and exit; after a SIGKILL the tasks keep running and the next
// supervisor adopts them.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { isSameProcess, processStartTime } from "./procStat.ts";
import { pidFilePath, socketPath } from "./protocol.ts";
import { NodeSupervisor } from "./supervisor.ts";

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(name);
	return i >= 0 ? process.argv[i + 1] : undefined;
}

const stateDir = arg("--state-dir");
if (!stateDir) {
	process.stderr.write("usage: main.ts --state-dir DIR [--ephemeral] [--idle-exit-ms N]\n");
	process.exit(2);
}
const log = (level: string, msg: string) =>
	process.stdout.write(`${new Date().toISOString()} [${level}] supervisor: ${msg}\n`);

/** Takes the pid file unless a live supervisor holds it; false when one does. */
function lock(path: string): boolean {
	try {
		const [pid, start] = readFileSync(path, "utf8").trim().split(" ").map(Number);
		if (pid !== process.pid && isSameProcess(pid as number, start as number)) return false;
	} catch {
		// no pid file: ours to take
	}
	writeFileSync(path, `${process.pid} ${processStartTime(process.pid) ?? 0}\n`, { mode: 0o600 });
	return true;
}

const pidFile = pidFilePath(stateDir);
if (!lock(pidFile)) {
	log("INFO", "another supervisor runs for this state dir; exiting");
	process.exit(0);
}
const sock = socketPath(stateDir);
rmSync(sock, { force: true }); // a stale socket of a supervisor that was killed

const sup = new NodeSupervisor({
	stateDir,
	socketPath: sock,
	ephemeral: process.argv.includes("--ephemeral"),
	idleExitMs: Number(arg("--idle-exit-ms") ?? 60_000),
	log,
	onStopped: () => {
		rmSync(sock, { force: true });
		try {
			if (readFileSync(pidFile, "utf8").startsWith(`${process.pid} `)) rmSync(pidFile, { force: true });
		} catch {
			// gone already
		}
		log("INFO", "stopped");
		process.exit(0);
	},
});
process.on("SIGTERM", () => void sup.stop("SIGTERM"));
process.on("SIGINT", () => void sup.stop("SIGINT"));
process.on("SIGHUP", () => {});
process.on("SIGPIPE", () => {});
// A bug in one request must not take every task's parent down with it.
process.on("uncaughtException", (e) => log("ERROR", `uncaught: ${e.stack ?? e}`));
sup.start().catch((e: Error) => {
	log("ERROR", `start failed: ${e.message}`);
	process.exit(1);
});
