// The "Network" part of /v1/agent/host: one string map per interface address, with the attribute
// names and formats of go-sockaddr's `sockaddr dump` that Nomad reports (type, string, host,
// address, port, netmask, network, mask_bits, binary, hex, first_usable, last_usable, octets, size,
// broadcast/uint32 for IPv4, uint128 for IPv6, and the Dial/Listen argument pairs).
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

type AddrMap = Record<string, string>;

/** Go's %+q for the ASCII strings involved here is JSON's quoting. */
const q = (a: string, b: string): string => `${JSON.stringify(a)} ${JSON.stringify(b)}`;

function ipv4ToInt(s: string): number {
	return s.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIPv4(n: number): string {
	return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function ipv4Attrs(info: NetworkInterfaceInfo, bits: number): AddrMap {
	const addr = ipv4ToInt(info.address);
	const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
	const network = (addr & mask) >>> 0;
	const broadcast = (network | (~mask >>> 0)) >>> 0;
	const host = bits === 32;
	const first = host ? addr : bits === 31 ? network : network + 1;
	const last = host ? addr : bits === 31 ? broadcast : broadcast - 1;
	const stringForm = host ? info.address : `${info.address}/${bits}`;
	const listenAddr = host ? `${info.address}:0` : "";
	return {
		type: "IPv4",
		string: stringForm,
		host: info.address,
		address: info.address,
		port: "0",
		netmask: intToIPv4(mask),
		network: intToIPv4(network),
		mask_bits: String(bits),
		binary: addr.toString(2).padStart(32, "0"),
		hex: addr.toString(16).padStart(8, "0"),
		first_usable: intToIPv4(first),
		last_usable: intToIPv4(last),
		octets: info.address.split(".").join(" "),
		size: String(2 ** (32 - bits)),
		broadcast: intToIPv4(broadcast),
		uint32: String(addr),
		DialPacket: q("udp4", ""),
		DialStream: q("tcp4", ""),
		ListenPacket: q("udp4", listenAddr),
		ListenStream: q("tcp4", listenAddr),
	};
}

/** Parses any textual IPv6 address (with "::" and an optional dotted IPv4 tail) to 128 bits. */
export function ipv6ToBigInt(s: string): bigint {
	let text = s.split("%")[0] ?? s;
	const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (dotted?.[1]) {
		const v4 = ipv4ToInt(dotted[1]);
		text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const [head = "", tail] = text.split("::");
	const h = head ? head.split(":") : [];
	const t = tail ? tail.split(":") : [];
	const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
	return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

/** Go's net.IP.String for 16-byte addresses: RFC 5952 compression, IPv4-mapped as dotted quad. */
export function formatIPv6(v: bigint): string {
	const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
	if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
		return intToIPv4(Number(v & 0xffffffffn));
	}
	let bestAt = -1;
	let bestLen = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) {
			bestAt = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (bestAt < 0) return hex.join(":");
	return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

const ALL128 = (1n << 128n) - 1n;

function ipv6Attrs(info: NetworkInterfaceInfo, bits: number): AddrMap {
	const addr = ipv6ToBigInt(info.address);
	const mask = bits === 0 ? 0n : (ALL128 << BigInt(128 - bits)) & ALL128;
	const network = addr & mask;
	const broadcast = network | (~mask & ALL128);
	const host = bits === 128;
	const address = formatIPv6(addr);
	const hexStr = addr.toString(16).padStart(32, "0");
	const octets = Array.from({ length: 16 }, (_, i) => String(Number.parseInt(hexStr.slice(i * 2, i * 2 + 2), 16)));
	return {
		type: "IPv6",
		string: host ? address : `${address}/${bits}`,
		host: address,
		address,
		port: "0",
		netmask: formatIPv6(mask),
		network: formatIPv6(network),
		mask_bits: String(bits),
		binary: addr.toString(2).padStart(128, "0"),
		hex: hexStr,
		first_usable: host ? address : formatIPv6(network),
		last_usable: host ? address : formatIPv6(broadcast),
		octets: octets.join(" "),
		size: (1n << BigInt(128 - bits)).toString(10),
		uint128: addr.toString(10),
		DialPacket: q("udp6", ""),
		DialStream: q("tcp6", ""),
		ListenPacket: q("udp6", host ? `[${address}]:0` : ""),
		ListenStream: q("tcp6", host ? `[${address}]:0` : ""),
	};
}

function maskBits(info: NetworkInterfaceInfo): number {
	const fromCidr = info.cidr ? Number(info.cidr.slice(info.cidr.lastIndexOf("/") + 1)) : Number.NaN;
	if (Number.isInteger(fromCidr)) return fromCidr;
	return info.family === "IPv4" ? 32 : 128;
}

/** Every address of every interface, as go-sockaddr describes it; on failure one {error} map. */
export function networkData(): AddrMap[] {
	try {
		const out: AddrMap[] = [];
		for (const addrs of Object.values(networkInterfaces())) {
			for (const info of addrs ?? []) {
				out.push(info.family === "IPv4" ? ipv4Attrs(info, maskBits(info)) : ipv6Attrs(info, maskBits(info)));
			}
		}
		return out;
	} catch (err) {
		return [{ error: (err as Error).message }];
	}
}
