import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ACL } from "../../acl/acl.ts";
import { nullLogger } from "../../lib/logger.ts";
import { runCoreGC } from "../coreGC.ts";
import { Server } from "../server.ts";
import { bootstrap, upsertPolicies, upsertTokens } from "./aclEndpoint.ts";

let srv: Server;
const mgmt = { acl: ACL.management(), token: undefined };

before(async () => {
	srv = new Server({
		region: "global",
		datacenter: "dc1",
		nodeName: "t",
		bootstrapExpect: 1,
		rpcAdvertise: "127.0.0.1:4647",
		logger: nullLogger(),
		numSchedulers: 1,
		aclEnabled: true,
	});
	await srv.start();
	await srv.leadershipReady();
});
after(() => srv.shutdown());

describe("ACL endpoints on a server", () => {
	it("bootstrap shows the secret; the stored row keeps only its hash and sealed form", async () => {
		const t = await bootstrap(srv, "");
		const row = srv.state.get("acl_tokens", t.AccessorID as string);
		assert.ok(row);
		assert.equal(row.SecretID, undefined);
		assert.notEqual(row.SecretHash, t.SecretID);
		assert.equal(srv.openSecret(row.SecretSealed as string), t.SecretID);
		await assert.rejects(bootstrap(srv, ""), /ACL bootstrap already done/);
	});

	it("expired tokens are collected by core GC after the threshold", async () => {
		await upsertPolicies(srv, mgmt, [{ Name: "p", Rules: 'node { policy = "read" }' }]);
		const { tokens } = await upsertTokens(srv, mgmt, [{ Type: "client", Policies: ["p"], ExpirationTTL: 120e9 }]);
		const accessor = tokens[0].AccessorID as string;
		const expiresNs = Date.parse(tokens[0].ExpirationTime as string) * 1e6;
		const notYet = await runCoreGC(srv, { eval: 0, batchEval: 0, job: 0, node: 0, aclToken: 3600e9 }, expiresNs + 60e9);
		assert.equal(notYet.tokens, 0);
		assert.ok(srv.state.get("acl_tokens", accessor));
		const r = await runCoreGC(srv, { eval: 0, batchEval: 0, job: 0, node: 0, aclToken: 3600e9 }, expiresNs + 3601e9);
		assert.equal(r.tokens, 1);
		assert.equal(srv.state.get("acl_tokens", accessor), undefined);
	});

	it("validates tokens as Nomad", async () => {
		await assert.rejects(upsertTokens(srv, mgmt, [{ Type: "root" }]), /token type must be client or management/);
		await assert.rejects(
			upsertTokens(srv, mgmt, [{ Type: "management", Policies: ["p"] }]),
			/management token cannot be associated with policies or roles/,
		);
		await assert.rejects(
			upsertTokens(srv, mgmt, [{ Type: "client", Policies: ["p"], ExpirationTTL: -1 }]),
			/should not be negative/,
		);
		await assert.rejects(
			upsertTokens(srv, { acl: ACL.fromPolicies([]), token: undefined }, [{ Type: "client", Policies: ["p"] }]),
			/Permission denied/,
		);
	});
});
