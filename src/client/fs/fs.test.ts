import assert from "node:assert/strict";
import {
	appendFileSync,
	chmodSync,
	mkdirSync,
	mkdtempSync,
	rmSync,
	symlinkSync,
	truncateSync,
	unlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CodedError } from "../../lib/errors.ts";
import {
	encodeFrame,
	goModeString,
	listDir,
	parseFrames,
	planFileStream,
	planLogs,
	pumpFile,
	readAt,
	resolveInAllocDir,
	rfc3339Nano,
	StreamFramer,
	statFile,
	streamLogs,
} from "./index.ts";

const root = mkdtempSync(join(tmpdir(), "nomad-fs-"));
after(() => rmSync(root, { recursive: true, force: true }));

function allocDir(): string {
	const d = mkdtempSync(join(root, "alloc-"));
	for (const p of ["alloc/logs", "alloc/data", "alloc/tmp", "web/local", "web/secrets", "web/private", "web/tmp"])
		mkdirSync(join(d, p), { recursive: true });
	writeFileSync(join(d, "web/secrets/token"), "s3cret");
	writeFileSync(join(d, "web/private/state"), "priv");
	writeFileSync(join(d, "web/local/app.txt"), "hello\n");
	return d;
}

const code = (fn: () => unknown) => {
	try {
		fn();
	} catch (err) {
		assert.ok(err instanceof CodedError, String(err));
		return `${err.code} ${err.message}`;
	}
	return "ok";
};

test("paths resolve inside the alloc dir; .. and symlinks out are refused", () => {
	const d = allocDir();
	assert.equal(resolveInAllocDir(d, "/web/local/app.txt").path, join(d, "web/local/app.txt"));
	assert.equal(resolveInAllocDir(d, "web/../web/local").path, join(d, "web/local"));
	// An absolute path is relative to the alloc dir, as in Nomad.
	assert.equal(resolveInAllocDir(d, "/etc/passwd").path, join(d, "etc/passwd"));
	assert.equal(
		code(() => resolveInAllocDir(d, "../")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => resolveInAllocDir(d, "/../../etc/passwd")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => resolveInAllocDir(d, "web/../../x")),
		"400 Path escapes the alloc directory",
	);
	symlinkSync("/etc", join(d, "alloc/data/etc"));
	symlinkSync("/etc/hostname", join(d, "web/local/host"));
	symlinkSync("../app.txt", join(d, "web/tmp/ok-link"));
	assert.equal(
		code(() => resolveInAllocDir(d, "alloc/data/etc/passwd")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => resolveInAllocDir(d, "alloc/data/etc")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => resolveInAllocDir(d, "web/local/host")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => listDir(d, "alloc/data/etc")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => planFileStream(d, "web/local/host", "start", 0)),
		"400 Path escapes the alloc directory",
	);
	// A link that stays inside is fine... and a missing file below a link out is still out.
	assert.equal(
		code(() => resolveInAllocDir(d, "alloc/data/etc/nope/deeper")),
		"400 Path escapes the alloc directory",
	);
	assert.equal(
		code(() => resolveInAllocDir(d, "web/tmp/nope")),
		"ok",
	);
});

test("reads under <task>/secrets and <task>/private are refused case-insensitively; ls/stat are not", async () => {
	const d = allocDir();
	for (const p of [
		"web/secrets/token",
		"web/SECRETS/token",
		"/web/Secrets/token",
		"web/private/state",
		"web/PrivatE/x",
	]) {
		const msg = code(() => resolveInAllocDir(d, p, { read: true }));
		assert.match(msg, /^403 Reading (secret|private) file prohibited: /, p);
	}
	await assert.rejects(readAt(d, "web/secrets/token", 0, 0), /Reading secret file prohibited/);
	assert.match(
		code(() => planFileStream(d, "web/private/state", "start", 0)),
		/^403 Reading private/,
	);
	// A symlink elsewhere in the alloc dir that points into secrets is a read of secrets.
	symlinkSync("../../web/secrets/token", join(d, "alloc/data/tok"));
	assert.match(
		code(() => resolveInAllocDir(d, "alloc/data/tok", { read: true })),
		/^403 Reading secret/,
	);
	assert.deepEqual(
		listDir(d, "web/secrets").map((f) => f.Name),
		["token"],
	);
	const st = statFile(d, "web/secrets/token");
	assert.equal(st.Size, 6);
	assert.equal(st.ContentType, "application/octet-stream"); // not sniffed: that would read it
});

test("Go mode strings, RFC3339Nano times, content types", () => {
	const d = allocDir();
	chmodSync(join(d, "web/tmp"), 0o1777);
	chmodSync(join(d, "web/local"), 0o777);
	chmodSync(join(d, "web/local/app.txt"), 0o644);
	writeFileSync(join(d, "web/local/x.json"), "{}");
	writeFileSync(join(d, "web/local/bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
	symlinkSync("app.txt", join(d, "web/local/lnk"));
	const ls = Object.fromEntries(listDir(d, "web").map((f) => [f.Name, f]));
	assert.equal(ls.tmp?.FileMode, "dtrwxrwxrwx");
	assert.equal(ls.local?.FileMode, "drwxrwxrwx");
	assert.equal(ls.local?.IsDir, true);
	const local = Object.fromEntries(listDir(d, "web/local").map((f) => [f.Name, f]));
	assert.equal(local["app.txt"]?.FileMode, "-rw-r--r--");
	assert.equal(local["app.txt"]?.Size, 6);
	assert.equal(local.lnk?.FileMode.slice(0, 1), "L");
	assert.match(local["app.txt"]?.ModTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
	assert.equal(
		goModeString({
			mode: 0o4755,
			isDirectory: () => false,
			isSymbolicLink: () => false,
			isBlockDevice: () => false,
			isCharacterDevice: () => false,
			isFIFO: () => false,
			isSocket: () => false,
		}),
		"urwxr-xr-x",
	);
	assert.equal(
		goModeString({
			mode: 0o620,
			isDirectory: () => false,
			isSymbolicLink: () => false,
			isBlockDevice: () => false,
			isCharacterDevice: () => true,
			isFIFO: () => false,
			isSocket: () => false,
		}),
		"Dcrw--w----",
	);
	assert.equal(rfc3339Nano(1_700_000_000_120_000_000n), "2023-11-14T22:13:20.12Z");
	assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), "2023-11-14T22:13:20Z");
	assert.equal(statFile(d, "web/local/app.txt").ContentType, "text/plain; charset=utf-8");
	assert.equal(statFile(d, "web/local/x.json").ContentType, "application/json");
	assert.equal(statFile(d, "web/local/bin").ContentType, "application/octet-stream");
	assert.equal(statFile(d, "web").ContentType, "application/octet-stream");
	assert.equal(statFile(d, "/").IsDir, true);
	assert.match(
		code(() => statFile(d, "web/nope")),
		/^404 stat web\/nope: no such file/,
	);
	assert.match(
		code(() => planFileStream(d, "web", "start", 0)),
		/^400 file "web" is a directory/,
	);
	assert.match(
		code(() => planFileStream(d, "web/local/app.txt", "middle", 0)),
		/^400 origin must be start or end/,
	);
	assert.equal(planFileStream(d, "web/local/app.txt", "end", 2).offset, 4);
	assert.equal(planFileStream(d, "web/local/app.txt", "end", 99).offset, 0);
});

test("readAt serves html as text/plain and binaries as octet-stream, with offset and limit", async () => {
	const d = allocDir();
	writeFileSync(join(d, "alloc/data/page.html"), "<html><script>alert(1)</script></html>");
	const read = async (p: string, off: number, lim: number) => {
		const { stream, contentType } = await readAt(d, p, off, lim);
		const chunks: Buffer[] = [];
		for await (const c of stream) chunks.push(c as Buffer);
		return { body: Buffer.concat(chunks).toString(), contentType };
	};
	assert.deepEqual(await read("alloc/data/page.html", 0, 0), {
		body: "<html><script>alert(1)</script></html>",
		contentType: "text/plain; charset=utf-8",
	});
	assert.equal((await read("web/local/app.txt", 1, 3)).body, "ell");
	writeFileSync(join(d, "alloc/data/b"), Buffer.from([0, 1, 2, 3]));
	assert.equal((await read("alloc/data/b", 0, 0)).contentType, "application/octet-stream");
});

test("frames: omitempty, heartbeats, batching, 64 KiB cap, exact offsets", async () => {
	assert.equal(encodeFrame(0, Buffer.alloc(0), "", ""), "{}");
	assert.equal(encodeFrame(3, Buffer.from("abc"), "f", ""), '{"Offset":3,"Data":"YWJj","File":"f"}');
	assert.equal(encodeFrame(0, Buffer.alloc(0), "f", "file truncated"), '{"File":"f","FileEvent":"file truncated"}');
	const out: string[] = [];
	const f = new StreamFramer((c) => out.push(String(c)) > 0, { heartbeatMs: 30, batchMs: 60 });
	f.send("a", Buffer.from("he"), 2);
	f.send("a", Buffer.from("llo"), 5);
	await new Promise((r) => setTimeout(r, 100));
	f.close();
	const frames = parseFrames(out.join(""));
	assert.ok(
		frames.some((x) => JSON.stringify(x) === "{}"),
		"heartbeat",
	);
	const data = frames.filter((x) => x.Data);
	assert.equal(data.length, 1, "batched into one frame");
	assert.deepEqual(data[0], { Offset: 5, Data: Buffer.from("hello").toString("base64"), File: "a" });
	const big: string[] = [];
	const g = new StreamFramer((c) => big.push(String(c)) > 0, { heartbeatMs: 10_000 });
	g.send("b", Buffer.alloc(70_000, 97), 70_000);
	g.close();
	const bf = parseFrames(big.join(""));
	assert.deepEqual(
		bf.map((x) => [Buffer.from(x.Data ?? "", "base64").length, x.Offset]),
		[
			[65536, 65536],
			[70_000 - 65536, 70_000],
		],
	);
	const plain: Buffer[] = [];
	const p = new StreamFramer((c) => plain.push(Buffer.from(c)) > 0, { plain: true, heartbeatMs: 5 });
	p.send("a", Buffer.from("raw"), 3);
	await new Promise((r) => setTimeout(r, 20));
	p.close();
	assert.equal(Buffer.concat(plain).toString(), "raw");
});

async function collect(run: (f: StreamFramer, signal: AbortSignal) => Promise<unknown>, ms?: number) {
	const out: string[] = [];
	const ac = new AbortController();
	const f = new StreamFramer((c) => out.push(String(c)) > 0, { heartbeatMs: 10_000, batchMs: 10 });
	const t = ms ? setTimeout(() => ac.abort(), ms) : undefined;
	await run(f, ac.signal);
	clearTimeout(t);
	f.close();
	return parseFrames(out.join(""));
}
const text = (frames: { Data?: string }[]) =>
	frames.map((x) => Buffer.from(x.Data ?? "", "base64").toString()).join("");

test("streamed file: follow sees appends, truncation and deletion", async () => {
	const d = allocDir();
	const file = join(d, "alloc/data/f.txt");
	writeFileSync(file, "one\n");
	const frames = await collect(async (f, signal) => {
		const p = pumpFile(f, {
			allocDir: d,
			path: "alloc/data/f.txt",
			label: "alloc/data/f.txt",
			offset: 0,
			follow: true,
			signal,
			pollMs: 10,
		});
		await new Promise((r) => setTimeout(r, 50));
		appendFileSync(file, "two\n");
		await new Promise((r) => setTimeout(r, 50));
		truncateSync(file, 0);
		await new Promise((r) => setTimeout(r, 50));
		appendFileSync(file, "3\n");
		await new Promise((r) => setTimeout(r, 50));
		unlinkSync(file);
		assert.equal(await p, "deleted");
	});
	assert.equal(text(frames), "one\ntwo\n3\n");
	assert.deepEqual(
		frames.filter((x) => x.FileEvent).map((x) => x.FileEvent),
		["file truncated", "file deleted"],
	);
	assert.ok(frames.every((x) => x.File === "alloc/data/f.txt"));
});

test("logs: offsets across rotated files, origin end, follow to the next index, not found", async () => {
	const d = allocDir();
	const logs = join(d, "alloc/logs");
	writeFileSync(join(logs, "web.stdout.0"), "aaaa");
	writeFileSync(join(logs, "web.stdout.1"), "bbbb");
	writeFileSync(join(logs, "web.stdout.2"), "cc");
	assert.match(
		code(() => planLogs(d, "web", "stderr", "start", 0)),
		/^404 log entry for task "web" and log type "stderr" not found/,
	);
	assert.deepEqual(planLogs(d, "web", "stdout", "start", 5), { index: 1, offset: 1 });
	assert.deepEqual(planLogs(d, "web", "stdout", "end", 3), { index: 1, offset: 3 });
	const all = await collect((f, signal) =>
		streamLogs(f, {
			allocDir: d,
			task: "web",
			type: "stdout",
			follow: false,
			plan: planLogs(d, "web", "stdout", "start", 0),
			signal,
		}),
	);
	assert.equal(text(all), "aaaabbbbcc");
	assert.deepEqual(
		[...new Set(all.map((x) => x.File))],
		["alloc/logs/web.stdout.0", "alloc/logs/web.stdout.1", "alloc/logs/web.stdout.2"],
	);
	const tail = await collect((f, signal) =>
		streamLogs(f, {
			allocDir: d,
			task: "web",
			type: "stdout",
			follow: false,
			plan: planLogs(d, "web", "stdout", "end", 3),
			signal,
		}),
	);
	assert.equal(text(tail), "bcc");
	const followed = await collect(async (f, signal) => {
		const p = streamLogs(f, {
			allocDir: d,
			task: "web",
			type: "stdout",
			follow: true,
			plan: { index: 2, offset: 2 },
			signal,
			pollMs: 10,
		});
		await new Promise((r) => setTimeout(r, 40));
		appendFileSync(join(logs, "web.stdout.2"), "C");
		writeFileSync(join(logs, "web.stdout.3"), "dd");
		await new Promise((r) => setTimeout(r, 80));
		await p;
	}, 200);
	assert.equal(text(followed), "Cdd");
});
