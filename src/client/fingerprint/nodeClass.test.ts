import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node } from "../../api/types/node.ts";
import { computeNodeClass, fnv1a64 } from "./nodeClass.ts";

type ClassFields = Pick<Node, "Datacenter" | "Attributes" | "Meta" | "NodeClass" | "NodePool" | "NodeResources">;

function base(): ClassFields {
	return {
		Datacenter: "dc1",
		Attributes: {
			"kernel.name": "linux",
			"cpu.arch": "amd64",
			"unique.hostname": "a",
			"unique.network.ip-address": "10.0.0.1",
		},
		Meta: { rack: "r1", "unique.serial": "s1" },
		NodeClass: "",
		NodePool: "default",
		NodeResources: null,
	};
}

test("fnv1a64 matches the reference vectors", () => {
	assert.equal(fnv1a64(new Uint8Array()), 0xcbf29ce484222325n);
	assert.equal(fnv1a64(new TextEncoder().encode("a")), 0xaf63dc4c8601ec8cn);
});

test("computeNodeClass is deterministic and has Nomad's v1:<decimal> form", () => {
	const c = computeNodeClass(base());
	assert.match(c, /^v1:\d+$/);
	assert.equal(computeNodeClass(base()), c);
	// key order does not matter
	const b = base();
	b.Attributes = Object.fromEntries(Object.entries(b.Attributes).reverse());
	assert.equal(computeNodeClass(b), c);
});

test("unique.* attributes and meta are ignored", () => {
	const c = computeNodeClass(base());
	const b = base();
	b.Attributes = { ...b.Attributes, "unique.hostname": "other", "unique.storage.volume": "/dev/x" };
	b.Meta = { ...b.Meta, "unique.serial": "s2" };
	assert.equal(computeNodeClass(b), c);
});

test("every included field changes the class", () => {
	const c = computeNodeClass(base());
	const variants: ((n: ClassFields) => void)[] = [
		(n) => {
			n.Attributes = { ...n.Attributes, "kernel.name": "darwin" };
		},
		(n) => {
			n.Attributes = { ...n.Attributes, "driver.docker": "1" };
		},
		(n) => {
			n.Meta = { ...n.Meta, rack: "r2" };
		},
		(n) => {
			n.Datacenter = "dc2";
		},
		(n) => {
			n.NodeClass = "gpu";
		},
		(n) => {
			n.NodePool = "batch";
		},
		(n) => {
			n.NodeResources = {
				Cpu: { CpuShares: 0, TotalCpuCores: 0, ReservableCpuCores: null },
				Memory: { MemoryMB: 0 },
				Disk: { DiskMB: 0 },
				Networks: null,
				NodeNetworks: null,
				Devices: [{ Vendor: "nvidia", Type: "gpu", Name: "T4", Attributes: {} }],
				MinDynamicPort: 0,
				MaxDynamicPort: 0,
			};
		},
	];
	for (const change of variants) {
		const n = base();
		change(n);
		assert.notEqual(computeNodeClass(n), c, String(change));
	}
});

test("resources other than devices do not affect the class", () => {
	const res = (mem: number, uniq: string) => ({
		Cpu: { CpuShares: mem, TotalCpuCores: 2, ReservableCpuCores: [0, 1] },
		Memory: { MemoryMB: mem },
		Disk: { DiskMB: mem },
		Networks: null,
		NodeNetworks: null,
		Devices: [{ Vendor: "v", Type: "t", Name: "n", Attributes: { "unique.uuid": uniq }, Instances: [{ ID: uniq }] }],
		MinDynamicPort: 0,
		MaxDynamicPort: 0,
	});
	const a = { ...base(), NodeResources: res(1, "x") };
	const b = { ...base(), NodeResources: res(2, "y") };
	assert.equal(computeNodeClass(a), computeNodeClass(b));
});
