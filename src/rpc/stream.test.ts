// Streamed RPC results over a real connection: order, errors, flow control, cancellation, lost connections.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { RpcClient, type RpcConnection, RpcError, RpcServer, type RpcStreamSink } from "./transport.ts";

let http: Server;
let rpc: RpcServer;
let client: RpcClient;
const sinks: RpcStreamSink[] = [];
/** Chunks the "Count" handler managed to send, by stream. */
const sent = new Map<string, number>();

before(async () => {
	http = createServer();
	rpc = new RpcServer(http);
	rpc.register("Hello", async (args, conn) => {
		conn.peerID = String((args as { ID: string }).ID);
		return { ok: true };
	});
	rpc.registerStream("Count", async (args, sink) => {
		const a = args as { N: number; Size: number; Tag: string };
		sinks.push(sink);
		for (let k = 0; k < a.N; k++) {
			if (sink.signal.aborted) return;
			await sink.write(Buffer.alloc(a.Size, k % 256));
			sent.set(a.Tag, k + 1);
		}
	});
	rpc.registerStream("Fail", async (_args, sink) => {
		await sink.write("first");
		throw Object.assign(new Error("it broke"), { code: 418 });
	});
	await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
	const port = (http.address() as AddressInfo).port;
	client = new RpcClient([`127.0.0.1:${port}`]);
	client.registerStream("Echo", async (args, sink) => {
		for (const x of args as string[]) await sink.write(x);
	});
	await client.call("Hello", { ID: "node-1" });
});

after(() => {
	client.close();
	rpc.close();
	http.close();
});

const conn = (): Promise<RpcConnection> => client.connection();
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

test("a stream delivers every chunk in order, then ends", async () => {
	const got: number[] = [];
	for await (const c of (await conn()).stream("Count", { N: 50, Size: 10, Tag: "order" })) {
		got.push((c as Uint8Array)[0] as number);
	}
	assert.deepEqual(
		got,
		Array.from({ length: 50 }, (_, k) => k),
	);
});

test("a handler error ends the stream with its message and code, after the chunks before it", async () => {
	const got: unknown[] = [];
	await assert.rejects(
		async () => {
			for await (const c of (await conn()).stream("Fail", {})) got.push(c);
		},
		(err: RpcError) => err instanceof RpcError && err.message === "it broke" && err.code === 418,
	);
	assert.deepEqual(got, ["first"]);
});

test("an unknown stream method fails with 404", async () => {
	await assert.rejects(
		async () => {
			for await (const _ of (await conn()).stream("Nope", {})) {
				// nothing
			}
		},
		(err: RpcError) => err.code === 404,
	);
});

test("a slow consumer holds the producer to the window (no unbounded buffering)", async () => {
	const window = 64 * 1024;
	const size = 8 * 1024;
	const s = (await conn()).stream("Count", { N: 200, Size: size, Tag: "slow" }, window);
	const it = s[Symbol.asyncIterator]();
	await it.next();
	await tick(100);
	// One chunk consumed; the rest of the producer's output is limited to about one window.
	const ahead = (sent.get("slow") ?? 0) - 1;
	assert.ok(ahead * size <= window + 2 * size, `producer ran ${ahead} chunks ahead`);
	assert.ok(ahead >= 4, `producer should fill its window (ran ${ahead} ahead)`);
	// Consuming lets it continue to the end.
	let n = 1;
	for (;;) {
		const r = await it.next();
		if (r.done) break;
		n++;
	}
	assert.equal(n, 200);
	assert.equal(sent.get("slow"), 200);
});

test("cancelling stops the producer", async () => {
	const s = (await conn()).stream("Count", { N: 100_000, Size: 1024, Tag: "cancel" }, 16 * 1024);
	let n = 0;
	for await (const _ of s) {
		if (++n === 5) break;
	}
	const sink = sinks[sinks.length - 1] as RpcStreamSink;
	await tick(50);
	assert.equal(sink.signal.aborted, true);
	const stopped = sent.get("cancel") ?? 0;
	await tick(50);
	assert.equal(sent.get("cancel"), stopped);
	assert.ok(stopped < 100);
});

test("the server reaches a client by its peer ID and streams from it", async () => {
	await tick();
	const c = rpc.connectionFor("node-1");
	assert.ok(c);
	assert.equal(rpc.connectionFor("node-2"), undefined);
	const got: unknown[] = [];
	for await (const x of c.stream("Echo", ["a", "b", "c"])) got.push(x);
	assert.deepEqual(got, ["a", "b", "c"]);
});

test("a lost connection fails the caller's stream and aborts the responder's", async () => {
	const s = (await conn()).stream("Count", { N: 100_000, Size: 1024, Tag: "lost" }, 8 * 1024);
	const it = s[Symbol.asyncIterator]();
	await it.next();
	const sink = sinks[sinks.length - 1] as RpcStreamSink;
	(await conn()).close();
	await assert.rejects(async () => {
		for (;;) if ((await it.next()).done) break;
	}, /rpc connection closed/);
	await tick(50);
	assert.equal(sink.signal.aborted, true);
	assert.equal(rpc.connectionFor("node-1"), undefined);
});
