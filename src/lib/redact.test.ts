import assert from "node:assert/strict";
import { test } from "node:test";
import { isSecretName, REDACTED, redactSecrets } from "./redact.ts";

test("secret-looking names, whatever their case or position", () => {
	for (const name of [
		"MY_API_TOKEN",
		"DB_PASSWORD",
		"db_passwd",
		"AWS_SECRET_ACCESS_KEY",
		"AWS_ACCESS_KEY_ID",
		"GOOGLE_APPLICATION_CREDENTIALS",
		"NOMAD_LICENSE",
		"CONSUL_LICENSE_PATH",
		"AWS_METADATA_URL",
		"sshKey",
		"ReplicationToken",
	]) {
		assert.equal(isSecretName(name), true, name);
	}
	for (const name of ["PATH", "HOME", "LANG", "NOMAD_ADDR", "Region"]) assert.equal(isSecretName(name), false, name);
});

test("an environment map keeps its keys, hides secret values, leaves empty ones empty", () => {
	const env = redactSecrets({ PATH: "/bin", MY_API_TOKEN: "s3cr3t", DB_PASSWORD: "hunter2", EMPTY_TOKEN: "" });
	assert.deepEqual(env, { PATH: "/bin", MY_API_TOKEN: REDACTED, DB_PASSWORD: REDACTED, EMPTY_TOKEN: "" });
});
