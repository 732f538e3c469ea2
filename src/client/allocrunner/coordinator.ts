// Lifecycle ordering of a group's tasks (Nomad's tasklifecycle.Coordinator): prestart tasks run
// first (ephemeral ones must finish successfully, sidecars must be running), then main tasks, then
// poststart tasks once every main task has started; poststop tasks run once everything else is dead.
// Each stage has a gate the task runners wait on before every (re)start.
import type { TaskState } from "../../api/types/alloc.ts";
import type { Task } from "../../api/types/job.ts";

export type Stage =
	| "prestartEphemeral"
	| "prestartSidecar"
	| "main"
	| "poststartEphemeral"
	| "poststartSidecar"
	| "poststop";
type CoordState = "init" | "prestart" | "main" | "poststart" | "waitAlloc" | "poststop";

export function taskStage(task: Task): Stage {
	const hook = task.Lifecycle?.Hook;
	const sidecar = task.Lifecycle?.Sidecar === true;
	if (hook === "prestart") return sidecar ? "prestartSidecar" : "prestartEphemeral";
	if (hook === "poststart") return sidecar ? "poststartSidecar" : "poststartEphemeral";
	if (hook === "poststop") return "poststop";
	return "main";
}

export class Gate {
	private isOpen = false;
	private waiters: (() => void)[] = [];

	open(): void {
		this.isOpen = true;
		const w = this.waiters;
		this.waiters = [];
		for (const f of w) f();
	}

	close(): void {
		this.isOpen = false;
	}

	get opened(): boolean {
		return this.isOpen;
	}

	/** Resolves once the gate is open (immediately if it is). */
	wait(): Promise<void> {
		if (this.isOpen) return Promise.resolve();
		return new Promise((resolve) => this.waiters.push(resolve));
	}
}

const ALLOWED: Record<CoordState, Stage[]> = {
	init: [],
	prestart: ["prestartEphemeral", "prestartSidecar"],
	main: ["prestartSidecar", "main"],
	poststart: ["prestartSidecar", "main", "poststartEphemeral", "poststartSidecar"],
	waitAlloc: ["prestartSidecar", "main", "poststartSidecar"],
	poststop: ["poststop"],
};

const successful = (s: TaskState | undefined) => s !== undefined && s.State === "dead" && !s.Failed;

export class Coordinator {
	private readonly byStage = new Map<Stage, string[]>();
	private readonly gates = new Map<Stage, Gate>();
	private state: CoordState = "init";

	constructor(tasks: Task[]) {
		for (const t of tasks) {
			const st = taskStage(t);
			const list = this.byStage.get(st) ?? [];
			list.push(t.Name);
			this.byStage.set(st, list);
			if (!this.gates.has(st)) this.gates.set(st, new Gate());
		}
		this.enter("init");
	}

	gate(stage: Stage): Gate {
		const g = this.gates.get(stage);
		if (!g) throw new Error(`no task in lifecycle stage ${stage}`);
		return g;
	}

	current(): string {
		return this.state;
	}

	/** Restart-all: back to init so dead tasks run again in order. */
	restart(): void {
		this.enter("init");
	}

	taskStatesUpdated(states: Record<string, TaskState>): void {
		for (;;) {
			const next = this.next(states);
			if (next === this.state) return;
			this.enter(next);
		}
	}

	private tasks(st: Stage): string[] {
		return this.byStage.get(st) ?? [];
	}

	private next(states: Record<string, TaskState>): CoordState {
		if (this.allocDone(states)) return "poststop";
		switch (this.state) {
			case "init":
				return Object.values(states).every((s) => s.State === "pending") ? "prestart" : "init";
			case "prestart": {
				const done =
					this.tasks("prestartEphemeral").every((t) => successful(states[t])) &&
					this.tasks("prestartSidecar").every((t) => states[t]?.State === "running");
				return done ? "main" : "prestart";
			}
			case "main":
				return this.tasks("main").every((t) => states[t] !== undefined && states[t].State !== "pending")
					? "poststart"
					: "main";
			case "poststart":
				return this.tasks("poststartEphemeral").every((t) => states[t]?.State === "dead") ? "waitAlloc" : "poststart";
			default:
				return this.state;
		}
	}

	private allocDone(states: Record<string, TaskState>): boolean {
		for (const [st, names] of this.byStage) {
			if (st === "poststop") continue;
			for (const n of names) if (states[n]?.State !== "dead") return false;
		}
		return true;
	}

	private enter(state: CoordState): void {
		const allowed = new Set(ALLOWED[state]);
		for (const [st, g] of this.gates) {
			if (allowed.has(st)) g.open();
			else g.close();
		}
		this.state = state;
	}
}
