// /v1/agent/pprof/profile: a CPU profile of the agent for `seconds`, taken by V8's sampling
// profiler through the inspector and written as a pprof profile (samples/count, cpu/nanoseconds,
// period = the sampling interval), so `go tool pprof` and other pprof readers open it.
import { CodedError } from "../../lib/errors.ts";
import { type Frame, ProfileBuilder } from "./build.ts";
import { inspectorSession, sleep } from "./inspector.ts";

/** 1 ms: V8's default; Go samples at 100 Hz, but a 1 s profile of a quiet agent needs more samples. */
export const CPU_SAMPLING_INTERVAL_US = 1000;

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	hitCount?: number;
	children?: number[];
}

export interface V8CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples?: number[];
}

let running = false;

/** Turns V8 frames into pprof frames: "(anonymous)" for nameless functions, 1-based lines. */
export function toFrame(cf: CallFrame): Frame {
	return {
		name: cf.functionName || "(anonymous)",
		file: cf.url.startsWith("file://") ? decodeURIComponent(cf.url.slice(7)) : cf.url,
		line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0,
	};
}

/** Converts V8's call tree (hit counts per node) into pprof samples, one per node that was hit. */
export function cpuProfileToPprof(p: V8CpuProfile, intervalUs: number, wallStartMs = Date.now()): ProfileBuilder {
	const periodNs = intervalUs * 1000;
	const b = new ProfileBuilder({
		sampleTypes: [
			["samples", "count"],
			["cpu", "nanoseconds"],
		],
		periodType: ["cpu", "nanoseconds"],
		period: periodNs,
		timeNanos: BigInt(Math.round(wallStartMs)) * 1_000_000n,
		durationNanos: Math.max(0, Math.round(p.endTime - p.startTime) * 1000),
		defaultSampleType: 1,
	});
	const byId = new Map<number, ProfileNode>();
	const parent = new Map<number, number>();
	for (const n of p.nodes) {
		byId.set(n.id, n);
		for (const c of n.children ?? []) parent.set(c, n.id);
	}
	// hitCount is absent in some V8 versions' output: count the sample list instead.
	const hits = new Map<number, number>();
	if (p.samples) for (const id of p.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
	else for (const n of p.nodes) if (n.hitCount) hits.set(n.id, n.hitCount);
	for (const [id, count] of hits) {
		// "(idle)" is V8's name for time the thread waited for work: not CPU time, which is all a Go
		// CPU profile (and its cpu/nanoseconds sample type) counts.
		if (byId.get(id)?.callFrame.functionName === "(idle)") continue;
		const stack: Frame[] = [];
		for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
			const node = byId.get(cur);
			if (!node || (node.callFrame.functionName === "(root)" && parent.get(cur) === undefined)) break;
			stack.push(toFrame(node.callFrame));
		}
		if (stack.length === 0) continue;
		b.addSample(stack, [count, count * periodNs]);
	}
	return b;
}

/** Profiles the whole process for `seconds` (ended early by `signal`); one profile at a time, as Go. */
export async function cpuProfile(seconds: number, signal?: AbortSignal): Promise<Buffer> {
	if (running) throw new CodedError(500, "cpu profiling already in use");
	running = true;
	const s = inspectorSession();
	try {
		await s.post("Profiler.enable");
		await s.post("Profiler.setSamplingInterval", { interval: CPU_SAMPLING_INTERVAL_US });
		await s.post("Profiler.start");
		const wallStart = Date.now();
		await sleep(seconds * 1000, signal);
		const { profile } = (await s.post("Profiler.stop")) as { profile: V8CpuProfile };
		return cpuProfileToPprof(profile, CPU_SAMPLING_INTERVAL_US, wallStart).encode();
	} finally {
		await s.post("Profiler.disable").catch(() => {});
		running = false;
	}
}
