// Node.js counterparts of go-metrics' EmitRuntimeStats (metrics.go), which Nomad runs every
// second (go-metrics DefaultConfig ProfileInterval) and which yields the nomad.runtime.* series:
//
//   gauge  runtime.num_goroutines    -> 1 (the JS main thread) + active libuv handles/requests
//                                       (process.getActiveResourcesInfo(), ref'd resources only)
//   gauge  runtime.alloc_bytes       -> process.memoryUsage().heapUsed   (Go MemStats.Alloc)
//   gauge  runtime.sys_bytes         -> process.memoryUsage().rss        (Go MemStats.Sys)
//   gauge  runtime.total_gc_pause_ns -> Σ duration of observed "gc" performance entries, in ns
//   gauge  runtime.total_gc_runs     -> number of observed "gc" performance entries
//   sample runtime.gc_pause_ns       -> one sample per observed GC, in ns
//
// GC totals count collections since startRuntimeMetrics (V8 exposes no process-lifetime
// totals). Go's malloc_count, free_count and heap_objects have no V8 equivalent short of a
// heap snapshot, so they are not published rather than faked. Node-specific extras, also
// from real measurements: heap_total_bytes, external_bytes, event_loop_delay_mean_ns and
// event_loop_delay_max_ns (perf_hooks.monitorEventLoopDelay, reset every publish), and
// event_loop_utilization (0..1 over the last publish period).

import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";
import type { MetricsRegistry } from "./metrics.ts";

export function startRuntimeMetrics(reg: MetricsRegistry, intervalMs: number): () => void {
	let gcRuns = 0;
	let gcPauseNs = 0;
	const gcObserver = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) {
			const ns = Math.round(entry.duration * 1e6);
			gcRuns++;
			gcPauseNs += ns;
			reg.addSample(["runtime", "gc_pause_ns"], ns);
		}
	});
	gcObserver.observe({ entryTypes: ["gc"] });

	const loopDelay = monitorEventLoopDelay({ resolution: 10 });
	loopDelay.enable();
	let lastElu = performance.eventLoopUtilization();

	const publish = (): void => {
		const mem = process.memoryUsage();
		reg.setGauge(["runtime", "num_goroutines"], 1 + process.getActiveResourcesInfo().length);
		reg.setGauge(["runtime", "alloc_bytes"], mem.heapUsed);
		reg.setGauge(["runtime", "sys_bytes"], mem.rss);
		reg.setGauge(["runtime", "heap_total_bytes"], mem.heapTotal);
		reg.setGauge(["runtime", "external_bytes"], mem.external);
		reg.setGauge(["runtime", "total_gc_pause_ns"], gcPauseNs);
		reg.setGauge(["runtime", "total_gc_runs"], gcRuns);
		if (loopDelay.count > 0) {
			reg.setGauge(["runtime", "event_loop_delay_mean_ns"], loopDelay.mean);
			reg.setGauge(["runtime", "event_loop_delay_max_ns"], loopDelay.max);
		}
		loopDelay.reset();
		const elu = performance.eventLoopUtilization();
		const delta = performance.eventLoopUtilization(elu, lastElu);
		lastElu = elu;
		if (delta.idle + delta.active > 0) reg.setGauge(["runtime", "event_loop_utilization"], delta.utilization);
	};

	publish();
	const timer = setInterval(publish, intervalMs);
	timer.unref();

	let stopped = false;
	return () => {
		if (stopped) return;
		stopped = true;
		clearInterval(timer);
		gcObserver.disconnect();
		loopDelay.disable();
	};
}
