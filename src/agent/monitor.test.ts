import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFrames } from "../client/fs/stream.ts";
import { Logger, LogHub } from "../lib/logger.ts";
import { droppedNotice, LogMonitor, type MonitorOutput } from "./monitor.ts";

/** An output that can be made to report a full buffer, and drained by hand. */
class FakeOutput implements MonitorOutput {
	chunks: string[] = [];
	full = false;
	private drains: (() => void)[] = [];
	write(chunk: string | Buffer): boolean {
		this.chunks.push(chunk.toString());
		return !this.full;
	}
	onDrain(cb: () => void): void {
		this.drains.push(cb);
	}
	drain(): void {
		this.full = false;
		const d = this.drains;
		this.drains = [];
		for (const cb of d) cb();
	}
	text(): string {
		return this.chunks.join("");
	}
	/** The log text carried by the frames written so far. */
	logText(): string {
		return parseFrames(this.text())
			.filter((f) => f.Data)
			.map((f) => Buffer.from(f.Data ?? "", "base64").toString())
			.join("");
	}
}

const fast = { batchMs: 5, heartbeatMs: 20, dropNoticeMs: 30 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("frames are Nomad's StreamFrame JSON with FileEvent log; heartbeats are {}", async () => {
	const hub = new LogHub();
	const out = new FakeOutput();
	const m = new LogMonitor(hub, out, { level: "info", json: false, includeLocation: false, plain: false, ...fast });
	m.start();
	const log = new Logger(hub, "agent");
	log.info("hello", { n: 1 });
	log.debug("not at info");
	await sleep(50);
	m.stop();
	const frames = parseFrames(out.text());
	const data = frames.filter((f) => f.Data);
	assert.equal(data.length, 1);
	assert.equal(data[0]?.FileEvent, "log");
	assert.equal(data[0]?.Offset, undefined);
	assert.match(out.logText(), /\[INFO\] {2}agent: hello: n=1\n$/);
	assert.doesNotMatch(out.logText(), /not at info/);
	assert.ok(
		frames.some((f) => Object.keys(f).length === 0),
		"a heartbeat frame",
	);
});

test("bursts over 1024 bytes are cut into frames; later frames carry their offset", () => {
	const hub = new LogHub();
	const out = new FakeOutput();
	const m = new LogMonitor(hub, out, { level: "info", json: false, includeLocation: false, plain: false, ...fast });
	m.start();
	const log = new Logger(hub, "x");
	log.info("a".repeat(3000));
	m.stop();
	const frames = parseFrames(out.text()).filter((f) => f.Data);
	assert.equal(frames.length, 3);
	assert.deepEqual(
		frames.map((f) => f.Offset),
		[undefined, 1024, 2048],
	);
	assert.equal(Buffer.from(frames[0]?.Data ?? "", "base64").length, 1024);
	assert.match(out.logText(), /a{3000}\n$/);
});

test("plain writes the raw lines, JSON lines with log_json, and no heartbeats", async () => {
	const hub = new LogHub();
	const out = new FakeOutput();
	const m = new LogMonitor(hub, out, { level: "debug", json: true, includeLocation: true, plain: true, ...fast });
	m.start();
	new Logger(hub, "agent").debug("dbg", { k: "v" });
	await sleep(50);
	m.stop();
	const lines = out.text().trim().split("\n");
	assert.equal(lines.length, 1);
	const rec = JSON.parse(lines[0] ?? "");
	assert.equal(rec["@message"], "dbg");
	assert.equal(rec.k, "v");
	assert.match(rec["@caller"], /agent\/monitor\.test\.ts:\d+$/);
});

test("concurrent monitors keep their own levels; stop removes the sink", () => {
	const hub = new LogHub();
	const trace = new FakeOutput();
	const errors = new FakeOutput();
	const a = new LogMonitor(hub, trace, { level: "trace", json: false, includeLocation: false, plain: true, ...fast });
	const b = new LogMonitor(hub, errors, { level: "error", json: false, includeLocation: false, plain: true, ...fast });
	a.start();
	b.start();
	assert.equal(hub.enabled("trace"), true);
	const log = new Logger(hub, "t");
	log.trace("t1");
	log.error("e1");
	a.stop();
	b.stop();
	assert.match(trace.text(), /t1[\s\S]*e1/);
	assert.doesNotMatch(errors.text(), /t1/);
	assert.match(errors.text(), /e1/);
	assert.equal(hub.enabled("error"), false, "no sink left behind");
});

test("a slow reader bounds the buffer: lines past it are dropped and a notice says how many", async () => {
	const hub = new LogHub();
	const out = new FakeOutput();
	const m = new LogMonitor(hub, out, {
		level: "info",
		json: false,
		includeLocation: false,
		plain: true,
		bufferLines: 10,
		...fast,
	});
	m.start();
	const log = new Logger(hub, "x");
	out.full = true;
	log.info("first");
	// The flush of "first" reports a full buffer; from now on lines wait (10) or are dropped.
	await sleep(10);
	for (let i = 0; i < 100; i++) log.info(`line ${i}`);
	assert.equal(m.droppedTotal, 90);
	await sleep(40); // the drop notice is queued behind the waiting lines
	out.drain();
	await sleep(20);
	m.stop();
	const text = out.text();
	// The oldest waiting line made room for the notice, as Nomad's monitor does.
	assert.doesNotMatch(text, /line 0\n/);
	assert.match(text, /line 1\n[\s\S]*line 9\n/);
	assert.doesNotMatch(text, /line 50\n/);
	assert.ok(text.includes("[WARN] Monitor dropped 91 logs during monitor request"), text.slice(-300));
	assert.equal(droppedNotice(3), "[WARN] Monitor dropped 3 logs during monitor request\n");
});
