// The text side of ACL policies: Rules (HCL1-style or JSON) → validated, expanded Policy.
import { decodePolicy, type Policy, PolicyError, validatePolicy } from "../../acl/policy.ts";
import { parseHcl } from "../../lib/hcl.ts";

/** Parses the Rules text of an ACL policy (HCL or JSON). Empty rules give an empty policy. */
export async function parsePolicy(rules: string, strict: boolean): Promise<Policy> {
	if (rules.trim() === "") return { Namespaces: [], NodePools: [], HostVolumes: [] };
	let root: unknown;
	const trimmed = rules.trimStart();
	try {
		root = trimmed.startsWith("{") ? JSON.parse(rules) : await parseHcl("policy.hcl", rules);
	} catch (err) {
		throw new PolicyError(`Failed to parse ACL Policy: ${(err as Error).message}`);
	}
	const { policy, unknownKeys } = decodePolicy(root);
	return validatePolicy(policy, rules, unknownKeys, strict);
}
