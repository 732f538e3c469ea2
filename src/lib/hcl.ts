// HCL text → the JSON-like value HashiCorp's hcl2json gives (blocks become objects keyed by label
// holding arrays of bodies). Nomad reads agent configs and ACL policies with HCL1, which accepts
// spellings HCL2 refuses; a text that fails is retried once with those rewritten (see hcl1.ts).
import { hcl1ToHcl2 } from "./hcl1.ts";

/** A parse failure, with the parser's message cleaned of hcl2json's wrapping. */
export class HclError extends Error {}

// The parser is a Go program compiled to WebAssembly: loading it costs ~30 MB of resident memory
// for the life of the process, so it is only loaded when HCL is actually read.
async function parseOnce(file: string, text: string): Promise<unknown> {
	const { parse } = await import("@cdktn/hcl2json");
	return parse(file, text);
}

export async function parseHcl(file: string, text: string): Promise<unknown> {
	try {
		return await parseOnce(file, text);
	} catch (err) {
		const rewritten = hcl1ToHcl2(text);
		if (rewritten !== text) {
			try {
				return await parseOnce(file, rewritten);
			} catch {
				// Report the original error: the rewrite shifts line numbers.
			}
		}
		throw new HclError(cleanHclError(err));
	}
}

function cleanHclError(err: unknown): string {
	const msg = err instanceof Error ? err.message : String(err);
	const m = /^parse config: \[(.*)\]$/s.exec(msg.trim());
	return m ? m[1] : msg;
}
