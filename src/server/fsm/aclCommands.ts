// Commands for the ACL tables: policies, tokens, roles, one-time tokens and the bootstrap marker.
// Endpoints validate and stamp IDs, secrets (hashed and sealed) and times before appending; the
// handlers only re-check what must hold at apply time (the bootstrap happens once per reset index).
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";
import type { CommandHandler } from "./fsm.ts";

export const AclCmd = {
	policyUpsert: "ACLPolicyUpsert",
	policyDelete: "ACLPolicyDelete",
	tokenUpsert: "ACLTokenUpsert",
	tokenDelete: "ACLTokenDelete",
	bootstrap: "ACLTokenBootstrap",
	roleUpsert: "ACLRoleUpsert",
	roleDelete: "ACLRoleDelete",
	oneTimeUpsert: "ACLOneTimeTokenUpsert",
	oneTimeDelete: "ACLOneTimeTokenDelete",
} as const;

function stamp(tx: WriteTxn, existing: Row | undefined, row: Row): Row {
	return { ...row, CreateIndex: (existing?.CreateIndex as number | undefined) ?? tx.index, ModifyIndex: tx.index };
}

export const aclCommands: Record<string, CommandHandler> = {
	[AclCmd.policyUpsert]: (tx, p) => {
		for (const pol of p.Policies as Row[])
			tx.put("acl_policies", stamp(tx, tx.get("acl_policies", pol.Name as string), pol));
		return true;
	},

	[AclCmd.policyDelete]: (tx, p) => {
		for (const name of p.Names as string[]) tx.delete("acl_policies", name);
		return true;
	},

	[AclCmd.tokenUpsert]: (tx, p) => {
		const out: Row[] = [];
		for (const t of p.Tokens as Row[]) {
			const row = stamp(tx, tx.get("acl_tokens", t.AccessorID as string), t);
			tx.put("acl_tokens", row);
			out.push(row);
		}
		return out;
	},

	[AclCmd.tokenDelete]: (tx, p) => {
		for (const id of p.AccessorIDs as string[]) tx.delete("acl_tokens", id);
		return true;
	},

	[AclCmd.bootstrap]: (tx, p) => {
		const done = tx.get("acl_bootstrap", "bootstrap");
		const reset = (p.ResetIndex as number | undefined) ?? 0;
		// A second bootstrap is only allowed when the operator names the current bootstrap index.
		if (done && done.BootstrapIndex !== reset) {
			throw new Error(`ACL bootstrap already done (reset index: ${done.BootstrapIndex as number})`);
		}
		const token = stamp(tx, undefined, p.Token as Row);
		tx.put("acl_tokens", token);
		tx.put("acl_bootstrap", { BootstrapIndex: tx.index });
		return token;
	},

	[AclCmd.roleUpsert]: (tx, p) => {
		const out: Row[] = [];
		for (const r of p.Roles as Row[]) {
			const row = stamp(tx, tx.get("acl_roles", r.ID as string), r);
			tx.put("acl_roles", row);
			out.push(row);
		}
		return out;
	},

	[AclCmd.roleDelete]: (tx, p) => {
		for (const id of p.IDs as string[]) tx.delete("acl_roles", id);
		return true;
	},

	[AclCmd.oneTimeUpsert]: (tx, p) => {
		const row = stamp(tx, undefined, p.OneTimeToken as Row);
		tx.put("acl_onetime", row);
		return row;
	},

	[AclCmd.oneTimeDelete]: (tx, p) => {
		for (const h of p.SecretHashes as string[]) tx.delete("acl_onetime", h);
		return true;
	},
};
