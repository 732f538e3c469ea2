import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { test } from "node:test";
import {
	defaultRouteInterfaces,
	fingerprintNetwork,
	type InterfaceTable,
	isLinkLocal,
	linkSpeed,
	selectInterface,
} from "./network.ts";
import { fakeSource } from "./source.ts";

function v4(address: string, internal = false, mac = "02:00:00:00:00:01"): NetworkInterfaceInfo {
	return { address, netmask: "255.255.255.0", family: "IPv4", mac, internal, cidr: `${address}/24` };
}
function v6(address: string, internal = false, mac = "02:00:00:00:00:01"): NetworkInterfaceInfo {
	return {
		address,
		netmask: "ffff:ffff:ffff:ffff::",
		family: "IPv6",
		mac,
		internal,
		cidr: `${address}/64`,
		scopeid: 0,
	};
}

const LO = [v4("127.0.0.1", true, "00:00:00:00:00:00"), v6("::1", true, "00:00:00:00:00:00")];
const IFACES: InterfaceTable = {
	lo: LO,
	docker0: [v4("172.17.0.1", false, "02:42:00:00:00:01")],
	eth0: [v4("10.1.2.3"), v6("fe80::1"), v6("2001:db8::3")],
};
const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;

test("defaultRouteInterfaces reads /proc/net/route", () => {
	assert.deepEqual(defaultRouteInterfaces(ROUTE), ["eth0"]);
	assert.deepEqual(defaultRouteInterfaces(undefined), []);
	const two = `${ROUTE}wlan0\t00000000\t0101A8C0\t0003\t0\t0\t50\t00000000\t0\t0\t0\n`;
	assert.deepEqual(defaultRouteInterfaces(two), ["wlan0", "eth0"]); // lowest metric first
});

test("selectInterface: configured, default route, first external IPv4, loopback", () => {
	assert.equal(selectInterface(IFACES, "lo", ROUTE), "lo");
	assert.equal(selectInterface(IFACES, "nope", ROUTE), undefined);
	assert.equal(selectInterface(IFACES, undefined, ROUTE), "eth0");
	assert.equal(selectInterface(IFACES, undefined, undefined), "docker0");
	assert.equal(selectInterface({ lo: LO }, undefined, undefined), "lo");
	assert.equal(selectInterface({}, undefined, undefined), undefined);
});

test("fingerprintNetwork builds Networks and NodeNetworks for the chosen interface", () => {
	const src = fakeSource({ "/sys/class/net/eth0/speed": "10000\n", "/sys/class/net/docker0/speed": "-1\n" });
	const fp = fingerprintNetwork(IFACES, src, { routeTable: ROUTE });
	assert.ok(fp);
	assert.equal(fp.device, "eth0");
	assert.deepEqual(fp.networks, [
		{ Mode: "host", Device: "eth0", CIDR: "10.1.2.3/32", IP: "10.1.2.3", MBits: 10000 },
		{ Mode: "host", Device: "eth0", CIDR: "2001:db8::3/128", IP: "2001:db8::3", MBits: 10000 },
	]);
	assert.deepEqual(fp.attributes, { "unique.network.ip-address": "10.1.2.3" });
	assert.deepEqual(fp.nodeNetworks, [
		{
			Mode: "host",
			Device: "eth0",
			MacAddress: "02:00:00:00:00:01",
			Speed: 10000,
			Addresses: [
				{ Family: "ipv4", Alias: "default", Address: "10.1.2.3", ReservedPorts: "", Gateway: "" },
				{ Family: "ipv6", Alias: "default", Address: "2001:db8::3", ReservedPorts: "", Gateway: "" },
			],
		},
	]);
});

test("loopback (dev mode): default speed, no MAC, network_speed override", () => {
	const fp = fingerprintNetwork(IFACES, fakeSource({}), { networkInterface: "lo", networkSpeed: 500 });
	assert.ok(fp);
	assert.deepEqual(
		fp.networks.map((n) => [n.IP, n.CIDR, n.MBits]),
		[
			["127.0.0.1", "127.0.0.1/32", 500],
			["::1", "::1/128", 500],
		],
	);
	assert.equal(fp.nodeNetworks[0].MacAddress, "");
	assert.equal(fp.nodeNetworks[0].Speed, 1000);
	assert.equal(fp.attributes["unique.network.ip-address"], "127.0.0.1");
});

test("link-local addresses are used only when nothing else exists", () => {
	const fp = fingerprintNetwork({ ll0: [v6("fe80::9"), v4("169.254.1.1")] }, fakeSource({}), {
		networkInterface: "ll0",
	});
	assert.ok(fp);
	assert.deepEqual(
		fp.networks.map((n) => n.IP),
		["fe80::9", "169.254.1.1"],
	);
	assert.equal(isLinkLocal("169.254.3.4", true), true);
	assert.equal(isLinkLocal("10.0.0.1", true), false);
	assert.equal(isLinkLocal("FE80::1", false), true);
	assert.equal(isLinkLocal("fd00::1", false), false);
	assert.equal(fingerprintNetwork(IFACES, fakeSource({}), { networkInterface: "missing" }), undefined);
});

test("linkSpeed ignores unknown speeds", () => {
	assert.equal(linkSpeed(fakeSource({ "/sys/class/net/a/speed": "25000\n" }), "a"), 25000);
	assert.equal(linkSpeed(fakeSource({ "/sys/class/net/a/speed": "-1\n" }), "a"), 0);
	assert.equal(linkSpeed(fakeSource({}), "a"), 0);
});
