import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runLogContract } from "./contract.ts";
import { createMemoryLog } from "./memory.ts";

runLogContract("memory", () => ({
	create: createMemoryLog,
	cleanup: () => {},
}));

describe("memory log", () => {
	it("hands out frozen entries", async () => {
		const log = createMemoryLog();
		await log.open();
		await log.append("set", "{}");
		const [e] = log.entriesAfter(0);
		assert.ok(Object.isFrozen(e));
	});
});
