import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACL, globMatch } from "../../acl/acl.ts";
import { type Policy, PolicyError } from "../../acl/policy.ts";
import { parsePolicy } from "./policyText.ts";

describe("parsePolicy", () => {
	it("expands short-hand policies and merges repeated namespace blocks", async () => {
		const p = await parsePolicy(
			`namespace "default" {
  policy = "read"
  capabilities = ["submit-job"]
}
namespace "prod-*" { policy = "write" }
node_pool "gpu" { policy = "read" }
agent { policy = "read" }
node { policy = "write" }
operator { policy = "read" }`,
			true,
		);
		assert.equal(p.Namespaces.length, 2);
		assert.ok(p.Namespaces[0].Capabilities.includes("submit-job"));
		assert.ok(p.Namespaces[0].Capabilities.includes("list-jobs"));
		assert.ok(p.Namespaces[1].Capabilities.includes("read-logs"));
		assert.deepEqual(p.NodePools[0].Capabilities, ["read"]);
		assert.equal(p.Agent?.Policy, "read");
		assert.deepEqual(p.Operator?.Capabilities, ["license-read", "keyring-read"]);
	});

	it("accepts HCL1 single-line nested blocks and variables paths", async () => {
		const p = await parsePolicy(
			`namespace "default" {
  variables { path "app/*" { capabilities = ["read"] } }
}`,
			true,
		);
		assert.deepEqual(p.Namespaces[0].Variables?.Paths, [{ PathSpec: "app/*", Capabilities: ["read", "list"] }]);
	});

	it("accepts the JSON form", async () => {
		const p = await parsePolicy(`{"namespace": {"default": {"policy": "write"}}, "agent": {"policy": "write"}}`, true);
		assert.equal(p.Namespaces[0].Name, "default");
		assert.equal(p.Agent?.Policy, "write");
	});

	const bad: [string, RegExp][] = [
		[`namespace "default" { policy = "bogus" }`, /^Invalid namespace policy: &acl.NamespacePolicy\{Name:"default"/],
		[`namespace "default" { capabilities = ["fly"] }`, /^Invalid namespace capability 'fly'/],
		[`namespace "a b" { policy = "read" }`, /^Invalid namespace name/],
		[`agent { policy = "root" }`, /^Invalid agent policy/],
		[`node_pool "x" { policy = "read"\n capabilities = ["nope"] }`, /^Invalid node pool capability 'nope' for 'x'/],
		[`operator { capabilities = ["nope"] }`, /^Invalid operator capability 'nope'/],
		[`plugin { policy = "scale" }`, /^Invalid plugin policy/],
		[`bogus = 1\nagent { policy = "read" }`, /^Invalid or duplicate policy keys: bogus$/],
		[
			`namespace "default" {\n variables {\n path "/abs" { capabilities = ["read"] }\n }\n}`,
			/cannot start with a leading/,
		],
		[`namespace "x" {`, /^Failed to parse ACL Policy: /],
		[`foo = 1`, /^Invalid or duplicate policy keys|^Invalid policy/],
	];
	for (const [rules, re] of bad) {
		it(`refuses ${JSON.stringify(rules.slice(0, 40))}`, async () => {
			await assert.rejects(parsePolicy(rules, true), (e: Error) => e instanceof PolicyError && re.test(e.message));
		});
	}

	it("lenient parsing ignores unknown keys", async () => {
		const p = await parsePolicy(`bogus = 1\nagent { policy = "read" }`, false);
		assert.equal(p.Agent?.Policy, "read");
	});
});

describe("ACL", () => {
	const compile = async (...rules: string[]): Promise<ACL> => {
		const ps: Policy[] = [];
		for (const r of rules) ps.push(await parsePolicy(r, true));
		return ACL.fromPolicies(ps);
	};

	it("globMatch follows go-glob", () => {
		assert.ok(globMatch("*", ""));
		assert.ok(globMatch("prod-*", "prod-web"));
		assert.ok(globMatch("*-web", "prod-web"));
		assert.ok(globMatch("a*b*c", "abc"));
		assert.ok(!globMatch("a*b*c", "acb"));
		assert.ok(!globMatch("prod", "prod-web"));
	});

	it("exact beats glob, closest glob wins, deny wipes", async () => {
		const acl = await compile(
			`namespace "*" { policy = "read" }
namespace "prod-*" { policy = "write" }
namespace "secret" { policy = "deny" }`,
			`namespace "secret" { policy = "write" }`,
		);
		assert.ok(acl.allowNamespaceOperation("dev", "read-job"));
		assert.ok(!acl.allowNamespaceOperation("dev", "submit-job"));
		assert.ok(acl.allowNamespaceOperation("prod-api", "submit-job"));
		assert.ok(!acl.allowNamespaceOperation("secret", "read-job"));
		assert.ok(!acl.allowNamespace("secret"));
		assert.ok(acl.allowNamespace("dev"));
	});

	it("namespace * allows when any namespace does", async () => {
		const acl = await compile(`namespace "team" { policy = "read" }`);
		assert.ok(acl.allowNamespaceOperation("*", "list-jobs"));
		assert.ok(!acl.allowNamespaceOperation("*", "submit-job"));
		assert.ok(!acl.allowNamespaceOperation("default", "list-jobs"));
	});

	it("levels take the max privilege with deny winning", async () => {
		const acl = await compile(`agent { policy = "read" }\nnode { policy = "write" }`, `agent { policy = "write" }`);
		assert.ok(acl.allowAgentWrite());
		assert.ok(acl.allowNodeRead() && acl.allowNodeWrite());
		const denied = await compile(`agent { policy = "write" }`, `agent { policy = "deny" }`);
		assert.ok(!denied.allowAgentRead());
		assert.ok(!(await compile(`node { policy = "read" }`)).allowOperatorRead());
	});

	it("management and disabled bypass; debug needs enable_debug when disabled", () => {
		assert.ok(ACL.management().allowNamespaceOperation("x", "alloc-exec"));
		assert.ok(ACL.aclsDisabled().allowNodeWrite());
		assert.ok(!ACL.aclsDisabled().allowAgentDebug(false));
		assert.ok(ACL.aclsDisabled().allowAgentDebug(true));
		assert.ok(ACL.management().allowAgentDebug(false));
		assert.ok(!ACL.fromPolicies([]).allowAgentRead());
	});

	it("variables paths match by glob; read implies list", async () => {
		const acl = await compile(`namespace "default" {\n variables {\n path "app/*" { capabilities = ["read"] }\n }\n}`);
		assert.ok(acl.allowVariableOperation("default", "app/db", "list"));
		assert.ok(!acl.allowVariableOperation("default", "app/db", "write"));
		assert.ok(!acl.allowVariableOperation("default", "other", "read"));
	});
});
