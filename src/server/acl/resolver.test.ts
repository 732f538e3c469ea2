import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CodedError } from "../../lib/errors.ts";
import { AclCmd, aclCommands } from "../fsm/aclCommands.ts";
import { FSM } from "../fsm/fsm.ts";
import { StateStore } from "../state/stateStore.ts";
import { AclResolver } from "./resolver.ts";
import { hashSecret } from "./tokens.ts";

function setup() {
	const state = new StateStore();
	const fsm = new FSM(state);
	fsm.registerAll(aclCommands);
	let index = 0;
	let now = Date.parse("2026-01-01T00:00:00Z");
	const apply = (type: string, payload: Record<string, unknown>) => fsm.apply(++index, type, payload);
	const resolver = new AclResolver(
		() => state,
		() => now,
	);
	return { state, apply, resolver, advance: (ms: number) => (now += ms), now: () => now };
}

const token = (secret: string, extra: Record<string, unknown> = {}) => ({
	AccessorID: `acc-${hashSecret(secret).slice(0, 8)}`,
	Type: "client",
	Policies: ["p"],
	SecretHash: hashSecret(secret),
	...extra,
});

describe("AclResolver", () => {
	it("resolves, sees policy edits at once, and refuses expired and unknown tokens", async () => {
		const t = setup();
		t.apply(AclCmd.policyUpsert, { Policies: [{ Name: "p", Rules: 'node { policy = "read" }' }] });
		t.apply(AclCmd.tokenUpsert, {
			Tokens: [token("s1", { ExpirationTime: new Date(t.now() + 60_000).toISOString() })],
		});
		const id = await t.resolver.resolve("s1");
		assert.ok(id.acl.allowNodeRead());
		assert.ok(!id.acl.allowNodeWrite());
		t.apply(AclCmd.policyUpsert, { Policies: [{ Name: "p", Rules: 'node { policy = "write" }' }] });
		assert.ok((await t.resolver.resolve("s1")).acl.allowNodeWrite(), "a policy edit applies to the next request");
		t.advance(60_001);
		await assert.rejects(
			t.resolver.resolve("s1"),
			(e: CodedError) => e.code === 403 && e.message === "ACL token expired",
		);
		await assert.rejects(t.resolver.resolve("nope"), (e: CodedError) => e.message === "ACL token not found");
	});

	it("the anonymous identity gets the anonymous policy, or nothing", async () => {
		const t = setup();
		assert.ok(!(await t.resolver.resolve("")).acl.allowNamespaceOperation("default", "list-jobs"));
		t.apply(AclCmd.policyUpsert, {
			Policies: [{ Name: "anonymous", Rules: 'namespace "default" { policy = "read" }' }],
		});
		assert.ok((await t.resolver.resolve("")).acl.allowNamespaceOperation("default", "list-jobs"));
	});

	it("roles add their policies; management bypasses", async () => {
		const t = setup();
		t.apply(AclCmd.policyUpsert, { Policies: [{ Name: "agent", Rules: 'agent { policy = "write" }' }] });
		t.apply(AclCmd.roleUpsert, { Roles: [{ ID: "r1", Name: "ops", Policies: [{ Name: "agent" }] }] });
		t.apply(AclCmd.tokenUpsert, { Tokens: [token("s2", { Policies: null, Roles: [{ ID: "r1", Name: "ops" }] })] });
		assert.ok((await t.resolver.resolve("s2")).acl.allowAgentWrite());
		t.apply(AclCmd.roleDelete, { IDs: ["r1"] });
		assert.ok(!(await t.resolver.resolve("s2")).acl.allowAgentWrite(), "a deleted role grants nothing");
		t.apply(AclCmd.tokenUpsert, { Tokens: [token("s3", { Type: "management", Policies: null })] });
		assert.ok((await t.resolver.resolve("s3")).acl.isManagement());
	});

	it("bootstrap happens once unless reset with the current index", () => {
		const t = setup();
		const first = t.apply(AclCmd.bootstrap, { Token: token("b1", { Type: "management" }) });
		assert.equal(first.error, undefined);
		const again = t.apply(AclCmd.bootstrap, { Token: token("b2", { Type: "management" }) });
		assert.equal(again.error, `ACL bootstrap already done (reset index: ${first.index})`);
		const reset = t.apply(AclCmd.bootstrap, { Token: token("b3", { Type: "management" }), ResetIndex: first.index });
		assert.equal(reset.error, undefined);
	});

	it("the state never holds a usable secret", () => {
		const t = setup();
		t.apply(AclCmd.tokenUpsert, { Tokens: [token("very-secret-value")] });
		assert.ok(!JSON.stringify(t.state.dump()).includes("very-secret-value"));
	});
});
