import assert from "node:assert/strict";
import { test } from "node:test";
import type { Allocation } from "../../api/types/alloc.ts";
import type { Job, Task } from "../../api/types/job.ts";
import { buildTaskEnv } from "./taskEnv.ts";

test("port variables: own task network, other tasks, group network and host ports, as Nomad", () => {
	const net = (ip: string, label: string, value: number) => ({
		IP: ip,
		ReservedPorts: [],
		DynamicPorts: [{ Label: label, Value: value, To: 0 }],
	});
	const alloc = {
		ID: "11111111-2222-3333-4444-555555555555",
		Name: "web.g[0]",
		Namespace: "default",
		TaskGroup: "g",
		AllocatedResources: {
			Tasks: {
				web: {
					Cpu: { CpuShares: 100, ReservedCores: null },
					Memory: { MemoryMB: 64, MemoryMaxMB: 0 },
					Networks: [net("10.0.0.5", "http", 23000)],
					Devices: null,
				},
				"side-car": {
					Cpu: { CpuShares: 100, ReservedCores: null },
					Memory: { MemoryMB: 64, MemoryMaxMB: 0 },
					Networks: [net("10.0.0.5", "admin", 23001)],
					Devices: null,
				},
			},
			TaskLifecycles: {},
			Shared: {
				DiskMB: 0,
				Networks: [{ IP: "10.0.0.5", ReservedPorts: [{ Label: "db", Value: 5432, To: 6543 }], DynamicPorts: [] }],
				Ports: [{ Label: "api", Value: 24000, To: 8080, HostIP: "10.0.0.5" }],
			},
		},
	} as unknown as Allocation;
	const { env } = buildTaskEnv({
		alloc,
		job: { ID: "web", Name: "web", Meta: null, TaskGroups: [{ Name: "g", Meta: null, Tasks: [] }] } as unknown as Job,
		task: { Name: "web", Env: null } as unknown as Task,
		node: { ID: "n", Name: "n", Datacenter: "dc1", Attributes: {}, Meta: null },
		region: "global",
		allocDir: "/a",
		taskLocalDir: "/a/web/local",
		secretsDir: "/a/web/secrets",
	});
	assert.equal(env.NOMAD_ADDR_http, "10.0.0.5:23000");
	assert.equal(env.NOMAD_IPv4_http, "10.0.0.5");
	assert.equal(env.NOMAD_PORT_http, "23000");
	assert.equal(env.NOMAD_HOST_PORT_http, "23000");
	// Another task's ports, its name cleaned for the variable name.
	assert.equal(env.NOMAD_ADDR_side_car_admin, "10.0.0.5:23001");
	assert.equal(env.NOMAD_PORT_side_car_admin, "23001");
	assert.equal(env.NOMAD_IP_side_car_admin, "10.0.0.5");
	// Group network port: mapped `to` and host port.
	assert.equal(env.NOMAD_PORT_db, "6543");
	assert.equal(env.NOMAD_HOST_PORT_db, "5432");
	// Allocated host ports.
	assert.equal(env.NOMAD_ADDR_api, "10.0.0.5:24000");
	assert.equal(env.NOMAD_PORT_api, "8080");
	assert.equal(env.NOMAD_ALLOC_PORT_api, "8080");
	assert.equal(env.NOMAD_HOST_PORT_api, "24000");
});
