// The deterministic finite state machine: applies committed log entries, in index order, to the
// state store. Handlers must depend only on (state, payload, index): no clocks, no randomness, no
// I/O — the leader stamps times and IDs into the command before appending it.
import type { Row } from "../state/schema.ts";
import type { StateDump, StateStore, WriteTxn } from "../state/stateStore.ts";

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

	apply(index: number, type: string, payload: Row): ApplyResult {
		const handler = this.handlers.get(type);
		if (!handler) {
			// An unknown command (e.g. written by a newer version) must not wedge replay; skip it and
			// keep the index moving, as Nomad ignores unknown message types flagged as ignorable.
			this.state.advance(index);
			return { index, error: `unknown command type ${type}` };
		}
		try {
			const result = this.state.write(index, (tx) => handler(tx, payload));
			return { index, result };
		} catch (err) {
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
