// The gossip wire format: JSON messages, optionally sealed with AES-GCM under the gossip key
// (server.encrypt). Everything that arrives is validated field by field; anything malformed,
// oversized or sealed with another key decodes to undefined and is dropped — a bad packet must never
// throw or change state.
import { type CipherGCM, createCipheriv, createDecipheriv, type DecipherGCM, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { MemberState } from "./types.ts";

/** One member's state as gossiped (piggybacked on packets) or exchanged in push-pull. */
export interface MemberUpdate {
	name: string;
	incarnation: number;
	state: MemberState;
	/** present on "alive" updates and in push-pull state */
	addr?: string;
	port?: number;
	tags?: Record<string, string>;
	vsn?: number[];
	/** force-leave with prune: forget the member entirely */
	prune?: boolean;
}

export type PacketMessage =
	| { type: "ping"; seq: number; from: string; target: string; updates: MemberUpdate[] }
	| { type: "ack"; seq: number; from: string; updates: MemberUpdate[] }
	/** from a ping-req helper that could not reach the target either (Lifeguard) */
	| { type: "nack"; seq: number; from: string; updates: MemberUpdate[] }
	| {
			type: "ping-req";
			seq: number;
			from: string;
			target: string;
			addr: string;
			port: number;
			updates: MemberUpdate[];
	  }
	| { type: "gossip"; from: string; updates: MemberUpdate[] };

/** TCP full-state exchange, both directions. */
export interface PushPullMessage {
	type: "push-pull";
	from: string;
	join: boolean;
	members: MemberUpdate[];
}

export const MAX_PACKET_BYTES = 65_000;
export const MAX_STATE_BYTES = 8 * 1024 * 1024;
const MAX_NAME = 256;
const MAX_TAGS = 64;
const MAX_TAG_LEN = 512;
const MAX_UPDATES = 512;
const STATES: ReadonlySet<string> = new Set(["alive", "suspect", "dead", "leaving", "left"]);

const SEALED = 0x01;
const NONCE = 12;
const TAG = 16;

/** A gossip key: 16, 24 or 32 bytes of base64 (AES-128/192/256), as Serf accepts. */
export function parseGossipKey(b64: string): Buffer | undefined {
	if (b64 === "") return undefined;
	const key = Buffer.from(b64, "base64");
	if (![16, 24, 32].includes(key.length)) {
		throw new Error(`invalid gossip encryption key: must be 16, 24 or 32 bytes, got ${key.length}`);
	}
	return key;
}

function seal(plain: Buffer, key: Buffer): Buffer {
	const nonce = randomBytes(NONCE);
	const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce) as CipherGCM;
	const body = Buffer.concat([c.update(plain), c.final()]);
	return Buffer.concat([Buffer.from([SEALED]), nonce, body, c.getAuthTag()]);
}

function open(data: Buffer, key: Buffer | undefined): Buffer | undefined {
	if (!key) return data[0] === 0x7b /* { */ ? data : undefined;
	if (data[0] !== SEALED || data.length < 1 + NONCE + TAG) return undefined;
	try {
		const d = createDecipheriv(`aes-${key.length * 8}-gcm`, key, data.subarray(1, 1 + NONCE)) as DecipherGCM;
		d.setAuthTag(data.subarray(data.length - TAG));
		return Buffer.concat([d.update(data.subarray(1 + NONCE, data.length - TAG)), d.final()]);
	} catch {
		return undefined;
	}
}

export function encode(msg: PacketMessage | PushPullMessage, key: Buffer | undefined): Buffer {
	const plain = Buffer.from(JSON.stringify(msg));
	return key ? seal(plain, key) : plain;
}

function parse(data: Buffer, key: Buffer | undefined, max: number): Record<string, unknown> | undefined {
	if (data.length === 0 || data.length > max) return undefined;
	const plain = open(data, key);
	if (!plain) return undefined;
	try {
		const v: unknown = JSON.parse(plain.toString("utf8"));
		return isRecord(v) ? v : undefined;
	} catch {
		return undefined;
	}
}

export function decodePacket(data: Buffer, key: Buffer | undefined): PacketMessage | undefined {
	const o = parse(data, key, MAX_PACKET_BYTES);
	if (!o || !isName(o.from)) return undefined;
	const updates = o.updates === undefined ? [] : updatesOf(o.updates);
	if (!updates) return undefined;
	switch (o.type) {
		case "ping":
			return isSeq(o.seq) && isName(o.target)
				? { type: "ping", seq: o.seq, from: o.from, target: o.target, updates }
				: undefined;
		case "ack":
		case "nack":
			return isSeq(o.seq) ? { type: o.type, seq: o.seq, from: o.from, updates } : undefined;
		case "ping-req":
			return isSeq(o.seq) && isName(o.target) && isAddr(o.addr) && isPort(o.port)
				? { type: "ping-req", seq: o.seq, from: o.from, target: o.target, addr: o.addr, port: o.port, updates }
				: undefined;
		case "gossip":
			return { type: "gossip", from: o.from, updates };
		default:
			return undefined;
	}
}

export function decodePushPull(data: Buffer, key: Buffer | undefined): PushPullMessage | undefined {
	const o = parse(data, key, MAX_STATE_BYTES);
	if (o?.type !== "push-pull" || !isName(o.from) || typeof o.join !== "boolean") return undefined;
	if (!Array.isArray(o.members)) return undefined;
	const members: MemberUpdate[] = [];
	for (const m of o.members) {
		const u = updateOf(m);
		// full state always carries the address: a push-pull is how members are first learned
		if (!u || u.addr === undefined) return undefined;
		members.push(u);
	}
	return { type: "push-pull", from: o.from, join: o.join, members };
}

function updatesOf(v: unknown): MemberUpdate[] | undefined {
	if (!Array.isArray(v) || v.length > MAX_UPDATES) return undefined;
	const out: MemberUpdate[] = [];
	for (const x of v) {
		const u = updateOf(x);
		if (!u) return undefined;
		out.push(u);
	}
	return out;
}

/** One validated update; alive updates must say where the member is. */
export function updateOf(v: unknown): MemberUpdate | undefined {
	if (!isRecord(v) || !isName(v.name) || !isSeq(v.incarnation)) return undefined;
	if (typeof v.state !== "string" || !STATES.has(v.state)) return undefined;
	const u: MemberUpdate = { name: v.name, incarnation: v.incarnation, state: v.state as MemberState };
	const hasAddr = v.addr !== undefined || v.port !== undefined || v.tags !== undefined || v.vsn !== undefined;
	if (hasAddr) {
		if (!isAddr(v.addr) || !isPort(v.port) || !isTags(v.tags) || !isVsn(v.vsn)) return undefined;
		u.addr = v.addr;
		u.port = v.port;
		u.tags = { ...v.tags };
		u.vsn = [...v.vsn];
	} else if (u.state === "alive") {
		return undefined;
	}
	if (v.prune !== undefined) {
		if (typeof v.prune !== "boolean") return undefined;
		if (v.prune) u.prune = true;
	}
	return u;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isName(v: unknown): v is string {
	return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME;
}
function isSeq(v: unknown): v is number {
	return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
function isPort(v: unknown): v is number {
	return typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 65535;
}
function isAddr(v: unknown): v is string {
	return typeof v === "string" && isIP(v) !== 0;
}
function isTags(v: unknown): v is Record<string, string> {
	if (!isRecord(v)) return false;
	const entries = Object.entries(v);
	if (entries.length > MAX_TAGS) return false;
	return entries.every(([k, x]) => k.length <= MAX_TAG_LEN && typeof x === "string" && x.length <= MAX_TAG_LEN);
}
function isVsn(v: unknown): v is number[] {
	return Array.isArray(v) && v.length === 6 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255);
}
