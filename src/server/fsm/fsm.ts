// The deterministic finite state machine: applies committed log entries, in index order, to the
// state store. Handlers must depend only on (state, payload, index): no clocks, no randomness, no
// I/O — the leader stamps times and IDs into the command before appending it.
import { isSteps, runStepsNow, type Steps } from "../../lib/cooperative.ts";
import type { Row } from "../state/schema.ts";
import type { OpenWrite, StateDump, StateStore, WriteTxn } from "../state/stateStore.ts";

/**
 * Applies one command inside a write. A handler for commands that can be big (a plan of thousands
 * of allocations) may be a generator that yields between parts: the log then applies it in slices
 * so the event loop keeps serving the API; the write stays invisible until its last part is done.
 */
export type CommandHandler = (tx: WriteTxn, payload: Row) => unknown;

export interface ApplyResult {
	index: number;
	/** What the handler returned (e.g. CAS outcome); undefined when it failed. */
	result?: unknown;
	/** A handler's rejection (deterministic, so replay rejects it the same way); state unchanged. */
	error?: string;
}

export class FSM {
	readonly state: StateStore;
	private readonly handlers = new Map<string, CommandHandler>();

	constructor(state: StateStore) {
		this.state = state;
	}

	register(type: string, handler: CommandHandler): void {
		if (this.handlers.has(type)) throw new Error(`fsm: command ${type} registered twice`);
		this.handlers.set(type, handler);
	}

	registerAll(handlers: Record<string, CommandHandler>): void {
		for (const [t, h] of Object.entries(handlers)) this.register(t, h);
	}

	has(type: string): boolean {
		return this.handlers.has(type);
	}

	/** Applies a command at once (log replay, tests). */
	apply(index: number, type: string, payload: Row): ApplyResult {
		return runStepsNow(this.applySteps(index, type, payload));
	}

	/** Applies a command as steps: yields between the parts of a stepped handler's work. */
	*applySteps(index: number, type: string, payload: Row): Steps<ApplyResult> {
		const handler = this.handlers.get(type);
		if (!handler) {
			// An unknown command (e.g. written by a newer version) must not wedge replay; skip it and
			// keep the index moving, as Nomad ignores unknown message types flagged as ignorable.
			this.state.advance(index);
			return { index, error: `unknown command type ${type}` };
		}
		let w: OpenWrite | undefined;
		try {
			w = this.state.begin(index);
			let result = handler(w.tx, payload);
			if (isSteps(result)) result = yield* result;
			w.commit();
			return { index, result };
		} catch (err) {
			w?.abort();
			this.state.advance(index);
			return { index, error: err instanceof Error ? err.message : String(err) };
		}
	}

	snapshot(): StateDump {
		return this.state.dump();
	}

	restore(dump: StateDump): void {
		this.state.restore(dump);
	}
}
