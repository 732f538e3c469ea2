// Secret → decision object. Looks the token up by the hash of its secret, gathers its policies
// (directly and through roles), and compiles them; compiled policies and ACLs are cached and
// invalidated by the policy/role tables' indexes, so a policy edit takes effect on the next request.
import { ACL } from "../../acl/acl.ts";
import type { Policy } from "../../acl/policy.ts";
import { CodedError } from "../../lib/errors.ts";
import type { Row } from "../state/schema.ts";
import type { StateView } from "../state/stateStore.ts";
import { parsePolicy } from "./policyText.ts";
import { ANONYMOUS_POLICY, hashSecret, isExpired } from "./tokens.ts";

export const ERR_PERMISSION_DENIED = "Permission denied";
export const ERR_TOKEN_NOT_FOUND = "ACL token not found";
export const ERR_TOKEN_EXPIRED = "ACL token expired";

export interface Identity {
	acl: ACL;
	/** The stored token row; undefined for the anonymous identity. */
	token: Row | undefined;
}

export class AclResolver {
	private readonly view: () => StateView;
	private readonly now: () => number;
	private readonly policies = new Map<string, { modifyIndex: number; policy: Policy }>();
	private compiled = new Map<string, ACL>();
	private compiledAt = "";

	constructor(view: () => StateView, now: () => number = Date.now) {
		this.view = view;
		this.now = now;
	}

	/** The stored token for a secret (undefined when unknown); no expiry check. */
	lookup(secret: string): Row | undefined {
		for (const t of this.view().byIndex("acl_tokens", "secret", hashSecret(secret))) return t;
		return undefined;
	}

	/** Throws 403 with Nomad's message when the secret is unknown or expired. */
	async resolve(secret: string): Promise<Identity> {
		if (secret === "") return { acl: await this.compile([ANONYMOUS_POLICY], true), token: undefined };
		const token = this.lookup(secret);
		if (!token) throw new CodedError(403, ERR_TOKEN_NOT_FOUND);
		if (isExpired(token, this.now())) throw new CodedError(403, ERR_TOKEN_EXPIRED);
		if (token.Type === "management") return { acl: ACL.management(), token };
		return { acl: await this.compile(this.policyNames(token), false), token };
	}

	/** The parsed policies behind an identity (anonymous when token is undefined), for remote agents. */
	async policiesOf(token: Row | undefined): Promise<Policy[]> {
		const names = this.namesOf(token);
		const view = this.view();
		const out: Policy[] = [];
		for (const n of names) {
			const row = view.get("acl_policies", n);
			if (row) out.push(await this.parsed(row));
		}
		return out;
	}

	/** The policy names an identity holds: the token's, or `anonymous` without one. */
	namesOf(token: Row | undefined): string[] {
		return token ? this.policyNames(token) : [ANONYMOUS_POLICY];
	}

	/** The token's policies, directly and through its roles. */
	policyNames(token: Row): string[] {
		const names = new Set<string>((token.Policies as string[] | null) ?? []);
		const view = this.view();
		for (const link of (token.Roles as Row[] | null) ?? []) {
			const role = view.get("acl_roles", link.ID as string);
			for (const p of (role?.Policies as Row[] | null) ?? []) names.add(p.Name as string);
		}
		return [...names].sort();
	}

	private async compile(names: string[], anonymous: boolean): Promise<ACL> {
		const view = this.view();
		const stamp = `${view.tableIndex("acl_policies")}/${view.tableIndex("acl_roles")}`;
		if (stamp !== this.compiledAt) {
			this.compiled = new Map();
			this.compiledAt = stamp;
		}
		const key = `${anonymous ? "anon:" : ""}${names.join(",")}`;
		const hit = this.compiled.get(key);
		if (hit) return hit;
		const list: Policy[] = [];
		for (const name of names) {
			const row = view.get("acl_policies", name);
			if (!row) continue; // a deleted policy simply grants nothing
			list.push(await this.parsed(row));
		}
		const acl = ACL.fromPolicies(list);
		this.compiled.set(key, acl);
		return acl;
	}

	private async parsed(row: Row): Promise<Policy> {
		const name = row.Name as string;
		const cached = this.policies.get(name);
		if (cached && cached.modifyIndex === row.ModifyIndex) return cached.policy;
		// Lenient: a stored policy keeps working even if written before a stricter check existed.
		const policy = await parsePolicy(String(row.Rules ?? ""), false);
		this.policies.set(name, { modifyIndex: row.ModifyIndex as number, policy });
		return policy;
	}
}
