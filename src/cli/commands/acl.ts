// acl bootstrap, acl token create|update|list|info|self|delete (policies and roles: aclPolicy.ts).
import { readFileSync } from "node:fs";
import { parseDuration } from "../../lib/duration.ts";
import { formatKV, formatList, formatUnixNano } from "../format.ts";
import { type Command, type Ctx, fail, OUTPUT_FLAGS } from "../meta.ts";
import { aclPolicyCommands } from "./aclPolicy.ts";
import { deleter, type Obj, showObject } from "./common.ts";

function timeOf(v: unknown): string {
	if (v === null || v === undefined || v === "") return "<none>";
	if (typeof v === "number") return formatUnixNano(v);
	const t = Date.parse(String(v));
	return Number.isNaN(t) || t < 1000 ? "<none>" : formatUnixNano(t * 1e6);
}

export function formatToken(t: Obj): string {
	const roles = ((t.Roles as Obj[] | null) ?? []).map((r) => r.Name || r.ID);
	const policies = (t.Policies as string[] | null) ?? [];
	const management = t.Type === "management";
	return formatKV([
		`Accessor ID|${t.AccessorID}`,
		`Secret ID|${t.SecretID}`,
		`Name|${t.Name ?? ""}`,
		`Type|${t.Type}`,
		`Global|${t.Global === true}`,
		`Create Time|${timeOf(t.CreateTime)}`,
		`Expiry Time|${timeOf(t.ExpirationTime)}`,
		`Create Index|${t.CreateIndex}`,
		`Modify Index|${t.ModifyIndex}`,
		`Policies|${management ? "n/a" : `[${policies.join(" ")}]`}`,
		`Roles|${management ? "n/a" : roles.length ? roles.join(",") : "<none>"}`,
	]);
}

const bootstrap: Command = {
	name: "acl bootstrap",
	synopsis: "Bootstrap the ACL system for initial token",
	usage: "[<path>]",
	help: 'Creates the initial management token. Optionally reads the secret to use from a file ("-" reads\nstandard input).',
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		if (ctx.args.length > 1) return ctx.usageError("This command takes up to one argument");
		let body: Obj = {};
		if (ctx.args[0]) {
			try {
				const secret = readFileSync(ctx.args[0] === "-" ? 0 : ctx.args[0], "utf8").trim();
				body = { BootstrapSecret: secret };
			} catch (e) {
				ctx.ui.err(`Error reading provided token: ${(e as Error).message}`);
				return 1;
			}
		}
		let t: Obj;
		try {
			t = (await ctx.client().post<Obj>("/v1/acl/bootstrap", body)).data;
		} catch (e) {
			return fail(ctx, "Error bootstrapping", e);
		}
		if (!ctx.formatted(t)) ctx.ui.out(formatToken(t));
		return 0;
	},
};

const TOKEN_FLAGS = [
	{ name: "name", kind: "string", usage: "Name of the token." },
	{ name: "type", kind: "string", usage: "client (default) or management." },
	{ name: "global", kind: "bool", usage: "Replicate the token to every region." },
	{ name: "policy", kind: "list", usage: "A policy of the token (repeatable)." },
	{ name: "role-id", kind: "list", usage: "A role of the token, by ID (repeatable)." },
	{ name: "role-name", kind: "list", usage: "A role of the token, by name (repeatable)." },
] as const;

function tokenRoles(ctx: Ctx): Obj[] {
	return [
		...(ctx.f["role-id"] as string[]).map((ID) => ({ ID })),
		...(ctx.f["role-name"] as string[]).map((Name) => ({ Name })),
	];
}

const tokenCreate: Command = {
	name: "acl token create",
	synopsis: "Create a new token",
	help: "Creates an ACL token with the given policies and roles (or a management token).",
	flags: [...TOKEN_FLAGS, { name: "ttl", kind: "string", usage: "Lifetime of the token, e.g. 8h." }, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length !== 0) return ctx.usageError("This command takes no arguments");
		const body: Obj = {
			Name: ctx.f.name ?? "",
			Type: ctx.f.type ?? "client",
			Policies: ctx.f.policy,
			Roles: tokenRoles(ctx),
			Global: ctx.f.global === true,
		};
		if (ctx.f.ttl) {
			try {
				body.ExpirationTTL = parseDuration(String(ctx.f.ttl));
			} catch (e) {
				ctx.ui.err(`Failed to parse TTL as time duration: ${(e as Error).message}`);
				return 1;
			}
		}
		let t: Obj;
		try {
			t = (await ctx.client().post<Obj>("/v1/acl/token", body)).data;
		} catch (e) {
			return fail(ctx, "Error creating token", e);
		}
		if (!ctx.formatted(t)) ctx.ui.out(formatToken(t));
		return 0;
	},
};

const tokenUpdate: Command = {
	name: "acl token update",
	synopsis: "Update an existing token",
	usage: "<token_accessor_id>",
	help: "Changes the given fields of a token; the others keep their values.",
	flags: [...TOKEN_FLAGS, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <token_accessor_id>");
		const c = ctx.client();
		let t: Obj;
		try {
			t = (await c.get<Obj>(`/v1/acl/token/${ctx.args[0]}`)).data;
		} catch (e) {
			return fail(ctx, "Error fetching token", e);
		}
		if (ctx.set.has("name")) t.Name = ctx.f.name;
		if (ctx.set.has("type")) t.Type = ctx.f.type;
		if (ctx.set.has("global")) t.Global = ctx.f.global;
		if (ctx.set.has("policy")) t.Policies = ctx.f.policy;
		if (ctx.set.has("role-id") || ctx.set.has("role-name")) t.Roles = tokenRoles(ctx);
		try {
			t = (await c.post<Obj>(`/v1/acl/token/${t.AccessorID}`, t)).data;
		} catch (e) {
			return fail(ctx, "Error updating token", e);
		}
		if (!ctx.formatted(t)) ctx.ui.out(formatToken(t));
		return 0;
	},
};

const tokenList: Command = {
	name: "acl token list",
	synopsis: "List tokens",
	help: "Lists the ACL tokens (management token required).",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let tokens: Obj[];
		try {
			tokens = (await ctx.client().get<Obj[]>("/v1/acl/tokens")).data ?? [];
		} catch (e) {
			return fail(ctx, "Error fetching tokens", e);
		}
		if (ctx.formatted(tokens)) return 0;
		if (tokens.length === 0) {
			ctx.ui.out("No tokens found");
			return 0;
		}
		const now = Date.now();
		const rows = ["Name|Type|Global|Accessor ID|Expired"];
		for (const t of tokens) {
			const exp = t.ExpirationTime ? Date.parse(String(t.ExpirationTime)) : Number.NaN;
			rows.push(`${t.Name ?? ""}|${t.Type}|${t.Global === true}|${t.AccessorID}|${!Number.isNaN(exp) && exp < now}`);
		}
		ctx.ui.out(formatList(rows));
		return 0;
	},
};

const tokenInfo: Command = {
	name: "acl token info",
	synopsis: "Fetch information on an existing token",
	usage: "<token_accessor_id>",
	help: "Shows an ACL token by its accessor ID.",
	flags: OUTPUT_FLAGS,
	run: (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <token_accessor_id>");
		return showObject(ctx, `/v1/acl/token/${encodeURIComponent(ctx.args[0] as string)}`, "token", formatToken);
	},
};

const tokenSelf: Command = {
	name: "acl token self",
	synopsis: "Lookup self token",
	help: "Shows the token the CLI is using (-token or NOMAD_TOKEN).",
	flags: OUTPUT_FLAGS,
	run: (ctx) => showObject(ctx, "/v1/acl/token/self", "self token", formatToken),
};

export const aclCommands: Command[] = [
	bootstrap,
	tokenCreate,
	tokenUpdate,
	tokenList,
	tokenInfo,
	tokenSelf,
	deleter(
		"acl token delete",
		"token",
		"token_accessor_id",
		(id) => `/v1/acl/token/${id}`,
		(id) => `Token ${id} successfully deleted`,
	),
	...aclPolicyCommands,
];
