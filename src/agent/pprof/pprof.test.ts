import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeProfile } from "./build.ts";
import { cpuProfileToPprof, type V8CpuProfile } from "./cpu.ts";
import { heapProfileToPprof } from "./heap.ts";
import { atoiOrZero, pprofParams, runPprof } from "./index.ts";
import { goroutineProfile, threadcreateProfile } from "./runtimeProfiles.ts";

const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });

test("a V8 CPU profile becomes a pprof profile: leaf-first stacks, counts and cpu time, no idle time", () => {
	const v8: V8CpuProfile = {
		nodes: [
			{ id: 1, callFrame: frame("(root)", "", -1), children: [2, 4, 5] },
			{ id: 2, callFrame: frame("main", "file:///app/main.js", 9), children: [3] },
			{ id: 3, callFrame: frame("", "file:///app/work.js", 1) },
			{ id: 4, callFrame: frame("(garbage collector)", "", -1) },
			{ id: 5, callFrame: frame("(idle)", "", -1) },
		],
		startTime: 0,
		endTime: 1_000_000,
		samples: [3, 3, 3, 2, 4, 5, 5, 5, 5],
	};
	const p = decodeProfile(cpuProfileToPprof(v8, 1000).encode());
	const s = p.stringTable.strings;
	assert.deepEqual(
		p.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`),
		["samples/count", "cpu/nanoseconds"],
	);
	assert.equal(Number(p.period), 1_000_000);
	assert.equal(Number(p.durationNanos), 1e9);
	const fnName = (locId: unknown) => {
		const loc = p.location.find((l) => l.id === locId);
		const fn = p.function.find((f) => f.id === loc?.line[0]?.functionId);
		return s[Number(fn?.name)];
	};
	const stacks = p.sample.map((x) => ({ stack: x.locationId.map(fnName), values: x.value.map(Number) }));
	assert.deepEqual(
		stacks.sort((a, b) => (b.values[0] ?? 0) - (a.values[0] ?? 0)),
		[
			{ stack: ["(anonymous)", "main"], values: [3, 3_000_000] },
			{ stack: ["main"], values: [1, 1_000_000] },
			{ stack: ["(garbage collector)"], values: [1, 1_000_000] },
		],
	);
	const work = p.function.find((f) => s[Number(f.filename)] === "/app/work.js");
	assert.ok(work, "file:// URLs become paths");
	const loc = p.location.find((l) => l.line[0]?.functionId === work?.id);
	assert.equal(Number(loc?.line[0]?.line), 2, "lines are 1-based");
});

test("a V8 sampling heap profile becomes inuse_objects/inuse_space samples", () => {
	const p = decodeProfile(
		heapProfileToPprof({
			head: {
				id: 1,
				callFrame: frame("(root)", "", -1),
				selfSize: 0,
				children: [{ id: 2, callFrame: frame("alloc", "file:///a.js", 0), selfSize: 2048, children: [] }],
			},
			samples: [
				{ size: 1024, nodeId: 2 },
				{ size: 1024, nodeId: 2 },
			],
		}).encode(),
	);
	assert.equal(p.sample.length, 1);
	assert.deepEqual(p.sample[0]?.value.map(Number), [2, 2048]);
});

test("goroutine and threadcreate count resources and threads by kind", () => {
	const g = goroutineProfile(["Timeout", "Timeout", "TCPSocketWrap"]);
	assert.match(g.text("goroutine"), /^goroutine profile: total 4 /);
	assert.match(g.text("goroutine"), /2 @\n#\tTimeout\t/);
	const t = threadcreateProfile(["MainThread", "libuv-worker", "libuv-worker"]);
	assert.equal(decodeProfile(t.encode()).sample.length, 2);
	// The real listing of this process: at least the main thread.
	assert.ok(decodeProfile(threadcreateProfile().encode()).sample.length >= 1);
});

test("parameters as Nomad parses them: junk reads as zero, seconds at least 1", () => {
	assert.equal(atoiOrZero("+5"), 5);
	assert.equal(atoiOrZero("x"), 0);
	assert.equal(atoiOrZero(null), 0);
	assert.deepEqual(pprofParams(new URLSearchParams("seconds=-3&debug=1&gc=abc")), { seconds: 1, debug: 1, gc: 0 });
	assert.deepEqual(pprofParams(new URLSearchParams("seconds=4")), { seconds: 4, debug: 0, gc: 0 });
});

test("cmdline is NUL-separated; unknown profiles are 404 with Go's message; block is empty", async () => {
	const c = await runPprof({ kind: "cmdline", seconds: 1, debug: 0, gc: 0 });
	assert.equal(String(c.body).split("\u0000")[0], process.execPath);
	assert.equal(c.headers["Content-Type"], "text/plain; charset=utf-8");
	await assert.rejects(runPprof({ kind: "nope", seconds: 1, debug: 0, gc: 0 }), {
		code: 404,
		message: "Pprof profile not found profile: nope",
	});
	const b = await runPprof({ kind: "block", seconds: 1, debug: 0, gc: 0 });
	assert.equal(b.headers["Content-Disposition"], 'attachment; filename="block"');
	const p = decodeProfile(b.body as Buffer);
	assert.equal(p.sample.length, 0);
	assert.equal(p.sampleType.length, 2);
});
