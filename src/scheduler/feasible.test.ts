// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import {
	compileConstraints,
	compileGroup,
	Eligibility,
	groupFeasible,
	hasDistinctHosts,
	hasDrivers,
	nodeFeasible,
} from "./feasible.ts";
import { newMetric } from "./metrics.ts";
import { mockDrivers, mockGroup, mockJob, mockNode, mockNodes, mockResources, mockTask } from "./mock.ts";
import { nodeInfo } from "./nodeInfo.ts";

test("drivers: Drivers map wins; attribute driver.<name> is the fallback; every driver must pass", () => {
	const n = mockNode({
		Drivers: mockDrivers({
			raw_exec: { Attributes: null, Detected: true, Healthy: false, HealthDescription: "", UpdateTime: null },
		}),
		Attributes: { ...mockNode().Attributes, "driver.java": "true", "driver.qemu": "false", "driver.raw_exec": "1" },
	});
	assert.ok(hasDrivers(n, ["exec"]));
	assert.ok(hasDrivers(n, ["exec", "docker"]));
	assert.ok(!hasDrivers(n, ["exec", "raw_exec"]), "unhealthy in Drivers even though the attribute says 1");
	assert.ok(hasDrivers(n, ["java"]), "attribute fallback");
	assert.ok(!hasDrivers(n, ["qemu"]));
	assert.ok(!hasDrivers(n, ["podman"]), "unknown driver");
	assert.ok(!hasDrivers(n, ["exec", "podman", "docker"]), "one missing driver fails the group");
});

test("group checks report Nomad's filter reasons", () => {
	const m = newMetric();
	const g = compileGroup(mockGroup({ Tasks: [mockTask({ Driver: "podman" })] }));
	assert.ok(!groupFeasible(m, nodeInfo(mockNode({}, "f1")), g));
	assert.deepEqual(m.m.ConstraintFiltered, { "missing drivers": 1 });

	const m2 = newMetric();
	const bridge = compileGroup(mockGroup({ Networks: [{ Mode: "bridge" }] }));
	assert.ok(!groupFeasible(m2, nodeInfo(mockNode({}, "f2")), bridge));
	assert.deepEqual(m2.m.ConstraintFiltered, { "missing network": 1 });

	const m3 = newMetric();
	const hn = compileGroup(
		mockGroup({ Networks: [{ Mode: "host", ReservedPorts: [{ Label: "p", Value: 80, HostNetwork: "public" }] }] }),
	);
	assert.ok(!groupFeasible(m3, nodeInfo(mockNode({}, "f3")), hn));
	assert.deepEqual(m3.m.ConstraintFiltered, { 'missing host network "public" for port "p"': 1 });
	const withPublic = mockNode(
		{
			NodeResources: mockResources({
				NodeNetworks: [{ Mode: "host", Addresses: [{ Alias: "public", Address: "1.2.3.4" }] }],
			}),
		},
		"f4",
	);
	assert.ok(groupFeasible(newMetric(), nodeInfo(withPublic), hn));

	const m5 = newMetric();
	const dev = compileGroup(
		mockGroup({
			Tasks: [
				mockTask({
					Resources: {
						...mockTask().Resources,
						Devices: [{ Name: "nvidia/gpu", Count: 1, Constraints: null, Affinities: null }],
					},
				}),
			],
		}),
	);
	assert.ok(!groupFeasible(m5, nodeInfo(mockNode({}, "f5")), dev));
	assert.deepEqual(m5.m.ConstraintFiltered, { "missing devices": 1 });
});

test("feasibility is cached per computed class, unless a constraint escapes it", () => {
	const nodes = mockNodes(4, (i) => ({
		Attributes: { ...mockNode().Attributes, "kernel.name": i < 2 ? "windows" : "linux" },
	}));
	const job = mockJob();
	const jc = compileConstraints(job.Constraints ?? []);
	const g = compileGroup(job.TaskGroups[0]);
	const elig = new Eligibility();
	elig.setJob(job);
	const m = newMetric();
	const results = nodes.map((n) => nodeFeasible(m, elig, nodeInfo(n), jc, g));
	assert.deepEqual(results, [false, false, true, true]);
	assert.deepEqual(m.m.ConstraintFiltered, { "${attr.kernel.name} = linux": 1, "computed class ineligible": 1 });
	const classes = elig.getClasses();
	assert.deepEqual(Object.values(classes).sort(), [false, true]);
	assert.equal(classes[nodeInfo(nodes[0]).computedClass], false);
	assert.equal(elig.hasEscaped(), false);

	// A constraint on a unique attribute makes every node be checked individually.
	const esc = mockJob({ Constraints: [{ LTarget: "${node.unique.name}", RTarget: nodes[3].Name, Operand: "=" }] });
	const e2 = new Eligibility();
	e2.setJob(esc);
	const m2 = newMetric();
	const r2 = nodes.map((n) => nodeFeasible(m2, e2, nodeInfo(n), compileConstraints(esc.Constraints ?? []), g));
	assert.deepEqual(r2, [false, false, false, true]);
	assert.equal(m2.m.ConstraintFiltered?.["computed class ineligible"], undefined);
	assert.equal(e2.hasEscaped(), true);
});

test("distinct_hosts parses its RTarget like Nomad", () => {
	const c = (RTarget: string) => [{ LTarget: "", RTarget, Operand: "distinct_hosts" }];
	assert.ok(hasDistinctHosts(c("")));
	assert.ok(hasDistinctHosts(c("true")));
	assert.ok(!hasDistinctHosts(c("false")));
	assert.ok(hasDistinctHosts(c("garbage")), "unparseable means enabled");
	assert.ok(!hasDistinctHosts(null));
});
