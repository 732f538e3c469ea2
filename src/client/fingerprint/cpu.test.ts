import assert from "node:assert/strict";
import { test } from "node:test";
import {
	cpuAttributes,
	cpuResources,
	DEFAULT_CORE_MHZ,
	parseCpuinfo,
	processorsWire,
	scanTopology,
	totalCompute,
	usableCompute,
} from "./cpu.ts";
import { fakeSource } from "./source.ts";

const S = "/sys/devices/system";

/** A 1-node, 4-cpu SMT machine (2 cores × 2 threads) with intel_pstate base/max frequencies. */
function smtMachine(extra: Record<string, string> = {}): Record<string, string> {
	const files: Record<string, string> = {
		[`${S}/node/online`]: "0\n",
		[`${S}/node/node0/distance`]: "10\n",
		[`${S}/node/node0/cpulist`]: "0-3\n",
		[`${S}/cpu/online`]: "0-3\n",
		"/proc/cpuinfo": "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU\ncpu MHz\t\t: 1234.567\n\n",
		"/sys/bus/pci/devices/0000:00:01.0/numa_node": "0\n",
		"/sys/bus/pci/devices/0000:00:02.0/numa_node": "-1\n",
	};
	for (let c = 0; c < 4; c++) {
		files[`${S}/cpu/cpu${c}/topology/physical_package_id`] = "0\n";
		files[`${S}/cpu/cpu${c}/topology/thread_siblings_list`] = c < 2 ? "0-1\n" : "2-3\n";
		files[`${S}/cpu/cpu${c}/cpufreq/scaling_driver`] = "intel_pstate\n";
		files[`${S}/cpu/cpu${c}/cpufreq/base_frequency`] = "2400000\n";
		files[`${S}/cpu/cpu${c}/cpufreq/cpuinfo_max_freq`] = "3500000\n";
	}
	return { ...files, ...extra };
}

test("sysfs topology: base frequency wins, SMT cores are performance cores", () => {
	const t = scanTopology(fakeSource(smtMachine()), { numCPU: 4 });
	assert.equal(t.cores.length, 4);
	assert.equal(totalCompute(t), 4 * 2400);
	const a = cpuAttributes(t, "Intel(R) Xeon(R) CPU");
	assert.equal(a["cpu.frequency"], "2400");
	assert.equal(a["cpu.numcores"], "4");
	assert.equal(a["cpu.numcores.efficiency"], undefined);
	assert.equal(a["cpu.totalcompute"], "9600");
	assert.equal(a["cpu.usablecompute"], "9600");
	assert.equal(a["cpu.reservablecores"], "4");
	assert.equal(a["numa.node.count"], "1");
	assert.equal(a["numa.node0.cores"], "0-3");
	assert.equal(a["cpu.modelname"], "Intel(R) Xeon(R) CPU");
	assert.deepEqual(t.busAssociativity, { "0000:00:01.0": 0 });
	assert.deepEqual(cpuResources(t), { CpuShares: 9600, TotalCpuCores: 4, ReservableCpuCores: [0, 1, 2, 3] });
});

test("acpi-cpufreq uses the CPPC nominal frequency (MHz); max frequency is the second choice", () => {
	const extra: Record<string, string> = {};
	for (let c = 0; c < 4; c++) {
		extra[`${S}/cpu/cpu${c}/cpufreq/scaling_driver`] = "acpi-cpufreq\n";
		extra[`${S}/cpu/cpu${c}/acpi_cppc/nominal_freq`] = "2000\n";
	}
	assert.equal(totalCompute(scanTopology(fakeSource(smtMachine(extra)), { numCPU: 4 })), 8000);
	const noBase = smtMachine();
	for (let c = 0; c < 4; c++) delete noBase[`${S}/cpu/cpu${c}/cpufreq/base_frequency`];
	assert.equal(totalCompute(scanTopology(fakeSource(noBase), { numCPU: 4 })), 4 * 3500);
});

test("cores without SMT siblings are graded efficiency cores (Nomad quirk)", () => {
	const files = smtMachine();
	for (let c = 0; c < 4; c++) files[`${S}/cpu/cpu${c}/topology/thread_siblings_list`] = `${c}\n`;
	const a = cpuAttributes(scanTopology(fakeSource(files), { numCPU: 4 }), undefined);
	assert.equal(a["cpu.frequency.efficiency"], "2400");
	assert.equal(a["cpu.frequency.performance"], "0");
	assert.equal(a["cpu.frequency"], undefined);
	assert.equal(a["cpu.numcores.efficiency"], "4");
	assert.equal(a["cpu.numcores.performance"], "0");
	assert.equal(a["cpu.numcores"], "4");
	assert.equal(a["cpu.modelname"], undefined);
});

test("no frequencies in sysfs → dmidecode guess speed, else generic /proc/cpuinfo fallback", () => {
	const files = smtMachine();
	for (const k of Object.keys(files)) if (k.includes("cpufreq")) delete files[k];
	const dmi = "Processor Information\n\tCurrent Speed: 2100 MHz\n\tCurrent Speed: 9999 MHz\n";
	const withDmi = scanTopology(fakeSource(files, { dmidecode: dmi }), { numCPU: 4 });
	assert.equal(totalCompute(withDmi), 4 * 2100);
	assert.equal(withDmi.distances.length, 1);

	const generic = scanTopology(fakeSource(files), { numCPU: 4 });
	assert.equal(totalCompute(generic), 4 * 1234); // truncated "cpu MHz"
	assert.deepEqual(generic.nodes, [0]);
	assert.deepEqual(generic.distances, []);
	assert.ok(generic.cores.every((c) => c.Grade && c.BaseSpeed === 1234 && c.MaxSpeed === 0));
	assert.equal(processorsWire(generic).Topology.Distances, null);
	assert.equal(processorsWire(generic).Topology.Nodes, "AA==");
});

test("generic fallback prefers cpufreq max over cpu MHz, and defaults when nothing is known", () => {
	const withMax = scanTopology(
		fakeSource({ "/proc/cpuinfo": "cpu MHz : 800.0\n", [`${S}/cpu/cpu0/cpufreq/cpuinfo_max_freq`]: "3000000" }),
		{
			numCPU: 2,
		},
	);
	// sysfs has no topology here, so the generic scanner runs
	assert.equal(totalCompute(withMax), 6000);
	const nothing = scanTopology(fakeSource({}), { numCPU: 3 });
	assert.equal(totalCompute(nothing), 3 * DEFAULT_CORE_MHZ);
	assert.equal(cpuAttributes(nothing, undefined)["cpu.numcores"], "3");
});

test("cgroup cpuset, reserved cores, reserved and overridden compute", () => {
	const src = fakeSource(smtMachine());
	const t = scanTopology(src, { numCPU: 4, cgroupCpus: "0-2", reservedCores: [0], reservedCompute: 100 });
	const a = cpuAttributes(t, undefined);
	assert.equal(a["cpu.totalcompute"], "9600");
	assert.equal(a["cpu.usablecompute"], String(2 * 2400 - 100));
	assert.equal(a["cpu.reservablecores"], "2");
	assert.deepEqual(cpuResources(t), { CpuShares: 9600, TotalCpuCores: 2, ReservableCpuCores: [1, 2] });

	const o = scanTopology(src, { numCPU: 4, totalCompute: 5000, reservedCompute: 100 });
	assert.equal(totalCompute(o), 5000);
	assert.equal(usableCompute(o), 5000); // Nomad: the override is returned as-is for both
	assert.equal(cpuResources(o).CpuShares, 5000);
});

test("multi-node NUMA attributes", () => {
	const files: Record<string, string> = {
		[`${S}/node/online`]: "0-1",
		[`${S}/node/node0/distance`]: "10 21",
		[`${S}/node/node1/distance`]: "21 10",
		[`${S}/node/node0/cpulist`]: "0-1",
		[`${S}/node/node1/cpulist`]: "2-3",
		[`${S}/cpu/online`]: "0-3",
	};
	for (let c = 0; c < 4; c++) {
		files[`${S}/cpu/cpu${c}/topology/thread_siblings_list`] = c % 2 === 0 ? `${c}-${c + 1}` : `${c - 1}-${c}`;
		files[`${S}/cpu/cpu${c}/cpufreq/cpuinfo_max_freq`] = "3000000";
	}
	const t = scanTopology(fakeSource(files), { numCPU: 4 });
	assert.deepEqual(t.distances, [
		[10, 21],
		[21, 10],
	]);
	const a = cpuAttributes(t, undefined);
	assert.equal(a["numa.node.count"], "2");
	assert.equal(a["numa.node0.cores"], "0-1");
	assert.equal(a["numa.node1.cores"], "2-3");
	assert.deepEqual(processorsWire(t).Topology.Distances, [
		Buffer.from([10, 21]).toString("base64"),
		Buffer.from([21, 10]).toString("base64"),
	]);
});

test("parseCpuinfo reads the first processor block", () => {
	const info = parseCpuinfo(
		"processor : 0\nmodel name : A\ncpu MHz : 1.5\n\nprocessor : 1\nmodel name : B\ncpu MHz : 9\n",
	);
	assert.deepEqual(info, { modelName: "A", mhz: 1.5 });
	assert.deepEqual(parseCpuinfo(""), {});
});
