// The one error type the agent configuration loader throws. Its message always names where the
// problem is: the file (or "command line") and, when there is one, the key path, e.g.
//   config.hcl: server.bootstrap_expect: expected a number, got "x"

export class ConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ConfigError";
	}
}

/** Builds a ConfigError for a key in a file: "<file>: <key>: <message>". */
export function keyError(file: string, key: string, message: string): ConfigError {
	return new ConfigError(key ? `${file}: ${key}: ${message}` : `${file}: ${message}`);
}

/** Short, readable rendering of an offending value for error messages. */
export function show(v: unknown): string {
	if (v === null) return "null";
	if (Array.isArray(v)) return "a list";
	if (typeof v === "object") return "a block";
	if (typeof v === "string") return JSON.stringify(v);
	return String(v);
}
