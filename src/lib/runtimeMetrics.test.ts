import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { MetricsRegistry } from "./metrics.ts";
import { startRuntimeMetrics } from "./runtimeMetrics.ts";

function gauges(reg: MetricsRegistry): Map<string, number> {
	// Single interval so far: toGoMetricsJSON shows the current one.
	const s = reg.toGoMetricsJSON();
	return new Map(s.Gauges.map((g) => [g.Name, g.Value]));
}

test("publishes real runtime gauges immediately and periodically", async () => {
	const reg = new MetricsRegistry({ interval: 3_600_000, retain: 3_600_000 });
	const stop = startRuntimeMetrics(reg, 20);
	try {
		const g = gauges(reg);
		for (const name of ["alloc_bytes", "sys_bytes", "heap_total_bytes", "num_goroutines"]) {
			const v = g.get(`nomad.runtime.${name}`);
			assert.ok(typeof v === "number" && v > 0, `${name} = ${v}`);
		}
		assert.ok((g.get("nomad.runtime.sys_bytes") ?? 0) >= (g.get("nomad.runtime.alloc_bytes") ?? 0));
		assert.ok(g.has("nomad.runtime.total_gc_runs"));
		assert.ok(g.has("nomad.runtime.total_gc_pause_ns"));

		// Force garbage collections (the test runner allows --expose-gc via v8 flags).
		const v8 = await import("node:v8");
		const vm = await import("node:vm");
		v8.setFlagsFromString("--expose-gc");
		const gc = vm.runInNewContext("gc") as () => void;
		let junk: unknown[] = [];
		for (let i = 0; i < 5; i++) {
			junk = Array.from({ length: 50_000 }, (_, j) => ({ j, s: `x${j}` }));
			gc();
		}
		assert.ok(junk.length > 0);
		// A timer is active now, so num_goroutines counts it.
		const before = reg.toGoMetricsJSON().Gauges.length;
		await sleep(120);
		const after = gauges(reg);
		assert.ok(
			(after.get("nomad.runtime.total_gc_runs") ?? 0) >= 5,
			`gc runs ${after.get("nomad.runtime.total_gc_runs")}`,
		);
		assert.ok((after.get("nomad.runtime.total_gc_pause_ns") ?? 0) > 0);
		assert.ok(after.has("nomad.runtime.event_loop_delay_mean_ns"));
		assert.ok(after.has("nomad.runtime.event_loop_utilization"));
		assert.ok(reg.toGoMetricsJSON().Gauges.length >= before);
		const pauses = reg.toGoMetricsJSON().Samples.find((s) => s.Name === "nomad.runtime.gc_pause_ns");
		assert.ok(pauses && pauses.Count >= 5 && pauses.Sum > 0, JSON.stringify(pauses));
		assert.match(reg.toPrometheusText(), /^# TYPE nomad_runtime_gc_pause_ns summary$/m);
	} finally {
		stop();
	}
});

test("stop clears timers and observers; nothing is published afterwards", async () => {
	const reg = new MetricsRegistry({ interval: 3_600_000, retain: 3_600_000 });
	const stop = startRuntimeMetrics(reg, 10);
	stop();
	stop(); // idempotent
	reg.setGauge(["runtime", "alloc_bytes"], -1);
	await sleep(60);
	assert.equal(gauges(reg).get("nomad.runtime.alloc_bytes"), -1);
});

test("does not keep the process alive", () => {
	const metricsUrl = new URL("./metrics.ts", import.meta.url).href;
	const runtimeUrl = new URL("./runtimeMetrics.ts", import.meta.url).href;
	const script = `
		const { MetricsRegistry } = await import(${JSON.stringify(metricsUrl)});
		const { startRuntimeMetrics } = await import(${JSON.stringify(runtimeUrl)});
		const reg = new MetricsRegistry();
		startRuntimeMetrics(reg, 50); // never stopped
		console.log(reg.toGoMetricsJSON().Gauges.length);
	`;
	const started = Date.now();
	const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
		encoding: "utf8",
		timeout: 10_000,
		cwd: fileURLToPath(new URL(".", import.meta.url)),
	});
	assert.equal(r.status, 0, r.stderr);
	assert.ok(Number(r.stdout.trim()) > 0);
	assert.ok(Date.now() - started < 10_000);
});
