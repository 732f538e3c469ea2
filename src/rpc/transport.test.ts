import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { pingServer, RpcClient, RpcServer } from "./transport.ts";

const closers: (() => void)[] = [];
after(() => {
	for (const c of closers.reverse()) c();
});

/** An RPC server on a loopback port answering Status.Ping and Who (its own name). */
async function rpcServer(name: string): Promise<{ addr: string; rpc: RpcServer; http: Server }> {
	const http = createServer();
	const rpc = new RpcServer(http);
	rpc.register("Status.Ping", async () => ({}));
	rpc.register("Who", async () => name);
	rpc.register("Hang", () => new Promise(() => {}));
	await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
	closers.push(() => {
		rpc.close();
		http.close();
		http.closeAllConnections();
	});
	return { addr: `127.0.0.1:${(http.address() as AddressInfo).port}`, rpc, http };
}

test("pingServer: answers from an RPC server, Go-like dial errors otherwise", async () => {
	const a = await rpcServer("a");
	await pingServer(a.addr);
	const dead = createServer();
	await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
	const port = (dead.address() as AddressInfo).port;
	await new Promise<void>((r) => dead.close(() => r()));
	await assert.rejects(pingServer(`127.0.0.1:${port}`), {
		message: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
	});
});

test("RpcClient.setServers moves the connection to the new list at once", async () => {
	const a = await rpcServer("a");
	const b = await rpcServer("b");
	const client = new RpcClient([a.addr]);
	closers.push(() => client.close());
	let connects = 0;
	client.onConnect = async () => {
		connects++;
	};
	assert.equal(await client.call("Who", {}), "a");
	assert.equal(client.connectedServer(), a.addr);
	const hanging = client.call("Hang", {});

	// A list that still holds the current server keeps the connection.
	client.setServers([b.addr, a.addr]);
	assert.equal(await client.call("Who", {}), "a");
	assert.equal(connects, 1);

	client.setServers([b.addr]);
	await assert.rejects(hanging, /rpc connection closed/);
	assert.equal(await client.call("Who", {}), "b");
	assert.equal(client.connectedServer(), b.addr);
	assert.deepEqual(client.serverList(), [b.addr]);
	assert.equal(connects, 2);
});

test("RpcClient: a new list ends the dial back-off at once", async () => {
	const dead = createServer();
	await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
	const deadAddr = `127.0.0.1:${(dead.address() as AddressInfo).port}`;
	await new Promise<void>((r) => dead.close(() => r()));
	const b = await rpcServer("b2");
	const client = new RpcClient([deadAddr]);
	closers.push(() => client.close());
	const pending = client.call("Who", {});
	// Let dials fail until the back-off is 1.6 s (100+200+400+800 ms so far).
	await new Promise((r) => setTimeout(r, 1550));
	const t0 = performance.now();
	client.setServers([b.addr]);
	assert.equal(await pending, "b2");
	assert.ok(performance.now() - t0 < 1000, "dialled the new server without waiting out the back-off");
});
