// The server keyring: root keys that sign workload identities. The first leader creates an active
// key (an AES-256 data key plus an RSA-2048 signing key). The key material is stored in the
// replicated state only wrapped (AES-256-GCM) under a key-encryption key that lives outside the state
// (a 0600 file in <data_dir>/server/keystore, or memory in -dev), so a leaked state snapshot does not
// leak signing keys. The public half is published as JWKS at /.well-known/jwks.json.
import {
	createCipheriv,
	createDecipheriv,
	createPublicKey,
	generateKeyPair,
	randomBytes,
	randomUUID,
} from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Row } from "./state/schema.ts";
import type { StateView } from "./state/stateStore.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

export interface RootKeyRow extends Row {
	KeyID: string;
	Algorithm: string;
	CreateTime: number;
	State: "active" | "inactive" | "prepublished" | "deprecated";
	PublishTime: number;
	/** base64 SPKI DER of the RSA public key (public; used for JWKS). */
	PublicKey: string;
	WrappedKeys: {
		Provider: string;
		WrappedDataEncryptionKey: string;
		WrappedRSAKey: string;
	}[];
}

export interface JWK {
	use: string;
	kty: string;
	kid: string;
	alg: string;
	n: string;
	e: string;
}

/** Loads (or creates) the key-encryption key. Without a directory it exists only in memory. */
export function loadKEK(dir: string | undefined): Buffer {
	if (!dir) return randomBytes(32);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const path = join(dir, "kek");
	try {
		const k = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
		if (k.length !== 32) throw new Error(`keystore ${path}: key-encryption key has ${k.length} bytes, want 32`);
		return k;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
		const k = randomBytes(32);
		writeFileSync(path, k.toString("base64"), { mode: 0o600, flag: "wx" });
		return k;
	}
}

/** AES-256-GCM under the KEK: iv ‖ tag ‖ ciphertext, base64. */
export function wrap(kek: Buffer, plain: Buffer): string {
	const iv = randomBytes(12);
	const c = createCipheriv("aes-256-gcm", kek, iv);
	const body = Buffer.concat([c.update(plain), c.final()]);
	return Buffer.concat([iv, c.getAuthTag(), body]).toString("base64");
}

export function unwrap(kek: Buffer, wrapped: string): Buffer {
	const raw = Buffer.from(wrapped, "base64");
	const d = createDecipheriv("aes-256-gcm", kek, raw.subarray(0, 12));
	d.setAuthTag(raw.subarray(12, 28));
	return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
}

/** Creates a new root key row (not yet written). Done off the FSM: it uses randomness and time. */
export async function newRootKey(kek: Buffer, now: Date): Promise<RootKeyRow> {
	const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
		modulusLength: 2048,
	});
	const dek = randomBytes(32);
	const createTime = now.getTime() * 1e6;
	return {
		KeyID: randomUUID(),
		Algorithm: "aes256-gcm",
		CreateTime: createTime,
		State: "active",
		PublishTime: 0,
		PublicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
		WrappedKeys: [
			{
				Provider: "aead",
				WrappedDataEncryptionKey: wrap(kek, dek),
				WrappedRSAKey: wrap(kek, privateKey.export({ type: "pkcs8", format: "der" })),
			},
		],
	};
}

export function activeRootKey(view: StateView): RootKeyRow | undefined {
	for (const k of view.byIndex<RootKeyRow>("root_keys", "state", "active")) return k;
	return undefined;
}

/** The JWKS view of every non-deprecated key, newest first by creation time. */
export function publicJWKS(view: StateView): {
	keys: JWK[];
	newestCreateTime: number;
} {
	const keys: JWK[] = [];
	let newest = 0;
	const rows = [...view.scan<RootKeyRow>("root_keys")].sort((a, b) => b.CreateTime - a.CreateTime);
	for (const k of rows) {
		if (k.State === "deprecated" || !k.PublicKey) continue;
		const jwk = createPublicKey({
			key: Buffer.from(k.PublicKey, "base64"),
			format: "der",
			type: "spki",
		}).export({
			format: "jwk",
		}) as { n: string; e: string };
		keys.push({
			use: "sig",
			kty: "RSA",
			kid: k.KeyID,
			alg: "RS256",
			n: jwk.n,
			e: jwk.e,
		});
		newest = Math.max(newest, k.CreateTime);
	}
	return { keys, newestCreateTime: newest };
}
