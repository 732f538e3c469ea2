// Test fixtures shaped like Nomad's mock package: a ready linux node with the exec and docker
// drivers, a service job with one group "web" of 10 allocations asking 500 MHz / 256 MB, etc.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS

import type { Allocation, Job, Node, Task, TaskGroup } from "../api/types/index.ts";
import { zeroGroup, zeroJob, zeroTask } from "../api/types/zero.ts";

export function mockNode(over: Partial<Node> = {}, id = "00000000-0000-0000-0000-000000000001"): Node {
	const n: Node = {
		ID: id,
		SecretID: "",
		Datacenter: "dc1",
		Name: `node-${id.slice(-6)}`,
		HTTPAddr: "192.168.0.100:4646",
		TLSEnabled: false,
		Attributes: {
			"kernel.name": "linux",
			"cpu.arch": "amd64",
			"nomad.version": "1.10.0",
			"driver.exec": "1",
			"driver.docker": "1",
			"unique.hostname": `host-${id.slice(-6)}`,
		},
		NodeResources: {
			Cpu: { CpuShares: 4000, TotalCpuCores: 4, ReservableCpuCores: [0, 1, 2, 3] },
			Memory: { MemoryMB: 8192 },
			Disk: { DiskMB: 100 * 1024 },
			Networks: [{ Mode: "host", Device: "eth0", CIDR: "192.168.0.100/32", IP: "192.168.0.100", MBits: 1000 }],
			NodeNetworks: [
				{ Mode: "host", Device: "eth0", Addresses: [{ Family: "ipv4", Alias: "default", Address: "192.168.0.100" }] },
			],
			Devices: null,
			MinDynamicPort: 20000,
			MaxDynamicPort: 32000,
		},
		ReservedResources: {
			Cpu: { CpuShares: 100, ReservedCpuCores: null },
			Memory: { MemoryMB: 256 },
			Disk: { DiskMB: 4 * 1024 },
			Networks: { ReservedHostPorts: "22" },
		},
		Links: null,
		Meta: { pci_dss: "true", database: "mysql", version: "5.6" },
		NodeClass: "linux-medium-pci",
		NodePool: "default",
		ComputedClass: "",
		DrainStrategy: null,
		SchedulingEligibility: "eligible",
		Status: "ready",
		StatusDescription: "",
		StatusUpdatedAt: 0,
		Events: null,
		Drivers: {
			exec: { Attributes: null, Detected: true, Healthy: true, HealthDescription: "", UpdateTime: null },
			docker: { Attributes: null, Detected: true, Healthy: true, HealthDescription: "", UpdateTime: null },
		},
		HostVolumes: null,
		HostNetworks: null,
		LastDrain: null,
		CreateIndex: 1,
		ModifyIndex: 1,
	};
	return { ...n, ...over };
}

/** The mock node's NodeResources with overrides. */
export function mockResources(
	over: Partial<NonNullable<Node["NodeResources"]>> = {},
): NonNullable<Node["NodeResources"]> {
	return { ...(mockNode().NodeResources as NonNullable<Node["NodeResources"]>), ...over };
}

/** The mock node's NodeReservedResources with overrides. */
export function mockReserved(
	over: Partial<NonNullable<Node["ReservedResources"]>> = {},
): NonNullable<Node["ReservedResources"]> {
	return { ...(mockNode().ReservedResources as NonNullable<Node["ReservedResources"]>), ...over };
}

/** The mock node's drivers with overrides. */
export function mockDrivers(over: NonNullable<Node["Drivers"]> = {}): NonNullable<Node["Drivers"]> {
	return { ...(mockNode().Drivers as NonNullable<Node["Drivers"]>), ...over };
}

export function mockTask(over: Partial<Task> = {}): Task {
	return zeroTask({
		Name: "web",
		Driver: "exec",
		Config: { command: "/bin/date" },
		Resources: {
			CPU: 500,
			Cores: 0,
			MemoryMB: 256,
			MemoryMaxMB: 0,
			DiskMB: 0,
			IOPS: 0,
			Networks: null,
			Devices: null,
			NUMA: null,
			SecretsMB: 0,
		},
		KillTimeout: 5_000_000_000,
		LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
		...over,
	});
}

export function mockGroup(over: Partial<TaskGroup> = {}): TaskGroup {
	return zeroGroup({
		Name: "web",
		Count: 10,
		RestartPolicy: {
			Attempts: 3,
			Interval: 600_000_000_000,
			Delay: 15_000_000_000,
			Mode: "delay",
			RenderTemplates: false,
		},
		Tasks: [mockTask()],
		EphemeralDisk: { Sticky: false, SizeMB: 150, Migrate: false },
		ReschedulePolicy: {
			Attempts: 0,
			Interval: 0,
			Delay: 30_000_000_000,
			DelayFunction: "exponential",
			MaxDelay: 3_600_000_000_000,
			Unlimited: true,
		},
		...over,
	});
}

export function mockJob(over: Partial<Job> = {}): Job {
	return zeroJob({
		Region: "global",
		Namespace: "default",
		ID: "example",
		Name: "example",
		Type: "service",
		Priority: 50,
		Datacenters: ["dc1"],
		NodePool: "default",
		Constraints: [{ LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "=" }],
		TaskGroups: [mockGroup()],
		Update: {
			Stagger: 30_000_000_000,
			MaxParallel: 0,
			HealthCheck: "checks",
			MinHealthyTime: 0,
			HealthyDeadline: 0,
			ProgressDeadline: 0,
			AutoRevert: false,
			AutoPromote: false,
			Canary: 0,
		},
		Status: "pending",
		...over,
	});
}

/** A running allocation of `job`'s first group on `node` (no Metrics). */
export function mockAlloc(job: Job, node: Node, over: Partial<Allocation> = {}): Allocation {
	const tg = job.TaskGroups[0];
	const a: Allocation = {
		ID: "a0000000-0000-0000-0000-000000000000",
		Namespace: job.Namespace,
		EvalID: "e0000000-0000-0000-0000-000000000000",
		Name: `${job.ID}.${tg.Name}[0]`,
		NodeID: node.ID,
		NodeName: node.Name,
		JobID: job.ID,
		Job: job,
		TaskGroup: tg.Name,
		AllocatedResources: {
			Tasks: Object.fromEntries(
				tg.Tasks.map((t) => [
					t.Name,
					{
						Cpu: { CpuShares: t.Resources.CPU, ReservedCores: null },
						Memory: { MemoryMB: t.Resources.MemoryMB, MemoryMaxMB: 0 },
						Networks: null,
						Devices: null,
					},
				]),
			),
			TaskLifecycles: {},
			Shared: { Networks: null, DiskMB: tg.EphemeralDisk.SizeMB, Ports: null },
		},
		DesiredStatus: "run",
		ClientStatus: "running",
		CreateIndex: 0,
		ModifyIndex: 0,
		AllocModifyIndex: 0,
		CreateTime: 0,
		ModifyTime: 0,
	};
	return { ...a, ...over };
}

/** Deterministic RNG (mulberry32) for seeded runs. */
export function seededRandom(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Deterministic UUID-shaped IDs from a seed. */
export function seededIDs(seed: number): () => string {
	const r = seededRandom(seed ^ 0x5bd1e995);
	const hex = (n: number): string => {
		let s = "";
		for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
		return s;
	};
	return () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** `n` mock nodes with sequential IDs (…000000000000, …000000000001, …). */
export function mockNodes(n: number, over: (i: number) => Partial<Node> = () => ({})): Node[] {
	const out: Node[] = [];
	for (let i = 0; i < n; i++) out.push(mockNode(over(i), `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`));
	return out;
}
