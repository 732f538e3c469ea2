// The schedulers by job type, and what other layers reuse (the fit check for the plan applier,
// node usage for a state store's fast path).
import { GenericScheduler } from "./generic.ts";
import { SystemScheduler } from "./system.ts";
import type { SchedulerFactory } from "./types.ts";

export const schedulers: Record<"service" | "batch" | "system" | "sysbatch", SchedulerFactory> = {
	service: (ctx) => new GenericScheduler(ctx, false),
	batch: (ctx) => new GenericScheduler(ctx, true),
	system: (ctx) => new SystemScheduler(ctx, false),
	sysbatch: (ctx) => new SystemScheduler(ctx, true),
};

export {
	allocsFit,
	allocUsage,
	computeNodeClass,
	type FitResult,
	fitsWithUsage,
	NodeUsage,
	nextNodeUsage,
} from "./resources.ts";
export type * from "./types.ts";
