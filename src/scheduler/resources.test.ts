import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { AllocatedTaskResources, Allocation } from "../api/types/index.ts";
import { mockAlloc, mockDrivers, mockJob, mockNode, mockReserved } from "./mock.ts";
import {
	allocsFit,
	allocUsage,
	computeNodeClass,
	fitsWithUsage,
	NodeUsage,
	nextNodeUsage,
	nodeInfo,
	parsePortRanges,
} from "./resources.ts";

const node = mockNode(); // 4000 MHz (100 reserved), 8192 MB (256 reserved), 100 GB disk (4 GB reserved), port 22 reserved
const job = mockJob();

function task(cpu: number, mem: number, extra: Partial<AllocatedTaskResources> = {}): AllocatedTaskResources {
	return {
		Cpu: { CpuShares: cpu, ReservedCores: null },
		Memory: { MemoryMB: mem, MemoryMaxMB: 0 },
		Networks: null,
		Devices: null,
		...extra,
	};
}

let n = 0;
function alloc(
	tasks: Record<string, AllocatedTaskResources>,
	over: Partial<Allocation> = {},
	disk = 0,
	ports: { Label: string; Value: number; HostIP?: string; IgnoreCollision?: boolean }[] = [],
): Allocation {
	return mockAlloc(job, node, {
		ID: `alloc-${n++}`,
		AllocatedResources: {
			Tasks: tasks,
			TaskLifecycles: {},
			Shared: { Networks: null, DiskMB: disk, Ports: ports.map((p) => ({ To: 0, HostIP: "192.168.0.100", ...p })) },
		},
		...over,
	});
}

test("allocUsage folds task lifecycles like AllocatedResources.Comparable", () => {
	const a = mockAlloc(job, node, {
		CreateIndex: 5,
		AllocatedResources: {
			Tasks: { main: task(500, 256), init: task(1000, 100), side: task(100, 64), post: task(50, 512) },
			TaskLifecycles: {
				main: null,
				init: { Hook: "prestart", Sidecar: false },
				side: { Hook: "prestart", Sidecar: true },
				post: { Hook: "poststop", Sidecar: false },
			},
			Shared: { Networks: null, DiskMB: 300, Ports: null },
		},
	});
	const u = allocUsage(a);
	// main lifecycle = main + sidecar = 600 MHz / 320 MB; prestart = 1100 / 164; poststop = 50 / 512.
	assert.equal(u.cpu, 1100);
	assert.equal(u.mem, 512);
	assert.equal(u.disk, 300);
	assert.equal(allocUsage(a), u, "cached per committed allocation object");
});

test("allocsFit checks cpu, memory, disk against capacity minus reserved", () => {
	assert.deepEqual(allocsFit(node, [alloc({ t: task(3900, 7936) }, {}, 96 * 1024)]), { fit: true });
	assert.deepEqual(allocsFit(node, [alloc({ t: task(3901, 10) })]), { fit: false, dimension: "cpu" });
	assert.deepEqual(allocsFit(node, [alloc({ t: task(10, 7937) })]), { fit: false, dimension: "memory" });
	assert.deepEqual(allocsFit(node, [alloc({ t: task(10, 10) }, {}, 96 * 1024 + 1)]), { fit: false, dimension: "disk" });
	assert.deepEqual(allocsFit(node, [alloc({ t: task(2000, 10) }), alloc({ t: task(2000, 10) })]), {
		fit: false,
		dimension: "cpu",
	});
	assert.deepEqual(allocsFit(node, []), { fit: true });
});

test("allocsFit ignores client-terminal allocations but counts stopped-yet-running ones", () => {
	const big = { t: task(3000, 10) };
	assert.equal(allocsFit(node, [alloc(big), alloc(big, { ClientStatus: "complete" })]).fit, true);
	assert.equal(allocsFit(node, [alloc(big), alloc(big, { ClientStatus: "failed" })]).fit, true);
	assert.equal(allocsFit(node, [alloc(big), alloc(big, { ClientStatus: "lost" })]).fit, true);
	assert.equal(allocsFit(node, [alloc(big), alloc(big, { DesiredStatus: "stop" })]).fit, false);
});

test("allocsFit detects port collisions with other allocations and the node's reserved ports", () => {
	const t = { t: task(10, 10) };
	assert.equal(
		allocsFit(node, [alloc(t, {}, 0, [{ Label: "a", Value: 8080 }]), alloc(t, {}, 0, [{ Label: "b", Value: 8081 }])])
			.fit,
		true,
	);
	const clash = allocsFit(node, [
		alloc(t, { ID: "x1" }, 0, [{ Label: "a", Value: 8080 }]),
		alloc(t, { ID: "x2" }, 0, [{ Label: "b", Value: 8080 }]),
	]);
	assert.equal(clash.fit, false);
	assert.match(
		clash.dimension ?? "",
		/^reserved alloc port collision: collision when reserving port for alloc x[12]: \[port 8080 already in use\]$/,
	);
	const reserved = allocsFit(node, [alloc(t, { ID: "x3" }, 0, [{ Label: "ssh", Value: 22 }])]);
	assert.equal(
		reserved.dimension,
		"reserved alloc port collision: collision when reserving port for alloc x3: [port 22 already in use]",
	);
	// Different host IPs do not collide; IgnoreCollision ports never do.
	assert.equal(
		allocsFit(node, [
			alloc(t, {}, 0, [{ Label: "a", Value: 9000 }]),
			alloc(t, {}, 0, [{ Label: "a", Value: 9000, HostIP: "10.0.0.1" }]),
		]).fit,
		true,
	);
	assert.equal(
		allocsFit(node, [
			alloc(t, {}, 0, [{ Label: "a", Value: 9000 }]),
			alloc(t, {}, 0, [{ Label: "a", Value: 9000, IgnoreCollision: true }]),
		]).fit,
		true,
	);
	assert.equal(allocsFit(node, [alloc(t, {}, 0, [{ Label: "a", Value: 70000 }])]).fit, false, "invalid port");
});

test("allocsFit: unparsable reserved ports make the node unusable; reserved cores", () => {
	const bad = mockNode({
		ReservedResources: mockReserved({ Networks: { ReservedHostPorts: "22,abc" } }),
	});
	assert.match(
		allocsFit(bad, [alloc({ t: task(1, 1) })]).dimension ?? "",
		/^reserved node port collision: error parsing reserved_ports/,
	);
	const pinned = (cores: number[]) => ({ t: task(1000, 10, { Cpu: { CpuShares: 1000, ReservedCores: cores } }) });
	assert.equal(allocsFit(node, [alloc(pinned([0])), alloc(pinned([1]))]).fit, true);
	assert.deepEqual(allocsFit(node, [alloc(pinned([0])), alloc(pinned([0]))]), { fit: false, dimension: "cores" });
	assert.deepEqual(allocsFit(node, [alloc(pinned([7]))]), { fit: false, dimension: "cores" });
});

test("NodeUsage add/remove is exact and clone-safe", () => {
	const a = alloc({ t: task(100, 200) }, {}, 50, [{ Label: "p", Value: 1000 }]);
	const b = alloc({ t: task(300, 400) }, {}, 60, [{ Label: "p", Value: 1000 }]);
	const u = NodeUsage.of([a]);
	assert.equal(u.collisions, 0);
	const c = u.clone();
	c.add(b);
	assert.equal(c.cpu, 400);
	assert.equal(c.mem, 600);
	assert.equal(c.disk, 110);
	assert.equal(c.collisions, 1);
	assert.equal(c.holders("192.168.0.100", 1000), 2);
	assert.equal(u.cpu, 100, "the original is untouched");
	c.remove(a);
	assert.equal(c.collisions, 0);
	assert.equal(c.cpu, 300);
	c.remove(b);
	assert.equal(c.count, 0);
	assert.equal(c.holders("192.168.0.100", 1000), 0);
});

test("parsePortRanges", () => {
	assert.deepEqual(parsePortRanges(""), []);
	assert.deepEqual(parsePortRanges("22, 80,8000-8003"), [22, 80, 8000, 8001, 8002, 8003]);
	assert.throws(() => parsePortRanges("0"), /port must be > 0/);
	assert.throws(() => parsePortRanges("70000"), /port must be < 65536/);
	assert.throws(() => parsePortRanges("10-5"), /invalid range/);
	assert.throws(() => parsePortRanges("a"), /invalid syntax/);
	assert.throws(() => parsePortRanges("1,,2"), /empty port/);
});

test("node info and computed class: unique.* keys do not change the class", () => {
	const a = mockNode({}, "n-1");
	const b = mockNode({ Attributes: { ...a.Attributes, "unique.hostname": "other" } }, "n-2");
	const c = mockNode({ Attributes: { ...a.Attributes, "kernel.name": "windows" } }, "n-3");
	assert.equal(computeNodeClass(a), computeNodeClass(b));
	assert.notEqual(computeNodeClass(a), computeNodeClass(c));
	assert.match(computeNodeClass(a), /^v1:\d+$/);
	const info = nodeInfo(a);
	assert.equal(info.cpu, 3900);
	assert.equal(info.mem, 7936);
	assert.equal(info.disk, 96 * 1024);
	assert.ok(info.reservedPorts.has(22));
	assert.equal(info.hostIP, "192.168.0.100");
	assert.equal(nodeInfo(a), info, "cached");
	assert.equal(nodeInfo(mockNode({ ComputedClass: "v1:42" }, "n-4")).computedClass, "v1:42", "the server's class wins");
	const sick = mockNode({ Drivers: mockDrivers({ docker: { ...mockDrivers().docker, Healthy: false } }) }, "n-5");
	assert.equal(nodeInfo(sick).computedClass, info.computedClass);
	assert.notEqual(nodeInfo(sick).classId, info.classId, "driver health splits the feasibility cache");
});

test("fitsWithUsage agrees with allocsFit; nextNodeUsage is copy-on-write", () => {
	fc.assert(
		fc.property(
			fc.array(
				fc.record({
					cpu: fc.integer({ min: 0, max: 2000 }),
					mem: fc.integer({ min: 0, max: 3000 }),
					port: fc.option(fc.integer({ min: 20, max: 25 }), { nil: undefined }),
					status: fc.constantFrom("running", "running", "complete", "failed"),
				}),
				{ maxLength: 8 },
			),
			fc.array(fc.nat(), { maxLength: 3 }),
			fc.nat(),
			(specs, removeIdx, split) => {
				const all = specs.map((s, i) =>
					alloc(
						{ t: task(s.cpu, s.mem) },
						{ ID: `p${i}`, CreateIndex: 1, ClientStatus: s.status as Allocation["ClientStatus"] },
						0,
						s.port === undefined ? [] : [{ Label: "x", Value: s.port }],
					),
				);
				const cut = all.length === 0 ? 0 : split % (all.length + 1);
				const existing = all.slice(0, cut);
				const added = all.slice(cut);
				const removed = existing.filter((_, i) => removeIdx.includes(i));
				let usage: NodeUsage | undefined;
				for (const a of existing) usage = nextNodeUsage(usage, undefined, a);
				const base = usage ?? new NodeUsage();
				const frozen = JSON.stringify([base.cpu, base.mem, base.count, [...base.strict]].map(String));
				const want = allocsFit(node, [...existing.filter((a) => !removed.includes(a)), ...added]);
				const got = fitsWithUsage(node, base, removed, added);
				assert.equal(got.fit, want.fit);
				if (!want.fit && !want.dimension?.startsWith("reserved alloc")) assert.equal(got.dimension, want.dimension);
				assert.equal(JSON.stringify([base.cpu, base.mem, base.count, [...base.strict]].map(String)), frozen);
			},
		),
		{ numRuns: 500 },
	);
});
