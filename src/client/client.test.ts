import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Node } from "../api/types/node.ts";
import { nullLogger } from "../lib/logger.ts";
import { Client } from "./client.ts";
import type { DriverFingerprint, TaskDriver } from "./drivers/types.ts";
import type { ServerAPI } from "./serverApi.ts";

test("a driver whose health changes updates Node.Drivers and attributes, and the node registers again", async () => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-client-"));
	let health: DriverFingerprint = {
		detected: true,
		healthy: true,
		healthDescription: "Healthy",
		attributes: { "driver.flaky.version": "1" },
	};
	const driver: TaskDriver = {
		name: "flaky",
		fingerprint: () => health,
		start: () => Promise.reject(new Error("not used")),
	};
	const registered: Node[] = [];
	const server: ServerAPI = {
		registerNode: async (node) => {
			registered.push(structuredClone(node));
			return { heartbeatTTL: 60_000 };
		},
		heartbeat: async () => 60_000,
		allocations: (_id, _index, _wait, signal) =>
			new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
		updateAllocs: async () => {},
		servers: () => ["in-process"],
	};
	const client = new Client({
		stateDir: join(dir, "client"),
		allocDir: join(dir, "alloc"),
		region: "global",
		fingerprint: {
			nodeName: "n1",
			datacenter: "dc1",
			nodeClass: "",
			nodePool: "default",
			meta: {},
			reserved: { cpu: 0, memoryMB: 0, diskMB: 0, reservedPorts: "" },
			minDynamicPort: 20000,
			maxDynamicPort: 32000,
			nomadVersion: "2.0.5",
			httpAddr: "127.0.0.1:4646",
		},
		drivers: { flaky: driver },
		server,
		logger: nullLogger(),
		devMode: true,
		driverCheckIntervalMs: 60_000,
	});
	try {
		await client.start();
		assert.equal(registered.length, 1);
		assert.equal(registered[0].Attributes["driver.flaky"], "1");
		assert.equal(client.checkDrivers(), false, "nothing changed: no re-registration");
		health = { detected: true, healthy: false, healthDescription: "binary gone", attributes: {} };
		assert.equal(client.checkDrivers(), true);
		await new Promise((r) => setTimeout(r, 50));
		assert.equal(registered.length, 2);
		const again = registered[1];
		assert.equal(again.Drivers?.flaky?.Healthy, false);
		assert.equal(again.Drivers?.flaky?.HealthDescription, "binary gone");
		assert.equal(again.Attributes["driver.flaky.version"], undefined, "stale driver attributes removed");
		assert.equal(again.Attributes["driver.flaky"], "1", "still detected");
		health = { detected: false, healthy: false, healthDescription: "disabled", attributes: {} };
		client.checkDrivers();
		await new Promise((r) => setTimeout(r, 50));
		assert.equal(registered[2].Attributes["driver.flaky"], undefined);
	} finally {
		await client.shutdown();
		rmSync(dir, { recursive: true, force: true });
	}
});
