import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonObjectSplitter, readFrames } from "./frames.ts";

test("frames split anywhere are reassembled; heartbeats are skipped", async () => {
	const enc = (s: string, o: number) =>
		JSON.stringify({ Offset: o, Data: Buffer.from(s).toString("base64"), File: "f" });
	const text = `${enc("hello {\n", 0)}{}${enc('"world"}', 8)}\n{"FileEvent":"file truncated"}`;
	const chunks: Buffer[] = [];
	for (let i = 0; i < text.length; i += 7) chunks.push(Buffer.from(text.slice(i, i + 7)));
	async function* gen() {
		yield* chunks;
	}
	const frames = [];
	for await (const f of readFrames(gen())) frames.push(f);
	assert.equal(frames.length, 3);
	assert.equal(frames[0]?.data.toString(), "hello {\n");
	assert.equal(frames[1]?.data.toString(), '"world"}');
	assert.equal(frames[1]?.Offset, 8);
	assert.equal(frames[2]?.FileEvent, "file truncated");
});

test("the splitter ignores braces inside strings", () => {
	const s = new JsonObjectSplitter();
	assert.deepEqual(s.push('{"a":"}{'), []);
	assert.deepEqual(s.push('"}{"b":1}'), ['{"a":"}{"}', '{"b":1}']);
});
