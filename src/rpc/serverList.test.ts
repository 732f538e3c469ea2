import assert from "node:assert/strict";
import { test } from "node:test";
import { checkServers, formatMultiError, resolveServerAddress } from "./serverList.ts";

test("addresses resolve as Nomad's resolveServer: default port 4647, names to IPs", async () => {
	assert.equal(await resolveServerAddress("10.0.0.1"), "10.0.0.1:4647");
	assert.equal(await resolveServerAddress("10.0.0.1:5000"), "10.0.0.1:5000");
	assert.equal(await resolveServerAddress("localhost:4650"), "127.0.0.1:4650");
	assert.equal(await resolveServerAddress("::1"), "[::1]:4647");
	assert.equal(await resolveServerAddress("[::1]:4700"), "[::1]:4700");
	await assert.rejects(resolveServerAddress("10.0.0.1:http"), /invalid port/);
	await assert.rejects(resolveServerAddress("10.0.0.1:99999"), /invalid port/);
	await assert.rejects(resolveServerAddress("no-such-host.invalid:4647"), /lookup no-such-host.invalid: no such host/);
});

test("go-multierror format", () => {
	assert.equal(formatMultiError(["a"]), "1 error occurred:\n\t* a\n\n");
	assert.equal(formatMultiError(["a", "b"]), "2 errors occurred:\n\t* a\n\t* b\n\n");
});

test("checkServers keeps the reachable ones, in the order given, and fails only when none answers", async () => {
	const up = new Set(["127.0.0.1:1", "127.0.0.1:3"]);
	const ping = async (a: string) => {
		if (!up.has(a)) throw new Error(`dial tcp ${a}: connect: connection refused`);
	};
	assert.deepEqual(await checkServers(["127.0.0.1:3", "127.0.0.1:2", "127.0.0.1:1", "127.0.0.1:3"], ping), [
		"127.0.0.1:3",
		"127.0.0.1:1",
	]);
	await assert.rejects(
		checkServers(["127.0.0.1:2"], ping),
		(err: Error) =>
			err.message ===
			"1 error occurred:\n\t* Server at address 127.0.0.1:2 failed ping: dial tcp 127.0.0.1:2: connect: connection refused\n\n",
	);
	await assert.rejects(checkServers([], ping), /^Error: no servers$/);
});
