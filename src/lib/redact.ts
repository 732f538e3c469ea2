// One redaction rule for everything the agent reports about itself (/v1/agent/self's config,
// /v1/agent/host's environment): redact by the shape of a name, not by a list of known fields.
// Nomad's lists missed fields more than once (CVE-2019-12741); a name that looks like it holds a
// token, secret, password, key, credential or licence is hidden whatever it is called.

export const REDACTED = "<redacted>";

const SECRET_NAME = /token|secret|passw(?:or)?d|credential|key|licen[cs]e/i;

/** Names Nomad's deny list hides (DefaultEnvDenyList) that the shape above does not catch. */
const ALSO_SECRET = new Set(["AWS_METADATA_URL"]);

/** True when a field or variable called `name` may hold a secret. */
export function isSecretName(name: string): boolean {
	return SECRET_NAME.test(name) || ALSO_SECRET.has(name.toUpperCase());
}

/**
 * Returns `value` with every non-empty string under a secret-looking key replaced by "<redacted>";
 * arrays keep the key of their parent, maps (meta, options, environment) are checked key by key.
 */
export function redactSecrets(value: unknown, key = ""): unknown {
	if (typeof value === "string") return value !== "" && isSecretName(key) ? REDACTED : value;
	if (Array.isArray(value)) return value.map((v) => redactSecrets(v, key));
	if (value && typeof value === "object") {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value)) out[k] = redactSecrets(v, k);
		return out;
	}
	return value;
}
