// Nomad's normalizeAddrs(): resolve bind_addr, fill addresses {} from it, compute the listen
// host:port pairs, and pick the advertised addresses. When advertise is not set the bind address
// is used if it is routable; a loopback bind is only acceptable in -dev mode; a wildcard bind
// (0.0.0.0) advertises the host's private IP, as go-sockaddr's GetPrivateIP does.
//
// go-sockaddr templates are supported for the common cases only: {{ GetPrivateIP }},
// {{ GetPublicIP }} and {{ GetInterfaceIP "eth0" }}.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { ConfigError } from "./errors.ts";
import type { AgentConfig } from "./types.ts";

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface AddrOptions {
	/** what os.networkInterfaces() returns; injectable for tests */
	interfaces?: Interfaces;
	warn?: (msg: string) => void;
	/** names the source (file or "command line") that set a key, for error messages */
	where?: (key: string) => string | undefined;
}

/** `blame` is the key whose value led here, when that is not `key` itself. */
function fail(opts: Required<AddrOptions>, key: string, msg: string, blame = key): ConfigError {
	const source = opts.where(blame) ?? "agent configuration";
	return new ConfigError(`${source}: ${key}: ${msg}`);
}

function ipv4Octets(ip: string): number[] | undefined {
	return isIP(ip) === 4 ? ip.split(".").map(Number) : undefined;
}

function inRange(ip: string, cidr: string): boolean {
	const [base, bits] = cidr.split("/");
	const a = ipv4Octets(ip);
	const b = ipv4Octets(base);
	if (!a || !b) return false;
	const toInt = (o: number[]) => ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
	const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
	return (toInt(a) & mask) === (toInt(b) & mask);
}

/** RFC 6890 forwardable special-purpose ranges that hosts use as private addresses. */
const PRIVATE_V4 = ["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15"];

export function isLoopback(ip: string): boolean {
	return inRange(ip, "127.0.0.0/8") || ip === "::1";
}

function isUnspecified(ip: string): boolean {
	return ip === "0.0.0.0" || ip === "::";
}

/** Go's IsGlobalUnicast || IsLinkLocalUnicast: anything a peer could dial. */
function isAdvertisable(ip: string): boolean {
	if (isUnspecified(ip) || isLoopback(ip)) return false;
	if (isIP(ip) === 4) return !inRange(ip, "224.0.0.0/4") && ip !== "255.255.255.255";
	return !ip.toLowerCase().startsWith("ff");
}

function externalV4(ifs: Interfaces, name?: string): string[] {
	const out: string[] = [];
	for (const [ifName, addrs] of Object.entries(ifs)) {
		if (name !== undefined && ifName !== name) continue;
		for (const a of addrs ?? []) if (a.family === "IPv4" && (name !== undefined || !a.internal)) out.push(a.address);
	}
	return out;
}

function privateIp(ifs: Interfaces): string | undefined {
	return externalV4(ifs).find((ip) => PRIVATE_V4.some((r) => inRange(ip, r)));
}

/** Resolves the go-sockaddr templates we support; plain strings pass through. */
export function resolveTemplate(value: string, key: string, opts: Required<AddrOptions>): string {
	if (!value.includes("{{")) return value;
	const ifs = opts.interfaces;
	const m = /^\s*\{\{\s*(\w+)\s*(?:"([^"]*)")?\s*\}\}\s*$/.exec(value);
	let ip: string | undefined;
	if (m?.[1] === "GetPrivateIP") ip = privateIp(ifs);
	else if (m?.[1] === "GetPublicIP") ip = externalV4(ifs).find((a) => !PRIVATE_V4.some((r) => inRange(a, r)));
	else if (m?.[1] === "GetInterfaceIP" && m[2] !== undefined) ip = externalV4(ifs, m[2])[0];
	else {
		throw fail(
			opts,
			key,
			`unsupported go-sockaddr template ${JSON.stringify(value)} (supported: GetPrivateIP, GetPublicIP, GetInterfaceIP "name")`,
		);
	}
	if (!ip) throw fail(opts, key, `template ${JSON.stringify(value)} found no address`);
	return ip;
}

/** Strips IPv6 brackets so addresses compare and join uniformly. */
function bareHost(addr: string): string {
	return addr.startsWith("[") && addr.endsWith("]") ? addr.slice(1, -1) : addr;
}

export function joinHostPort(host: string, port: number): string {
	const h = bareHost(host);
	return h.includes(":") ? `[${h}]:${port}` : `${h}:${port}`;
}

/** host:port already? ("1.2.3.4:80", "[::1]:80", "host:80"; a bare IPv6 address has no port) */
function hasPort(addr: string): boolean {
	if (addr.startsWith("[")) return /\]:\d+$/.test(addr);
	const parts = addr.split(":");
	return parts.length === 2 && /^\d+$/.test(parts[1]);
}

async function resolveHost(host: string, opts: Required<AddrOptions>): Promise<string[]> {
	if (isIP(host)) return [host];
	try {
		return (await lookup(host, { all: true })).map((r) => r.address);
	} catch (err) {
		throw fail(opts, "bind_addr", `error resolving ${JSON.stringify(host)}: ${(err as Error).message}`);
	}
}

async function advertiseAddr(
	c: AgentConfig,
	svc: "http" | "rpc" | "serf",
	bind: string,
	opts: Required<AddrOptions>,
): Promise<string> {
	const key = `advertise.${svc}`;
	const port = c.ports[svc];
	const addr = resolveTemplate(c.advertise[svc], key, opts);
	if (addr !== "") return hasPort(addr) ? addr : joinHostPort(addr, port);
	// derived from the bind address: blame whichever key set that
	const from = c.addresses[svc] !== c.bindAddr ? `addresses.${svc}` : "bind_addr";
	for (const ip of await resolveHost(bareHost(bind), opts)) {
		if (isAdvertisable(ip)) return joinHostPort(ip, port);
		if (isLoopback(ip)) {
			if (c.devMode) return joinHostPort(ip, port);
			throw fail(
				opts,
				key,
				`defaulting advertise to localhost (${from} = ${bind}) is unsafe, please set advertise manually`,
				from,
			);
		}
	}
	// wildcard bind: advertise the private IP, or failing that any external IPv4 address
	let ip = privateIp(opts.interfaces);
	if (!ip) {
		ip = externalV4(opts.interfaces)[0];
		if (!ip) throw fail(opts, key, "no private IP address found, please set advertise manually", from);
		opts.warn(`${key}: no private IP address found, advertising ${ip}`);
	}
	return joinHostPort(ip, port);
}

/** Fills addresses, normalizedAddrs and advertise in place. */
export async function normalizeAddrs(c: AgentConfig, options: AddrOptions = {}): Promise<void> {
	const opts: Required<AddrOptions> = {
		interfaces: options.interfaces ?? networkInterfaces(),
		warn: options.warn ?? (() => {}),
		where: options.where ?? (() => undefined),
	};
	c.bindAddr = bareHost(resolveTemplate(c.bindAddr, "bind_addr", opts));
	const httpAddrs =
		c.addresses.http.trim() === ""
			? [c.bindAddr]
			: [...new Set(resolveTemplate(c.addresses.http, "addresses.http", opts).trim().split(/\s+/))].map(bareHost);
	c.addresses.http = httpAddrs.join(" ");
	c.addresses.rpc = c.addresses.rpc ? bareHost(resolveTemplate(c.addresses.rpc, "addresses.rpc", opts)) : c.bindAddr;
	c.addresses.serf = c.addresses.serf
		? bareHost(resolveTemplate(c.addresses.serf, "addresses.serf", opts))
		: c.bindAddr;
	c.normalizedAddrs = {
		http: httpAddrs.map((a) => joinHostPort(a, c.ports.http)),
		rpc: joinHostPort(c.addresses.rpc, c.ports.rpc),
		serf: joinHostPort(c.addresses.serf, c.ports.serf),
	};
	c.advertise.http = await advertiseAddr(c, "http", httpAddrs[0], opts);
	c.advertise.rpc = await advertiseAddr(c, "rpc", c.addresses.rpc, opts);
	// Nomad skips serf when the server is disabled
	if (c.server.enabled) c.advertise.serf = await advertiseAddr(c, "serf", c.addresses.serf, opts);
}
