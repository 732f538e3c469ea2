#!/usr/bin/env node
// Membership figures, measured in-process with the real protocol over real UDP/TCP sockets on
// loopback (one Membership per simulated server, all in this process):
//   membership_failure_detect_ms     a member is killed (sockets closed, no leave) → the first
//                                    other member marks it failed (median of RUNS)
//   membership_failure_detect_all_ms … → every other member has it failed
//   membership_join_propagate_ms     a new member joins one of N → all N see it alive (median)
// Baselines printed alongside: the configured probe interval, suspicion timeout and gossip
// interval (detection ≈ time until probed + suspicion timeout). BENCH_TIMINGS=fast uses the test
// timings instead of memberlist's LAN defaults; BENCH_MEMBERS sets N (default 5).
import { Membership } from "../src/server/membership/membership.ts";
import { NetTransport } from "../src/server/membership/netTransport.ts";
import {
	FAST_TIMINGS,
	type GossipTimings,
	LAN_TIMINGS,
	type Member,
	suspicionTimeout,
} from "../src/server/membership/types.ts";
import { figure } from "./lib.ts";

const TIMINGS: GossipTimings = process.env.BENCH_TIMINGS === "fast" ? FAST_TIMINGS : LAN_TIMINGS;
const N = Number(process.env.BENCH_MEMBERS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

// A bench that cannot converge must say so rather than hang.
setTimeout(() => {
	console.error("membership bench: timed out");
	process.exit(1);
}, 600_000).unref();

type Listener = (name: string, m: Member) => void;
const listeners = new Set<Listener>();
let nextID = 0;

async function spawnMember(): Promise<Membership> {
	const transport = await NetTransport.listen("127.0.0.1", 0);
	const name = `bench-${nextID++}.global`;
	const m = new Membership({
		name,
		addr: "127.0.0.1",
		port: transport.port,
		tags: { role: "nomad", region: "global", dc: "dc1" },
		timings: TIMINGS,
		transport,
		onChange: (member) => {
			for (const l of listeners) l(name, member);
		},
	});
	m.start();
	return m;
}

/** Resolves with ms from t0 until `done` holds for every observer's latest event. */
function until(t0: number, check: (observer: string, m: Member) => boolean): Promise<number> {
	return new Promise((resolve) => {
		const l: Listener = (observer, m) => {
			if (check(observer, m)) {
				listeners.delete(l);
				resolve(performance.now() - t0);
			}
		};
		listeners.add(l);
	});
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)] as number;
}

const pool: Membership[] = [];
for (let i = 0; i < N; i++) pool.push(await spawnMember());
const seed = pool[0] as Membership;
const seedAddr = `127.0.0.1:${seed.localMember().Port}`;
for (const m of pool.slice(1)) await m.join([seedAddr]);
const converged = () => pool.every((m) => m.members().filter((x) => x.Status === "alive").length === pool.length);
while (!converged()) await new Promise((r) => setTimeout(r, 10));

// join propagation: a new member joins the seed; time until every member of the pool has it alive
const joins: number[] = [];
for (let r = 0; r < RUNS; r++) {
	const fresh = await spawnMember();
	const seen = new Set<string>();
	const t0 = performance.now();
	const done = until(t0, (observer, m) => {
		if (m.name === fresh.name && m.state === "alive") seen.add(observer);
		return pool.every((p) => seen.has(p.name));
	});
	await fresh.join([seedAddr]);
	joins.push(await done);
	pool.push(fresh);
}

// failure detection: close a member's sockets; time until the first and until every other marks it failed
const firsts: number[] = [];
const alls: number[] = [];
for (let r = 0; r < RUNS; r++) {
	const victim = pool.pop() as Membership;
	const others = pool.filter((p) => p !== victim);
	const failedBy = new Set<string>();
	const t0 = performance.now();
	const first = until(t0, (_o, m) => m.name === victim.name && m.state === "dead");
	const all = until(t0, (observer, m) => {
		if (m.name === victim.name && m.state === "dead") failedBy.add(observer);
		return others.every((p) => failedBy.has(p.name));
	});
	await victim.shutdown();
	firsts.push(await first);
	alls.push(await all);
}

console.log(
	`# ${N}+ members in one process over loopback UDP/TCP, ${RUNS} runs, ${process.env.BENCH_TIMINGS === "fast" ? "fast test" : "LAN"} timings`,
);
figure("membership_failure_detect_ms", Math.round(median(firsts)), "ms");
figure("membership_failure_detect_all_ms", Math.round(median(alls)), "ms");
figure("membership_join_propagate_ms", Math.round(median(joins)), "ms");
figure("membership_probe_interval_ms", TIMINGS.probeInterval, "ms (configured baseline)");
figure("membership_suspicion_timeout_ms", Math.round(suspicionTimeout(TIMINGS, N + RUNS)), "ms (configured baseline)");
figure("membership_gossip_interval_ms", TIMINGS.gossipInterval, "ms (configured baseline)");
for (const m of pool) await m.shutdown();
