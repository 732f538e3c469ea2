import assert from "node:assert/strict";
import { test } from "node:test";
import { MILLISECOND } from "../lib/duration.ts";
import { LAN_TIMINGS } from "../server/membership/types.ts";
import { file, load, loadError } from "./config/testFixtures.ts";
import { gossipTimings, serverTags } from "./membershipAssembly.ts";

test("server { gossip {} }: defaults are memberlist's LAN timings; keys override them", async () => {
	const d = await load({ configPaths: [await file("a.hcl", "server {\n  enabled = true\n}\n")], dev: true });
	assert.deepEqual(gossipTimings(d.c.server.gossip), LAN_TIMINGS);
	const p = await file(
		"b.hcl",
		'server {\n  enabled = true\n  gossip {\n    probe_interval = "100ms"\n    probe_timeout = "50ms"\n    suspicion_mult = 3\n  }\n}\n',
	);
	const { c, warnings } = await load({ configPaths: [p], dev: true });
	assert.deepEqual(warnings, []);
	assert.equal(c.server.gossip.probeInterval, 100 * MILLISECOND);
	const t = gossipTimings(c.server.gossip);
	assert.equal(t.probeInterval, 100);
	assert.equal(t.probeTimeout, 50);
	assert.equal(t.suspicionMult, 3);
	assert.equal(t.gossipInterval, LAN_TIMINGS.gossipInterval);
	const bad = await file("c.hcl", "server {\n  gossip {\n    suspicion_mult = 0\n  }\n}\n");
	assert.match(await loadError({ configPaths: [bad], dev: true }), /suspicion_mult/);
	const inverted = await file("d.hcl", 'server {\n  gossip {\n    probe_interval = "10ms"\n  }\n}\n');
	const inv = await load({ configPaths: [inverted], dev: true });
	assert.throws(() => gossipTimings(inv.c.server.gossip), /probe_timeout must not exceed probe_interval/);
});

test("serf tags as Nomad's setupSerf", async () => {
	const p = await file(
		"t.hcl",
		'region = "eu"\ndatacenter = "dc2"\nserver {\n  enabled = true\n  bootstrap_expect = 3\n  non_voting_server = true\n  redundancy_zone = "z1"\n}\n',
	);
	const { c } = await load({ configPaths: [p], dev: true });
	const tags = serverTags(c, "11111111-2222-3333-4444-555555555555", "10.0.0.1:4647");
	assert.equal(tags.role, "nomad");
	assert.equal(tags.region, "eu");
	assert.equal(tags.dc, "dc2");
	assert.equal(tags.expect, "3");
	assert.equal(tags.bootstrap, undefined);
	assert.equal(tags.nonvoter, "1");
	assert.equal(tags.ap_zone, "z1");
	assert.equal(tags.rpc_addr, "10.0.0.1");
	assert.equal(tags.port, "4647");
	assert.equal(tags.vsn, "1");
	assert.equal(tags.raft_vsn, "3");
	assert.equal(tags.id, "11111111-2222-3333-4444-555555555555");
});
