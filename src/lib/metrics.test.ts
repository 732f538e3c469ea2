import assert from "node:assert/strict";
import { test } from "node:test";
import { type GoMetricsSummary, goTimestamp, MetricsRegistry } from "./metrics.ts";
import { escapeHelp, escapeLabelValue, formatPromFloat } from "./promText.ts";

// 2026-11-23 14:00:00 UTC, a multiple of 10s.
const T0 = Date.UTC(2026, 10, 23, 14, 0, 0);

function clock(start = T0) {
	const c = { t: start, now: () => c.t };
	return c;
}

function summary(reg: MetricsRegistry): GoMetricsSummary {
	return JSON.parse(JSON.stringify(reg.toGoMetricsJSON())) as GoMetricsSummary;
}

test("names are prefixed and joined with dots; spaces become underscores", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	reg.setGauge(["runtime", "alloc_bytes"], 5);
	reg.setGauge("client.allocs.running", 2);
	reg.setGauge(["has space", "x"], 1);
	const noPrefix = new MetricsRegistry({ now: c.now, prefix: "" });
	noPrefix.setGauge(["a", "b"], 1);
	assert.deepEqual(
		summary(reg).Gauges.map((g) => g.Name),
		["nomad.client.allocs.running", "nomad.has_space.x", "nomad.runtime.alloc_bytes"],
	);
	assert.deepEqual(
		summary(noPrefix).Gauges.map((g) => g.Name),
		["a.b"],
	);
});

test("JSON shape: field names and order follow go-metrics MetricsSummary", () => {
	const c = clock(T0 + 3_400);
	const reg = new MetricsRegistry({
		now: c.now,
		defaultLabels: { host: "node1" },
	});
	reg.setGauge(["runtime", "num_goroutines"], 12);
	reg.incrCounter(["http", "requests"], 3, { method: "GET" });
	reg.addSample(["rpc", "latency"], 1.5);
	const json = JSON.stringify(reg.toGoMetricsJSON());
	const s = JSON.parse(json) as Record<string, unknown>;
	assert.deepEqual(Object.keys(s), ["Timestamp", "Gauges", "PrecisionGauges", "Points", "Counters", "Samples"]);
	assert.equal(s.Timestamp, "2026-11-23 14:00:00 +0000 UTC");
	assert.deepEqual(s.PrecisionGauges, []);
	assert.deepEqual(s.Points, []);
	const [gauge] = s.Gauges as Array<Record<string, unknown>>;
	assert.deepEqual(Object.keys(gauge ?? {}), ["Name", "Value", "Labels"]);
	assert.deepEqual(gauge, {
		Name: "nomad.runtime.num_goroutines",
		Value: 12,
		Labels: { host: "node1" },
	});
	const [counter] = s.Counters as Array<Record<string, unknown>>;
	assert.deepEqual(Object.keys(counter ?? {}), [
		"Name",
		"Count",
		"Rate",
		"Sum",
		"Min",
		"Max",
		"Mean",
		"Stddev",
		"Labels",
	]);
	assert.deepEqual(counter, {
		Name: "nomad.http.requests",
		Count: 1,
		Rate: 0.3,
		Sum: 3,
		Min: 3,
		Max: 3,
		Mean: 3,
		Stddev: 0,
		Labels: { host: "node1", method: "GET" },
	});
	const [sample] = s.Samples as Array<Record<string, unknown>>;
	assert.deepEqual(Object.keys(sample ?? {}), Object.keys(counter ?? {}));
	assert.ok(!json.includes("Hash") && !json.includes("SumSq") && !json.includes("LastUpdated"));
});

test("counters and samples aggregate Count/Sum/Min/Max/Mean/Stddev/Rate per interval", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) reg.addSample(["timer"], v);
	reg.incrCounter(["hits"]);
	reg.incrCounter(["hits"]);
	reg.incrCounter(["hits"], 8);
	const s = summary(reg);
	const [sample] = s.Samples;
	assert.equal(sample?.Count, 8);
	assert.equal(sample?.Sum, 40);
	assert.equal(sample?.Min, 2);
	assert.equal(sample?.Max, 9);
	assert.equal(sample?.Mean, 5);
	assert.equal(sample?.Rate, 4); // Sum / 10s
	// Sample standard deviation (n-1), as AggregateSample.Stddev: sqrt(32/7).
	assert.ok(Math.abs((sample?.Stddev ?? 0) - Math.sqrt(32 / 7)) < 1e-12);
	const [hits] = s.Counters;
	assert.deepEqual(
		{
			Count: hits?.Count,
			Sum: hits?.Sum,
			Min: hits?.Min,
			Max: hits?.Max,
			Mean: hits?.Mean,
			Rate: hits?.Rate,
		},
		{ Count: 3, Sum: 10, Min: 1, Max: 8, Mean: 10 / 3, Rate: 1 },
	);
	// Equal values never produce a NaN stddev through rounding (n·Σx² − (Σx)² < 0 for 6 × 0.3).
	const r2 = new MetricsRegistry({ now: c.now });
	for (let i = 0; i < 6; i++) r2.addSample("x", 0.3);
	assert.equal(summary(r2).Samples[0]?.Stddev, 0);
});

test("gauges keep the last value; labels separate series; sorted by hash", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	reg.setGauge("g", 1, { job: "b" });
	reg.setGauge("g", 2, { job: "a" });
	reg.setGauge("g", 3, { job: "b" });
	reg.setGauge("g", 4);
	reg.incrCounter("c", 1, { ns: "default" });
	reg.incrCounter("c", 1, { ns: "prod" });
	reg.incrCounter("c", 1, { ns: "default" });
	const s = summary(reg);
	assert.deepEqual(
		s.Gauges.map((g) => [g.Value, g.Labels]),
		[
			[4, {}],
			[2, { job: "a" }],
			[3, { job: "b" }],
		],
	);
	assert.deepEqual(
		s.Counters.map((x) => [x.Labels.ns, x.Count]),
		[
			["default", 2],
			["prod", 1],
		],
	);
});

test("interval rollover: the previous complete interval is displayed; retention prunes", () => {
	const c = clock(T0 + 1_000);
	const reg = new MetricsRegistry({ now: c.now });
	reg.incrCounter("c", 1);
	// Only one interval: the current (partial) one is shown.
	assert.equal(summary(reg).Counters[0]?.Count, 1);
	c.t = T0 + 9_999;
	reg.incrCounter("c", 1);
	assert.equal(summary(reg).Counters[0]?.Count, 2);

	c.t = T0 + 10_000; // new interval begins; a read creates it
	reg.incrCounter("c", 5);
	let s = summary(reg);
	assert.equal(s.Timestamp, "2026-11-23 14:00:00 +0000 UTC");
	assert.equal(s.Counters[0]?.Count, 2);
	assert.equal(s.Counters[0]?.Sum, 2);

	c.t = T0 + 20_500;
	s = summary(reg);
	assert.equal(s.Timestamp, "2026-11-23 14:00:10 +0000 UTC");
	assert.equal(s.Counters[0]?.Sum, 5);

	// Intervals are created lazily: after a quiet gap the last created one is shown.
	c.t = T0 + 95_000;
	s = summary(reg);
	assert.equal(s.Timestamp, "2026-11-23 14:00:20 +0000 UTC");
	assert.deepEqual(s.Counters, []);
	// Gauges do not carry over into a new interval.
	reg.setGauge("g", 1);
	c.t = T0 + 105_000;
	assert.equal(summary(reg).Gauges.length, 1);
	c.t = T0 + 115_000;
	assert.equal(summary(reg).Gauges.length, 0);

	// At most retain/interval intervals are kept.
	const r2 = new MetricsRegistry({
		now: c.now,
		interval: 1_000,
		retain: 3_000,
	});
	for (let i = 0; i < 10; i++) {
		c.t = T0 + i * 1_000;
		r2.incrCounter("c", i);
	}
	assert.equal(summary(r2).Counters[0]?.Sum, 8);
	assert.equal(r2.maxIntervals, 3);
});

test("measureSince records elapsed milliseconds on the registry clock", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	const start = reg.now();
	c.t += 12.5;
	reg.measureSince(["rpc", "request"], start, { method: "Job.Register" });
	const [s] = summary(reg).Samples;
	assert.equal(s?.Name, "nomad.rpc.request");
	assert.equal(s?.Sum, 12.5);
	assert.deepEqual(s?.Labels, { method: "Job.Register" });
	// The default clock is real time with sub-millisecond precision.
	const real = new MetricsRegistry();
	assert.ok(Math.abs(real.now() - Date.now()) < 1_000);
});

test("goTimestamp matches Go's Time.Round(time.Second).UTC().String()", () => {
	assert.equal(goTimestamp(T0), "2026-11-23 14:00:00 +0000 UTC");
	assert.equal(goTimestamp(T0 + 1_499), "2026-11-23 14:00:01 +0000 UTC");
	assert.equal(goTimestamp(T0 + 1_500), "2026-11-23 14:00:02 +0000 UTC");
	assert.equal(goTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5)), "2026-01-02 03:04:05 +0000 UTC");
});

test("formatPromFloat matches Go strconv 'g' -1 as used by expfmt", () => {
	const cases: Array<[number, string]> = [
		[0, "0"],
		[1, "1"],
		[-1, "-1"],
		[0.5, "0.5"],
		[0.99, "0.99"],
		[123456, "123456"],
		[1e6, "1e+06"],
		[2294256, "2.294256e+06"],
		[123456789, "1.23456789e+08"],
		[0.0001, "0.0001"],
		[0.00001, "1e-05"],
		[1.5e-7, "1.5e-07"],
		[1e21, "1e+21"],
		[1.7976931348623157e308, "1.7976931348623157e+308"],
		[-2.5e10, "-2.5e+10"],
		[Number.NaN, "NaN"],
		[Number.POSITIVE_INFINITY, "+Inf"],
		[Number.NEGATIVE_INFINITY, "-Inf"],
	];
	for (const [v, want] of cases) assert.equal(formatPromFloat(v), want, String(v));
});

test("escaping for label values and HELP text", () => {
	assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
	assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
});

// A minimal parser for text format 0.0.4 used to check the output line by line.
interface Sample {
	name: string;
	labels: Record<string, string>;
	value: string;
}
function parseProm(text: string): {
	help: Map<string, string>;
	type: Map<string, string>;
	samples: Sample[];
} {
	assert.ok(text === "" || text.endsWith("\n"));
	const help = new Map<string, string>();
	const type = new Map<string, string>();
	const samples: Sample[] = [];
	let family = "";
	for (const line of text.split("\n").slice(0, -1)) {
		let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
		if (m) {
			assert.ok(!help.has(m[1] as string), `duplicate HELP ${m[1]}`);
			help.set(m[1] as string, m[2] as string);
			family = m[1] as string;
			continue;
		}
		m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line);
		if (m) {
			assert.equal(m[1], family, "TYPE follows its HELP");
			type.set(m[1] as string, m[2] as string);
			continue;
		}
		m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		assert.ok(m, `bad line: ${JSON.stringify(line)}`);
		const name = m[1] as string;
		assert.ok(
			name === family || (type.get(family) === "summary" && (name === `${family}_sum` || name === `${family}_count`)),
			`${name} outside its family ${family}`,
		);
		const labels: Record<string, string> = {};
		const body = m[2] ?? "";
		const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
		let pos = 0;
		while (pos < body.length) {
			re.lastIndex = pos;
			const lm = re.exec(body);
			assert.ok(lm, `bad labels: ${body}`);
			labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
			pos = re.lastIndex;
		}
		assert.ok(!Number.isNaN(Number(m[3])) || m[3] === "NaN", `bad value ${m[3]}`);
		samples.push({ name, labels, value: m[3] as string });
	}
	return { help, type, samples };
}

test("Prometheus text: names, HELP/TYPE, gauges, counters, summaries, escaping", () => {
	const c = clock();
	const reg = new MetricsRegistry({
		now: c.now,
		defaultLabels: { host: "h1" },
	});
	reg.setGauge(["runtime", "alloc_bytes"], 2294256);
	reg.setGauge(["runtime", "alloc_bytes"], 3000000);
	reg.setGauge("client.allocs.running", 3, { node_id: 'we"ird\\va\nlue' });
	reg.incrCounter(["nomad-client", "rpc/requests"], 2, {
		method: "Node.Register",
	});
	reg.incrCounter(["nomad-client", "rpc/requests"], 3, {
		method: "Node.Register",
	});
	reg.incrCounter(["nomad-client", "rpc/requests"], -1, {
		method: "Node.Register",
	}); // dropped for Prometheus
	reg.incrCounter(["nomad-client", "rpc/requests"], 1, {
		method: "Alloc.GetAlloc",
	});
	for (let i = 1; i <= 100; i++) reg.addSample(["rpc", "latency"], i, { "bad-label": "x" });

	const text = reg.toPrometheusText();
	const { help, type, samples } = parseProm(text);
	assert.deepEqual(
		[...type.entries()],
		[
			["nomad_client_allocs_running", "gauge"],
			["nomad_nomad_client_rpc_requests", "counter"],
			["nomad_rpc_latency", "summary"],
			["nomad_runtime_alloc_bytes", "gauge"],
		],
	);
	for (const [name, h] of help) assert.equal(h, name);

	const find = (name: string, labels: Record<string, string>) =>
		samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
	assert.equal(find("nomad_runtime_alloc_bytes", { host: "h1" }), "3e+06");
	assert.equal(
		find("nomad_client_allocs_running", {
			host: "h1",
			node_id: 'we"ird\\va\nlue',
		}),
		"3",
	);
	assert.ok(text.includes('node_id="we\\"ird\\\\va\\nlue"'));
	assert.equal(
		find("nomad_nomad_client_rpc_requests", {
			host: "h1",
			method: "Node.Register",
		}),
		"5",
	);
	assert.equal(
		find("nomad_nomad_client_rpc_requests", {
			host: "h1",
			method: "Alloc.GetAlloc",
		}),
		"1",
	);
	// Metrics in a family are ordered by label values.
	const counterLines = samples.filter((s) => s.name === "nomad_nomad_client_rpc_requests");
	assert.deepEqual(
		counterLines.map((s) => s.labels.method),
		["Alloc.GetAlloc", "Node.Register"],
	);
	// Summary: quantiles (label appended last), then _sum and _count.
	const lat = samples.filter((s) => s.name.startsWith("nomad_rpc_latency"));
	assert.deepEqual(
		lat.map((s) => [s.name, s.labels.quantile ?? null, s.value]),
		[
			["nomad_rpc_latency", "0.5", "50"],
			["nomad_rpc_latency", "0.9", "90"],
			["nomad_rpc_latency", "0.99", "99"],
			["nomad_rpc_latency_sum", null, "5050"],
			["nomad_rpc_latency_count", null, "100"],
		],
	);
	assert.deepEqual(lat[0]?.labels, {
		bad_label: "x",
		host: "h1",
		quantile: "0.5",
	});
	assert.ok(text.includes('nomad_rpc_latency{bad_label="x",host="h1",quantile="0.5"} 50\n'));

	// Counters and _sum/_count are cumulative across intervals; quantiles use a 10s window.
	c.t = T0 + 30_000;
	reg.incrCounter(["nomad-client", "rpc/requests"], 1, {
		method: "Alloc.GetAlloc",
	});
	const later = parseProm(reg.toPrometheusText()).samples;
	const v = (name: string, q?: string) =>
		later.find((s) => s.name === name && (q === undefined || s.labels.quantile === q))?.value;
	assert.equal(v("nomad_rpc_latency", "0.5"), "NaN");
	assert.equal(v("nomad_rpc_latency_count"), "100");
	assert.equal(
		later.find((s) => s.name === "nomad_nomad_client_rpc_requests" && s.labels.method === "Alloc.GetAlloc")?.value,
		"2",
	);
});

test("Prometheus series expire after 60s without updates", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	reg.setGauge("stale", 1);
	reg.incrCounter("c", 1);
	c.t = T0 + 50_000;
	reg.setGauge("fresh", 1);
	c.t = T0 + 60_001;
	const { type } = parseProm(reg.toPrometheusText());
	assert.deepEqual([...type.keys()], ["nomad_fresh"]);
	// The JSON view is independent of Prometheus expiry.
	const never = new MetricsRegistry({ now: c.now, promExpiration: 0 });
	never.setGauge("g", 1);
	c.t += 3_600_000;
	assert.match(never.toPrometheusText(), /^nomad_g 1$/m);
});

test("type clashes on one Prometheus name keep the first family only", () => {
	const c = clock();
	const reg = new MetricsRegistry({ now: c.now });
	reg.setGauge("x.y", 1);
	reg.incrCounter("x_y", 1);
	const { type, samples } = parseProm(reg.toPrometheusText());
	assert.deepEqual([...type.entries()], [["nomad_x_y", "gauge"]]);
	assert.equal(samples.length, 1);
	// The JSON view still has both, under their dotted names.
	const s = summary(reg);
	assert.equal(s.Gauges[0]?.Name, "nomad.x.y");
	assert.equal(s.Counters[0]?.Name, "nomad.x_y");
});

test("empty registry renders an empty current interval and empty exposition", () => {
	const c = clock(T0 + 5_000);
	const reg = new MetricsRegistry({ now: c.now });
	assert.deepEqual(summary(reg), {
		Timestamp: "2026-11-23 14:00:00 +0000 UTC",
		Gauges: [],
		PrecisionGauges: [],
		Points: [],
		Counters: [],
		Samples: [],
	});
	assert.equal(reg.toPrometheusText(), "");
});
