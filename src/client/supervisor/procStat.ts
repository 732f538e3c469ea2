// Identifying a process safely across restarts: a PID alone can be reused by the kernel once the
// task is gone, so a task is known by its PID plus its start time (field 22 of /proc/<pid>/stat,
// clock ticks since boot), which no later process with the same PID can share.
import { readFileSync } from "node:fs";

/**
 * Start time of `pid` in clock ticks since boot, or undefined when there is no such process (a
 * zombie counts as gone unless `zombieOk`: it has exited and only waits to be reaped).
 */
export function processStartTime(pid: number, zombieOk = false): number | undefined {
	if (!Number.isInteger(pid) || pid <= 0) return undefined;
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	} catch {
		return undefined;
	}
	// The command name (field 2) is in parentheses and may itself hold spaces or ')'.
	const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	// rest[0] is field 3 (state); field 22 (starttime) is rest[19].
	if (!zombieOk && (rest[0] === "Z" || rest[0] === "X")) return undefined;
	const start = Number(rest[19]);
	return Number.isFinite(start) ? start : undefined;
}

/** True when `pid` is alive and is the very process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number): boolean {
	return processStartTime(pid) === startTime;
}
