// Join addresses as users write them, and join errors as Serf reports them.

/** "host", "host:port", "[v6]:port" or a bare IPv6 → host and port; a string says what is wrong. */
export function splitJoinAddr(addr: string, defaultPort: number): { host: string; port: number } | string {
	const a = addr.trim();
	if (a === "") return "empty address";
	let host = a;
	let portStr: string | undefined;
	const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(a);
	if (v6) {
		host = v6[1] as string;
		portStr = v6[2];
	} else if ((a.match(/:/g) ?? []).length === 1) {
		const i = a.indexOf(":");
		host = a.slice(0, i);
		portStr = a.slice(i + 1);
	}
	if (host === "" || /[\s/]/.test(host)) return `invalid host ${JSON.stringify(host)}`;
	if (portStr === undefined) return { host, port: defaultPort };
	const port = Number(portStr);
	if (!/^\d+$/.test(portStr) || port < 1 || port > 65535) return `invalid port ${JSON.stringify(portStr)}`;
	return { host, port };
}

export function formatHostPort(host: string, port: number): string {
	return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** go-multierror's text, as memberlist's Join returns it ("" for no errors). */
export function multiError(errors: string[]): string {
	if (errors.length === 0) return "";
	const head = errors.length === 1 ? "1 error occurred:" : `${errors.length} errors occurred:`;
	return `${head}\n${errors.map((e) => `\t* ${e}`).join("\n")}\n\n`;
}
