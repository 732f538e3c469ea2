import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Node } from "../api/types/node.ts";
import { nullLogger } from "../lib/logger.ts";
import { testAlloc, testGroup, testJob, testTask } from "./allocrunner/testing.ts";
import { Client } from "./client.ts";
import type { DriverFingerprint, TaskDriver } from "./drivers/types.ts";
import type { ServerAPI } from "./serverApi.ts";

const FINGERPRINT = {
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
};

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
		fingerprint: FINGERPRINT,
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

test("gc_max_allocs: a new allocation starts only after room was made for it", async () => {
	const dir = mkdtempSync(join(tmpdir(), "nomad-ts-client-"));
	const job = testJob([testGroup([testTask({ Driver: "d" })])], { Type: "batch" });
	const first = testAlloc(job);
	const second = testAlloc(job);
	let client: Client | undefined;
	let firstKeptWhenSecondStarted: boolean | undefined;
	let firstStarts = 0;
	const driver: TaskDriver = {
		name: "d",
		fingerprint: () => ({ detected: true, healthy: true, healthDescription: "Healthy", attributes: {} }),
		async start(cfg) {
			const mine = cfg.taskDir.includes(second.ID);
			if (mine) firstKeptWhenSecondStarted = client?.runner(first.ID) !== undefined;
			else firstStarts++;
			let exit: (r: { exitCode: number; signal: number }) => void = () => {};
			const done = new Promise<{ exitCode: number; signal: number }>((r) => {
				exit = r;
			});
			// The first allocation's task exits at once; the second runs until stopped.
			if (!mine) exit({ exitCode: 0, signal: 0 });
			return { pid: 0, wait: () => done, signal: () => exit({ exitCode: 0, signal: 15 }) };
		},
	};
	const server: ServerAPI = {
		registerNode: async () => ({ heartbeatTTL: 60_000 }),
		heartbeat: async () => 60_000,
		allocations: async (_id, index, _wait, signal) => {
			if (index === 0) return { index: 1, allocs: [first] };
			if (index === 1) {
				while (client?.runner(first.ID)?.clientStatus() !== "complete") await new Promise((r) => setTimeout(r, 10));
				return { index: 2, allocs: [first, second] };
			}
			return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
		},
		// Collecting the first allocation flushes its final status to the server first: a slow server
		// makes the collection take a while.
		updateAllocs: () => new Promise((r) => setTimeout(r, 200)),
		servers: () => ["in-process"],
	};
	client = new Client({
		stateDir: join(dir, "client"),
		allocDir: join(dir, "alloc"),
		region: "global",
		fingerprint: FINGERPRINT,
		drivers: { d: driver },
		server,
		logger: nullLogger(),
		devMode: true,
		gc: { intervalMs: 60_000, maxAllocs: 1, diskUsageThreshold: 100, inodeUsageThreshold: 100 },
	});
	try {
		await client.start();
		const deadline = Date.now() + 10_000;
		while (firstKeptWhenSecondStarted === undefined && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 10));
		assert.equal(firstKeptWhenSecondStarted, false, "the first allocation was collected before the second started");
		await new Promise((r) => setTimeout(r, 100));
		assert.equal(firstStarts, 1, "the collected allocation did not come back from the older list");
		assert.equal(client.runner(first.ID), undefined);
	} finally {
		await client.shutdown();
		rmSync(dir, { recursive: true, force: true });
	}
});
