// acl bootstrap, acl token create|update|list|info|self|delete, acl policy apply|list|info|delete,
// acl role create|update|list|info|delete.
import { readFileSync } from "node:fs";
import { parseDuration } from "../../lib/duration.ts";
import { formatKV, formatList, formatUnixNano } from "../format.ts";
import { type Command, type Ctx, fail, OUTPUT_FLAGS } from "../meta.ts";
import type { Obj } from "./common.ts";

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

function formatRole(r: Obj): string {
	const policies = ((r.Policies as Obj[] | null) ?? []).map((p) => p.Name);
	return formatKV([
		`ID|${r.ID}`,
		`Name|${r.Name}`,
		`Description|${r.Description ?? ""}`,
		`Policies|${policies.join(",")}`,
		`Create Index|${r.CreateIndex}`,
		`Modify Index|${r.ModifyIndex}`,
	]);
}

async function showObject(ctx: Ctx, path: string, what: string, format: (o: Obj) => string): Promise<number> {
	let o: Obj;
	try {
		o = (await ctx.client().get<Obj>(path)).data;
	} catch (e) {
		return fail(ctx, `Error fetching ${what}`, e);
	}
	if (!ctx.formatted(o)) ctx.ui.out(format(o));
	return 0;
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

function deleter(
	name: string,
	what: string,
	arg: string,
	path: (id: string) => string,
	done: (id: string) => string,
): Command {
	return {
		name,
		synopsis: `Delete an existing ${what}`,
		usage: `<${arg}>`,
		help: `Deletes an ACL ${what}.`,
		run: async (ctx) => {
			if (ctx.args.length !== 1) return ctx.usageError(`This command takes one argument: <${arg}>`);
			const id = ctx.args[0] as string;
			try {
				await ctx.client().delete(path(encodeURIComponent(id)));
			} catch (e) {
				return fail(ctx, `Error deleting ${what}`, e);
			}
			ctx.ui.out(done(id));
			return 0;
		},
	};
}

const policyApply: Command = {
	name: "acl policy apply",
	synopsis: "Create or update an ACL policy",
	usage: "<name> <path>",
	help: 'Creates or replaces the named policy with the rules in the file ("-" reads standard input).',
	flags: [{ name: "description", kind: "string", usage: "Description of the policy." }],
	run: async (ctx) => {
		if (ctx.args.length !== 2) return ctx.usageError("This command takes two arguments: <name> <path>");
		const [name, path] = ctx.args as [string, string];
		let rules: string;
		try {
			rules = readFileSync(path === "-" ? 0 : path, "utf8");
		} catch (e) {
			ctx.ui.err(`Error reading policy file: ${(e as Error).message}`);
			return 1;
		}
		try {
			await ctx.client().post(`/v1/acl/policy/${encodeURIComponent(name)}`, {
				Name: name,
				Description: (ctx.f.description as string) ?? "",
				Rules: rules,
			});
		} catch (e) {
			return fail(ctx, "Error writing ACL policy", e);
		}
		ctx.ui.out(`Successfully wrote "${name}" ACL policy!`);
		return 0;
	},
};

const policyList: Command = {
	name: "acl policy list",
	synopsis: "List ACL policies",
	help: "Lists the ACL policies.",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let list: Obj[];
		try {
			list = (await ctx.client().get<Obj[]>("/v1/acl/policies")).data ?? [];
		} catch (e) {
			return fail(ctx, "Error fetching ACL policies", e);
		}
		if (ctx.formatted(list)) return 0;
		if (list.length === 0) {
			ctx.ui.out("No policies found");
			return 0;
		}
		ctx.ui.out(formatList(["Name|Description", ...list.map((p) => `${p.Name}|${p.Description ?? ""}`)]));
		return 0;
	},
};

const policyInfo: Command = {
	name: "acl policy info",
	synopsis: "Fetch info on an existing ACL policy",
	usage: "<name>",
	help: "Shows an ACL policy and its rules.",
	flags: OUTPUT_FLAGS,
	run: (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <name>");
		return showObject(
			ctx,
			`/v1/acl/policy/${encodeURIComponent(ctx.args[0] as string)}`,
			"ACL policy",
			(p) =>
				`${formatKV([`Name|${p.Name}`, `Description|${p.Description ?? ""}`, `CreateIndex|${p.CreateIndex}`, `ModifyIndex|${p.ModifyIndex}`])}\n\nRules\n\n${String(p.Rules ?? "").trimEnd()}`,
		);
	},
};

const ROLE_FLAGS = [
	{ name: "name", kind: "string", usage: "Name of the role." },
	{ name: "description", kind: "string", usage: "Description of the role." },
	{ name: "policy", kind: "list", usage: "A policy of the role (repeatable)." },
] as const;

const roleCreate: Command = {
	name: "acl role create",
	synopsis: "Create a new ACL role",
	help: "Creates an ACL role that groups policies.",
	flags: [...ROLE_FLAGS, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length !== 0) return ctx.usageError("This command takes no arguments");
		if (!ctx.f.name) return ctx.usageError("ACL role name must be specified using the -name flag");
		let r: Obj;
		try {
			r = (
				await ctx.client().post<Obj>("/v1/acl/role", {
					Name: ctx.f.name,
					Description: ctx.f.description ?? "",
					Policies: (ctx.f.policy as string[]).map((Name) => ({ Name })),
				})
			).data;
		} catch (e) {
			return fail(ctx, "Error creating ACL role", e);
		}
		if (!ctx.formatted(r)) ctx.ui.out(formatRole(r));
		return 0;
	},
};

const roleUpdate: Command = {
	name: "acl role update",
	synopsis: "Update an existing ACL role",
	usage: "<acl_role_id>",
	help: "Changes the given fields of an ACL role; the others keep their values.",
	flags: [...ROLE_FLAGS, ...OUTPUT_FLAGS],
	run: async (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <acl_role_id>");
		const c = ctx.client();
		let r: Obj;
		try {
			r = (await c.get<Obj>(`/v1/acl/role/${encodeURIComponent(ctx.args[0] as string)}`)).data;
			if (ctx.set.has("name")) r.Name = ctx.f.name;
			if (ctx.set.has("description")) r.Description = ctx.f.description;
			if (ctx.set.has("policy")) r.Policies = (ctx.f.policy as string[]).map((Name) => ({ Name }));
			r = (await c.post<Obj>(`/v1/acl/role/${r.ID}`, r)).data;
		} catch (e) {
			return fail(ctx, "Error updating ACL role", e);
		}
		if (!ctx.formatted(r)) ctx.ui.out(formatRole(r));
		return 0;
	},
};

const roleList: Command = {
	name: "acl role list",
	synopsis: "List ACL roles",
	help: "Lists the ACL roles.",
	flags: OUTPUT_FLAGS,
	run: async (ctx) => {
		let list: Obj[];
		try {
			list = (await ctx.client().get<Obj[]>("/v1/acl/roles")).data ?? [];
		} catch (e) {
			return fail(ctx, "Error listing ACL roles", e);
		}
		if (ctx.formatted(list)) return 0;
		if (list.length === 0) {
			ctx.ui.out("No ACL roles found");
			return 0;
		}
		ctx.ui.out(
			formatList([
				"ID|Name|Description|Policies",
				...list.map(
					(r) =>
						`${r.ID}|${r.Name}|${r.Description ?? ""}|${((r.Policies as Obj[] | null) ?? []).map((p) => p.Name).join(",")}`,
				),
			]),
		);
		return 0;
	},
};

const roleInfo: Command = {
	name: "acl role info",
	synopsis: "Fetch information on an existing ACL role",
	usage: "<acl_role_id>",
	help: "Shows an ACL role by ID (or by name with -by-name).",
	flags: [{ name: "by-name", kind: "bool", usage: "The argument is the role's name." }, ...OUTPUT_FLAGS],
	run: (ctx) => {
		if (ctx.args.length !== 1) return ctx.usageError("This command takes one argument: <acl_role_id>");
		const id = encodeURIComponent(ctx.args[0] as string);
		return showObject(
			ctx,
			ctx.f["by-name"] === true ? `/v1/acl/role/name/${id}` : `/v1/acl/role/${id}`,
			"ACL role",
			formatRole,
		);
	},
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
	policyApply,
	policyList,
	policyInfo,
	deleter(
		"acl policy delete",
		"policy",
		"name",
		(id) => `/v1/acl/policy/${id}`,
		(id) => `Successfully deleted "${id}" ACL policy!`,
	),
	roleCreate,
	roleUpdate,
	roleList,
	roleInfo,
	deleter(
		"acl role delete",
		"role",
		"acl_role_id",
		(id) => `/v1/acl/role/${id}`,
		(id) => `ACL role ${id} successfully deleted`,
	),
];
