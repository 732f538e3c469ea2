// Requests made to a client agent are checked exactly as through a server (CVE-2023-1782): the
// client asks its servers what the token grants.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type StartedAgent, startClientAgent, startServerAgent, tempDir, waitFor } from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
after(async () => {
	for (const a of agents.reverse()) await a.stop();
	dir.cleanup();
});

async function call(url: string, token?: string, method = "GET", body?: unknown) {
	const r = await fetch(url, {
		method,
		headers: token ? { "X-Nomad-Token": token } : {},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: r.status, text: await r.text() };
}

test("a client agent enforces ACLs with what its servers say a token grants", async () => {
	const server = await startServerAgent(dir.path, "server", { config: { name: "srv", acl: { enabled: true } } });
	agents.push(server);
	const client = await startClientAgent(dir.path, "client", `127.0.0.1:${server.ports.rpc}`, {
		config: { name: "worker", acl: { enabled: true } },
	});
	agents.push(client);

	const boot = JSON.parse((await call(`${server.url}/v1/acl/bootstrap`, undefined, "POST")).text);
	const mgmt = boot.SecretID as string;
	await waitFor(async () => {
		const r = await call(`${server.url}/v1/nodes`, mgmt);
		return r.status === 200 && JSON.parse(r.text).some((n: any) => n.Name === "worker" && n.Status === "ready");
	});
	assert.equal(
		(await call(`${server.url}/v1/acl/policy/nodes`, mgmt, "PUT", { Name: "nodes", Rules: 'node { policy = "read" }' }))
			.status,
		200,
	);
	const reader = JSON.parse(
		(await call(`${server.url}/v1/acl/token`, mgmt, "PUT", { Type: "client", Policies: ["nodes"] })).text,
	);
	const jobsOnly = JSON.parse(
		(
			await call(`${server.url}/v1/acl/policy/jobs`, mgmt, "PUT", {
				Name: "jobs",
				Rules: 'namespace "default" { policy = "read" }',
			})
		).status === 200
			? (await call(`${server.url}/v1/acl/token`, mgmt, "PUT", { Type: "client", Policies: ["jobs"] })).text
			: "{}",
	);

	const stats = `${client.url}/v1/client/stats`;
	const anon = await call(stats);
	assert.equal(anon.status, 403, anon.text);
	assert.equal(anon.text, "Permission denied");
	assert.equal((await call(stats, "11111111-2222-3333-4444-555555555555")).text, "ACL token not found");
	assert.equal((await call(stats, jobsOnly.SecretID)).status, 403);
	const ok = await call(stats, reader.SecretID);
	assert.equal(ok.status, 200, ok.text);
	assert.equal((await call(stats, mgmt)).status, 200);
	// agent:read is not node:read
	assert.equal((await call(`${client.url}/v1/agent/self`, reader.SecretID)).status, 403);
	assert.equal((await call(`${client.url}/v1/agent/self`, mgmt)).status, 200);

	// Through the server: checked there, then the token travels with the forwarded request and the
	// node checks it again.
	const nodeID = JSON.parse((await call(`${server.url}/v1/nodes`, mgmt)).text).find((n: any) => n.Name === "worker").ID;
	const viaServer = `${server.url}/v1/client/stats?node_id=${nodeID}`;
	assert.equal((await call(viaServer)).status, 403);
	assert.equal((await call(viaServer, jobsOnly.SecretID)).status, 403);
	const forwarded = await call(viaServer, reader.SecretID);
	assert.equal(forwarded.status, 200, forwarded.text);
	assert.ok(JSON.parse(forwarded.text).Memory.Total > 0);
});
