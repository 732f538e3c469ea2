import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { nullLogger } from "../../lib/logger.ts";
import { forceGC, stopAlloc } from "../endpoints/evalAllocWrites.ts";
import { deregisterJob, evaluateJob, getJob, registerJob } from "../endpoints/jobEndpoint.ts";
import { setDrain } from "../endpoints/nodeEndpoint.ts";
import { PlanCmd } from "../fsm/planCommands.ts";
import { Server } from "../server.ts";
import type { Row } from "../state/schema.ts";
import { simID } from "./simNodes.ts";
import { Simulator } from "./simulator.ts";

let srv: Server;
let sim: Simulator;
const w = { Region: "global", Namespace: "default", AuthToken: "", IdempotencyToken: "" };

before(async () => {
	srv = new Server({
		region: "global",
		datacenter: "dc1",
		nodeName: "t",
		bootstrapExpect: 1,
		rpcAdvertise: "127.0.0.1:4647",
		logger: nullLogger(),
		numSchedulers: 2,
		heartbeat: { minTTL: 300, grace: 300, failoverTTL: 2000 },
	});
	await srv.start();
	await srv.leadershipReady();
	sim = new Simulator(srv, { seed: 7, updateIntervalMs: 20, heartbeatIntervalMs: 100 });
	await sim.addNodes({ count: 10, attributes: (i) => ({ rack: `r${i % 2}` }) });
	sim.start();
});
after(async () => {
	sim.stop();
	await srv.shutdown();
});

function apiJob(id: string, count: number, extra: Row = {}): Row {
	return {
		ID: id,
		Type: "service",
		Datacenters: ["dc1"],
		TaskGroups: [
			{
				Name: "web",
				Count: count,
				Tasks: [{ Name: "server", Driver: "mock", Config: { run_for: "1h" }, Resources: { CPU: 500, MemoryMB: 256 } }],
			},
		],
		...extra,
	};
}

async function waitFor<T>(fn: () => T | undefined | false, ms = 5000): Promise<T> {
	const t0 = Date.now();
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() - t0 > ms) throw new Error("timed out");
		await new Promise((r) => setTimeout(r, 20));
	}
}

const liveAllocs = (id: string) =>
	[...srv.state.byIndex("allocs", "job", `default\u0000${id}`)].filter((a) => a.DesiredStatus === "run");

test("a registered job is evaluated, placed on simulated nodes and runs", async () => {
	const out = await registerJob(srv, { Job: apiJob("web", 3) }, w);
	assert.ok(out.EvalID);
	await waitFor(() => liveAllocs("web").filter((a) => a.ClientStatus === "running").length === 3);
	const ev = await waitFor(() => {
		const e = srv.state.get("evals", out.EvalID);
		return e?.Status === "complete" ? e : undefined;
	});
	assert.equal(ev.TriggeredBy, "job-register");
	const names = liveAllocs("web")
		.map((a) => a.Name)
		.sort();
	assert.deepEqual(names, ["web.web[0]", "web.web[1]", "web.web[2]"]);
	const meta = { Index: 0, LastContact: 0, KnownLeader: false, NextToken: "" };
	const job = await getJob(
		srv,
		"default",
		"web",
		{
			Region: "global",
			Namespace: "default",
			MinQueryIndex: 0,
			MaxQueryTime: 0,
			AllowStale: false,
			Prefix: "",
			Filter: "",
			PerPage: 0,
			NextToken: "",
			Reverse: false,
			AuthToken: "",
		},
		meta,
	);
	assert.equal(job.Status, "running");
});

test("count changes scale up and down; stop and purge", async () => {
	await registerJob(srv, { Job: apiJob("web", 5) }, w);
	await waitFor(() => liveAllocs("web").length === 5);
	await registerJob(srv, { Job: apiJob("web", 2) }, w);
	await waitFor(() => liveAllocs("web").length === 2);
	assert.deepEqual(
		liveAllocs("web")
			.map((a) => a.Name)
			.sort(),
		["web.web[0]", "web.web[1]"],
	);
	await deregisterJob(srv, "default", "web", { purge: false }, w);
	await waitFor(() => liveAllocs("web").length === 0);
	assert.equal(srv.state.get("jobs", "default\u0000web")?.Stop, true);
	await deregisterJob(srv, "default", "web", { purge: true }, w);
	assert.equal(srv.state.get("jobs", "default\u0000web"), undefined);
});

test("constraints pick feasible nodes only", async () => {
	await registerJob(
		srv,
		{ Job: apiJob("racked", 4, { Constraints: [{ LTarget: "${attr.rack}", RTarget: "r1", Operand: "=" }] }) },
		w,
	);
	await waitFor(() => liveAllocs("racked").length === 4);
	for (const a of liveAllocs("racked")) {
		const attrs = srv.state.get("nodes", a.NodeID as string)?.Attributes as Row | undefined;
		assert.equal(attrs?.rack, "r1");
	}
});

test("alloc stop replaces the allocation; forced GC purges a stopped job", async () => {
	await registerJob(srv, { Job: apiJob("gcme", 2) }, w);
	await waitFor(() => liveAllocs("gcme").filter((a) => a.ClientStatus === "running").length === 2);
	const victim = liveAllocs("gcme")[0] as Row;
	const out = await stopAlloc(srv, victim.ID as string, { noShutdownDelay: false, reschedule: false }, w);
	assert.ok(out.EvalID);
	await waitFor(() => srv.state.get("allocs", victim.ID as string)?.DesiredStatus === "stop");
	await waitFor(() => liveAllocs("gcme").filter((a) => a.ClientStatus === "running").length === 2);
	assert.ok(!liveAllocs("gcme").some((a) => a.ID === victim.ID));

	await deregisterJob(srv, "default", "gcme", { purge: false }, w);
	await waitFor(() => {
		const allocs = [...srv.state.byIndex("allocs", "job", "default\u0000gcme")];
		return (
			allocs.every((a) => a.ClientStatus === "complete") &&
			srv.state.get("jobs", "default\u0000gcme")?.Status === "dead"
		);
	});
	const gc = await forceGC(srv, w);
	assert.ok(gc.jobs >= 1, JSON.stringify(gc));
	assert.equal(srv.state.get("jobs", "default\u0000gcme"), undefined);
	assert.equal([...srv.state.byIndex("allocs", "job", "default\u0000gcme")].length, 0);
	assert.equal([...srv.state.byIndex("evals", "job", "default\u0000gcme")].length, 0);
});

test("evaluate with ForceReschedule replaces a failed allocation now, not after its delay", async () => {
	await registerJob(srv, { Job: apiJob("flaky", 1) }, w);
	const first = await waitFor(() => liveAllocs("flaky").find((a) => a.ClientStatus === "running"));
	await srv.apply(PlanCmd.allocClientUpdate, {
		Allocs: [
			{
				ID: first.ID,
				ClientStatus: "failed",
				ClientDescription: "Failed tasks",
				TaskStates: null,
				ModifyTime: Date.now() * 1e6,
			},
		],
		Evals: [],
	});
	await evaluateJob(srv, "default", "flaky", true, w);
	const replacement = await waitFor(
		() => liveAllocs("flaky").find((a) => a.PreviousAllocation === first.ID && a.ClientStatus === "running"),
		5000,
	);
	assert.notEqual(replacement.ID, first.ID);
	assert.equal(srv.state.get("allocs", first.ID as string)?.DesiredStatus, "stop");
});

test("simulated node IDs are UUID-shaped", () => {
	for (let i = 0; i < 200; i++)
		assert.match(simID(3, i), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test("a node that stops heartbeating goes down; its allocations are lost and replaced elsewhere", async () => {
	await registerJob(srv, { Job: apiJob("survivor", 2) }, w);
	const running = await waitFor(() => {
		const r = liveAllocs("survivor").filter((a) => a.ClientStatus === "running");
		return r.length === 2 ? r : undefined;
	});
	const victimNode = running[0]?.NodeID as string;
	sim.stopHeartbeats(victimNode);
	await waitFor(() => srv.state.get("nodes", victimNode)?.Status === "down", 5000);
	const events = ((srv.state.get("nodes", victimNode)?.Events as Row[] | undefined) ?? []).map((e) => e.Message);
	assert.ok(events.includes("Node heartbeat missed"), events.join(","));
	const lost = await waitFor(() => {
		const a = srv.state.get("allocs", running[0]?.ID as string);
		return a?.ClientStatus === "lost" ? a : undefined;
	});
	assert.equal(lost.DesiredDescription, "alloc is lost since its node is down");
	await waitFor(() => {
		const r = liveAllocs("survivor").filter((a) => a.ClientStatus === "running");
		return r.length === 2 && r.every((a) => a.NodeID !== victimNode);
	});
});

test("draining a node migrates its allocations elsewhere, then the drain completes", async () => {
	await registerJob(
		srv,
		{ Job: apiJob("moveme", 3, { Constraints: [{ LTarget: "${attr.rack}", RTarget: "r0", Operand: "=" }] }) },
		w,
	);
	const running = await waitFor(() => {
		const r = liveAllocs("moveme").filter((a) => a.ClientStatus === "running");
		return r.length === 3 ? r : undefined;
	});
	const target = running[0]?.NodeID as string;
	await setDrain(
		srv,
		target,
		{ DrainSpec: { Deadline: 60e9, IgnoreSystemJobs: false }, MarkEligible: false, Meta: null },
		w,
	);
	assert.equal(srv.state.get("nodes", target)?.SchedulingEligibility, "ineligible");
	await waitFor(() => {
		const node = srv.state.get("nodes", target);
		return node?.DrainStrategy === null && (node.LastDrain as Row | null)?.Status === "complete";
	}, 15_000);
	const after = await waitFor(() => {
		const r = liveAllocs("moveme").filter((a) => a.ClientStatus === "running");
		return r.length === 3 ? r : undefined;
	});
	assert.ok(after.every((a) => a.NodeID !== target));
	assert.equal(srv.state.get("nodes", target)?.SchedulingEligibility, "ineligible");
	const events = ((srv.state.get("nodes", target)?.Events as Row[] | undefined) ?? []).map((e) => e.Message);
	assert.ok(events.includes("Node drain complete"), events.join(","));
});
