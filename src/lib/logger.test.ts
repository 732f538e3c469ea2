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
