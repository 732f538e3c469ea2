// A client's server list, as PUT /v1/agent/servers (and `nomad node config -servers`) replaces it:
// each address is resolved (default port 4647, host names to IPs) and pinged over agent RPC; the
// ones that answer become the list. Only when none answers is the update refused, with every
// reason in go-multierror's format, as Nomad's Client.SetServers does.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Nomad's client RPC port, added to addresses without one. */
export const DEFAULT_RPC_PORT = 4647;

/** "host[:port]" → "ip:port" ("[ip6]:port"), as Nomad's resolveServer. Throws on a bad address. */
export async function resolveServerAddress(addr: string): Promise<string> {
	let host: string;
	let port: string;
	const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(addr);
	if (bracketed) {
		host = bracketed[1] as string;
		port = bracketed[2] ?? "";
	} else if (isIP(addr) === 6) {
		host = addr;
		port = "";
	} else {
		const parts = addr.split(":");
		if (parts.length > 2) throw new Error(`address ${addr}: too many colons in address`);
		host = parts[0] as string;
		port = parts[1] ?? "";
	}
	if (port === "") port = String(DEFAULT_RPC_PORT);
	const portNum = Number(port);
	if (!/^\d+$/.test(port) || portNum > 65535) throw new Error(`address ${addr}: invalid port`);
	if (host === "") throw new Error(`address ${addr}: missing host`);
	let ip = host;
	if (isIP(host) === 0) {
		try {
			ip = (await lookup(host)).address;
		} catch {
			throw new Error(`lookup ${host}: no such host`);
		}
	}
	return isIP(ip) === 6 ? `[${ip}]:${portNum}` : `${ip}:${portNum}`;
}

/** hashicorp/go-multierror's default format. */
export function formatMultiError(errors: string[]): string {
	if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
	return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join("\n\t")}\n\n`;
}

export type PingFn = (addr: string) => Promise<void>;

/**
 * Resolves and pings every address (in parallel); returns the reachable ones in the order given.
 * Throws when none is usable: the collected errors, or "no servers" for an empty list.
 */
export async function checkServers(addrs: readonly string[], ping: PingFn): Promise<string[]> {
	const errors: string[] = [];
	const results = await Promise.all(
		addrs.map(async (a) => {
			let resolved: string;
			try {
				resolved = await resolveServerAddress(a);
			} catch (err) {
				errors.push((err as Error).message);
				return undefined;
			}
			try {
				await ping(resolved);
				return resolved;
			} catch (err) {
				errors.push(`Server at address ${resolved} failed ping: ${(err as Error).message}`);
				return undefined;
			}
		}),
	);
	const ok = [...new Set(results.filter((r): r is string => r !== undefined))];
	if (ok.length === 0) throw new Error(errors.length > 0 ? formatMultiError(errors) : "no servers");
	return ok;
}
