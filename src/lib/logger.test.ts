import assert from "node:assert/strict";
import { test } from "node:test";
import { formatHuman, Logger, LogHub, parseLogLevel } from "./logger.ts";

test("human format matches hclog's layout", () => {
	const line = formatHuman({
		time: new Date("2026-11-23T14:00:00.000Z"),
		level: "info",
		name: "agent",
		message: "started",
		fields: { addr: "127.0.0.1:4646", note: "has space" },
	});
	assert.equal(line, '2026-11-23T14:00:00.000Z [INFO]  agent: started: addr=127.0.0.1:4646 note="has space"\n');
});

test("sinks each get records at their own level and format", () => {
	const hub = new LogHub();
	const info: string[] = [];
	const debugJson: string[] = [];
	hub.addSink({ level: "info", json: false, write: (l) => info.push(l) });
	const remove = hub.addSink({
		level: "debug",
		json: true,
		write: (l) => debugJson.push(l),
	});
	const log = new Logger(hub, "agent").named("http");
	log.debug("dbg");
	log.info("hello", { n: 1 });
	assert.equal(info.length, 1);
	assert.match(info[0] ?? "", /\[INFO\] {2}agent\.http: hello: n=1/);
	assert.equal(debugJson.length, 2);
	assert.equal(JSON.parse(debugJson[0] ?? "")["@module"], "agent.http");
	remove();
	log.debug("gone");
	assert.equal(debugJson.length, 2);
	assert.equal(hub.enabled("debug"), false);
});

test("parseLogLevel", () => {
	assert.equal(parseLogLevel("DEBUG"), "debug");
	assert.equal(parseLogLevel("WARNING"), "warn");
	assert.equal(parseLogLevel("nope"), undefined);
});

test("caller locations are captured only while a sink asks for them", () => {
	const hub = new LogHub();
	const plain: string[] = [];
	const located: string[] = [];
	hub.addSink({ level: "info", json: false, write: (l) => plain.push(l) });
	const log = new Logger(hub, "agent");
	log.info("one");
	const remove = hub.addSink({ level: "info", json: false, includeLocation: true, write: (l) => located.push(l) });
	log.info("two");
	remove();
	assert.equal(hub.wantsCaller, false);
	assert.doesNotMatch(plain.join(""), /logger\.test\.ts/);
	assert.match(located[0] ?? "", /\[INFO\] {2}lib\/logger\.test\.ts:\d+: agent: two\n$/);
});
