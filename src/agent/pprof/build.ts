// Building pprof profiles (profile.proto, the format `go tool pprof` reads) with the pure-JS
// `pprof-format` encoder: sample types, one location per distinct frame, gzip as Go's
// runtime/pprof writes them, and the human-readable text form served for ?debug=1.
import { gunzipSync, gzipSync } from "node:zlib";
import { Line, Location, Mapping, Function as PFunction, Profile, Sample, ValueType } from "pprof-format";

export interface Frame {
	name: string;
	file: string;
	/** 1-based line; 0 when unknown. */
	line: number;
}

export interface ProfileSpec {
	/** e.g. [["samples", "count"], ["cpu", "nanoseconds"]]. */
	sampleTypes: [string, string][];
	periodType?: [string, string];
	period?: number;
	timeNanos?: bigint;
	durationNanos?: number;
	/** Index into sampleTypes shown by default (pprof's default_sample_type). */
	defaultSampleType?: number;
}

export class ProfileBuilder {
	private readonly profile: Profile;
	private readonly functions = new Map<string, number>();
	private readonly locations = new Map<string, number>();
	private readonly spec: ProfileSpec;
	/** Kept for the text rendering. */
	private readonly rows: { values: number[]; stack: Frame[] }[] = [];

	constructor(spec: ProfileSpec) {
		this.spec = spec;
		const p = new Profile();
		const s = (v: string): number => p.stringTable.dedup(v);
		p.sampleType = spec.sampleTypes.map(([type, unit]) => new ValueType({ type: s(type), unit: s(unit) }));
		if (spec.periodType) {
			p.periodType = new ValueType({ type: s(spec.periodType[0]), unit: s(spec.periodType[1]) });
		}
		p.period = spec.period ?? 0;
		p.timeNanos = spec.timeNanos ?? BigInt(Date.now()) * 1_000_000n;
		p.durationNanos = spec.durationNanos ?? 0;
		const dflt = spec.sampleTypes[spec.defaultSampleType ?? -1];
		if (dflt) p.defaultSampleType = s(dflt[0]);
		// One mapping for the whole runtime: there are no native addresses to symbolize, only JS frames.
		p.mapping = [
			new Mapping({
				id: 1,
				filename: s(process.execPath),
				hasFunctions: true,
				hasFilenames: true,
				hasLineNumbers: true,
			}),
		];
		this.profile = p;
	}

	private functionId(f: Frame): number {
		const key = `${f.name}\u0000${f.file}`;
		let id = this.functions.get(key);
		if (id === undefined) {
			id = this.functions.size + 1;
			const s = (v: string): number => this.profile.stringTable.dedup(v);
			this.profile.function.push(
				new PFunction({ id, name: s(f.name), systemName: s(f.name), filename: s(f.file), startLine: f.line }),
			);
			this.functions.set(key, id);
		}
		return id;
	}

	private locationId(f: Frame): number {
		const key = `${f.name}\u0000${f.file}\u0000${f.line}`;
		let id = this.locations.get(key);
		if (id === undefined) {
			id = this.locations.size + 1;
			const functionId = this.functionId(f);
			this.profile.location.push(new Location({ id, mappingId: 1, line: [new Line({ functionId, line: f.line })] }));
			this.locations.set(key, id);
		}
		return id;
	}

	/** Adds a sample; `stack` is leaf first, as pprof wants it. */
	addSample(stack: Frame[], values: number[]): void {
		this.profile.sample.push(new Sample({ locationId: stack.map((f) => this.locationId(f)), value: values }));
		this.rows.push({ values, stack });
	}

	get sampleCount(): number {
		return this.profile.sample.length;
	}

	/** The gzipped protobuf, as Go's profile.WriteTo(w, 0) writes it. */
	encode(): Buffer {
		return gzipSync(this.profile.encode());
	}

	/** A readable listing for ?debug=1: totals, then each sample's values and stack, biggest first. */
	text(kind: string): string {
		const names = this.spec.sampleTypes.map(([t, u]) => `${t}/${u}`).join(" ");
		const totals = this.spec.sampleTypes.map((_, i) => this.rows.reduce((a, r) => a + (r.values[i] ?? 0), 0));
		let out = `${kind} profile: total ${totals.join(" ")} (${names})\n`;
		const sorted = [...this.rows].sort((a, b) => (b.values[0] ?? 0) - (a.values[0] ?? 0));
		for (const r of sorted) {
			out += `${r.values.join(" ")} @\n`;
			for (const f of r.stack) out += `#\t${f.name}\t${f.file}${f.line ? `:${f.line}` : ""}\n`;
			out += "\n";
		}
		return out;
	}
}

/** Decodes a served profile (gzipped or not) — for tests and tools. */
export function decodeProfile(body: Uint8Array): Profile {
	const gz = body[0] === 0x1f && body[1] === 0x8b;
	return Profile.decode(gz ? new Uint8Array(gunzipSync(body)) : body);
}
