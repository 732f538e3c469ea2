// The agent's in-process telemetry, modelled on what Nomad wires up in
// command/agent/command.go setupTelemetry: hashicorp/go-metrics v0.6.0 with an InmemSink
// (backs `GET /v1/metrics`, JSON) fanned out with a PrometheusSink (backs
// `GET /v1/metrics?format=prometheus`). One MetricsRegistry plays both sinks plus the
// go-metrics front end (service-name prefix, default labels such as Nomad's "host").
//
// InmemSink semantics reproduced here (go-metrics inmem.go / inmem_endpoint.go):
// - intervals start at now truncated to `interval` (default 10s) and are created lazily, by
//   any write *or* read; at most floor(retain / interval) intervals are kept (default 6);
// - gauges keep the last value set within an interval; counters and samples aggregate
//   Count/Sum/SumSq/Min/Max per interval, Rate = Sum / interval-in-seconds;
// - DisplayMetrics shows the current interval if it is the only one, otherwise the previous
//   one (the most recent *finished* interval), series sorted by their hash
//   ("name;label=value;…").
// PrometheusSink semantics (go-metrics prometheus/prometheus.go):
// - name = parts joined with "_", then " ", ".", "=", "-", "/" replaced by "_"; HELP text is
//   that same name; counters keep their name (no "_total": Nomad's promhttp handler serves
//   text format 0.0.4, not OpenMetrics);
// - gauges hold their last value, counters are cumulative, samples are summaries with
//   objectives 0.5/0.9/0.99 over a 10s MaxAge window (cumulative _sum/_count);
// - series not updated for 60s are dropped.

import { performance } from "node:perf_hooks";

import {
	cmp,
	compareLabelPairs,
	escapeHelp,
	formatPromFloat,
	type LabelPairs,
	labelText,
	sanitizeLabelName,
	sanitizePromName,
} from "./promText.ts";

export type Labels = Record<string, string>;

export interface MetricsRegistryOptions {
	/** Service-name prefix, go-metrics' ServiceName; Nomad uses "nomad". Empty string: none. */
	prefix?: string;
	/** InmemSink aggregation interval in ms (Nomad telemetry in_memory_collection_interval, 10s). */
	interval?: number;
	/** InmemSink retention in ms (Nomad telemetry in_memory_retention_period, 1m). */
	retain?: number;
	/** Clock in epoch milliseconds (fractions allowed). Default: performance.timeOrigin + performance.now(). */
	now?: () => number;
	/** Labels appended to every series after the call's own labels (Nomad adds host=<hostname>). */
	defaultLabels?: Labels;
	/** Prometheus series expire after this many ms without updates (go-metrics default 60s); 0 = never. */
	promExpiration?: number;
}

/** go-metrics GaugeValue as JSON-encoded (Hash and Labels slice are `json:"-"`). */
export interface GoGaugeValue {
	Name: string;
	Value: number;
	Labels: Labels;
}

/** go-metrics PointValue. The registry has no EmitKey, so Points is always empty. */
export interface GoPointValue {
	Name: string;
	Points: number[];
}

/** go-metrics SampledValue with its embedded *AggregateSample flattened, in Go's field order. */
export interface GoSampledValue {
	Name: string;
	Count: number;
	Rate: number;
	Sum: number;
	Min: number;
	Max: number;
	Mean: number;
	Stddev: number;
	Labels: Labels;
}

/** go-metrics MetricsSummary (v0.6.0, which added PrecisionGauges). */
export interface GoMetricsSummary {
	Timestamp: string;
	Gauges: GoGaugeValue[];
	PrecisionGauges: GoGaugeValue[];
	Points: GoPointValue[];
	Counters: GoSampledValue[];
	Samples: GoSampledValue[];
}

interface SeriesKey {
	/** InmemSink name: parts joined with ".", spaces replaced by "_". */
	name: string;
	/** InmemSink map key / sort key: name + ";k=v" per label, spaces replaced by "_". */
	hash: string;
	labels: LabelPairs;
	promName: string;
	/** Prometheus labels, sanitized, de-duplicated (last wins) and sorted by name. */
	promLabels: LabelPairs;
	/** Prometheus series identity: name plus the sorted label set. */
	promId: string;
}

interface GaugeEntry {
	key: SeriesKey;
	value: number;
}

interface AggregateEntry {
	key: SeriesKey;
	count: number;
	sum: number;
	sumSq: number;
	min: number;
	max: number;
}

interface IntervalData {
	start: number;
	gauges: Map<string, GaugeEntry>;
	counters: Map<string, AggregateEntry>;
	samples: Map<string, AggregateEntry>;
}

interface PromGauge {
	key: SeriesKey;
	value: number;
	updatedAt: number;
}

interface PromCounter {
	key: SeriesKey;
	value: number;
	updatedAt: number;
}

interface AgeBucket {
	slot: number;
	values: number[];
	seen: number;
}

interface PromSummary {
	key: SeriesKey;
	sum: number;
	count: number;
	buckets: AgeBucket[];
	updatedAt: number;
}

const SUMMARY_MAX_AGE_MS = 10_000;
const SUMMARY_AGE_BUCKETS = 5;
const SUMMARY_BUCKET_MS = SUMMARY_MAX_AGE_MS / SUMMARY_AGE_BUCKETS;
const SUMMARY_BUCKET_CAP = 2048;
const SUMMARY_QUANTILES = [0.5, 0.9, 0.99];

export class MetricsRegistry {
	readonly prefix: string;
	readonly interval: number;
	readonly retain: number;
	readonly maxIntervals: number;
	readonly promExpiration: number;
	private readonly clock: () => number;
	private readonly defaultLabels: LabelPairs;
	private intervals: IntervalData[] = [];
	private readonly keyCache = new Map<string, SeriesKey>();
	private readonly promGauges = new Map<string, PromGauge>();
	private readonly promCounters = new Map<string, PromCounter>();
	private readonly promSummaries = new Map<string, PromSummary>();

	constructor(opts: MetricsRegistryOptions = {}) {
		this.prefix = opts.prefix ?? "nomad";
		this.interval = opts.interval ?? 10_000;
		this.retain = opts.retain ?? 60_000;
		if (!(this.interval > 0)) throw new Error("metrics: interval must be positive");
		this.maxIntervals = Math.max(1, Math.floor(this.retain / this.interval));
		this.promExpiration = opts.promExpiration ?? 60_000;
		this.clock = opts.now ?? (() => performance.timeOrigin + performance.now());
		this.defaultLabels = Object.entries(opts.defaultLabels ?? {});
	}

	/** The registry clock (epoch ms); use it to take the start time passed to measureSince. */
	now(): number {
		return this.clock();
	}

	setGauge(name: string[] | string, value: number, labels?: Labels): void {
		if (Number.isNaN(value)) return;
		const key = this.key(name, labels);
		const now = this.clock();
		const intv = this.current(now);
		intv.gauges.set(key.hash, { key, value });
		const g = this.promGauges.get(key.promId);
		if (g) {
			g.value = value;
			g.updatedAt = now;
		} else {
			this.promGauges.set(key.promId, { key, value, updatedAt: now });
		}
	}

	incrCounter(name: string[] | string, value = 1, labels?: Labels): void {
		if (Number.isNaN(value)) return;
		const key = this.key(name, labels);
		const now = this.clock();
		ingest(this.current(now).counters, key, value);
		// Prometheus counters cannot go down; go-metrics logs and drops negative increments.
		if (value < 0) return;
		const c = this.promCounters.get(key.promId);
		if (c) {
			c.value += value;
			c.updatedAt = now;
		} else {
			this.promCounters.set(key.promId, { key, value, updatedAt: now });
		}
	}

	addSample(name: string[] | string, value: number, labels?: Labels): void {
		if (Number.isNaN(value)) return;
		const key = this.key(name, labels);
		const now = this.clock();
		ingest(this.current(now).samples, key, value);
		let s = this.promSummaries.get(key.promId);
		if (!s) {
			s = { key, sum: 0, count: 0, buckets: [], updatedAt: now };
			this.promSummaries.set(key.promId, s);
		}
		s.sum += value;
		s.count++;
		s.updatedAt = now;
		observe(s, value, now);
	}

	/** Records the milliseconds elapsed since `startMs` (taken from `now()`) as a sample. */
	measureSince(name: string[] | string, startMs: number, labels?: Labels): void {
		this.addSample(name, Math.max(0, this.clock() - startMs), labels);
	}

	/**
	 * The InmemSink DisplayMetrics view: the current interval when it is the only one retained,
	 * otherwise the most recent finished interval. Reading creates the current interval, as
	 * go-metrics' Data() does.
	 */
	toGoMetricsJSON(): GoMetricsSummary {
		this.current(this.clock());
		const n = this.intervals.length;
		const intv = this.intervals[n === 1 ? 0 : n - 2] as IntervalData;
		const gauges = [...intv.gauges.values()]
			.sort((a, b) => cmp(a.key.hash, b.key.hash))
			.map(
				(g): GoGaugeValue => ({
					Name: g.key.name,
					Value: g.value,
					Labels: displayLabels(g.key.labels),
				}),
			);
		return {
			Timestamp: goTimestamp(intv.start),
			Gauges: gauges,
			PrecisionGauges: [],
			Points: [],
			Counters: formatSamples(intv.counters, this.interval),
			Samples: formatSamples(intv.samples, this.interval),
		};
	}

	/** Prometheus text exposition format 0.0.4, as client_golang's promhttp would render the sink. */
	toPrometheusText(): string {
		const now = this.clock();
		this.expireProm(now);
		type Family = {
			type: "gauge" | "counter" | "summary";
			lines: Array<{ labels: LabelPairs; text: string }>;
		};
		const families = new Map<string, Family>();
		const family = (name: string, type: Family["type"]): Family | undefined => {
			const f = families.get(name);
			if (f) return f.type === type ? f : undefined; // client_golang drops type clashes
			const nf: Family = { type, lines: [] };
			families.set(name, nf);
			return nf;
		};
		// Same order as the sink's Collect: gauges, summaries, counters.
		for (const g of this.promGauges.values()) {
			const { promName, promLabels } = g.key;
			family(promName, "gauge")?.lines.push({
				labels: promLabels,
				text: `${promName}${labelText(promLabels)} ${formatPromFloat(g.value)}\n`,
			});
		}
		for (const s of this.promSummaries.values()) {
			const { promName, promLabels } = s.key;
			const window = windowValues(s, now);
			let text = "";
			for (const q of SUMMARY_QUANTILES) {
				const ql: LabelPairs = [...promLabels, ["quantile", formatPromFloat(q)]];
				text += `${promName}${labelText(ql)} ${formatPromFloat(quantile(window, q))}\n`;
			}
			text += `${promName}_sum${labelText(promLabels)} ${formatPromFloat(s.sum)}\n`;
			text += `${promName}_count${labelText(promLabels)} ${s.count}\n`;
			family(promName, "summary")?.lines.push({ labels: promLabels, text });
		}
		for (const c of this.promCounters.values()) {
			const { promName, promLabels } = c.key;
			family(promName, "counter")?.lines.push({
				labels: promLabels,
				text: `${promName}${labelText(promLabels)} ${formatPromFloat(c.value)}\n`,
			});
		}
		let out = "";
		for (const name of [...families.keys()].sort(cmp)) {
			const f = families.get(name) as Family;
			f.lines.sort((a, b) => compareLabelPairs(a.labels, b.labels));
			out += `# HELP ${name} ${escapeHelp(name)}\n# TYPE ${name} ${f.type}\n`;
			for (const l of f.lines) out += l.text;
		}
		return out;
	}

	private key(name: string[] | string, labels: Labels | undefined): SeriesKey {
		const parts = typeof name === "string" ? [name] : name;
		const full = this.prefix === "" ? parts : [this.prefix, ...parts];
		const pairs: LabelPairs = labels ? Object.entries(labels) : [];
		if (this.defaultLabels.length > 0) pairs.push(...this.defaultLabels);
		const cacheKey = JSON.stringify([full, pairs]);
		const cached = this.keyCache.get(cacheKey);
		if (cached) return cached;

		const inmemName = full.join(".").replaceAll(" ", "_");
		let hash = inmemName;
		for (const [k, v] of pairs) hash += `;${k}=${v}`.replaceAll(" ", "_");

		const promName = sanitizePromName(full.join("_").replace(/[ .=\-/]/g, "_"));
		const merged = new Map<string, string>();
		for (const [k, v] of pairs) merged.set(sanitizeLabelName(k), v);
		const promLabels = [...merged.entries()].sort((a, b) => cmp(a[0], b[0]));
		const key: SeriesKey = {
			name: inmemName,
			hash,
			labels: pairs,
			promName,
			promLabels,
			promId: JSON.stringify([promName, promLabels]),
		};
		if (this.keyCache.size >= 10_000) this.keyCache.clear();
		this.keyCache.set(cacheKey, key);
		return key;
	}

	/** go-metrics getInterval: the interval for `now`, creating (and pruning) lazily. */
	private current(now: number): IntervalData {
		const start = Math.floor(now / this.interval) * this.interval;
		const last = this.intervals[this.intervals.length - 1];
		if (last && last.start === start) return last;
		const intv: IntervalData = {
			start,
			gauges: new Map(),
			counters: new Map(),
			samples: new Map(),
		};
		this.intervals.push(intv);
		if (this.intervals.length > this.maxIntervals) {
			this.intervals = this.intervals.slice(this.intervals.length - this.maxIntervals);
		}
		// Stand-in for the sink's RunBackgroundCleanup: expire stale series even without scrapes.
		this.expireProm(now);
		return intv;
	}

	private expireProm(now: number): void {
		if (this.promExpiration <= 0) return;
		for (const map of [this.promGauges, this.promCounters, this.promSummaries] as Array<
			Map<string, { updatedAt: number }>
		>) {
			for (const [id, m] of map) {
				if (m.updatedAt + this.promExpiration < now) map.delete(id);
			}
		}
	}
}

function ingest(map: Map<string, AggregateEntry>, key: SeriesKey, v: number): void {
	const a = map.get(key.hash);
	if (!a) {
		map.set(key.hash, { key, count: 1, sum: v, sumSq: v * v, min: v, max: v });
		return;
	}
	a.count++;
	a.sum += v;
	a.sumSq += v * v;
	if (v < a.min) a.min = v;
	if (v > a.max) a.max = v;
}

function formatSamples(map: Map<string, AggregateEntry>, intervalMs: number): GoSampledValue[] {
	const rateDenom = intervalMs / 1000;
	return [...map.values()]
		.sort((a, b) => cmp(a.key.hash, b.key.hash))
		.map(
			(a): GoSampledValue => ({
				Name: a.key.name,
				Count: a.count,
				Rate: a.sum / rateDenom,
				Sum: a.sum,
				Min: a.min,
				Max: a.max,
				Mean: a.count === 0 ? 0 : a.sum / a.count,
				Stddev: stddev(a),
				Labels: displayLabels(a.key.labels),
			}),
		);
}

/** AggregateSample.Stddev: sqrt((n·Σx² − (Σx)²) / (n·(n−1))), clamped so rounding never yields NaN. */
function stddev(a: AggregateEntry): number {
	const div = a.count * (a.count - 1);
	if (div === 0) return 0;
	const num = a.count * a.sumSq - a.sum * a.sum;
	return num <= 0 ? 0 : Math.sqrt(num / div);
}

/** DisplayLabels map; Go's encoding/json writes map keys sorted, and later duplicates win. */
function displayLabels(pairs: LabelPairs): Labels {
	const m = new Map<string, string>();
	for (const [k, v] of pairs) m.set(k, v);
	const out: Labels = {};
	for (const k of [...m.keys()].sort(cmp)) out[k] = m.get(k) as string;
	return out;
}

/** Go: interval.Round(time.Second).UTC().String(), e.g. "2026-11-23 14:00:00 +0000 UTC". */
export function goTimestamp(ms: number): string {
	const d = new Date(Math.floor(ms / 1000 + 0.5) * 1000);
	const p = (n: number, w = 2) => String(n).padStart(w, "0");
	return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

function observe(s: PromSummary, v: number, now: number): void {
	const slot = Math.floor(now / SUMMARY_BUCKET_MS);
	let b = s.buckets[s.buckets.length - 1];
	if (!b || b.slot !== slot) {
		b = { slot, values: [], seen: 0 };
		s.buckets.push(b);
		s.buckets = s.buckets.filter((x) => x.slot > slot - SUMMARY_AGE_BUCKETS);
	}
	b.seen++;
	if (b.values.length < SUMMARY_BUCKET_CAP) {
		b.values.push(v);
	} else {
		// Reservoir sampling keeps quantiles representative under heavy load with bounded memory.
		const i = Math.floor(Math.random() * b.seen);
		if (i < SUMMARY_BUCKET_CAP) b.values[i] = v;
	}
}

/** Observations in the summary's MaxAge window (five 2s age buckets, as client_golang). */
function windowValues(s: PromSummary, now: number): number[] {
	const slot = Math.floor(now / SUMMARY_BUCKET_MS);
	s.buckets = s.buckets.filter((b) => b.slot > slot - SUMMARY_AGE_BUCKETS);
	const vals: number[] = [];
	for (const b of s.buckets) vals.push(...b.values);
	return vals.sort((a, b) => a - b);
}

/** Nearest-rank quantile over sorted values; NaN when the window is empty (as client_golang). */
function quantile(sorted: number[], q: number): number {
	if (sorted.length === 0) return Number.NaN;
	const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[idx] as number;
}
