// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// Property tests: random clusters and jobs; the scheduler must never overcommit a node, must respect
// every constraint, must be deterministic for a seed, and AllAtOnce plans commit all or nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Allocation, Constraint, Job, NetworkResource, Node, Plan } from "../api/types/index.ts";
import { meetsConstraint } from "./constraints.ts";
import { EvalContext } from "./context.ts";
import { schedulers } from "./index.ts";
import { mockAlloc, mockDrivers, mockGroup, mockJob, mockNode, mockReserved, mockResources, mockTask } from "./mock.ts";
import { parsePortRanges } from "./resources.ts";
import { Harness, mockEval } from "./testHarness.ts";
import { isInAnyDC, terminal } from "./util.ts";

interface NodeSpec {
	cpu: number;
	mem: number;
	disk: number;
	status: "ready" | "down" | "ineligible" | "draining";
	dc: string;
	linux: boolean;
	rack: number;
	cores: number;
	dockerHealthy: boolean;
	reserved: string;
	dynSpan: number;
	existing: { cpu: number; mem: number; port: number | null }[];
}

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
	cpu: fc.integer({ min: 500, max: 8000 }),
	mem: fc.integer({ min: 512, max: 16384 }),
	disk: fc.integer({ min: 4096, max: 50000 }),
	status: fc.constantFrom("ready", "ready", "ready", "ready", "down", "ineligible", "draining"),
	dc: fc.constantFrom("dc1", "dc1", "dc2"),
	linux: fc.boolean(),
	rack: fc.integer({ min: 0, max: 3 }),
	cores: fc.integer({ min: 1, max: 16 }),
	dockerHealthy: fc.boolean(),
	reserved: fc.constantFrom("", "22", "22,8080", "8000-8010"),
	dynSpan: fc.integer({ min: 2, max: 40 }),
	existing: fc.array(
		fc.record({
			cpu: fc.integer({ min: 50, max: 2000 }),
			mem: fc.integer({ min: 32, max: 2048 }),
			port: fc.option(fc.constantFrom(8080, 9090, 20000, 20001), { nil: null }),
		}),
		{ maxLength: 3 },
	),
});

interface JobSpec {
	type: "service" | "batch";
	count: number;
	tasks: { cpu: number; mem: number; driver: string }[];
	disk: number;
	constraints: Constraint[];
	distinctHosts: boolean;
	network: "none" | "static" | "dynamic" | "both";
	allAtOnce: boolean;
	dcs: string[];
}

const jobSpec: fc.Arbitrary<JobSpec> = fc.record({
	type: fc.constantFrom("service", "batch"),
	count: fc.integer({ min: 1, max: 25 }),
	tasks: fc.array(
		fc.record({
			cpu: fc.integer({ min: 50, max: 2500 }),
			mem: fc.integer({ min: 32, max: 4096 }),
			driver: fc.constantFrom("exec", "exec", "docker"),
		}),
		{ minLength: 1, maxLength: 2 },
	),
	disk: fc.integer({ min: 0, max: 5000 }),
	constraints: fc.subarray([
		{ LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "=" },
		{ LTarget: "${meta.rack}", RTarget: "r0", Operand: "!=" },
		{ LTarget: "${attr.cpu.numcores}", RTarget: "4", Operand: ">=" },
		{ LTarget: "${meta.rack}", RTarget: "r[12]", Operand: "regexp" },
	]),
	distinctHosts: fc.boolean(),
	network: fc.constantFrom("none", "static", "dynamic", "both"),
	allAtOnce: fc.boolean(),
	dcs: fc.constantFrom(["dc1"], ["dc1", "dc2"], ["*"]),
});

function buildCluster(h: Harness, specs: NodeSpec[]): Node[] {
	const other = h.upsertJob(mockJob({ ID: "other", Name: "other" }));
	return specs.map((s, i) => {
		const base = mockNode();
		const n = h.upsertNode(
			mockNode(
				{
					Datacenter: s.dc,
					Status: s.status === "down" ? "down" : "ready",
					SchedulingEligibility: s.status === "ineligible" ? "ineligible" : "eligible",
					DrainStrategy:
						s.status === "draining"
							? { Deadline: 0, IgnoreSystemJobs: false, ForceDeadline: null, StartedAt: null }
							: null,
					Attributes: {
						...base.Attributes,
						"kernel.name": s.linux ? "linux" : "windows",
						"cpu.numcores": String(s.cores),
					},
					Meta: { rack: `r${s.rack}` },
					Drivers: mockDrivers({ docker: { ...mockDrivers().docker, Healthy: s.dockerHealthy } }),
					NodeResources: mockResources({
						Cpu: { CpuShares: s.cpu, TotalCpuCores: s.cores, ReservableCpuCores: null },
						Memory: { MemoryMB: s.mem },
						Disk: { DiskMB: s.disk },
						MinDynamicPort: 20000,
						MaxDynamicPort: 20000 + s.dynSpan,
					}),
					ReservedResources: mockReserved({ Networks: { ReservedHostPorts: s.reserved } }),
				},
				`00000000-0000-4000-a000-${String(i).padStart(12, "0")}`,
			),
		);
		s.existing.forEach((e, k) => {
			h.upsertAlloc(
				mockAlloc(other, n, {
					ID: `other-${i}-${k}`,
					Name: `other.web[${i * 10 + k}]`,
					AllocatedResources: {
						Tasks: {
							web: {
								Cpu: { CpuShares: e.cpu, ReservedCores: null },
								Memory: { MemoryMB: e.mem, MemoryMaxMB: 0 },
								Networks: null,
								Devices: null,
							},
						},
						TaskLifecycles: {},
						Shared: {
							Networks: null,
							DiskMB: 0,
							Ports: e.port === null ? null : [{ Label: "x", Value: e.port, To: 0, HostIP: "192.168.0.100" }],
						},
					},
				}),
			);
		});
		return n;
	});
}

function buildJob(s: JobSpec): Job {
	const nets: Record<JobSpec["network"], NetworkResource[] | null> = {
		none: null,
		static: [{ Mode: "host", ReservedPorts: [{ Label: "http", Value: 8080 }] }],
		dynamic: [
			{
				Mode: "host",
				DynamicPorts: [
					{ Label: "a", To: -1 },
					{ Label: "b", To: 0 },
				],
			},
		],
		both: [{ Mode: "host", ReservedPorts: [{ Label: "http", Value: 9090 }], DynamicPorts: [{ Label: "a", To: 0 }] }],
	};
	const constraints = [...s.constraints];
	if (s.distinctHosts) constraints.push({ LTarget: "", RTarget: "", Operand: "distinct_hosts" });
	return mockJob({
		Type: s.type,
		AllAtOnce: s.allAtOnce,
		Datacenters: s.dcs,
		Constraints: constraints,
		TaskGroups: [
			mockGroup({
				Count: s.count,
				EphemeralDisk: { Sticky: false, SizeMB: s.disk, Migrate: false },
				Networks: nets[s.network],
				Tasks: s.tasks.map((t, i) =>
					mockTask({
						Name: `t${i}`,
						Driver: t.driver,
						Resources: { ...mockTask().Resources, CPU: t.cpu, MemoryMB: t.mem },
					}),
				),
			}),
		],
	});
}

/**
 * Independent re-check of a node's load: sums, reserved ports, unique ports, dynamic range. Like the
 * plan applier, allocations the server already stopped do not count (their client is stopping them).
 */
function checkNode(node: Node, allocs: Allocation[], dynPorts: Set<string>): void {
	const live = allocs.filter((a) => !terminal(a));
	let cpu = 0;
	let mem = 0;
	let disk = 0;
	const ports = new Set<string>();
	const reserved = new Set(parsePortRanges(node.ReservedResources?.Networks.ReservedHostPorts ?? ""));
	for (const a of live) {
		const ar = a.AllocatedResources;
		for (const t of Object.values(ar?.Tasks ?? {})) {
			cpu += t.Cpu.CpuShares;
			mem += t.Memory.MemoryMB;
		}
		disk += ar?.Shared.DiskMB ?? 0;
		for (const p of ar?.Shared.Ports ?? []) {
			const k = `${p.HostIP}:${p.Value}`;
			assert.ok(!ports.has(k), `port ${k} used twice on ${node.ID}`);
			assert.ok(!reserved.has(p.Value) || a.ID.startsWith("other"), `port ${p.Value} is reserved on ${node.ID}`);
			ports.add(k);
			if (dynPorts.has(`${a.ID}/${p.Label}`)) {
				const nr = mockResources(node.NodeResources ?? {});
				assert.ok(p.Value >= nr.MinDynamicPort && p.Value <= nr.MaxDynamicPort, `dynamic port ${p.Value} out of range`);
			}
		}
	}
	const nr = mockResources(node.NodeResources ?? {});
	const rr = mockReserved(node.ReservedResources ?? {});
	assert.ok(cpu <= nr.Cpu.CpuShares - rr.Cpu.CpuShares, `cpu overcommitted on ${node.ID}: ${cpu}`);
	assert.ok(mem <= nr.Memory.MemoryMB - rr.Memory.MemoryMB, `memory overcommitted on ${node.ID}: ${mem}`);
	assert.ok(disk <= nr.Disk.DiskMB - rr.Disk.DiskMB, `disk overcommitted on ${node.ID}: ${disk}`);
}

/** The first plan, checked against the snapshot it was made on. */
function checkPlan(plan: Plan, nodes: Node[], before: Allocation[], job: Job): void {
	const byNode = new Map(nodes.map((n) => [n.ID, n]));
	const placements = Object.values(plan.NodeAllocation).flat();
	const dyn = new Set<string>();
	for (const a of placements)
		for (const p of job.TaskGroups[0].Networks?.[0]?.DynamicPorts ?? []) dyn.add(`${a.ID}/${p.Label}`);
	for (const [nodeID, all] of Object.entries(plan.NodeAllocation)) {
		const node = byNode.get(nodeID);
		assert.ok(node, "placed on a known node");
		// New placements (not updates of existing allocations) must satisfy feasibility.
		const list = all.filter((a) => !before.some((b) => b.ID === a.ID));
		if (list.length === 0) continue;
		// Feasibility: ready, eligible, not draining, datacenter, drivers, constraints.
		assert.equal(node.Status, "ready");
		assert.equal(node.SchedulingEligibility, "eligible");
		assert.equal(node.DrainStrategy, null);
		assert.ok(isInAnyDC(node, job.Datacenters));
		for (const t of job.TaskGroups[0].Tasks) {
			const d = node.Drivers?.[t.Driver];
			assert.ok(d?.Detected && d.Healthy, `driver ${t.Driver} on ${nodeID}`);
		}
		for (const c of job.Constraints ?? []) {
			if (c.Operand === "distinct_hosts") assert.equal(list.length, 1, "distinct_hosts");
			else assert.ok(meetsConstraint(c, node), `${c.LTarget} ${c.Operand} ${c.RTarget} on ${nodeID}`);
		}
		// Proposed allocations: the node's allocations minus the plan's stops, with updates replacing.
		const gone = new Set([...(plan.NodeUpdate[nodeID] ?? []), ...all].map((a) => a.ID));
		const existing = before.filter((a) => a.NodeID === nodeID && !gone.has(a.ID));
		checkNode(node, [...existing, ...all], dyn);
	}
}

EvalContext.verifyUsage = true;

const opts = { numRuns: Number(process.env.SCHED_PROP_RUNS ?? 150) };

test("no overcommit, constraints respected, every ask accounted for", async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(nodeSpec, { minLength: 1, maxLength: 20 }),
			jobSpec,
			fc.integer(),
			fc.boolean(),
			async (ns, js, seed, fast) => {
				const h = new Harness({ nodeUsage: fast });
				const nodes = buildCluster(h, ns);
				const job = h.upsertJob(buildJob(js));
				const before = h.allocs();
				await schedulers[job.Type](h.context({ seed })).process(mockEval(job));
				const ev = h.evalUpdates[h.evalUpdates.length - 1];
				assert.ok(ev.Status === "complete" || ev.Status === "failed");
				if (h.plans.length === 0) {
					assert.ok(ev.FailedTGAllocs?.web, "nothing placed means the placement failed");
					return;
				}
				checkPlan(h.plans[0], nodes, before, job);
				// Whatever was committed in the end also fits (the harness re-checks with allocsFit).
				for (const n of nodes) {
					const live = h.allocs().filter((a) => a.NodeID === n.ID && !terminal(a));
					if (live.some((a) => a.JobID === job.ID)) checkNode(n, live, new Set());
				}
				const placed = h.allocs().filter((a) => a.JobID === job.ID).length;
				const failed = ev.FailedTGAllocs?.web;
				if (ev.Status === "complete") {
					assert.equal(placed + (failed ? failed.CoalescedFailures + 1 : 0), js.count, "placed + failed = count");
					assert.deepEqual(ev.QueuedAllocations, { web: js.count - placed });
				}
				const names = new Set(
					h
						.allocs()
						.filter((a) => a.JobID === job.ID)
						.map((a) => a.Name),
				);
				assert.equal(names.size, placed, "names are unique");
			},
		),
		opts,
	);
});

test("the same seed gives the same placements", async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(nodeSpec, { minLength: 1, maxLength: 12 }),
			jobSpec,
			fc.integer(),
			async (ns, js, seed) => {
				const once = async () => {
					const h = new Harness();
					buildCluster(h, ns);
					const job = h.upsertJob(buildJob(js));
					await schedulers[job.Type](h.context({ seed })).process(mockEval(job));
					return h.plans.map((p) =>
						Object.values(p.NodeAllocation)
							.flat()
							.map((a) => `${a.ID} ${a.Name} ${a.NodeID} ${JSON.stringify(a.AllocatedResources?.Shared.Ports)}`),
					);
				};
				assert.deepEqual(await once(), await once());
			},
		),
		{ numRuns: Math.ceil(opts.numRuns / 2) },
	);
});

test("AllAtOnce plans commit all or nothing", async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(nodeSpec, { minLength: 2, maxLength: 12 }),
			jobSpec,
			fc.integer(),
			fc.nat(),
			async (ns, js, seed, victim) => {
				const h = new Harness();
				const nodes = buildCluster(h, ns);
				const job = h.upsertJob(buildJob({ ...js, allAtOnce: true }));
				let first = true;
				h.beforeApply = (plan) => {
					const targets = Object.keys(plan.NodeAllocation);
					if (first && targets.length > 0) h.rejectOnce.add(targets[victim % targets.length]);
					first = false;
				};
				await schedulers[job.Type](h.context({ seed })).process(mockEval(job));
				for (let i = 0; i < h.plans.length; i++) {
					const plan = h.plans[i];
					const res = h.results[i];
					const wanted = Object.keys(plan.NodeAllocation).filter((k) => plan.NodeAllocation[k].length > 0);
					const got = Object.keys(res.NodeAllocation);
					assert.ok(got.length === 0 || got.length === wanted.length, "all or nothing");
					if (i === 0 && wanted.length > 0) assert.equal(got.length, 0, "the rejected first plan committed nothing");
				}
				assert.ok(nodes.length >= 2);
			},
		),
		{ numRuns: Math.ceil(opts.numRuns / 2) },
	);
});

test("job updates, scaling and node failures keep the invariants", async () => {
	const step = fc.oneof(
		fc.record({ kind: fc.constant("scale" as const), count: fc.integer({ min: 0, max: 20 }) }),
		fc.record({ kind: fc.constant("destructive" as const), cpu: fc.integer({ min: 50, max: 1500 }) }),
		fc.record({ kind: fc.constant("inplace" as const) }),
		fc.record({ kind: fc.constant("down" as const), node: fc.nat() }),
		fc.record({ kind: fc.constant("fail" as const), alloc: fc.nat() }),
	);
	await fc.assert(
		fc.asyncProperty(
			fc.array(nodeSpec, { minLength: 1, maxLength: 10 }),
			jobSpec,
			fc.array(step, { maxLength: 5 }),
			fc.integer(),
			async (ns, js, steps, seed) => {
				const h = new Harness();
				const nodes = buildCluster(h, ns);
				let job = h.upsertJob(buildJob({ ...js, allAtOnce: false }));
				let now = 1_704_067_200_000_000_000;
				await schedulers[job.Type](h.context({ seed, now })).process(mockEval(job));
				for (const s of steps) {
					now += 3600e9;
					const tg = job.TaskGroups[0];
					if (s.kind === "scale") job = h.upsertJob({ ...job, TaskGroups: [{ ...tg, Count: s.count }] });
					else if (s.kind === "destructive") {
						job = h.upsertJob({
							...job,
							TaskGroups: [
								{ ...tg, Tasks: tg.Tasks.map((t) => ({ ...t, Resources: { ...t.Resources, CPU: s.cpu } })) },
							],
						});
					} else if (s.kind === "inplace") {
						job = h.upsertJob({
							...job,
							TaskGroups: [{ ...tg, Tasks: tg.Tasks.map((t) => ({ ...t, KillTimeout: t.KillTimeout + 1 })) }],
						});
					} else if (s.kind === "down") h.upsertNode({ ...nodes[s.node % nodes.length], Status: "down" });
					else {
						const live = h.allocs().filter((a) => a.JobID === job.ID && !terminal(a));
						if (live.length > 0)
							h.upsertAlloc({ ...live[s.alloc % live.length], ClientStatus: "failed", ModifyTime: now - 3600e9 });
					}
					const before = h.allocs();
					const plans = h.plans.length;
					await schedulers[job.Type](h.context({ seed, now })).process(mockEval(job, { ID: `ev-${now}` }));
					if (h.plans.length > plans)
						checkPlan(
							h.plans[plans],
							nodes.map((n) => h.snapshot().node(n.ID) as Node),
							before,
							job,
						);
					const live = h.allocs().filter((a) => a.JobID === job.ID && !terminal(a));
					const names = live.map((a) => a.Name);
					assert.equal(new Set(names).size, names.length, `duplicate live names ${names}`);
					assert.ok(live.length <= job.TaskGroups[0].Count, "never more running than the count");
					for (const n of nodes) {
						const onNode = h.allocs().filter((a) => a.NodeID === n.ID && !terminal(a));
						if (onNode.some((a) => a.JobID === job.ID)) checkNode(h.snapshot().node(n.ID) as Node, onNode, new Set());
					}
				}
			},
		),
		{ numRuns: Math.ceil(opts.numRuns / 2) },
	);
});
