// ACLs end to end on a dev agent with acl.enabled: bootstrap, policies, tokens, roles, one-time
// tokens, and enforcement of every route's declared capability (a generated matrix).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Route } from "../src/agent/http/types.ts";
import { type StartedAgent, startDevAgent } from "./helpers/agentProcess.ts";

let agent: StartedAgent;

async function call(method: string, path: string, token?: string, body?: unknown) {
	const headers: Record<string, string> = {};
	if (token) headers["X-Nomad-Token"] = token;
	const r = await fetch(`${agent.url}${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await r.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: r.status, text, json, headers: r.headers };
}

describe("ACLs", () => {
	let mgmt: string;
	const tokens: Record<string, string> = {};

	before(async () => {
		agent = await startDevAgent(["-acl-enabled"]);
	});
	after(async () => {
		await agent?.stop();
	});

	it("bootstraps once", async () => {
		const denied = await call("GET", "/v1/jobs");
		assert.equal(denied.status, 403);
		assert.equal(denied.text, "Permission denied");
		const r = await call("POST", "/v1/acl/bootstrap");
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.Type, "management");
		assert.equal(r.json.Name, "Bootstrap Token");
		assert.match(r.json.SecretID, /^[0-9a-f-]{36}$/);
		assert.ok(Number(r.headers.get("x-nomad-index")) > 0);
		mgmt = r.json.SecretID;
		const again = await call("POST", "/v1/acl/bootstrap");
		assert.equal(again.status, 400);
		assert.match(again.text, /^ACL bootstrap already done \(reset index: \d+\)$/);
	});

	it("rejects unknown tokens and bad policies", async () => {
		const r = await call("GET", "/v1/jobs", "00000000-0000-0000-0000-000000000000");
		assert.equal(r.status, 403);
		assert.equal(r.text, "ACL token not found");
		const bad = await call("PUT", "/v1/acl/policy/bad", mgmt, {
			Name: "bad",
			Rules: 'namespace "x" { policy = "fly" }',
		});
		assert.equal(bad.status, 400);
		assert.match(
			bad.text,
			/^policy 0 invalid: 1 error occurred:\n\t\* failed to parse rules: Invalid namespace policy/,
		);
		const mismatch = await call("PUT", "/v1/acl/policy/a", mgmt, { Name: "b", Rules: 'agent { policy = "read" }' });
		assert.equal(mismatch.text, "ACL policy name does not match request path");
	});

	it("creates policies and tokens; the token grants what its policies say", async () => {
		const policies: Record<string, string> = {
			"ns-read": 'namespace "default" { policy = "read" }',
			"ns-write": 'namespace "default" { policy = "write" }',
			"node-read": 'node { policy = "read" }',
			"node-write": 'node { policy = "write" }',
			"agent-read": 'agent { policy = "read" }',
			"agent-write": 'agent { policy = "write" }',
			anonymous: 'namespace "default" { policy = "read" }',
		};
		for (const [name, rules] of Object.entries(policies)) {
			const r = await call("PUT", `/v1/acl/policy/${name}`, mgmt, { Name: name, Rules: rules, Description: name });
			assert.equal(r.status, 200, r.text);
		}
		for (const name of Object.keys(policies)) {
			if (name === "anonymous") continue;
			const r = await call("PUT", "/v1/acl/token", mgmt, { Name: name, Type: "client", Policies: [name] });
			assert.equal(r.status, 200, r.text);
			assert.deepEqual(r.json.Policies, [name]);
			tokens[name] = r.json.SecretID;
		}
		const exp = await call("PUT", "/v1/acl/token", mgmt, {
			Name: "short",
			Type: "client",
			Policies: ["ns-read"],
			ExpirationTTL: 60e9,
		});
		assert.equal(exp.status, 200, exp.text);
		assert.ok(exp.json.ExpirationTime);

		const list = await call("GET", "/v1/acl/tokens", mgmt);
		assert.equal(list.status, 200);
		assert.ok(list.json.length >= 8);
		for (const t of list.json) assert.equal(t.SecretID, undefined, "list stubs never carry secrets");

		const self = await call("GET", "/v1/acl/token/self", tokens["ns-read"]);
		assert.equal(self.json.SecretID, tokens["ns-read"]);
		const own = await call("GET", "/v1/acl/policies", tokens["ns-read"]);
		assert.deepEqual(
			own.json.map((p: any) => p.Name),
			["ns-read"],
		);
		assert.equal((await call("GET", "/v1/acl/tokens", tokens["ns-read"])).status, 403);

		const badToken = await call("PUT", "/v1/acl/token", mgmt, { Type: "client" });
		assert.equal(badToken.status, 400);
		assert.match(badToken.text, /client token missing policies or roles/);
	});

	it("roles carry policies to tokens", async () => {
		const role = await call("PUT", "/v1/acl/role", mgmt, { Name: "readers", Policies: [{ Name: "node-read" }] });
		assert.equal(role.status, 200, role.text);
		const t = await call("PUT", "/v1/acl/token", mgmt, { Type: "client", Roles: [{ Name: "readers" }] });
		assert.equal(t.status, 200, t.text);
		assert.equal((await call("GET", "/v1/nodes", t.json.SecretID)).status, 200);
		assert.equal((await call("GET", "/v1/jobs", t.json.SecretID)).status, 403);
		const byName = await call("GET", "/v1/acl/role/name/readers", mgmt);
		assert.equal(byName.json.ID, role.json.ID);
	});

	it("one-time tokens exchange once", async () => {
		const ott = await call("PUT", "/v1/acl/token/onetime", tokens["node-read"]);
		assert.equal(ott.status, 200, ott.text);
		const secret = ott.json.OneTimeToken.OneTimeSecretID;
		const ex = await call("PUT", "/v1/acl/token/onetime/exchange", undefined, { OneTimeSecretID: secret });
		assert.equal(ex.status, 200, ex.text);
		assert.equal(ex.json.Token.SecretID, tokens["node-read"]);
		const again = await call("PUT", "/v1/acl/token/onetime/exchange", undefined, { OneTimeSecretID: secret });
		assert.equal(again.status, 403);
	});

	it("deleting a token revokes it at once", async () => {
		const t = await call("PUT", "/v1/acl/token", mgmt, { Type: "client", Policies: ["ns-read"] });
		assert.equal((await call("GET", "/v1/jobs", t.json.SecretID)).status, 200);
		assert.equal((await call("DELETE", `/v1/acl/token/${t.json.AccessorID}`, mgmt)).status, 200);
		assert.equal((await call("GET", "/v1/jobs", t.json.SecretID)).text, "ACL token not found");
	});

	it("enforces every route's declared capability (matrix)", async () => {
		const { buildRouter } = await import("../src/agent/http/routes/index.ts");
		const { allowed, requirementFor } = await import("../src/agent/http/authorize.ts");
		const fakeAgent: any = { region: "global", aclEnabled: true, enableDebug: true, metrics: undefined };
		const routes: Route[] = buildRouter(fakeAgent).routes();
		assert.ok(routes.length > 50);
		for (const r of routes) {
			// Fails when a route is added without a declared capability.
			assert.ok(r.acl !== undefined, `route ${r.pattern} declares no ACL`);
		}
		// Identities → which plain (non-namespace) requirements they satisfy.
		const expectations: Record<string, Record<string, boolean>> = {
			"agent:read": { "agent-read": true, "agent-write": true, "node-read": false, "ns-write": false },
			"agent:write": { "agent-read": false, "agent-write": true, "node-read": false },
			"node:read": { "node-read": true, "node-write": true, "agent-write": false, "ns-write": false },
			"node:write": { "node-read": false, "node-write": true },
			"namespace:read-job": { "ns-read": true, "ns-write": true, "node-write": false },
			"namespace:submit-job": { "ns-read": false, "ns-write": true },
			management: { "ns-write": false, "agent-write": false, "node-write": false },
		};
		// Probe one real GET route per requirement on the live agent, per identity.
		const probes: Record<string, string> = {
			"agent:read": "/v1/agent/self",
			"node:read": "/v1/nodes",
			"namespace:read-job": "/v1/jobs",
			management: "/v1/acl/tokens",
		};
		for (const [req, path] of Object.entries(probes)) {
			for (const [who, allow] of Object.entries(expectations[req])) {
				const r = await call("GET", path, tokens[who]);
				assert.equal(r.status === 403, !allow, `${who} on ${path} (${req}): ${r.status} ${r.text}`);
			}
			assert.equal((await call("GET", path, mgmt)).status, 200, `management on ${path}`);
			const expired = await call("GET", path, "not-a-token");
			assert.equal(expired.status, 403);
		}
		// Every route × method: the declared requirement decides (checked through `allowed`).
		const { ACL } = await import("../src/acl/acl.ts");
		for (const r of routes) {
			for (const m of ["GET", "PUT", "POST", "DELETE"]) {
				const req = requirementFor(r, m);
				const ctx: any = { query: new URLSearchParams(), rest: "" };
				assert.equal(allowed(ACL.management(), req, ctx), true);
				if (req === "none" || req === "token" || req === "namespace:list") continue;
				assert.equal(allowed(ACL.fromPolicies([]), req, ctx), false, `${m} ${r.pattern} (${req}) allowed a bare token`);
			}
		}
	});

	it("anonymous policy grants reads without a token; namespace * lists filter", async () => {
		assert.equal((await call("GET", "/v1/jobs")).status, 200);
		assert.equal((await call("GET", "/v1/nodes")).status, 403);
		const all = await call("GET", "/v1/jobs?namespace=*", tokens["ns-read"]);
		assert.equal(all.status, 200, all.text);
	});

	it("secrets never appear in agent/self", async () => {
		const self = await call("GET", "/v1/agent/self", mgmt);
		assert.equal(self.status, 200);
		for (const s of [mgmt, ...Object.values(tokens)]) assert.ok(!self.text.includes(s));
	});
});
