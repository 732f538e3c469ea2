// /v1/agent/pprof/heap (and allocs): V8's sampling heap profiler, the closest thing to Go's
// always-on heap profile (one sample per ~512 KiB allocated, MemProfileRate's default). V8 reports
// the sampled objects that are still live, so both kinds are in-use profiles
// (inuse_objects/count, inuse_space/bytes). The sampler starts on the first request and then keeps
// running for the agent's life; that first request samples for `seconds` before answering.
import { type Frame, ProfileBuilder } from "./build.ts";
import { toFrame } from "./cpu.ts";
import { inspectorSession, sleep } from "./inspector.ts";

export const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;

interface HeapNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	selfSize: number;
	children: HeapNode[];
}

export interface V8HeapProfile {
	head: HeapNode;
	/** Absent from older V8 protocol versions; then every node counts as one object. */
	samples?: { size: number; nodeId: number }[];
}

let sampling: Promise<void> | undefined;

/** Converts V8's allocation tree into pprof samples: one per call site holding live sampled bytes. */
export function heapProfileToPprof(p: V8HeapProfile): ProfileBuilder {
	const b = new ProfileBuilder({
		sampleTypes: [
			["inuse_objects", "count"],
			["inuse_space", "bytes"],
		],
		periodType: ["space", "bytes"],
		period: HEAP_SAMPLING_INTERVAL_BYTES,
		defaultSampleType: 1,
	});
	const objects = new Map<number, number>();
	for (const s of p.samples ?? []) objects.set(s.nodeId, (objects.get(s.nodeId) ?? 0) + 1);
	const walk = (n: HeapNode, stack: Frame[]): void => {
		// The root "(root)" frame is not a call site; its children start the stacks.
		const here = n === p.head ? stack : [toFrame(n.callFrame), ...stack];
		if (n.selfSize > 0 && here.length > 0) b.addSample(here, [objects.get(n.id) ?? (p.samples ? 0 : 1), n.selfSize]);
		for (const c of n.children) walk(c, here);
	};
	walk(p.head, []);
	return b;
}

/** The live sampled allocations; starts the sampler first if needed (then samples for `seconds`). */
export async function heapProfile(opts: {
	seconds: number;
	gc: boolean;
	signal?: AbortSignal;
}): Promise<ProfileBuilder> {
	const s = inspectorSession();
	if (!sampling) {
		sampling = (async () => {
			await s.post("HeapProfiler.enable");
			await s.post("HeapProfiler.startSampling", { samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES });
		})();
		sampling.catch(() => {
			sampling = undefined;
		});
		await sampling;
		await sleep(opts.seconds * 1000, opts.signal);
	}
	await sampling;
	if (opts.gc) await s.post("HeapProfiler.collectGarbage");
	const { profile } = (await s.post("HeapProfiler.getSamplingProfile")) as unknown as {
		profile: V8HeapProfile;
	};
	return heapProfileToPprof(profile);
}
