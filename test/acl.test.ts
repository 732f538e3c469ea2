// ACLs end to end on a dev agent with acl.enabled: bootstrap, policies, tokens, roles, one-time
// tokens, and enforcement of every route's declared capability (a generated matrix).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Route } from "../src/agent/http/types.ts";
import { type StartedAgent, startDevAgent, tempDir, writeConfig } from "./helpers/agentProcess.ts";

let agent: StartedAgent;
let cleanupDir: (() => void) | undefined;

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
		// Tokens may expire a second after creation here (Nomad's minimum is a minute), for the matrix.
		const dir = tempDir();
		cleanupDir = dir.cleanup;
		const cfg = writeConfig(dir.path, "acl.json", { acl: { token_min_expiration_ttl: "1s" } });
		agent = await startDevAgent(["-acl-enabled", `-config=${cfg}`]);
	});
	after(async () => {
		await agent?.stop();
		cleanupDir?.();
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

	it("search: each context as its ACL allows (Nomad's search permissions)", async () => {
		const all = (token: string) => call("PUT", "/v1/search", token, { Prefix: "", Context: "all" });
		const nsRead = await all(tokens["ns-read"] as string);
		assert.equal(nsRead.status, 200, nsRead.text);
		const seen = Object.keys(nsRead.json.Matches);
		assert.ok(
			["allocs", "jobs", "evals", "deployment", "namespaces", "volumes", "scaling_policy"].every((c) =>
				seen.includes(c),
			),
		);
		assert.ok(!seen.includes("nodes"), "no node read");
		assert.deepEqual(nsRead.json.Matches.namespaces, ["default"]);
		const nodes = await call("PUT", "/v1/search", tokens["node-read"], { Prefix: "", Context: "nodes" });
		assert.equal(nodes.status, 200);
		assert.equal(nodes.json.Matches.nodes.length, 1, "the dev agent's own node");
		const denied = await call("PUT", "/v1/search", tokens["ns-read"], { Prefix: "", Context: "nodes" });
		assert.deepEqual([denied.status, denied.text], [403, "Permission denied"]);
		assert.equal(Object.keys((await all(mgmt)).json.Matches).length, 12);
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

	it("a long-lived request ends when its token is deleted", async () => {
		const t = await call("PUT", "/v1/acl/token", mgmt, { Type: "client", Policies: ["ns-read"] });
		const first = await call("GET", "/v1/jobs", t.json.SecretID);
		const index = Number(first.headers.get("x-nomad-index"));
		const started = Date.now();
		const pending = fetch(`${agent.url}/v1/jobs?index=${index + 1000}&wait=60s`, {
			headers: { "X-Nomad-Token": t.json.SecretID },
		}).then(
			async (r) => `status ${r.status} ${await r.text()}`,
			(e: Error) => `closed: ${e.message}`,
		);
		await new Promise((r) => setTimeout(r, 300));
		assert.equal((await call("DELETE", `/v1/acl/token/${t.json.AccessorID}`, mgmt)).status, 200);
		const outcome = await pending;
		assert.match(outcome, /^closed/);
		assert.ok(Date.now() - started < 5000, `ended after ${Date.now() - started} ms`);
	});

	it("enforces every route's declared capability (live matrix over every route × method × identity)", async () => {
		const { buildRouter } = await import("../src/agent/http/routes/index.ts");
		const { requirementFor } = await import("../src/agent/http/authorize.ts");
		const fakeAgent: any = { region: "global", aclEnabled: true, enableDebug: true };
		const routes: Route[] = buildRouter(fakeAgent).routes();
		assert.ok(routes.length > 50);
		// Written out here, independently of the implementation, from Nomad's policy expansions. (namespace:read
		// is GET /v1/namespace/<name>: the probed name "x" is outside every policy but management.)
		const READ = [
			"list-jobs",
			"parse-job",
			"read-job",
			"read-job-scaling",
			"list-scaling-policies",
			"read-scaling-policy",
		];
		const WRITE = [
			...READ,
			"submit-job",
			"dispatch-job",
			"read-logs",
			"read-fs",
			"alloc-exec",
			"alloc-lifecycle",
			"scale-job",
		];
		// "namespace:a|b" is granted by either capability.
		const anyOf = (caps: string[], r: string) =>
			r
				.slice(10)
				.split("|")
				.some((c) => caps.includes(c));
		const grants: Record<string, (req: string) => boolean> = {
			management: () => true,
			"ns-read": (r) => r === "namespace:list" || anyOf(READ, r),
			"ns-write": (r) => r === "namespace:list" || anyOf(WRITE, r),
			"node-read": (r) => r === "node:read" || r === "namespace:list",
			"node-write": (r) => r === "node:read" || r === "node:write" || r === "namespace:list",
			"agent-read": (r) => r === "agent:read" || r === "namespace:list",
			"agent-write": (r) => r === "agent:read" || r === "agent:write" || r === "namespace:list",
			// No token: the "anonymous" policy (read on default).
			anonymous: (r) => r === "namespace:list" || anyOf(READ, r),
			unknown: () => false,
			expired: () => false,
		};
		// A token with every right on default, expired by the time the matrix runs.
		const exp = await call("PUT", "/v1/acl/token", mgmt, {
			Type: "client",
			Policies: ["ns-write", "node-write", "agent-write"],
			ExpirationTime: new Date(Date.now() + 1500).toISOString(),
		});
		assert.equal(exp.status, 200, exp.text);
		await new Promise((r) => setTimeout(r, 1600));
		assert.equal((await call("GET", "/v1/jobs", exp.json.SecretID)).text, "ACL token expired");
		const secretOf = (who: string): string | undefined =>
			who === "management"
				? mgmt
				: who === "anonymous"
					? undefined
					: who === "unknown"
						? "11111111-2222-3333-4444-555555555555"
						: who === "expired"
							? exp.json.SecretID
							: tokens[who];
		let checked = 0;
		for (const r of routes) {
			assert.ok(r.acl !== undefined, `route ${r.pattern} declares no ACL`);
			const path = `${r.pattern.endsWith("/") ? `${r.pattern}x` : r.pattern}?namespace=default`;
			for (const method of ["GET", "PUT", "POST", "DELETE"]) {
				const fakeCtx: any = { method, rest: "x", query: new URLSearchParams("namespace=default") };
				const req = r.aclFor?.(fakeCtx) ?? requirementFor(r, method);
				for (const [who, grant] of Object.entries(grants)) {
					let expectDenied: boolean;
					if (req === "none") expectDenied = false;
					else if (req === "token") expectDenied = who === "unknown" || who === "expired";
					else expectDenied = !grant(req);
					// Routes whose handler decides (token) may still deny a valid caller: only check denials.
					if (req === "token" && !expectDenied) continue;
					const headers: Record<string, string> = {};
					const secret = secretOf(who);
					if (secret) headers["X-Nomad-Token"] = secret;
					let status: number;
					try {
						const res = await fetch(`${agent.url}${path}`, { method, headers, signal: AbortSignal.timeout(2000) });
						status = res.status;
						await res.body?.cancel();
					} catch {
						status = 0; // a stream that kept going: it was allowed
					}
					assert.equal(status === 403, expectDenied, `${who} ${method} ${path} (${req}) → ${status}`);
					checked++;
				}
			}
		}
		assert.ok(checked > 1000, `checked ${checked}`);
	});

	it("object-scoped routes check the object's own namespace, not the parameter", async () => {
		assert.equal((await call("PUT", "/v1/namespace/prod", mgmt, { Name: "prod" })).status, 200);
		const job = {
			ID: "secret-job",
			Namespace: "prod",
			Type: "batch",
			Datacenters: ["*"],
			TaskGroups: [{ Name: "g", Tasks: [{ Name: "t", Driver: "raw_exec", Config: { command: "true" } }] }],
		};
		const reg = await call("PUT", "/v1/jobs?namespace=prod", mgmt, { Job: job });
		assert.equal(reg.status, 200, reg.text);
		const evalID = reg.json.EvalID;
		// ns-write is write on "default" only; asking with namespace=default must not reach prod's eval.
		const leak = await call("GET", `/v1/evaluation/${evalID}?namespace=default`, tokens["ns-write"]);
		assert.equal(leak.status, 403, leak.text);
		assert.equal((await call("GET", `/v1/evaluation/${evalID}`, mgmt)).status, 200);
		// Listing every namespace shows only what the token may read.
		const all = await call("GET", "/v1/jobs?namespace=*", tokens["ns-read"]);
		assert.equal(all.status, 200, all.text);
		assert.ok(
			all.json.every((j: any) => j.Namespace === "default"),
			JSON.stringify(all.json),
		);
		const mine = await call("GET", "/v1/jobs?namespace=*", mgmt);
		assert.ok(mine.json.some((j: any) => j.ID === "secret-job"));
	});

	it("anonymous policy grants reads without a token; namespace * lists filter", async () => {
		assert.equal((await call("GET", "/v1/jobs")).status, 200);
		assert.equal((await call("GET", "/v1/nodes")).status, 403);
		const all = await call("GET", "/v1/jobs?namespace=*", tokens["ns-read"]);
		assert.equal(all.status, 200, all.text);
	});

	it("secrets never appear in agent/self or the agent's log", async () => {
		const self = await call("GET", "/v1/agent/self", mgmt);
		assert.equal(self.status, 200);
		for (const s of [mgmt, ...Object.values(tokens)]) {
			assert.ok(!self.text.includes(s), "agent/self");
			assert.ok(!agent.output().includes(s), "agent log");
		}
	});
});
