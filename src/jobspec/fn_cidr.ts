// CIDR functions (go-cty-funcs/cidr) for IPv4 and IPv6 prefixes.
import { param } from "./fn_strings.ts";
import { ArgError, type FunctionDef, FunctionError } from "./scope.ts";
import { list, NUMBER, STRING, str, type Value } from "./values.ts";

const n = (name: string) => param(name, NUMBER);

interface Net {
	v6: boolean;
	addr: bigint;
	bits: number;
}

function parseIP(text: string): { v6: boolean; addr: bigint } | undefined {
	if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
		const parts = text.split(".").map(Number);
		if (parts.some((p) => p > 255)) return undefined;
		return { v6: false, addr: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
	}
	if (!text.includes(":")) return undefined;
	const [head, tail] = text.split("::");
	if (text.split("::").length > 2) return undefined;
	const hs = head ? head.split(":") : [];
	const ts = tail !== undefined && tail !== "" ? tail.split(":") : [];
	const missing = 8 - hs.length - ts.length;
	if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
	const groups = [...hs, ...Array(tail === undefined ? 0 : missing).fill("0"), ...ts];
	if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
	return { v6: true, addr: groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function parseCIDR(text: string): Net {
	const [ip, bitsText] = text.split("/");
	const parsed = ip ? parseIP(ip) : undefined;
	const bits = Number(bitsText);
	const max = parsed?.v6 ? 128 : 32;
	if (!parsed || bitsText === undefined || !/^\d+$/.test(bitsText) || bits > max)
		throw new ArgError(0, `invalid CIDR expression: invalid CIDR address: ${text}`);
	const mask = ((1n << BigInt(max)) - 1n) ^ ((1n << BigInt(max - bits)) - 1n);
	return { v6: parsed.v6, addr: parsed.addr & mask, bits };
}

function formatIP(v6: boolean, addr: bigint): string {
	if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join(".");
	const groups = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn));
	let best = -1;
	let bestLen = 1;
	for (let i = 0; i < 8; i++) {
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) {
			best = i;
			bestLen = j - i;
		}
	}
	const hex = groups.map((g) => g.toString(16));
	if (best < 0) return hex.join(":");
	return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function subnet(net: Net, newbits: number, netnum: number): Net {
	const max = net.v6 ? 128 : 32;
	if (net.bits + newbits > max)
		throw new FunctionError(`insufficient address space to extend prefix of ${net.bits} by ${newbits}`);
	if (netnum < 0 || BigInt(netnum) >= 1n << BigInt(newbits))
		throw new FunctionError(`prefix extension of ${newbits} does not accommodate a subnet numbered ${netnum}`);
	const bits = net.bits + newbits;
	return { v6: net.v6, addr: net.addr | (BigInt(netnum) << BigInt(max - bits)), bits };
}

const cidrString = (net: Net) => `${formatIP(net.v6, net.addr)}/${net.bits}`;

export const cidrFunctions: Record<string, FunctionDef> = {
	cidrhost: {
		params: [param("prefix", STRING), n("hostnum")],
		impl: (a) => {
			const net = parseCIDR(a[0].v as string);
			const max = net.v6 ? 128 : 32;
			const size = 1n << BigInt(max - net.bits);
			let host = BigInt(Math.trunc(a[1].v as number));
			if (host < 0n) host += size;
			if (host < 0n || host >= size)
				throw new FunctionError(`prefix of ${net.bits} bits cannot accommodate a host numbered ${a[1].v}`);
			return str(formatIP(net.v6, net.addr | host));
		},
	},
	cidrnetmask: {
		params: [param("prefix", STRING)],
		impl: (a) => {
			const net = parseCIDR(a[0].v as string);
			if (net.v6) throw new FunctionError(`ipv6 addresses cannot have a netmask: ${a[0].v}`);
			return str(formatIP(false, ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - net.bits)) - 1n)));
		},
	},
	cidrsubnet: {
		params: [param("prefix", STRING), n("newbits"), n("netnum")],
		impl: (a) => str(cidrString(subnet(parseCIDR(a[0].v as string), a[1].v as number, a[2].v as number))),
	},
	cidrsubnets: {
		params: [param("prefix", STRING)],
		varParam: n("newbits"),
		impl: (a) => {
			const base = parseCIDR(a[0].v as string);
			const max = base.v6 ? 128 : 32;
			let next = base.addr;
			const out: Value[] = [];
			a.slice(1).forEach((nb, i) => {
				const bits = base.bits + (nb.v as number);
				if (bits > max)
					throw new ArgError(
						i + 1,
						`would extend prefix to ${bits} bits, which is too long for an IPv${base.v6 ? 6 : 4} address`,
					);
				const size = 1n << BigInt(max - bits);
				const start = ((next + size - 1n) / size) * size;
				if (start + size - 1n > (base.addr | ((1n << BigInt(max - base.bits)) - 1n)))
					throw new ArgError(
						i + 1,
						`not enough remaining address space for a subnet with a prefix of ${bits} bits after ${cidrString({ ...base, addr: next, bits })}`,
					);
				out.push(str(cidrString({ v6: base.v6, addr: start, bits })));
				next = start + size;
			});
			return list(STRING, out);
		},
	},
};
