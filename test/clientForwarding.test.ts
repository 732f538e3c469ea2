// "Any agent answers": a server agent answers /v1/client/* for allocations running on a separate
// client-only agent (HTTP on another loopback address) by forwarding over the client's RPC
// connection; streams are forwarded chunk by chunk (a follow stream sees data written after it
// started); a client-only agent asked about something not on it goes through its server.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type StartedAgent, startClientAgent, startServerAgent, tempDir, waitFor } from "./helpers/agentProcess.ts";

const dir = tempDir();
const agents: StartedAgent[] = [];
let server: StartedAgent;
let client: StartedAgent;
let nodeID: string;
let allocID: string;
let allocDir: string;

// Prints a greeting, echoes on SIGUSR1, and prints a late line whenever the test drops a "go" file.
const SCRIPT = [
	`trap 'echo got-usr1' USR1`,
	`echo hello-from-task`,
	`echo "file body" > "$NOMAD_ALLOC_DIR/data.txt"`,
	`i=0`,
	`while true; do`,
	`  if [ -f "$NOMAD_ALLOC_DIR/go" ]; then rm -f "$NOMAD_ALLOC_DIR/go"; echo "late-line-$i"; i=$((i+1)); fi`,
	`  sleep 0.1`,
	`done`,
].join("\n");

before(async () => {
	server = await startServerAgent(dir.path, "server", { config: { name: "srv" } });
	agents.push(server);
	client = await startClientAgent(dir.path, "client", `127.0.0.1:${server.ports.rpc}`, {
		host: "127.0.0.2",
		config: { name: "worker-fwd" },
	});
	agents.push(client);

	const node = await waitFor(async () => {
		const nodes = (await (await fetch(`${server.url}/v1/nodes`)).json()) as any[];
		return nodes.find((n) => n.Name === "worker-fwd" && n.Status === "ready");
	});
	nodeID = node.ID;
	const put = await fetch(`${server.url}/v1/jobs`, {
		method: "PUT",
		body: JSON.stringify({
			Job: {
				ID: "fwd",
				Type: "service",
				Datacenters: ["*"],
				TaskGroups: [
					{
						Name: "g",
						RestartPolicy: { Attempts: 5, Interval: 60e9, Delay: 0, Mode: "fail" },
						Tasks: [{ Name: "t", Driver: "raw_exec", Config: { command: "/bin/sh", args: ["-c", SCRIPT] } }],
					},
				],
			},
		}),
	});
	assert.equal(put.status, 200);
	const alloc = await waitFor(async () => {
		const a = ((await (await fetch(`${server.url}/v1/job/fwd/allocations`)).json()) as any[])[0];
		return a?.ClientStatus === "running" && a.TaskStates?.t?.StartedAt ? a : undefined;
	});
	assert.equal(alloc.NodeID, nodeID);
	allocID = alloc.ID;
	allocDir = join(dir.path, "client", "alloc", allocID);
	await waitFor(async () => existsSync(join(allocDir, "alloc", "data.txt")));
});

after(async () => {
	for (const a of agents.reverse()) await a.stop();
	dir.cleanup();
});

const viaServer = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

/** Reads a framed stream until `want` shows up in the decoded data (or times out); then cancels. */
async function readFramesUntil(
	res: Response,
	want: string,
	onFirstData?: () => void,
): Promise<{ text: string; files: Set<string> }> {
	assert.equal(res.status, 200);
	const reader = (res.body as ReadableStream<Uint8Array>).getReader();
	const dec = new TextDecoder();
	let raw = "";
	let text = "";
	const files = new Set<string>();
	let started = false;
	const deadline = Date.now() + 10_000;
	try {
		while (!text.includes(want)) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${want}; got ${JSON.stringify(text)}`);
			const r = await reader.read();
			if (r.done) break;
			raw += dec.decode(r.value, { stream: true });
			// Frames are concatenated JSON objects; take every complete one.
			for (;;) {
				const end = frameEnd(raw);
				if (end < 0) break;
				const f = JSON.parse(raw.slice(0, end)) as { Data?: string; File?: string };
				raw = raw.slice(end);
				if (f.File) files.add(f.File);
				if (f.Data) {
					text += Buffer.from(f.Data, "base64").toString();
					if (!started) {
						started = true;
						onFirstData?.();
					}
				}
			}
		}
	} finally {
		await reader.cancel();
	}
	return { text, files };
}

function frameEnd(s: string): number {
	let depth = 0;
	let inStr = false;
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (inStr) {
			if (c === "\\") i++;
			else if (c === '"') inStr = false;
		} else if (c === '"') inStr = true;
		else if (c === "{") depth++;
		else if (c === "}" && --depth === 0) return i + 1;
	}
	return -1;
}

test("the client's HTTP is on its own address and knows nothing of the server's state", async () => {
	const r = await fetch(`${client.url}/v1/agent/health`);
	assert.equal(r.status, 200);
	assert.match(client.url, /127\.0\.0\.2/);
	// The server has no local client: without node_id it cannot know which node is meant.
	const noNode = await viaServer("/v1/client/stats");
	assert.equal(noNode.status, 400);
	assert.equal(await noNode.text(), "No local Node and node_id not provided");
});

test("fs ls, stat, cat and readat through the server", async () => {
	const ls = (await (await viaServer(`/v1/client/fs/ls/${allocID}?path=/`)).json()) as any[];
	assert.deepEqual(ls.map((f) => f.Name).sort(), ["alloc", "t"]);
	assert.equal(ls[0].IsDir, true);

	const st = await viaServer(`/v1/client/fs/stat/${allocID}?path=alloc/data.txt`);
	assert.equal(st.status, 200);
	assert.equal(st.headers.get("content-type"), "application/json");
	const info = (await st.json()) as any;
	assert.equal(info.Name, "data.txt");
	assert.equal(info.Size, 10);

	const cat = await viaServer(`/v1/client/fs/cat/${allocID}?path=alloc/data.txt`);
	assert.equal(cat.status, 200);
	assert.equal(cat.headers.get("content-type"), "text/plain; charset=utf-8");
	assert.equal(cat.headers.get("x-content-type-options"), "nosniff");
	assert.equal(await cat.text(), "file body\n");

	const readat = await viaServer(`/v1/client/fs/readat/${allocID}?path=alloc/data.txt&offset=5&limit=4`);
	assert.equal(await readat.text(), "body");

	// Errors come back with the client's status and text.
	const missing = await viaServer(`/v1/client/fs/stat/${allocID}?path=alloc/nope`);
	assert.equal(missing.status, 404);
	assert.match(await missing.text(), /no such file or directory/);
	const escaping = await viaServer(`/v1/client/fs/cat/${allocID}?path=../../../etc/passwd`);
	assert.ok(escaping.status >= 400 && escaping.status < 500);
});

test("a large file is forwarded whole and compressed for a gzip reader", async () => {
	const big = Buffer.alloc(3 * 1024 * 1024);
	for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
	writeFileSync(join(allocDir, "alloc", "big.txt"), big);
	const r = await viaServer(`/v1/client/fs/cat/${allocID}?path=alloc/big.txt`, {
		headers: { "Accept-Encoding": "gzip" },
	});
	assert.equal(r.status, 200);
	assert.equal(r.headers.get("content-encoding"), "gzip");
	const body = Buffer.from(await r.arrayBuffer());
	assert.equal(body.length, big.length);
	assert.ok(body.equals(big));
});

test("fs stream (follow) delivers data appended after the request started", async () => {
	const target = join(allocDir, "alloc", "grow.txt");
	writeFileSync(target, "first\n");
	const ctl = new AbortController();
	const res = await viaServer(`/v1/client/fs/stream/${allocID}?path=alloc/grow.txt&follow=true`, {
		signal: ctl.signal,
	});
	assert.equal(res.headers.get("content-type"), "application/json");
	const { text, files } = await readFramesUntil(res, "appended-later", () =>
		appendFileSync(target, "appended-later\n"),
	);
	ctl.abort();
	assert.equal(text, "first\nappended-later\n");
	assert.deepEqual([...files], ["alloc/grow.txt"]);
});

test("fs logs (follow) through the server: frames decode, a later line arrives, signal reaches the task", async () => {
	const ctl = new AbortController();
	const res = await viaServer(`/v1/client/fs/logs/${allocID}?task=t&type=stdout&follow=true`, { signal: ctl.signal });
	const { text, files } = await readFramesUntil(res, "late-line-0", () =>
		writeFileSync(join(allocDir, "alloc", "go"), ""),
	);
	ctl.abort();
	assert.match(text, /^hello-from-task\n/);
	assert.ok(files.has("alloc/logs/t.stdout.0"));

	// Signal: the PUT body is forwarded; the task's trap prints to its stdout.
	const sig = await viaServer(`/v1/client/allocation/${allocID}/signal`, {
		method: "PUT",
		body: JSON.stringify({ Task: "t", Signal: "SIGUSR1" }),
	});
	assert.equal(sig.status, 200);
	assert.deepEqual(await sig.json(), { Index: 0 });
	await waitFor(async () => {
		const plain = await viaServer(`/v1/client/fs/logs/${allocID}?task=t&type=stdout&plain=true`);
		return (await plain.text()).includes("got-usr1");
	}, 10_000);
	const badMethod = await viaServer(`/v1/client/allocation/${allocID}/signal`);
	assert.equal(badMethod.status, 405);
});

test("alloc stats and client stats (node_id) through the server", async () => {
	const s = await viaServer(`/v1/client/allocation/${allocID}/stats`);
	assert.equal(s.status, 200);
	const stats = (await s.json()) as any;
	assert.ok(stats.Tasks.t.ResourceUsage.MemoryStats.RSS > 0);
	assert.deepEqual(stats.ResourceUsage.MemoryStats.Measured, ["RSS", "Swap"]);

	const h = await viaServer(`/v1/client/stats?node_id=${nodeID}`);
	assert.equal(h.status, 200);
	const host = (await h.json()) as any;
	assert.ok(host.Memory.Total > 0);
	assert.ok(Array.isArray(host.CPU) && host.CPU.length > 0);
	assert.ok(Math.abs(host.Timestamp / 1e6 - Date.now()) < 10_000);

	const unknown = await viaServer("/v1/client/stats?node_id=00000000-0000-0000-0000-000000000000");
	assert.equal(unknown.status, 404);
	assert.equal(await unknown.text(), "Unknown node 00000000-0000-0000-0000-000000000000");
	const noAlloc = await viaServer("/v1/client/allocation/00000000-0000-0000-0000-000000000000/stats");
	assert.equal(noAlloc.status, 404);
	assert.equal(await noAlloc.text(), 'Unknown allocation "00000000-0000-0000-0000-000000000000"');
});

test("a client-only agent sends requests it cannot answer to its server", async () => {
	const unknownNode = await fetch(`${client.url}/v1/client/stats?node_id=00000000-0000-0000-0000-000000000001`);
	assert.equal(unknownNode.status, 404);
	assert.equal(await unknownNode.text(), "Unknown node 00000000-0000-0000-0000-000000000001");
	const unknownAlloc = await fetch(`${client.url}/v1/client/fs/ls/00000000-0000-0000-0000-000000000002`);
	assert.equal(unknownAlloc.status, 404);
	assert.equal(await unknownAlloc.text(), 'Unknown allocation "00000000-0000-0000-0000-000000000002"');
	// Its own node by ID is answered locally.
	assert.equal((await fetch(`${client.url}/v1/client/stats?node_id=${nodeID}`)).status, 200);
});

test("alloc restart through the server restarts the task", async () => {
	const r = await viaServer(`/v1/client/allocation/${allocID}/restart`, {
		method: "POST",
		body: JSON.stringify({ TaskName: "t" }),
	});
	assert.equal(r.status, 200);
	await waitFor(async () => {
		const a = (await (await viaServer(`/v1/allocation/${allocID}`)).json()) as any;
		return a.TaskStates?.t?.Restarts >= 1 && a.TaskStates.t.State === "running";
	});
});

test("alloc gc and client gc with node_id through the server", async () => {
	// Not terminal yet: the client's refusal comes back.
	const early = await viaServer(`/v1/client/allocation/${allocID}/gc`);
	assert.equal(early.status, 400);
	assert.equal(await early.text(), "No such allocation on client, or allocation not eligible for GC");

	assert.equal((await viaServer("/v1/job/fwd", { method: "DELETE" })).status, 200);
	await waitFor(async () => {
		const a = (await (await viaServer(`/v1/allocation/${allocID}`)).json()) as any;
		return a.ClientStatus === "complete" || a.ClientStatus === "failed";
	});
	await waitFor(async () => (await viaServer(`/v1/client/allocation/${allocID}/gc`)).status === 200, 10_000);
	await waitFor(async () => !existsSync(allocDir), 5_000);

	const gc = await viaServer(`/v1/client/gc?node_id=${nodeID}`);
	assert.equal(gc.status, 200);
	assert.equal(await gc.text(), "");
});
