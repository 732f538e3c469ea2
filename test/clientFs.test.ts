// The fs API of the dev agent's own client, against a real raw_exec allocation: ls, stat, cat,
// readat, logs (plain and framed), and the refusals (escapes, secrets, unknown task/alloc).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseFrames } from "../src/client/fs/index.ts";
import { freePorts, type StartedAgent, startAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
let agent: StartedAgent;
before(async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "dev.json", { ports, limits: { http_max_conns_per_client: 0 } });
	agent = await startAgent(["-dev", `-config=${cfg}`, `-data-dir=${dir.path}/data`, "-log-level=INFO"], ports);
});
after(async () => {
	await agent?.stop();
	dir.cleanup();
});

const req = async (path: string) => {
	const r = await fetch(`${agent.url}${path}`);
	return { status: r.status, type: r.headers.get("content-type"), body: await r.text(), headers: r.headers };
};
const json = async (path: string) => JSON.parse((await req(path)).body);

test("fs endpoints on a finished raw_exec allocation", async () => {
	await waitFor(async () => {
		const n = await json("/v1/nodes");
		return n.length === 1 && n[0].Status === "ready";
	});
	const job = {
		ID: "printer",
		Type: "batch",
		Datacenters: ["*"],
		TaskGroups: [
			{
				Name: "g",
				Tasks: [
					{
						Name: "t",
						Driver: "raw_exec",
						Config: {
							command: "/bin/sh",
							args: [
								"-c",
								'for i in 1 2 3; do echo "line $i"; done; echo oops >&2; echo "<html><script>x</script>" > "$NOMAD_ALLOC_DIR/data/page.html"; echo tok > "$NOMAD_SECRETS_DIR/token"',
							],
						},
						Resources: { CPU: 100, MemoryMB: 64 },
					},
				],
			},
		],
	};
	const put = await fetch(`${agent.url}/v1/jobs`, { method: "PUT", body: JSON.stringify({ Job: job }) });
	assert.equal(put.status, 200);
	const alloc = await waitFor(async () => {
		const a = (await json("/v1/job/printer/allocations"))[0];
		return a?.ClientStatus === "complete" ? a : undefined;
	});
	const id = alloc.ID as string;

	// ls
	const root = await json(`/v1/client/fs/ls/${id}`);
	assert.deepEqual(root.map((f: any) => f.Name).sort(), ["alloc", "t"]);
	const logs = await json(`/v1/client/fs/ls/${id}?path=/alloc/logs`);
	const out0 = logs.find((f: any) => f.Name === "t.stdout.0");
	assert.equal(out0.Size, "line 1\nline 2\nline 3\n".length);
	assert.equal(out0.IsDir, false);
	assert.match(out0.FileMode, /^-rw/);
	const task = await json(`/v1/client/fs/ls/${id}?path=t`);
	assert.equal(task.find((f: any) => f.Name === "tmp").FileMode, "dtrwxrwxrwx");
	assert.ok(
		task.some((f: any) => f.Name === "secrets"),
		"ls of a task dir shows secrets",
	);
	assert.deepEqual(
		(await json(`/v1/client/fs/ls/${id}?path=t/secrets`)).map((f: any) => f.Name),
		["token"],
	);

	// stat
	const st = await json(`/v1/client/fs/stat/${id}?path=alloc/logs/t.stdout.0`);
	assert.equal(st.ContentType, "text/plain; charset=utf-8");
	assert.equal(st.Name, "t.stdout.0");
	assert.equal((await json(`/v1/client/fs/stat/${id}?path=alloc`)).ContentType, "application/octet-stream");
	assert.deepEqual(await req(`/v1/client/fs/stat/${id}`).then((r) => [r.status, r.body]), [
		400,
		"must provide a file name",
	]);

	// cat / readat
	const cat = await req(`/v1/client/fs/cat/${id}?path=alloc/logs/t.stdout.0`);
	assert.equal(cat.status, 200);
	assert.equal(cat.body, "line 1\nline 2\nline 3\n");
	const html = await req(`/v1/client/fs/cat/${id}?path=alloc/data/page.html`);
	assert.equal(html.type, "text/plain; charset=utf-8");
	assert.equal(html.headers.get("x-content-type-options"), "nosniff");
	const ra = await req(`/v1/client/fs/readat/${id}?path=alloc/logs/t.stdout.0&offset=7&limit=6`);
	assert.equal(ra.body, "line 2");
	const dirCat = await req(`/v1/client/fs/cat/${id}?path=alloc`);
	assert.deepEqual([dirCat.status, dirCat.body], [400, 'file "alloc" is a directory']);

	// escapes and secrets
	for (const p of ["../../../../etc/passwd", "/../etc/passwd", "t/../../x"]) {
		const r = await req(`/v1/client/fs/cat/${id}?path=${encodeURIComponent(p)}`);
		assert.deepEqual([r.status, r.body], [400, "Path escapes the alloc directory"], p);
		const l = await req(`/v1/client/fs/ls/${id}?path=${encodeURIComponent(p)}`);
		assert.equal(l.status, 400, p);
	}
	const sec = await req(`/v1/client/fs/cat/${id}?path=t/SECRETS/token`);
	assert.equal(sec.status, 403);
	assert.match(sec.body, /Reading secret file prohibited/);

	// logs: plain, framed, origin end, errors
	const plain = await req(`/v1/client/fs/logs/${id}?task=t&type=stdout&plain=true`);
	assert.equal(plain.status, 200);
	assert.equal(plain.type, "text/plain");
	assert.equal(plain.body, "line 1\nline 2\nline 3\n");
	const tail = await req(`/v1/client/fs/logs/${id}?task=t&type=stdout&plain=true&origin=end&offset=7`);
	assert.equal(tail.body, "line 3\n");
	const framed = await req(`/v1/client/fs/logs/${id}?task=t&type=stderr`);
	assert.equal(framed.type, "application/json");
	const frames = parseFrames(framed.body).filter((f) => f.Data);
	assert.equal(frames.map((f) => Buffer.from(f.Data ?? "", "base64").toString()).join(""), "oops\n");
	assert.equal(frames[0]?.File, "alloc/logs/t.stderr.0");
	assert.equal(frames.at(-1)?.Offset, 5);
	const errs: [string, number, string][] = [
		["task=nope&type=stdout", 400, 'unknown task name "nope"'],
		["task=t", 400, "must provide log type (stdout/stderr)"],
		["task=t&type=stdout&origin=middle", 400, "origin must be start or end"],
		["type=stdout", 400, "must provide task name"],
	];
	for (const [q, status, body] of errs) {
		const r = await req(`/v1/client/fs/logs/${id}?${q}`);
		assert.deepEqual([r.status, r.body], [status, body], q);
	}
	const unknown = await req("/v1/client/fs/ls/00000000-0000-0000-0000-000000000000");
	assert.deepEqual([unknown.status, unknown.body], [404, 'Unknown allocation "00000000-0000-0000-0000-000000000000"']);

	// fs/stream without follow ends at EOF with framed data
	const stream = await req(`/v1/client/fs/stream/${id}?path=alloc/logs/t.stdout.0&follow=false&offset=7&origin=end`);
	const sf = parseFrames(stream.body).filter((f) => f.Data);
	assert.equal(sf.map((f) => Buffer.from(f.Data ?? "", "base64").toString()).join(""), "line 3\n");
	assert.equal(sf[0]?.File, "alloc/logs/t.stdout.0");
});

test("fs/stream follows (heartbeats keep coming) until the client disconnects", async () => {
	const id = (await json("/v1/job/printer/allocations"))[0].ID as string;
	const ac = new AbortController();
	const r = await fetch(`${agent.url}/v1/client/fs/stream/${id}?path=alloc/logs/t.stdout.0`, {
		signal: ac.signal,
		headers: { "Accept-Encoding": "gzip" },
	});
	assert.equal(r.status, 200);
	const reader = (r.body as ReadableStream<Uint8Array>).getReader();
	let got = "";
	const t0 = Date.now();
	while (!got.includes("{}") && Date.now() - t0 < 5000) {
		const { value, done } = await reader.read();
		if (done) break;
		got += Buffer.from(value).toString();
	}
	const frames = parseFrames(got);
	assert.equal(Buffer.from(frames.find((f) => f.Data)?.Data ?? "", "base64").toString(), "line 1\nline 2\nline 3\n");
	assert.ok(
		frames.some((f) => JSON.stringify(f) === "{}"),
		"a heartbeat arrived while following",
	);
	ac.abort();
	await reader.cancel().catch(() => {});
	// The agent is still answering after the stream was cut.
	assert.equal((await req(`/v1/client/fs/stat/${id}?path=alloc`)).status, 200);
});
