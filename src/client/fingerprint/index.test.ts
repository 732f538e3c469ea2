import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { computeNodeClass, DEFAULT_NODE_META, type FingerprintConfig, fingerprintNode } from "./index.ts";
import { fakeSource } from "./source.ts";

function config(over: Partial<FingerprintConfig> = {}): FingerprintConfig {
	return {
		nodeName: "client-1",
		datacenter: "dc1",
		nodeClass: "",
		nodePool: "default",
		meta: { rack: "r1" },
		dataDir: os.tmpdir(),
		allocDir: `${os.tmpdir()}/nomad-ts-fp-test/alloc`,
		reserved: { cpu: 100, memoryMB: 256, diskMB: 1024, reservedPorts: "22,80" },
		minDynamicPort: 20000,
		maxDynamicPort: 32000,
		nomadVersion: "2.0.5",
		httpAddr: "10.0.0.5:4646",
		drivers: {
			raw_exec: { detected: true, healthy: true, healthDescription: "Healthy", attributes: { "driver.raw_exec": "1" } },
			docker: { detected: false, healthy: false, healthDescription: "Docker is not available", attributes: {} },
		},
		...over,
	};
}

test("fingerprints this machine plausibly", async () => {
	const node = await fingerprintNode(config(), "11111111-2222-3333-4444-555555555555");
	const a = node.Attributes;
	// sysfs counts online CPUs; availableParallelism may be narrowed by CPU affinity.
	const cores = Number(a["cpu.numcores"]);
	assert.ok(cores === os.availableParallelism() || cores === os.cpus().length, `numcores ${cores}`);
	assert.equal(a["memory.totalbytes"], String(os.totalmem()));
	assert.equal(a["kernel.version"], os.release());
	assert.equal(a["kernel.name"], "linux");
	assert.equal(a["unique.hostname"], os.hostname());
	for (const s of ["SIGINT", "SIGTERM", "SIGKILL"]) assert.ok(a["os.signals"].split(",").includes(s));
	if (a["os.cgroups.version"] !== undefined) assert.match(a["os.cgroups.version"], /^[12]$/);
	assert.ok(Number(a["unique.storage.bytestotal"]) > 0);
	assert.ok(a["unique.storage.volume"]);
	const total = Number(a["cpu.totalcompute"]);
	assert.ok(total >= cores * 100, `totalcompute ${total}`);
	assert.equal(Number(a["cpu.usablecompute"]), total - 100);
	assert.ok(Number(a["cpu.frequency"] ?? a["cpu.frequency.performance"] ?? a["cpu.frequency.efficiency"]) > 0);
	assert.equal(a["numa.node.count"] !== undefined, true);
	assert.equal(a["unique.advertise.address"], "10.0.0.5:4646");
	assert.equal(a["nomad.version"], "2.0.5");
	assert.equal(a["nomad.revision"], "");
	assert.equal(a["nomad.service_discovery"], "true");
	assert.equal(a["driver.raw_exec"], "1");
	assert.equal(a["driver.docker"], undefined);
	assert.equal(a["unique.storage.bytesfree"], undefined);
	for (const v of Object.values(a)) assert.equal(typeof v, "string");

	const r = node.NodeResources;
	assert.ok(r);
	assert.equal(r.Cpu.CpuShares, total);
	assert.equal(r.Cpu.TotalCpuCores, cores);
	assert.deepEqual(r.Cpu.ReservableCpuCores, [...Array(cores).keys()]);
	assert.equal(r.Memory.MemoryMB, Math.floor(os.totalmem() / 1024 / 1024));
	assert.equal(r.Disk.DiskMB, Math.floor(Number(a["unique.storage.bytestotal"]) / 1024 / 1024));
	assert.equal(r.MinDynamicPort, 20000);
	assert.equal(r.MaxDynamicPort, 32000);
	assert.ok(Array.isArray(r.Networks) && r.Networks.length > 0);
	assert.equal(r.Networks[0].IP, a["unique.network.ip-address"]);
	assert.equal(r.Networks[0].Mode, "host");

	assert.deepEqual(node.ReservedResources, {
		Cpu: { CpuShares: 100, ReservedCpuCores: null },
		Memory: { MemoryMB: 256 },
		Disk: { DiskMB: 1024 },
		Networks: { ReservedHostPorts: "22,80" },
	});
	assert.equal(node.Status, "initializing");
	assert.equal(node.SchedulingEligibility, "eligible");
	assert.equal(node.SecretID, "");
	assert.equal(node.Name, "client-1");
	assert.deepEqual(node.Links, {});
	assert.deepEqual(node.Meta, { ...DEFAULT_NODE_META, rack: "r1" });
	assert.equal(node.ComputedClass, computeNodeClass(node));
	assert.match(node.ComputedClass, /^v1:\d+$/);
	assert.ok(node.Drivers);
	assert.equal(node.Drivers.docker.Detected, false);
	assert.equal(node.Drivers.raw_exec.HealthDescription, "Healthy");
	assert.ok(!Number.isNaN(Date.parse(String(node.Drivers.raw_exec.UpdateTime))));
});

test("fully injected environment gives exact values", async () => {
	const S = "/sys/devices/system";
	const src = fakeSource({
		"/proc/self/mountinfo":
			"22 1 254:0 / / rw - ext4 /dev/vda rw\n30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids",
		"/proc/cpuinfo": "model name\t: Test CPU\ncpu MHz\t: 2000.9\n",
		"/etc/os-release": 'ID=alpine\nVERSION="3.20"\n',
		"/etc/alpine-release": "3.20.1\n",
		"/proc/net/route":
			"Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nens5\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\n",
		"/sys/class/net/ens5/speed": "25000\n",
		[`${S}/cpu/online`]: "0-1", // no node info and no freq → generic fallback
	});
	const node = await fingerprintNode(
		config({ memoryTotalMB: 4096, cpuTotalCompute: 0, meta: { "connect.log_level": "debug" } }),
		"id-1",
		{
			source: src,
			interfaces: () => ({
				lo: [
					{
						address: "127.0.0.1",
						netmask: "255.0.0.0",
						family: "IPv4",
						mac: "00:00:00:00:00:00",
						internal: true,
						cidr: "127.0.0.1/8",
					},
				],
				ens5: [
					{
						address: "10.0.0.9",
						netmask: "255.255.255.0",
						family: "IPv4",
						mac: "0a:00:00:00:00:09",
						internal: false,
						cidr: "10.0.0.9/24",
					},
				],
			}),
			host: { goos: "linux", goarch: "amd64", kernelArch: "x86_64", kernelVersion: "6.1.0", hostname: "h1" },
			numCPU: 2,
			totalMemBytes: 1,
			now: () => new Date("2025-01-02T03:04:05.000Z"),
		},
	);
	const a = node.Attributes;
	assert.equal(a["os.name"], "alpine");
	assert.equal(a["os.version"], "3.20.1");
	assert.equal(a["os.cgroups.version"], "2");
	assert.equal(node.CgroupParent, "nomad.slice");
	assert.equal(a["cpu.modelname"], "Test CPU");
	assert.equal(a["cpu.frequency"], "2000");
	assert.equal(a["cpu.totalcompute"], "4000");
	assert.equal(a["cpu.usablecompute"], "3900");
	assert.equal(a["memory.totalbytes"], String(4096 * 1024 * 1024));
	assert.equal(node.NodeResources?.Memory.MemoryMB, 4096);
	assert.equal(a["unique.network.ip-address"], "10.0.0.9");
	assert.equal(node.NodeResources?.Networks?.[0].MBits, 25000);
	assert.equal(a["kernel.version"], "6.1.0");
	assert.equal(node.Meta?.["connect.log_level"], "debug");
	assert.equal(node.Drivers?.raw_exec.UpdateTime, "2025-01-02T03:04:05.000Z");

	// same inputs, different unique facts → same class; a non-unique change → different class
	const again = await fingerprintNode(config({ memoryTotalMB: 4096, meta: { "connect.log_level": "debug" } }), "id-2", {
		source: src,
		interfaces: () => ({}),
		host: { goos: "linux", goarch: "amd64", kernelArch: "x86_64", kernelVersion: "6.1.0", hostname: "h2" },
		numCPU: 2,
		totalMemBytes: 1,
	});
	assert.equal(again.ComputedClass, node.ComputedClass);
	assert.equal(again.NodeResources?.Networks, null);
	const other = await fingerprintNode(config({ memoryTotalMB: 8192, meta: { "connect.log_level": "debug" } }), "id-3", {
		source: src,
		interfaces: () => ({}),
		host: { goos: "linux", goarch: "amd64", kernelArch: "x86_64", kernelVersion: "6.1.0", hostname: "h2" },
		numCPU: 2,
		totalMemBytes: 1,
	});
	assert.notEqual(other.ComputedClass, node.ComputedClass);
});

test("cpu_total_compute override and defaults for empty names", async () => {
	const node = await fingerprintNode(
		config({ cpuTotalCompute: 12345, nodeName: "", datacenter: "", nodePool: "" }),
		"id-x",
	);
	assert.equal(node.Attributes["cpu.totalcompute"], "12345");
	assert.equal(node.Attributes["cpu.usablecompute"], "12345");
	assert.equal(node.NodeResources?.Cpu.CpuShares, 12345);
	assert.equal(node.Name, os.hostname());
	assert.equal(node.Datacenter, "dc1");
	assert.equal(node.NodePool, "default");
});
