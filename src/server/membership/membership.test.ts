import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { splitJoinAddr } from "./joinAddr.ts";
import { Membership } from "./membership.ts";
import { encode } from "./messages.ts";
import { FakeClock, FakeNetwork } from "./testing.ts";
import { FAST_TIMINGS, type GossipTimings, LAN_TIMINGS, type ServerMember } from "./types.ts";

const T: GossipTimings = { ...FAST_TIMINGS, reconnectTimeout: 60_000, tombstoneTimeout: 60_000 };

function seeded(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

interface Pool {
	clock: FakeClock;
	net: FakeNetwork;
	nodes: Membership[];
	add(i: number, opts?: { key?: Buffer; region?: string }): Membership;
}

function pool(n: number, opts: { key?: Buffer; timings?: GossipTimings } = {}): Pool {
	const clock = new FakeClock();
	const net = new FakeNetwork(clock);
	const p: Pool = {
		clock,
		net,
		nodes: [],
		add(i, o = {}) {
			const m = new Membership({
				name: `s${i}.${o.region ?? "global"}`,
				addr: `10.0.0.${i}`,
				port: 4648,
				tags: { role: "nomad", region: o.region ?? "global", dc: "dc1", port: "4647" },
				timings: opts.timings ?? T,
				transport: net.transport(`10.0.0.${i}`, 4648),
				key: o.key ?? opts.key,
				clock,
				random: seeded(i),
			});
			m.start();
			p.nodes[i] = m;
			return m;
		},
	};
	for (let i = 0; i < n; i++) p.add(i);
	return p;
}

function statusOf(m: Membership, name: string): string | undefined {
	return m.members().find((x: ServerMember) => x.Name === name)?.Status;
}

async function joinAll(p: Pool): Promise<void> {
	for (let i = 1; i < p.nodes.length; i++) {
		const r = await (p.nodes[i] as Membership).join(["10.0.0.0:4648"]);
		assert.deepEqual(r, { numJoined: 1, error: "" });
	}
	await p.clock.advance(2000);
}

test("join: every member learns every other as alive", async () => {
	const p = pool(5);
	await joinAll(p);
	for (const m of p.nodes) {
		assert.equal(m.members().length, 5);
		assert.ok(m.members().every((x) => x.Status === "alive"));
	}
	const self = p.nodes[2]?.localMember();
	assert.equal(self?.Name, "s2.global");
	assert.equal(self?.Addr, "10.0.0.2");
	assert.equal(self?.Port, 4648);
	assert.equal(self?.Tags.role, "nomad");
	assert.deepEqual(
		[self?.ProtocolMin, self?.ProtocolMax, self?.ProtocolCur, self?.DelegateMin, self?.DelegateMax, self?.DelegateCur],
		[1, 5, 2, 2, 4, 4],
	);
});

test("a killed member is suspected, then failed, within probe + suspicion time", async () => {
	const p = pool(4);
	await joinAll(p);
	p.net.kill("10.0.0.3", 4648);
	// worst case: one full probe round (n-1 intervals) + the probe itself + suspicion timeout
	const bound = 4 * T.probeInterval + T.suspicionMult * T.probeInterval + 500;
	await p.clock.advance(bound);
	for (const i of [0, 1, 2]) assert.equal(statusOf(p.nodes[i] as Membership, "s3.global"), "failed", `node ${i}`);
	assert.equal(p.nodes[0]?.stats().failed, "1");
	// the helpers' nacks said the target was gone, not us: local health stays good
	for (const i of [0, 1, 2]) assert.equal(p.nodes[i]?.stats().health_score, "0", `node ${i}`);
});

test("local health: a node whose packets do not get out scores itself unhealthy, then recovers", async () => {
	const p = pool(4);
	await joinAll(p);
	p.net.mute("10.0.0.0", 4648);
	await p.clock.advance(3000);
	const score = Number(p.nodes[0]?.stats().health_score);
	assert.ok(score > 0, `health_score ${score}`);
	p.net.unmute("10.0.0.0", 4648);
	await p.clock.advance(60_000);
	assert.equal(p.nodes[0]?.stats().health_score, "0");
	for (const m of p.nodes) assert.equal(m.members().filter((x) => x.Status === "alive").length, 4);
});

test("indirect probes keep a member alive when only the direct path is broken", async () => {
	const p = pool(4);
	await joinAll(p);
	const before = p.nodes[3]?.table.self.incarnation;
	p.net.cut("10.0.0.0:4648", "10.0.0.3:4648");
	await p.clock.advance(20_000);
	for (const m of p.nodes) assert.ok(m.members().every((x) => x.Status === "alive"));
	// never even suspected: it never had to refute anything
	assert.equal(p.nodes[3]?.table.self.incarnation, before);
});

test("forged packets from strangers: acks carry no gossip, ping-req to unknown targets is not relayed", async () => {
	const p = pool(2);
	await joinAll(p);
	void p.nodes[1]?.leave(); // node 0 now has a "leaving" update queued to pass on
	await p.clock.advance(5);
	assert.ok(Number(p.nodes[0]?.stats().intent_queue) > 0);
	p.net.delivered.length = 0;
	const stranger = { addr: "10.9.9.9", port: 9 };
	p.net.inject(
		"10.0.0.0:4648",
		encode({ type: "ping", seq: 1, from: "x", target: "s0.global", updates: [] }, undefined),
		stranger,
	);
	p.net.inject(
		"10.0.0.0:4648",
		encode(
			{ type: "ping-req", seq: 2, from: "x", target: "s1.global", addr: "10.8.8.8", port: 1, updates: [] },
			undefined,
		),
		stranger,
	);
	await p.clock.advance(5);
	const toStranger = p.net.delivered.filter(([, to]) => to === "10.9.9.9:9");
	assert.equal(toStranger.length, 1);
	const ack = JSON.parse((toStranger[0] as [string, string, Buffer])[2].toString());
	assert.equal(ack.type, "ack");
	assert.deepEqual(ack.updates, []);
	assert.equal(p.net.delivered.filter(([, to]) => to === "10.8.8.8:1").length, 0);
});

test("20 members, 10 % packet loss: no member is falsely failed, a killed one is failed everywhere", async () => {
	const p = pool(20);
	p.net.random = seeded(99);
	await joinAll(p);
	p.net.lossRate = 0.1;
	await p.clock.advance(60_000);
	for (const m of p.nodes) {
		assert.equal(m.members().filter((x) => x.Status === "alive").length, 20, `${m.name} sees all alive`);
	}
	p.net.kill("10.0.0.7", 4648);
	await p.clock.advance(40_000);
	for (const m of p.nodes) {
		if (m.name !== "s7.global") assert.equal(statusOf(m, "s7.global"), "failed", m.name);
	}
});

test("a suspected member that comes back refutes with a higher incarnation", async () => {
	const p = pool(3);
	await joinAll(p);
	const before = p.nodes[2]?.table.self.incarnation ?? 0;
	p.net.kill("10.0.0.2", 4648);
	// long enough to be probed and suspected, shorter than the suspicion timeout after that
	let suspected = false;
	for (let i = 0; i < 40 && !suspected; i++) {
		await p.clock.advance(20);
		suspected = p.nodes[0]?.table.get("s2.global")?.state === "suspect";
	}
	assert.ok(suspected, "suspected");
	p.net.revive("10.0.0.2", 4648);
	await p.clock.advance(T.suspicionMult * T.probeInterval * 3);
	for (const m of p.nodes) assert.equal(statusOf(m, "s2.global"), "alive");
	assert.ok((p.nodes[2]?.table.self.incarnation ?? 0) > before);
});

test("graceful leave: leaving, then left, everywhere", async () => {
	const p = pool(3);
	await joinAll(p);
	const leaving = p.nodes[2]?.leave();
	await p.clock.advance(T.leavePropagateDelay / 2);
	assert.equal(statusOf(p.nodes[0] as Membership, "s2.global"), "leaving");
	await p.clock.advance(T.leavePropagateDelay);
	await leaving;
	await p.nodes[2]?.shutdown();
	await p.clock.advance(5000);
	for (const i of [0, 1]) assert.equal(statusOf(p.nodes[i] as Membership, "s2.global"), "left");
	assert.equal(p.nodes[0]?.stats().left, "1");
});

test("force-leave: failed → left; prune forgets it everywhere; reaping forgets the rest", async () => {
	const p = pool(4);
	await joinAll(p);
	p.net.kill("10.0.0.3", 4648);
	p.net.kill("10.0.0.2", 4648);
	await p.clock.advance(10_000);
	assert.equal(statusOf(p.nodes[1] as Membership, "s3.global"), "failed");
	p.nodes[0]?.forceLeave("s3.global", false);
	assert.equal(statusOf(p.nodes[0] as Membership, "s3.global"), "left");
	await p.clock.advance(500);
	assert.equal(statusOf(p.nodes[1] as Membership, "s3.global"), "left");
	p.nodes[1]?.forceLeave("s2.global", true);
	await p.clock.advance(500);
	for (const i of [0, 1]) {
		assert.equal(statusOf(p.nodes[i] as Membership, "s2.global"), undefined);
		assert.equal(p.nodes[i]?.members().length, 3);
	}
	// the left member is reaped after the tombstone timeout
	await p.clock.advance(T.tombstoneTimeout + T.reapInterval);
	assert.equal(statusOf(p.nodes[0] as Membership, "s3.global"), undefined);
	// unknown names and this node itself are a no-op
	p.nodes[0]?.forceLeave("nope.global", true);
	p.nodes[0]?.forceLeave("s0.global", true);
	assert.equal(statusOf(p.nodes[0] as Membership, "s0.global"), "alive");
});

test("force-leave of an alive member is refuted", async () => {
	const p = pool(3);
	await joinAll(p);
	p.nodes[0]?.forceLeave("s2.global", false);
	assert.equal(statusOf(p.nodes[0] as Membership, "s2.global"), "leaving");
	await p.clock.advance(2000);
	for (const m of p.nodes) assert.equal(statusOf(m, "s2.global"), "alive");
});

test("a restarted member rejoins after being force-left", async () => {
	const p = pool(3);
	await joinAll(p);
	p.net.kill("10.0.0.2", 4648);
	await p.clock.advance(10_000);
	p.nodes[0]?.forceLeave("s2.global", false);
	await p.clock.advance(500);
	await p.nodes[2]?.shutdown();
	p.net.revive("10.0.0.2", 4648);
	const fresh = p.add(2); // a new process: incarnation starts again at 1
	assert.equal((await fresh.join(["10.0.0.1"])).numJoined, 1);
	await p.clock.advance(3000);
	for (const m of p.nodes) assert.equal(statusOf(m, "s2.global"), "alive");
});

test("a failed member that heals is reconnected and becomes alive", async () => {
	const p = pool(3);
	await joinAll(p);
	p.net.kill("10.0.0.2", 4648);
	await p.clock.advance(10_000);
	assert.equal(statusOf(p.nodes[0] as Membership, "s2.global"), "failed");
	p.net.revive("10.0.0.2", 4648);
	await p.clock.advance(T.reconnectInterval * 3 + 2000);
	for (const m of p.nodes) assert.equal(statusOf(m, "s2.global"), "alive");
});

test("join errors: unreachable and malformed addresses, multierror text", async () => {
	const p = pool(1);
	const r = await p.nodes[0]?.join(["10.0.0.77:4648", "bad:port:x:"]);
	assert.equal(r?.numJoined, 0);
	assert.match(r?.error ?? "", /^2 errors occurred:\n\t\* Failed to join 10\.0\.0\.77:4648: .*connection refused/);
	const one = await p.nodes[0]?.join(["host:99999"]);
	assert.equal(one?.error, '1 error occurred:\n\t* Failed to resolve host:99999: invalid port "99999"\n\n');
});

test("bad packets and bad push-pull requests are harmless", async () => {
	const p = pool(2);
	await joinAll(p);
	const before = JSON.stringify(p.nodes[0]?.members());
	const to = "10.0.0.0:4648";
	const junk: unknown[] = [
		null,
		[],
		"x",
		{ type: "ping" },
		{ type: "ping", seq: -1, from: "a", target: "s0.global" },
		{ type: "ack", seq: 1.5, from: "a" },
		{ type: "gossip", from: "a", updates: [{ name: "x", incarnation: 1, state: "alive" }] },
		{ type: "gossip", from: "a", updates: [{ name: "x", incarnation: 9, state: "zombie" }] },
		{ type: "gossip", from: "a", updates: [{ name: "x", incarnation: 1, state: "alive", addr: "nope", port: 1 }] },
		{
			type: "gossip",
			from: "a",
			updates: [{ name: "x", incarnation: 1, state: "alive", addr: "1.2.3.4", port: 70000, tags: {}, vsn: [] }],
		},
		{ type: "gossip", from: "a", updates: [{ name: "s1.global", incarnation: 1e300, state: "dead" }] },
		{ type: "ping-req", seq: 1, from: "a", target: "t", addr: "::zz", port: 1 },
		{ type: "gossip", from: "a".repeat(300), updates: [] },
		{ type: "gossip", from: "a", updates: "nope" },
		{ type: "push-pull", from: "a", join: true, members: [{ name: "x" }] },
	];
	for (const j of junk) {
		p.net.inject(to, Buffer.from(JSON.stringify(j)));
		assert.equal(p.net.injectExchange(to, Buffer.from(JSON.stringify(j))), undefined);
	}
	for (let i = 0; i < 300; i++) {
		const b = randomBytes(1 + (i % 200));
		p.net.inject(to, b);
		p.net.injectExchange(to, b);
	}
	p.net.inject(to, Buffer.from('{"type":"gossip","from":"a","updates":[{"__proto__":{"x":1}}]}'));
	await p.clock.advance(1000);
	assert.equal(JSON.stringify(p.nodes[0]?.members()), before);
});

test("gossip encryption: same key joins, a different key or none does not", async () => {
	const key = randomBytes(32);
	const p = pool(2, { key });
	await joinAll(p);
	assert.equal(p.nodes[1]?.members().length, 2);
	assert.equal(p.nodes[0]?.stats().encrypted, "true");
	const other = p.add(6, { key: randomBytes(16) });
	const r = await other.join(["10.0.0.0"]);
	assert.equal(r.numJoined, 0);
	assert.match(r.error, /closed without a reply/);
	// a plain-text packet with a valid shape is dropped by an encrypted pool
	p.net.inject(
		"10.0.0.0:4648",
		encode(
			{
				type: "gossip",
				from: "x",
				updates: [
					{ name: "x", incarnation: 1, state: "alive", addr: "1.2.3.4", port: 1, tags: {}, vsn: [1, 5, 2, 2, 4, 4] },
				],
			},
			undefined,
		),
	);
	await p.clock.advance(100);
	assert.equal(p.nodes[0]?.members().length, 2);
});

test("regions: every region with a live server in the pool", async () => {
	const p = pool(2);
	p.add(2, { region: "eu" });
	await joinAll(p);
	assert.deepEqual(p.nodes[0]?.regions(), ["eu", "global"]);
	assert.equal(statusOf(p.nodes[0] as Membership, "s2.eu"), "alive");
	p.net.kill("10.0.0.2", 4648);
	await p.clock.advance(10_000);
	assert.deepEqual(p.nodes[0]?.regions(), ["global"]);
});

test("stats: Serf's keys, string values", () => {
	const p = pool(1);
	const s = p.nodes[0]?.stats() ?? {};
	assert.deepEqual(Object.keys(s).sort(), [
		"encrypted",
		"event_queue",
		"event_time",
		"failed",
		"health_score",
		"intent_queue",
		"left",
		"member_time",
		"members",
		"query_queue",
		"query_time",
	]);
	assert.equal(s.members, "1");
	assert.equal(s.encrypted, "false");
	assert.ok(Object.values(s).every((v) => typeof v === "string"));
});

test("splitJoinAddr", () => {
	assert.deepEqual(splitJoinAddr("1.2.3.4", 4648), { host: "1.2.3.4", port: 4648 });
	assert.deepEqual(splitJoinAddr("1.2.3.4:5000", 4648), { host: "1.2.3.4", port: 5000 });
	assert.deepEqual(splitJoinAddr("[::1]:5000", 4648), { host: "::1", port: 5000 });
	assert.deepEqual(splitJoinAddr("::1", 4648), { host: "::1", port: 4648 });
	assert.deepEqual(splitJoinAddr("srv.example", 4648), { host: "srv.example", port: 4648 });
	assert.equal(typeof splitJoinAddr("", 4648), "string");
	assert.equal(typeof splitJoinAddr("a:b", 4648), "string");
	assert.equal(typeof splitJoinAddr("a:0", 4648), "string");
});

test("LAN timings default to memberlist's", () => {
	assert.equal(LAN_TIMINGS.probeInterval, 1000);
	assert.equal(LAN_TIMINGS.probeTimeout, 500);
	assert.equal(LAN_TIMINGS.gossipInterval, 200);
	assert.equal(LAN_TIMINGS.suspicionMult, 4);
	assert.equal(LAN_TIMINGS.pushPullInterval, 30_000);
});
