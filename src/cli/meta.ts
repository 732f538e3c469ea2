// The command framework shared by every CLI command: Nomad's global flags and NOMAD_* variables,
// the API client built from them, help texts, output (-json / -t), color only on a terminal, and
// errors printed as Nomad prints them.
import { ApiClient, ApiError, DEFAULT_ADDRESS } from "../api/client.ts";
import { type FlagSpec, type FlagValues, HelpRequested, parseFlags } from "./flags.ts";
import { renderTemplate } from "./template.ts";

export interface Ui {
	out(s: string): void;
	err(s: string): void;
	/** Writes without a newline (for redrawn views and raw log bytes). */
	write(s: string | Uint8Array): void;
	color: boolean;
	tty: boolean;
}

export interface Ctx {
	name: string;
	args: string[];
	f: FlagValues;
	set: Set<string>;
	ui: Ui;
	env: NodeJS.ProcessEnv;
	client(): ApiClient;
	/** Prints `data` as -json or -t asked; returns true when it did. */
	formatted(data: unknown): boolean;
	/** Prints the wrong-arguments message; returns the exit code 1. */
	usageError(msg: string): number;
}

export interface Command {
	/** Space separated path, e.g. "job run". */
	name: string;
	synopsis: string;
	/** Argument synopsis after the options, e.g. "<path>". */
	usage?: string;
	/** Paragraphs describing the command. */
	help: string;
	flags?: FlagSpec[];
	/** Commands that do not talk to an agent leave the API flags out of their help. */
	noApi?: boolean;
	run(ctx: Ctx): Promise<number> | number;
}

export const API_FLAGS: FlagSpec[] = [
	{ name: "address", kind: "string", usage: "Address of the Nomad agent (NOMAD_ADDR; default http://127.0.0.1:4646)." },
	{ name: "region", kind: "string", usage: "Region to forward requests to (NOMAD_REGION)." },
	{ name: "namespace", kind: "string", usage: 'Target namespace (NOMAD_NAMESPACE; default "default").' },
	{ name: "token", kind: "string", usage: "ACL token secret (NOMAD_TOKEN)." },
	{ name: "no-color", kind: "bool", usage: "Disables colored output (also NO_COLOR, NOMAD_CLI_NO_COLOR)." },
	{ name: "force-color", kind: "bool", usage: "Colors output even when not on a terminal." },
	{
		name: "ca-cert",
		kind: "string",
		usage: "PEM CA certificate to verify the agent's TLS certificate (NOMAD_CACERT).",
	},
	{ name: "ca-path", kind: "string", usage: "Directory of PEM CA certificates (NOMAD_CAPATH)." },
	{ name: "client-cert", kind: "string", usage: "PEM client certificate for TLS (NOMAD_CLIENT_CERT)." },
	{ name: "client-key", kind: "string", usage: "PEM client key for TLS (NOMAD_CLIENT_KEY)." },
	{
		name: "tls-server-name",
		kind: "string",
		usage: "Server name to check in the agent's certificate (NOMAD_TLS_SERVER_NAME).",
	},
	{
		name: "tls-skip-verify",
		kind: "bool",
		usage: "Do not verify TLS certificates (NOMAD_SKIP_VERIFY). Not recommended.",
	},
];

export const OUTPUT_FLAGS: FlagSpec[] = [
	{ name: "json", kind: "bool", usage: "Prints the API object as JSON." },
	{
		name: "t",
		kind: "string",
		usage: "Formats the API object with a Go-template subset ({{.Field}}, range, if, printf, len, json).",
	},
];

export const BIN = "nomad-ts";

export function helpText(cmd: Command): string {
	const lines = [
		`Usage: ${BIN} ${cmd.name} [options]${cmd.usage ? ` ${cmd.usage}` : ""}`,
		"",
		indent(cmd.help.trim()),
		"",
	];
	if (!cmd.noApi) lines.push("General Options:", "", flagHelp(API_FLAGS), "");
	if (cmd.flags?.length) lines.push(`${titleCase(cmd.name)} Options:`, "", flagHelp(cmd.flags), "");
	return `${lines.join("\n")}\n`;
}

function titleCase(name: string): string {
	return name
		.split(" ")
		.map((w) => w[0]?.toUpperCase() + w.slice(1))
		.join(" ");
}

function indent(s: string): string {
	return s
		.split("\n")
		.map((l) => (l ? `  ${l}` : l))
		.join("\n");
}

function flagHelp(specs: FlagSpec[]): string {
	return specs
		.map((s) => {
			const arg = s.kind === "bool" ? "" : s.kind === "int" ? " <n>" : " <value>";
			return `  -${s.name}${arg}\n    ${s.usage ?? ""}`;
		})
		.join("\n\n");
}

function envBool(v: string | undefined): boolean {
	return v !== undefined && /^(1|t|true)$/i.test(v);
}

export function makeUi(f: FlagValues, env: NodeJS.ProcessEnv): Ui {
	const tty = Boolean(process.stdout.isTTY);
	const noColor =
		f["no-color"] === true || (env.NO_COLOR !== undefined && env.NO_COLOR !== "") || envBool(env.NOMAD_CLI_NO_COLOR);
	const color = f["force-color"] === true || envBool(env.NOMAD_CLI_FORCE_COLOR) || (tty && !noColor);
	return {
		out: (s) => process.stdout.write(`${s}\n`),
		err: (s) => process.stderr.write(`${s}\n`),
		write: (s) => process.stdout.write(s),
		color: color && !(f["no-color"] === true),
		tty,
	};
}

export function clientFrom(f: FlagValues, env: NodeJS.ProcessEnv): ApiClient {
	const str = (flag: string, name: string) => (f[flag] as string | undefined) || env[name] || undefined;
	return new ApiClient({
		address: str("address", "NOMAD_ADDR") ?? DEFAULT_ADDRESS,
		token: str("token", "NOMAD_TOKEN"),
		region: str("region", "NOMAD_REGION"),
		namespace: str("namespace", "NOMAD_NAMESPACE"),
		tls: {
			caCert: str("ca-cert", "NOMAD_CACERT"),
			caPath: str("ca-path", "NOMAD_CAPATH"),
			clientCert: str("client-cert", "NOMAD_CLIENT_CERT"),
			clientKey: str("client-key", "NOMAD_CLIENT_KEY"),
			serverName: str("tls-server-name", "NOMAD_TLS_SERVER_NAME"),
			insecure: f["tls-skip-verify"] === true || envBool(env.NOMAD_SKIP_VERIFY),
		},
	});
}

/** Runs one command with its argv (after the command name). */
export async function runCommand(cmd: Command, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
	const specs = [...(cmd.noApi ? [] : API_FLAGS), ...(cmd.flags ?? [])];
	let parsed: ReturnType<typeof parseFlags>;
	try {
		parsed = parseFlags(argv, specs);
	} catch (e) {
		if (e instanceof HelpRequested) {
			process.stdout.write(helpText(cmd));
			return 0;
		}
		process.stderr.write(`${(e as Error).message}\nRun '${BIN} ${cmd.name} -h' for the list of options.\n`);
		return 1;
	}
	const ui = makeUi(parsed.values, env);
	let client: ApiClient | undefined;
	const ctx: Ctx = {
		name: cmd.name,
		args: parsed.args,
		f: parsed.values,
		set: parsed.set,
		ui,
		env,
		client: () => {
			client ??= clientFrom(parsed.values, env);
			return client;
		},
		formatted: (data) => {
			const tmpl = parsed.values.t as string | undefined;
			if (parsed.values.json === true && tmpl)
				throw new UsageError("Both json and template formatting are not allowed");
			if (parsed.values.json === true) {
				ui.out(JSON.stringify(data, null, 4));
				return true;
			}
			if (tmpl) {
				ui.out(renderTemplate(tmpl, data));
				return true;
			}
			return false;
		},
		usageError: (msg) => {
			ui.err(`${msg}\nFor additional help try '${BIN} ${cmd.name} -help'`);
			return 1;
		},
	};
	try {
		return await cmd.run(ctx);
	} catch (e) {
		if (e instanceof UsageError) return ctx.usageError(e.message);
		ui.err(`Error: ${describeError(e)}`);
		return 1;
	} finally {
		client?.close();
	}
}

export class UsageError extends Error {}

export function describeError(e: unknown): string {
	if (e instanceof ApiError) return e.message;
	return (e as Error)?.message ?? String(e);
}

/** Prints "<what>: <error>" as Nomad does and returns exit code 1. */
export function fail(ctx: Ctx, what: string, e: unknown): number {
	ctx.ui.err(`${what}: ${describeError(e)}`);
	return 1;
}

/** ANSI helpers that are no-ops when color is off. */
export function paint(ui: Ui) {
	const wrap = (code: string) => (s: string) => (ui.color ? `\u001b[${code}m${s}\u001b[0m` : s);
	return { bold: wrap("1"), green: wrap("32"), red: wrap("31"), yellow: wrap("33"), cyan: wrap("36") };
}

/** A section header ("\nAllocations") in bold. */
export function header(ctx: Ctx, title: string): void {
	ctx.ui.out(`\n${paint(ctx.ui).bold(title)}`);
}
