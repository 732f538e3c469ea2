// Scheduler factories by job type, with the scheduler code loaded on first use: an idle agent
// never pays for it (~20 modules), and the first evaluation waits for one dynamic import.
import type { SchedulerFactory } from "../scheduler/types.ts";

let loaded: Record<string, SchedulerFactory> | undefined;
let loading: Promise<void> | undefined;

export function loadSchedulers(): Promise<void> {
	loading ??= import("../scheduler/index.ts").then((m) => {
		loaded = m.schedulers;
	});
	return loading;
}

function lazy(type: string): SchedulerFactory {
	return (ctx) => {
		const f = loaded?.[type];
		if (!f) throw new Error("scheduler code not loaded: await loadSchedulers() first");
		return f(ctx);
	};
}

export const schedulers: Record<"service" | "batch" | "system" | "sysbatch", SchedulerFactory> = {
	service: lazy("service"),
	batch: lazy("batch"),
	system: lazy("system"),
	sysbatch: lazy("sysbatch"),
};
