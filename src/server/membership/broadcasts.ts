// The queue of member updates waiting to be piggybacked on outgoing packets. Each update is sent
// a limited number of times (more in bigger pools); a newer update about a member replaces the
// queued one, so the queue never holds more than one entry per member.
import type { MemberUpdate } from "./messages.ts";

interface Queued {
	update: MemberUpdate;
	transmits: number;
	/** insertion order, so that among equally-sent updates the newest goes first */
	id: number;
}

export class BroadcastQueue {
	private readonly queue = new Map<string, Queued>();
	private nextID = 0;

	get length(): number {
		return this.queue.size;
	}

	push(update: MemberUpdate): void {
		this.queue.set(update.name, { update, transmits: 0, id: this.nextID++ });
	}

	/**
	 * Updates to piggyback on one packet: least-sent first, as many as fit in `budget` bytes (at
	 * least one, so an oversized update still goes out). Each taken update counts one transmit and
	 * leaves the queue after `limit` of them.
	 */
	take(budget: number, limit: number): MemberUpdate[] {
		if (this.queue.size === 0) return [];
		const order = [...this.queue.values()].sort((a, b) => a.transmits - b.transmits || b.id - a.id);
		const out: MemberUpdate[] = [];
		let used = 0;
		for (const q of order) {
			const size = JSON.stringify(q.update).length + 1;
			if (out.length > 0 && used + size > budget) continue;
			out.push(q.update);
			used += size;
			q.transmits++;
			if (q.transmits >= limit) this.queue.delete(q.update.name);
		}
		return out;
	}
}
