// Network fingerprint (Nomad's fingerprint/network.go): the chosen interface's addresses become
// NodeResources.Networks, every interface address carrying an alias ("default" for the chosen
// interface) becomes NodeResources.NodeNetworks.
import type { NetworkInterfaceInfo } from "node:os";
import type { NetworkResource } from "../../api/types/common.ts";
import type { SystemSource } from "./source.ts";

/** Speed used when the link speed is unknown (Nomad's defaultNetworkSpeed). */
export const DEFAULT_NETWORK_SPEED = 1000;

export type InterfaceTable = Record<string, NetworkInterfaceInfo[] | undefined>;

export interface NodeNetworkAddress {
	Family: "ipv4" | "ipv6";
	Alias: string;
	Address: string;
	ReservedPorts: string;
	Gateway: string;
}

export interface NodeNetworkResource {
	Mode: string;
	Device: string;
	MacAddress: string;
	Speed: number;
	Addresses: NodeNetworkAddress[] | null;
}

/** Interface names with an IPv4 default route, from /proc/net/route (first = preferred). */
export function defaultRouteInterfaces(routeTable: string | undefined): string[] {
	if (!routeTable) return [];
	const out: { name: string; metric: number; order: number }[] = [];
	const lines = routeTable.split("\n").slice(1);
	lines.forEach((line, order) => {
		const f = line.trim().split(/\s+/);
		if (f.length < 8) return;
		const [name, dest, , flags, , , metric, mask] = f;
		const up = (Number.parseInt(flags, 16) & 0x1) !== 0;
		if (up && dest === "00000000" && mask === "00000000") out.push({ name, metric: Number(metric) || 0, order });
	});
	out.sort((a, b) => a.metric - b.metric || a.order - b.order);
	return out.map((r) => r.name);
}

const isV4 = (a: NetworkInterfaceInfo) => a.family === "IPv4" || (a.family as unknown) === 4;

/**
 * The interface Nomad fingerprints. Explicit `network_interface` wins (undefined if it doesn't
 * exist); else the default-route interface (as go-sockaddr finds it). Where Nomad would give up
 * (no default route) we take the first non-internal interface with IPv4, then the loopback.
 */
export function selectInterface(
	ifaces: InterfaceTable,
	configured: string | undefined,
	routeTable?: string,
): string | undefined {
	const names = Object.keys(ifaces);
	if (configured) return names.includes(configured) ? configured : undefined;
	for (const name of defaultRouteInterfaces(routeTable)) if (names.includes(name)) return name;
	const external = names.find((n) => (ifaces[n] ?? []).some((a) => !a.internal && isV4(a)));
	if (external) return external;
	return names.find((n) => (ifaces[n] ?? []).some((a) => a.internal)) ?? names[0];
}

/** Mb/s from /sys/class/net/<dev>/speed, 0 when unknown (virtual devices report -1 or EINVAL). */
export function linkSpeed(src: SystemSource, device: string): number {
	const text = src.readFile(`/sys/class/net/${device}/speed`);
	if (text === undefined) return 0;
	const n = Number.parseInt(text.split("\n")[0], 10);
	return Number.isFinite(n) && n > 0 ? n : 0;
}

export function isLinkLocal(address: string, v4: boolean): boolean {
	if (v4) return address.startsWith("169.254.");
	const a = address.toLowerCase();
	// fe80::/10 unicast, ff02::/16 link-local multicast
	return /^fe[89ab][0-9a-f]:/.test(a) || a.startsWith("ff02:");
}

/** Go prints no MAC for all-zero hardware addresses (loopback). */
const macOf = (mac: string | undefined) => (!mac || /^(00:)*00$/.test(mac) ? "" : mac);

export interface NetworkFingerprint {
	device: string;
	networks: NetworkResource[];
	nodeNetworks: NodeNetworkResource[];
	attributes: Record<string, string>;
}

export interface NetworkOptions {
	networkInterface?: string;
	/** client.network_speed override (Mb/s). */
	networkSpeed?: number;
	/** /proc/net/route contents. */
	routeTable?: string;
}

export function fingerprintNetwork(
	ifaces: InterfaceTable,
	src: SystemSource,
	opts: NetworkOptions,
): NetworkFingerprint | undefined {
	const device = selectInterface(ifaces, opts.networkInterface, opts.routeTable);
	if (device === undefined) return undefined;
	const speedOf = (dev: string) => linkSpeed(src, dev) || DEFAULT_NETWORK_SPEED;
	const mbits = opts.networkSpeed || speedOf(device);

	const networks: NetworkResource[] = [];
	const linkLocals: NetworkResource[] = [];
	for (const a of ifaces[device] ?? []) {
		const v4 = isV4(a);
		const nr: NetworkResource = {
			Mode: "host",
			Device: device,
			CIDR: `${a.address}/${v4 ? 32 : 128}`,
			IP: a.address,
			MBits: mbits,
		};
		(isLinkLocal(a.address, v4) ? linkLocals : networks).push(nr);
	}
	const chosen = networks.length === 0 ? linkLocals : networks;

	const nodeNetworks: NodeNetworkResource[] = [];
	for (const [name, addrs] of Object.entries(ifaces)) {
		if (name !== device) continue; // only the "default" alias exists without host_network blocks
		const normal: NodeNetworkAddress[] = [];
		const local: NodeNetworkAddress[] = [];
		for (const a of addrs ?? []) {
			const v4 = isV4(a);
			const addr: NodeNetworkAddress = {
				Family: v4 ? "ipv4" : "ipv6",
				Alias: "default",
				Address: a.address,
				ReservedPorts: "",
				Gateway: "",
			};
			(isLinkLocal(a.address, v4) ? local : normal).push(addr);
		}
		const addresses = normal.length === 0 ? local : normal;
		if (addresses.length === 0) continue;
		nodeNetworks.push({
			Mode: "host",
			Device: name,
			MacAddress: macOf(addrs?.[0]?.mac),
			Speed: speedOf(name),
			Addresses: addresses,
		});
	}

	const attributes: Record<string, string> = {};
	if (chosen.length > 0 && chosen[0].IP) attributes["unique.network.ip-address"] = chosen[0].IP;
	return { device, networks: chosen, nodeNetworks, attributes };
}
