import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Interfaces, normalizeAddrs, resolveTemplate } from "./addrs.ts";
import { defaultConfig, devConfig } from "./defaults.ts";
import { ConfigError } from "./errors.ts";
import type { AgentConfig } from "./types.ts";

const v4 = (address: string, internal = false) => ({
	address,
	netmask: "255.255.255.0",
	family: "IPv4" as const,
	mac: "",
	internal,
	cidr: `${address}/24`,
});
const IFACES: Interfaces = { lo: [v4("127.0.0.1", true)], eth0: [v4("203.0.113.5")], eth1: [v4("192.168.1.20")] };
const PUBLIC_ONLY: Interfaces = { lo: [v4("127.0.0.1", true)], eth0: [v4("203.0.113.5")] };

function server(): AgentConfig {
	const c = defaultConfig();
	c.server.enabled = true;
	return c;
}

describe("normalizeAddrs", () => {
	test("wildcard bind advertises the private address", async () => {
		const c = server();
		await normalizeAddrs(c, { interfaces: IFACES });
		assert.deepEqual(c.advertise, { http: "192.168.1.20:4646", rpc: "192.168.1.20:4647", serf: "192.168.1.20:4648" });
	});

	test("without a private address, falls back to an external one with a warning", async () => {
		const c = server();
		const warnings: string[] = [];
		await normalizeAddrs(c, { interfaces: PUBLIC_ONLY, warn: (m) => warnings.push(m) });
		assert.equal(c.advertise.http, "203.0.113.5:4646");
		assert.equal(warnings.length, 3);
	});

	test("a specific bind address is advertised as is; addresses override per service", async () => {
		const c = server();
		c.bindAddr = "10.0.0.9";
		c.addresses.http = "127.0.0.1 10.0.0.9";
		c.addresses.rpc = "10.0.0.10";
		c.ports.http = 8080;
		c.advertise.http = "nomad.example.com";
		await normalizeAddrs(c, { interfaces: IFACES });
		assert.deepEqual(c.normalizedAddrs, {
			http: ["127.0.0.1:8080", "10.0.0.9:8080"],
			rpc: "10.0.0.10:4647",
			serf: "10.0.0.9:4648",
		});
		assert.deepEqual(c.advertise, { http: "nomad.example.com:8080", rpc: "10.0.0.10:4647", serf: "10.0.0.9:4648" });
	});

	test("IPv6 addresses get brackets", async () => {
		const c = server();
		c.bindAddr = "fd00::5";
		await normalizeAddrs(c, { interfaces: IFACES });
		assert.equal(c.normalizedAddrs.rpc, "[fd00::5]:4647");
		assert.equal(c.advertise.http, "[fd00::5]:4646");
	});

	test("loopback is only advertised in dev mode", async () => {
		const dev = devConfig();
		await normalizeAddrs(dev, { interfaces: IFACES });
		assert.equal(dev.advertise.rpc, "127.0.0.1:4647");
		const c = server();
		c.bindAddr = "127.0.0.1";
		await assert.rejects(
			normalizeAddrs(c, { interfaces: IFACES, where: (k) => (k === "bind_addr" ? "a.hcl" : undefined) }),
			/^ConfigError: a\.hcl: advertise\.http: defaulting advertise to localhost \(bind_addr = 127\.0\.0\.1\) is unsafe/,
		);
	});

	test("serf is not advertised by client-only agents", async () => {
		const c = defaultConfig();
		c.client.enabled = true;
		await normalizeAddrs(c, { interfaces: IFACES });
		assert.equal(c.advertise.serf, "");
	});
});

describe("go-sockaddr templates", () => {
	const opts = { interfaces: IFACES, warn: () => {}, where: () => "a.hcl" };
	test("supported templates", () => {
		assert.equal(resolveTemplate("{{ GetPrivateIP }}", "bind_addr", opts), "192.168.1.20");
		assert.equal(resolveTemplate("{{GetPublicIP}}", "bind_addr", opts), "203.0.113.5");
		assert.equal(resolveTemplate('{{ GetInterfaceIP "eth0" }}', "bind_addr", opts), "203.0.113.5");
		assert.equal(resolveTemplate("10.0.0.1", "bind_addr", opts), "10.0.0.1");
	});

	test("unsupported or empty templates are errors naming the key", () => {
		assert.throws(
			() => resolveTemplate("{{ GetAllInterfaces | sort }}", "bind_addr", opts),
			(e: unknown) =>
				e instanceof ConfigError && /^a\.hcl: bind_addr: unsupported go-sockaddr template/.test(e.message),
		);
		assert.throws(
			() => resolveTemplate('{{ GetInterfaceIP "wlan9" }}', "addresses.http", opts),
			/a\.hcl: addresses\.http: template .* found no address/,
		);
	});
});
