// The pprof "named profiles" whose Go meaning has a Node counterpart that is a listing rather than a
// sampler: goroutine → the event loop's active resources (what keeps work pending: sockets, timers,
// file requests, child processes), threadcreate → the process's OS threads by name (main loop, libuv
// pool, V8 workers, worker_threads) from /proc, and block/mutex → empty profiles with Go's sample
// types, which is what Nomad serves too (it never sets a block or mutex profile rate).
import { readdirSync, readFileSync } from "node:fs";
import { ProfileBuilder } from "./build.ts";

function countBy(names: string[]): Map<string, number> {
	const m = new Map<string, number>();
	for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
	return m;
}

/** One sample per kind of active resource, valued by how many there are. */
export function goroutineProfile(resources: string[] = process.getActiveResourcesInfo()): ProfileBuilder {
	const b = new ProfileBuilder({
		sampleTypes: [["goroutine", "count"]],
		periodType: ["goroutine", "count"],
		period: 1,
	});
	// The main thread running JavaScript is always there (Go's profile counts the running goroutine).
	b.addSample([{ name: "main", file: "event loop", line: 0 }], [1]);
	for (const [name, count] of countBy(resources)) b.addSample([{ name, file: "active resource", line: 0 }], [count]);
	return b;
}

/** Names of this process's OS threads (/proc/self/task/<tid>/comm). */
export function threadNames(): string[] {
	const names: string[] = [];
	let tids: string[];
	try {
		tids = readdirSync("/proc/self/task");
	} catch {
		return ["main"];
	}
	for (const tid of tids) {
		try {
			names.push(readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim());
		} catch {
			// The thread ended between the listing and the read.
		}
	}
	return names;
}

export function threadcreateProfile(names: string[] = threadNames()): ProfileBuilder {
	const b = new ProfileBuilder({
		sampleTypes: [["threadcreate", "count"]],
		periodType: ["threadcreate", "count"],
		period: 1,
	});
	for (const [name, count] of countBy(names)) b.addSample([{ name, file: "os thread", line: 0 }], [count]);
	return b;
}

/** block and mutex: contentions/count and delay/nanoseconds, no samples. */
export function contentionProfile(): ProfileBuilder {
	return new ProfileBuilder({
		sampleTypes: [
			["contentions", "count"],
			["delay", "nanoseconds"],
		],
		periodType: ["contentions", "count"],
		period: 1,
	});
}
