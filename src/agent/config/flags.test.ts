import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECOND } from "../../lib/duration.ts";
import { ConfigError } from "./errors.ts";
import { flagsToBody, parseAgentArgs } from "./flags.ts";

function fails(argv: string[], re: RegExp): void {
	assert.throws(
		() => parseAgentArgs(argv),
		(err: unknown) => err instanceof ConfigError && re.test(err.message),
	);
}

describe("parseAgentArgs", () => {
	test("empty", () => {
		assert.deepEqual(parseAgentArgs([]), {});
	});

	test("bool flags, =value and separate values, one or two dashes", () => {
		assert.deepEqual(
			parseAgentArgs([
				"-dev",
				"--server",
				"-client=false",
				"-data-dir=/d",
				"-bind",
				"0.0.0.0",
				"--region=eu",
				"-dc",
				"dc2",
				"-node=n1",
				"-log-level=DEBUG",
				"-log-json",
				"-network-interface",
				"eth0",
				"-bootstrap-expect=3",
			]),
			{
				dev: true,
				server: true,
				client: false,
				dataDir: "/d",
				bind: "0.0.0.0",
				region: "eu",
				dc: "dc2",
				node: "n1",
				logLevel: "DEBUG",
				logJson: true,
				networkInterface: "eth0",
				bootstrapExpect: 3,
			},
		);
	});

	test("-config is repeatable in both spellings", () => {
		assert.deepEqual(parseAgentArgs(["-config=a.hcl", "-config", "conf.d", "--config=b.json"]).configPaths, [
			"a.hcl",
			"conf.d",
			"b.json",
		]);
	});

	test("-servers splits on commas", () => {
		assert.deepEqual(parseAgentArgs(["-servers=a:4647,b:4647"]).servers, ["a:4647", "b:4647"]);
	});

	test("less common flags", () => {
		assert.deepEqual(
			parseAgentArgs([
				"-meta=rack=r1",
				"-meta",
				"zone=z",
				"-join=a",
				"-retry-join=b",
				"-retry-join=c",
				"-retry-interval=15s",
				"-retry-max=4",
				"-acl-enabled",
				"-node-pool=gpu",
			]),
			{
				meta: { rack: "r1", zone: "z" },
				join: ["a"],
				retryJoin: ["b", "c"],
				retryInterval: 15 * SECOND,
				retryMax: 4,
				aclEnabled: true,
				nodePool: "gpu",
			},
		);
	});

	test("-h and -help", () => {
		assert.equal(parseAgentArgs(["-h"]).help, true);
		assert.equal(parseAgentArgs(["--help"]).help, true);
	});

	test("errors", () => {
		fails(["-frobnicate"], /^command line: flag provided but not defined: -frobnicate; run "nomad-ts agent -h"/);
		fails(["-data_dir=/x"], /did you mean -data-dir\?/);
		fails(["-dev-connect"], /^command line: flag -dev-connect is not supported by nomad-ts$/);
		fails(["-consul-token=x"], /not supported/);
		fails(["-config"], /^command line: flag needs an argument: -config$/);
		fails(
			["-bootstrap-expect=x"],
			/^command line: invalid value "x" for flag -bootstrap-expect: expected a whole number$/,
		);
		fails(["-bootstrap-expect=-1"], /must not be negative/);
		fails(["-dev=maybe"], /invalid value "maybe" for flag -dev/);
		fails(["-retry-interval=soon"], /invalid value "soon" for flag -retry-interval/);
		fails(["-meta=novalue"], /Error parsing Client.Meta value: novalue/);
		fails(["extra"], /^command line: unexpected argument "extra"/);
		fails(["-dev", "--", "x"], /unexpected argument "x"/);
		fails(["---x"], /bad flag syntax/);
	});
});

describe("flagsToBody", () => {
	test("maps flags onto config keys", () => {
		assert.deepEqual(
			flagsToBody({
				dataDir: "/d",
				bind: "1.2.3.4",
				dc: "dc2",
				node: "n",
				server: true,
				client: true,
				servers: ["a"],
				bootstrapExpect: 3,
				join: ["j"],
				retryInterval: 15 * SECOND,
				aclEnabled: true,
				logJson: false,
			}),
			{
				data_dir: "/d",
				bind_addr: "1.2.3.4",
				datacenter: "dc2",
				name: "n",
				client: { enabled: true, servers: ["a"] },
				server: {
					enabled: true,
					bootstrap_expect: 3,
					server_join: { start_join: ["j"], retry_interval: "15000000000ns" },
				},
				acl: { enabled: true },
			},
		);
	});

	test("false bool flags do not override files (Nomad merges them as unset)", () => {
		assert.deepEqual(flagsToBody({ server: false, client: false, logJson: false }), {});
	});
});
