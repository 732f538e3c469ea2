import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { decodePacket, decodePushPull, encode, type PacketMessage, parseGossipKey } from "./messages.ts";

const update = fc.record({
	name: fc.string({ minLength: 1, maxLength: 40 }),
	incarnation: fc.nat(),
	state: fc.constant("alive" as const),
	addr: fc.ipV4(),
	port: fc.integer({ min: 1, max: 65535 }),
	tags: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
	vsn: fc.constant([1, 5, 2, 2, 4, 4] as number[]),
});

test("any JSON or bytes: decoding never throws, and only well-formed messages come out", () => {
	fc.assert(
		fc.property(fc.oneof(fc.jsonValue(), fc.object()), fc.uint8Array({ maxLength: 300 }), (json, bytes) => {
			const text = Buffer.from(JSON.stringify(json) ?? "null");
			for (const data of [text, Buffer.from(bytes)]) {
				const m = decodePacket(data, undefined);
				if (m) assert.ok(["ping", "ack", "ping-req", "gossip"].includes(m.type));
				decodePushPull(data, undefined);
				decodePacket(data, randomBytes(16));
			}
		}),
		{ numRuns: 500 },
	);
});

test("round trip, plain and sealed; a sealed packet does not open with another key", () => {
	fc.assert(
		fc.property(fc.array(update, { maxLength: 5 }), fc.nat(), (updates, seq) => {
			const msg: PacketMessage = { type: "ping", seq, from: "a", target: "b", updates };
			const plain = JSON.parse(JSON.stringify(msg)); // fast-check records have a null prototype
			assert.deepEqual(decodePacket(encode(msg, undefined), undefined), plain);
			const key = randomBytes(32);
			const sealed = encode(msg, key);
			assert.deepEqual(decodePacket(sealed, key), plain);
			assert.equal(decodePacket(sealed, randomBytes(32)), undefined);
			assert.equal(decodePacket(sealed, undefined), undefined);
			assert.equal(decodePacket(encode(msg, undefined), key), undefined);
		}),
		{ numRuns: 100 },
	);
});

test("gossip keys: 16/24/32 bytes of base64", () => {
	assert.equal(parseGossipKey(""), undefined);
	assert.equal(parseGossipKey(randomBytes(32).toString("base64"))?.length, 32);
	assert.throws(() => parseGossipKey(randomBytes(10).toString("base64")), /must be 16, 24 or 32 bytes/);
});
