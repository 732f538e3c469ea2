// Jobs end to end over HTTP against a dev agent with simulated nodes: HCL parse → register →
// evaluation → allocations; reads, blocking, versions, scale, stop and purge.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type StartedAgent, startDevAgent, waitFor } from "./helpers/agentProcess.ts";

let agent: StartedAgent;
before(async () => {
	agent = await startDevAgent(["-dev-sim-nodes=6"]);
});
after(async () => {
	await agent?.stop();
});

async function call(
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
	const r = await fetch(`${agent.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await r.text();
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: r.status, headers: r.headers, json, text };
}

const HCL = `
variable "count" {
  type    = number
  default = 2
}
job "web" {
  datacenters = ["*"]
  constraint {
    attribute = "\${attr.sim.group}"
    operator  = "!="
    value     = "3"
  }
  group "app" {
    count = var.count
    network {
      port "http" {}
    }
    task "server" {
      driver = "mock"
      config { run_for = "1h" }
      env { ADDR = "\${NOMAD_ADDR_http}" }
      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
`;

test("HCL through /v1/jobs/parse, registered, evaluated, placed and running", async () => {
	const parsed = await call("POST", "/v1/jobs/parse", { JobHCL: HCL, Variables: "count = 3" });
	assert.equal(parsed.status, 200, parsed.text);
	assert.equal(parsed.json.ID, "web");
	assert.equal(parsed.json.TaskGroups[0].Count, 3);
	assert.equal(parsed.json.TaskGroups[0].Tasks[0].Env.ADDR, "${NOMAD_ADDR_http}");

	const reg = await call("PUT", "/v1/jobs", { Job: parsed.json });
	assert.equal(reg.status, 200, reg.text);
	assert.ok(reg.json.EvalID);
	assert.equal(reg.headers.get("x-nomad-index"), String(reg.json.Index));

	const ev = await waitFor(async () => {
		const r = await call("GET", `/v1/evaluation/${reg.json.EvalID}`);
		return r.json?.Status === "complete" ? r.json : undefined;
	});
	assert.equal(ev.TriggeredBy, "job-register");
	assert.equal(ev.JobID, "web");

	const allocs = await waitFor(async () => {
		const r = await call("GET", "/v1/job/web/allocations");
		return r.json?.filter((a: any) => a.ClientStatus === "running").length === 3 ? r.json : undefined;
	});
	assert.deepEqual(allocs.map((a: any) => a.Name).sort(), ["web.app[0]", "web.app[1]", "web.app[2]"]);
	const full = await call("GET", `/v1/allocation/${allocs[0].ID}`);
	assert.equal(full.status, 200);
	assert.equal(full.json.Job.ID, "web");
	assert.equal(full.json.SignedIdentities, undefined);
	const ports = full.json.AllocatedResources.Shared.Ports;
	assert.equal(ports[0].Label, "http");
	assert.ok(ports[0].Value >= 20000 && ports[0].Value <= 32000);
	const node = await call("GET", `/v1/allocations?filter=${encodeURIComponent(`ID == "${allocs[0].ID}"`)}`);
	assert.equal(node.json.length, 1);

	const job = await call("GET", "/v1/job/web");
	assert.equal(job.json.Status, "running");
	assert.equal(job.json.Version, 0);
	const summary = await call("GET", "/v1/job/web/summary");
	assert.equal(summary.json.Summary.app.Running, 3);
	const list = await call("GET", "/v1/jobs?meta=true");
	assert.equal(list.json[0].ID, "web");
	assert.equal(list.json[0].JobSummary.Summary.app.Running, 3);
});

test("invalid jobs and bad HCL are 400s that change nothing", async () => {
	const before = await call("GET", "/v1/jobs");
	const bad = await call("POST", "/v1/jobs/parse", { JobHCL: 'job "x" {\n  group "g" {\n    nonsense = 1\n  }\n}\n' });
	assert.equal(bad.status, 400);
	assert.match(bad.text, /^Failed to parse job: input\.hcl:3,5-13: Unsupported argument/);
	const invalid = await call("PUT", "/v1/jobs", {
		Job: { ID: "broken", TaskGroups: [{ Name: "g", Tasks: [{ Name: "t" }] }] },
	});
	assert.equal(invalid.status, 400);
	assert.match(invalid.text, /Missing task driver/);
	const validate = await call("PUT", "/v1/validate/job", {
		Job: { ID: "broken", TaskGroups: [{ Name: "g", Tasks: [{ Name: "t" }] }] },
	});
	assert.equal(validate.status, 200);
	assert.ok(validate.json.ValidationErrors.length > 0);
	const after = await call("GET", "/v1/jobs");
	assert.equal(after.headers.get("x-nomad-index"), before.headers.get("x-nomad-index"));
});

test("plan: annotations, failed placements and diff, with no state change", async () => {
	const before = await call("GET", "/v1/jobs");
	const job = {
		ID: "planned",
		Datacenters: ["*"],
		TaskGroups: [
			{ Name: "fits", Count: 2, Tasks: [{ Name: "t", Driver: "mock", Resources: { CPU: 100, MemoryMB: 64 } }] },
			{ Name: "huge", Count: 1, Tasks: [{ Name: "t", Driver: "mock", Resources: { CPU: 1000000, MemoryMB: 64 } }] },
		],
	};
	const plan = await call("PUT", "/v1/job/planned/plan", { Job: job, Diff: true });
	assert.equal(plan.status, 200, plan.text);
	assert.equal(plan.json.Annotations.DesiredTGUpdates.fits.Place, 2);
	assert.ok(plan.json.FailedTGAllocs.huge, JSON.stringify(plan.json.FailedTGAllocs));
	assert.ok(plan.json.FailedTGAllocs.huge.NodesExhausted > 0 || plan.json.FailedTGAllocs.huge.DimensionExhausted);
	assert.equal(plan.json.Diff.Type, "Added");
	const after = await call("GET", "/v1/jobs");
	assert.equal(after.headers.get("x-nomad-index"), before.headers.get("x-nomad-index"));
	assert.equal((await call("GET", "/v1/job/planned")).status, 404);
});

test("plan of a registered job: env and cpu changes are destructive updates, a kill timeout change in place", async () => {
	const job = (env: string, cpu: number, killTimeout = 5e9) => ({
		ID: "replan",
		Datacenters: ["*"],
		// Both allocations in one pass (the default max_parallel 1 would show 1 update + 1 ignore).
		Update: { MaxParallel: 2 },
		TaskGroups: [
			{
				Name: "g",
				Count: 2,
				Tasks: [
					{
						Name: "t",
						Driver: "mock",
						Config: { run_for: "1h" },
						Env: { V: env },
						KillTimeout: killTimeout,
						Resources: { CPU: cpu, MemoryMB: 32 },
					},
				],
			},
		],
	});
	assert.equal((await call("PUT", "/v1/jobs", { Job: job("1", 100) })).status, 200);
	await waitFor(async () => {
		const s = await call("GET", "/v1/job/replan/summary");
		return s.json?.Summary?.g?.Starting + s.json?.Summary?.g?.Running === 2;
	});
	const updates = async (env: string, cpu: number, killTimeout?: number) =>
		(await call("PUT", "/v1/job/replan/plan", { Job: job(env, cpu, killTimeout) })).json.Annotations.DesiredTGUpdates.g;
	const same = await updates("1", 100);
	assert.deepEqual([same.Ignore, same.InPlaceUpdate, same.DestructiveUpdate], [2, 0, 0]);
	const env = await updates("2", 100);
	assert.deepEqual([env.Ignore, env.InPlaceUpdate, env.DestructiveUpdate], [0, 0, 2]);
	const cpu = await updates("1", 120);
	assert.deepEqual([cpu.Ignore, cpu.InPlaceUpdate, cpu.DestructiveUpdate], [0, 0, 2]);
	const kill = await updates("1", 100, 9e9);
	assert.deepEqual([kill.Ignore, kill.InPlaceUpdate, kill.DestructiveUpdate], [0, 2, 0]);
});

test("blocking query on a job wakes on update; versions, scale, stop, purge", async () => {
	const job = await call("GET", "/v1/job/web");
	const index = Number(job.headers.get("x-nomad-index"));
	const blocked = call("GET", `/v1/job/web?index=${index}&wait=20s`);
	await new Promise((r) => setTimeout(r, 100));
	const scaled = await call("POST", "/v1/job/web/scale", { Count: 1, Target: { Group: "app" } });
	assert.equal(scaled.status, 200, scaled.text);
	const woke = await blocked;
	assert.ok(Number(woke.headers.get("x-nomad-index")) > index);
	assert.equal(woke.json.TaskGroups[0].Count, 1);
	await waitFor(
		async () =>
			(await call("GET", "/v1/job/web/allocations")).json.filter((a: any) => a.DesiredStatus === "run").length === 1,
	);

	const versions = await call("GET", "/v1/job/web/versions?diffs=true");
	assert.deepEqual(
		versions.json.Versions.map((v: any) => v.Version),
		[1, 0],
	);
	assert.equal(versions.json.Diffs[0].Type, "Edited");

	const stop = await call("DELETE", "/v1/job/web");
	assert.equal(stop.status, 200);
	assert.ok(stop.json.EvalID);
	await waitFor(async () =>
		(await call("GET", "/v1/job/web/allocations")).json.every((a: any) => a.DesiredStatus === "stop"),
	);
	assert.equal((await call("GET", "/v1/job/web")).json.Stop, true);
	const purge = await call("DELETE", "/v1/job/web?purge=true");
	assert.equal(purge.status, 200);
	const gone = await call("GET", "/v1/job/web");
	assert.equal(gone.status, 404);
	assert.equal(gone.text, "job not found");
});

test("search: prefixes per context, odd UUID prefixes, truncation at 20, Nomad's errors", async () => {
	const search = (Prefix: string, Context: string, query = "") =>
		call("PUT", `/v1/search${query}`, { Prefix, Context });
	const many = {
		ID: "many",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Count: 25,
				Tasks: [{ Name: "t", Driver: "mock", Config: { run_for: "1h" }, Resources: { CPU: 10, MemoryMB: 10 } }],
			},
		],
	};
	assert.equal((await call("PUT", "/v1/jobs", { Job: many })).status, 200);
	await waitFor(async () => ((await call("GET", "/v1/job/many/allocations")).json as any[]).length === 25);
	assert.deepEqual((await search("man", "jobs")).json.Matches, { jobs: ["many"] });
	const allocs = (await call("GET", "/v1/allocations")).json as any[];
	const id = allocs[0].ID as string;
	// Five hex digits: scanned as four, matched as five.
	assert.ok((await search(id.slice(0, 5), "allocs")).json.Matches.allocs.includes(id));
	const first = await search("", "allocs");
	assert.equal(first.json.Matches.allocs.length, 20);
	assert.equal(first.json.Truncations.allocs, true);
	assert.deepEqual(first.json.Matches.allocs, [...first.json.Matches.allocs].sort(), "in ID order");
	assert.match(first.headers.get("x-nomad-index") ?? "", /^\d+$/);
	const everything = await search("", "all");
	assert.deepEqual(Object.keys(everything.json.Matches), [
		"allocs",
		"jobs",
		"nodes",
		"node_pools",
		"evals",
		"deployment",
		"plugins",
		"volumes",
		"scaling_policy",
		"vars",
		"namespaces",
		"host_volumes",
	]);
	assert.deepEqual(everything.json.Matches.node_pools, ["all", "default"]);
	assert.equal(everything.json.Matches.plugins, null);
	assert.deepEqual((await search("def", "namespaces")).json.Matches, { namespaces: ["default"] });
	assert.ok((await search("", "jobs", "?namespace=*")).json.Matches.jobs.includes("many"));
	const bad = await search("x", "widgets");
	assert.equal(bad.status, 400);
	assert.match(
		bad.text,
		/^context must be one of \[allocs jobs .* host_volumes\] or 'all' for all contexts; got "widgets"$/,
	);
	assert.equal((await call("GET", "/v1/search")).status, 405);
});

test("scaling policies: listed and read as the autoscaler does, blocking on changes", async () => {
	const scaled = (max: number) => ({
		ID: "autoscaled",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Count: 1,
				Scaling: { Min: 1, Max: max, Enabled: true, Policy: { cooldown: "1m" } },
				Tasks: [{ Name: "t", Driver: "mock", Config: { run_for: "1h" }, Resources: { CPU: 10, MemoryMB: 10 } }],
			},
		],
	});
	assert.equal((await call("PUT", "/v1/jobs", { Job: scaled(5) })).status, 200);
	// Submitting the same job again is not a new version, though the stored copy carries policy IDs.
	assert.equal((await call("PUT", "/v1/jobs", { Job: scaled(5) })).status, 200);
	assert.equal((await call("GET", "/v1/job/autoscaled/versions")).json.Versions.length, 1);
	const list = await call("GET", "/v1/scaling/policies?job=autoscaled");
	assert.equal(list.status, 200);
	assert.equal(list.json.length, 1);
	const [stub] = list.json;
	assert.deepEqual(Object.keys(stub), ["ID", "Enabled", "Type", "Target", "CreateIndex", "ModifyIndex"]);
	assert.deepEqual(stub.Target, { Namespace: "default", Job: "autoscaled", Group: "g" });
	const policy = await call("GET", `/v1/scaling/policy/${stub.ID}`);
	assert.deepEqual([policy.json.Min, policy.json.Max, policy.json.Policy], [1, 5, { cooldown: "1m" }]);
	assert.equal((await call("GET", "/v1/job/autoscaled")).json.TaskGroups[0].Scaling.ID, stub.ID);
	// A blocking list wakes when the job's policy changes; the policy keeps its ID.
	const index = Number(list.headers.get("x-nomad-index"));
	const blocked = call("GET", `/v1/scaling/policies?index=${index}&wait=20s`);
	await new Promise((r) => setTimeout(r, 100));
	assert.equal((await call("PUT", "/v1/jobs", { Job: scaled(9) })).status, 200);
	const woken = await blocked;
	assert.ok(Number(woken.headers.get("x-nomad-index")) > index);
	assert.equal(woken.json.find((p: any) => p.Target.Job === "autoscaled").ID, stub.ID);
	assert.equal((await call("GET", `/v1/scaling/policy/${stub.ID}`)).json.Max, 9);
	const missing = await call("GET", "/v1/scaling/policy/00000000-0000-0000-0000-000000000000");
	assert.deepEqual([missing.status, missing.text], [404, "policy not found"]);
	assert.equal((await call("GET", "/v1/scaling/policies?namespace=*&type=horiz")).json.length >= 1, true);
	assert.deepEqual((await call("GET", "/v1/scaling/policies?type=vertical")).json, []);
});

test("nodes: list stubs, read, eligibility, evaluate, allocations, purge", async () => {
	const list = await call("GET", "/v1/nodes?os=true");
	assert.equal(list.status, 200);
	// Six simulated nodes plus the dev agent's own client node.
	assert.equal(list.json.length, 7);
	assert.equal(list.json.filter((n: any) => n.Name.startsWith("sim-")).length, 6);
	const stub = list.json.find((n: any) => n.Name.startsWith("sim-"));
	assert.equal(stub.Status, "ready");
	assert.equal(stub.SchedulingEligibility, "eligible");
	assert.equal(stub.Drain, false);
	assert.deepEqual(Object.keys(stub.Attributes), ["os.name"]);
	assert.equal(stub.NodeResources, undefined);
	assert.ok(list.json.every((n: any, i: number) => i === 0 || list.json[i - 1].ID < n.ID));
	const withRes = await call("GET", "/v1/nodes?resources=true&per_page=2");
	assert.equal(withRes.json.length, 2);
	assert.ok(withRes.json[0].NodeResources.Cpu.CpuShares > 0);
	assert.equal(withRes.headers.get("x-nomad-nexttoken"), list.json[2].ID);

	const node = await call("GET", `/v1/node/${stub.ID}`);
	assert.equal(node.json.SecretID, "");
	assert.equal(node.json.Drain, false);
	assert.equal(node.json.Attributes["driver.mock"], "1");
	const byPrefix = await call("GET", `/v1/node/${stub.ID.slice(0, 8)}`);
	assert.equal(byPrefix.json.ID, stub.ID);
	assert.equal((await call("GET", "/v1/node/does-not-exist")).status, 404);

	const inel = await call("POST", `/v1/node/${stub.ID}/eligibility`, { Eligibility: "ineligible" });
	assert.equal(inel.status, 200, inel.text);
	assert.equal((await call("GET", `/v1/node/${stub.ID}`)).json.SchedulingEligibility, "ineligible");
	const bad = await call("POST", `/v1/node/${stub.ID}/eligibility`, { Eligibility: "maybe" });
	assert.equal(bad.status, 400);
	await call("POST", `/v1/node/${stub.ID}/eligibility`, { Eligibility: "eligible" });

	const ev = await call("POST", `/v1/node/${stub.ID}/evaluate`);
	assert.equal(ev.status, 200);
	assert.ok("EvalIDs" in ev.json && "NodeModifyIndex" in ev.json);
	const allocs = await call("GET", `/v1/node/${stub.ID}/allocations`);
	assert.ok(Array.isArray(allocs.json));

	// A node that runs an allocation; simulated nodes keep no connection to the server.
	const running = (await call("GET", "/v1/allocations")).json as any[];
	const placed = running.find(
		(a) => a.NodeID !== stub.ID && list.json.some((n: any) => n.ID === a.NodeID && n.Name.startsWith("sim-")),
	);
	assert.ok(placed, "an allocation on a simulated node");
	const victim = list.json.find((n: any) => n.ID === placed.NodeID);
	const ls = await call("GET", `/v1/client/fs/ls/${placed.ID}`);
	assert.deepEqual([ls.status, ls.text], [404, "No path to node"]);
	const purge = await call("POST", `/v1/node/${victim.ID}/purge`);
	assert.equal(purge.status, 200);
	assert.equal((await call("GET", "/v1/nodes")).json.length, 6);
	// The allocation outlives its node: Nomad's unary RPCs say 404, its streaming ones 400 with quotes.
	const lsGone = await call("GET", `/v1/client/fs/ls/${placed.ID}`);
	assert.deepEqual([lsGone.status, lsGone.text], [404, `Unknown node ${victim.ID}`]);
	const logsGone = await call("GET", `/v1/client/fs/logs/${placed.ID}?task=server&type=stdout`);
	assert.deepEqual([logsGone.status, logsGone.text], [400, `Unknown node "${victim.ID}"`]);
	const drain = await call("POST", `/v1/node/${stub.ID}/drain`, { DrainSpec: { Deadline: 60e9 } });
	assert.equal(drain.status, 200, drain.text);
	const drained = await waitFor(async () => {
		const n = (await call("GET", `/v1/node/${stub.ID}`)).json;
		return n.LastDrain?.Status === "complete" ? n : undefined;
	});
	assert.equal(drained.Drain, false);
	assert.equal(drained.SchedulingEligibility, "ineligible");
});
