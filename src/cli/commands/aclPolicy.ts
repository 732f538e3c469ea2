// acl policy apply|list|info|delete, acl role create|update|list|info|delete.
import { readFileSync } from "node:fs";
import { formatKV, formatList } from "../format.ts";
import { type Command, fail, OUTPUT_FLAGS } from "../meta.ts";
import { deleter, type Obj, showObject } from "./common.ts";

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

export const aclPolicyCommands: Command[] = [
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
