// ACL tokens as stored and as shown. The state keeps a token's secret only as a SHA-256 hash (the
// lookup index) and sealed under the server's key-encryption key, which lives outside the state:
// a leaked snapshot or log gives neither a usable SecretID nor a way to find one. The SecretID is
// unsealed only where Nomad shows it (create, bootstrap, read by accessor, token/self).
import { createHash } from "node:crypto";
import type { Row } from "../state/schema.ts";

export const ANONYMOUS_POLICY = "anonymous";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUUID(s: string): boolean {
	return UUID.test(s);
}

export function hashSecret(secret: string): string {
	return createHash("sha256").update(secret).digest("hex");
}

/** The token's content hash (Nomad's Hash field: changes whenever what the token grants changes). */
export function tokenHash(t: Row): string {
	const h = createHash("sha256");
	h.update(String(t.Name ?? ""));
	h.update(String(t.Type ?? ""));
	for (const p of (t.Policies as string[] | null) ?? []) h.update(p);
	h.update(t.Global ? "global" : "local");
	for (const r of (t.Roles as Row[] | null) ?? []) h.update(String(r.ID ?? ""));
	if (t.ExpirationTime) h.update(String(t.ExpirationTime));
	return h.digest("base64");
}

export function policyHash(p: Row): string {
	return createHash("sha256")
		.update(String(p.Name ?? ""))
		.update(String(p.Description ?? ""))
		.update(String(p.Rules ?? ""))
		.digest("base64");
}

/** The role's content hash: name, description and its policy links. */
export function roleHash(r: Row): string {
	const h = createHash("sha256")
		.update(String(r.Name ?? ""))
		.update(String(r.Description ?? ""));
	for (const p of (r.Policies as Row[] | null) ?? []) h.update(String(p.Name ?? ""));
	return h.digest("base64");
}

/** Is the token past its ExpirationTime at `nowMs`? */
export function isExpired(t: Row, nowMs: number): boolean {
	const exp = t.ExpirationTime as string | null | undefined;
	return typeof exp === "string" && exp !== "" && Date.parse(exp) <= nowMs;
}

/** The full ACLToken as the API shows it, with the unsealed SecretID. */
export function tokenView(t: Row, secretID: string): Row {
	return {
		AccessorID: t.AccessorID,
		SecretID: secretID,
		Name: t.Name,
		Type: t.Type,
		Policies: t.Policies ?? null,
		Roles: t.Roles ?? null,
		Global: t.Global,
		Hash: t.Hash,
		CreateTime: t.CreateTime,
		ExpirationTime: t.ExpirationTime ?? null,
		ExpirationTTL: t.ExpirationTTL ?? 0,
		CreateIndex: t.CreateIndex,
		ModifyIndex: t.ModifyIndex,
	};
}

/** ACLTokenListStub: no SecretID, no ExpirationTTL. */
export function tokenStub(t: Row): Row {
	return {
		AccessorID: t.AccessorID,
		Name: t.Name,
		Type: t.Type,
		Policies: t.Policies ?? null,
		Roles: t.Roles ?? null,
		Global: t.Global,
		Hash: t.Hash,
		CreateTime: t.CreateTime,
		ExpirationTime: t.ExpirationTime ?? null,
		CreateIndex: t.CreateIndex,
		ModifyIndex: t.ModifyIndex,
	};
}

export function policyStub(p: Row): Row {
	return {
		Name: p.Name,
		Description: p.Description,
		JobACL: p.JobACL ?? null,
		Hash: p.Hash,
		CreateIndex: p.CreateIndex,
		ModifyIndex: p.ModifyIndex,
	};
}

export function roleStub(r: Row): Row {
	return {
		ID: r.ID,
		Name: r.Name,
		Description: r.Description,
		Policies: r.Policies,
		Hash: r.Hash,
		CreateIndex: r.CreateIndex,
		ModifyIndex: r.ModifyIndex,
	};
}
