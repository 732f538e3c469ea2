// Checks and errors shared by every backend, so they behave alike under the contract tests.
import { DEFAULT_TRAILING, LogCompactedError, type Snapshot } from "./types.ts";

export const closedError = (): Error => new Error("log closed");
export const notOpenError = (): Error => new Error("log not open: call open() first");
export const alreadyOpenError = (): Error => new Error("log already opened: open() may be called once");

/** Throws a TypeError unless type and data are strings and type is non-empty. */
export function checkAppend(type: unknown, data: unknown): void {
	if (typeof type !== "string" || type === "") throw new TypeError("log append: type must be a non-empty string");
	if (typeof data !== "string") throw new TypeError("log append: data must be a string (JSON text)");
}

/** Validates a snapshot against the log and returns the effective `trailing`. */
export function checkSnapshot(snap: Snapshot, trailing: number | undefined, last: number, current: number): number {
	if (snap === null || typeof snap !== "object") throw new TypeError("snapshot must be an object");
	if (!Number.isSafeInteger(snap.index) || snap.index < 0) {
		throw new TypeError(`snapshot index must be a non-negative integer, got ${snap.index}`);
	}
	if (typeof snap.data !== "string") throw new TypeError("snapshot data must be a string");
	const keep = trailing ?? DEFAULT_TRAILING;
	if (!Number.isSafeInteger(keep) || keep < 0) {
		throw new TypeError(`snapshot trailing must be a non-negative integer, got ${trailing}`);
	}
	if (snap.index > last) {
		throw new Error(`snapshot index ${snap.index} is beyond the last committed index ${last}`);
	}
	if (snap.index < current) {
		throw new Error(`snapshot index ${snap.index} is older than the stored snapshot at ${current}`);
	}
	return keep;
}

/**
 * Validates `from` for entriesAfter and returns it clamped at 0; throws LogCompactedError when the
 * entries after it are gone.
 */
export function checkFrom(from: number, compactedThrough: number): number {
	if (!Number.isSafeInteger(from)) throw new TypeError(`entriesAfter: index must be an integer, got ${from}`);
	const f = Math.max(from, 0);
	if (f < compactedThrough) throw new LogCompactedError(f, compactedThrough);
	return f;
}

export function errorMessage(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}
