// The member table and SWIM's precedence rules: which gossiped update wins over what this node
// knows. Pure: no clocks (callers pass `now`), no I/O. Incarnations order claims about a member;
// only the member itself raises its incarnation, which is how it refutes being suspected, declared
// dead or force-left while it is in fact alive.
import type { MemberUpdate } from "./messages.ts";
import type { Member } from "./types.ts";

/** What applying one update did. */
export type ApplyResult =
	/** stale or no news: drop it, do not pass it on */
	| { kind: "ignored" }
	/** the member's entry changed: pass the update on */
	| { kind: "changed"; member: Member; previous: Member["state"] | undefined }
	/** the member was forgotten (prune): pass the update on */
	| { kind: "erased"; name: string }
	/** a claim about this node that is false: it raised its incarnation; gossip `refutation` */
	| { kind: "refuted"; refutation: MemberUpdate };

export class MemberTable {
	private readonly members = new Map<string, Member>();
	readonly self: Member;
	/** true once this node announced its own leave: claims about it are no longer refuted */
	leaving = false;

	constructor(self: Member) {
		this.self = self;
		this.members.set(self.name, self);
	}

	get(name: string): Member | undefined {
		return this.members.get(name);
	}

	all(): Member[] {
		return [...this.members.values()];
	}

	/** Members other than this node. */
	others(): Member[] {
		return this.all().filter((m) => m !== this.self);
	}

	get size(): number {
		return this.members.size;
	}

	/** The update that describes `m` in full (what push-pull sends and alive gossip carries). */
	static fullUpdate(m: Member): MemberUpdate {
		return {
			name: m.name,
			incarnation: m.incarnation,
			state: m.state,
			addr: m.addr,
			port: m.port,
			tags: m.tags,
			vsn: m.vsn,
		};
	}

	erase(name: string): boolean {
		if (name === this.self.name) return false;
		return this.members.delete(name);
	}

	apply(u: MemberUpdate, now: number): ApplyResult {
		if (u.name === this.self.name) return this.applyAboutSelf(u);
		const m = this.members.get(u.name);
		if (!m) {
			// Only an alive member is learned from gossip: a dead or left entry for a member we never
			// knew (or pruned) must not bring it back.
			if (u.state !== "alive" || u.addr === undefined || u.port === undefined) return { kind: "ignored" };
			const added: Member = {
				name: u.name,
				addr: u.addr,
				port: u.port,
				tags: { ...u.tags },
				vsn: [...(u.vsn ?? [])],
				incarnation: u.incarnation,
				state: "alive",
				stateChangedAt: now,
			};
			this.members.set(u.name, added);
			return { kind: "changed", member: added, previous: undefined };
		}
		const prev = m.state;
		const newer = u.incarnation > m.incarnation;
		const notOlder = u.incarnation >= m.incarnation;
		let next: Member["state"] | undefined;
		switch (u.state) {
			case "alive":
				if (newer) next = "alive";
				break;
			case "suspect":
				if (prev === "alive" && notOlder) next = "suspect";
				else if (prev === "suspect" && newer) next = "suspect";
				break;
			case "dead":
				if ((prev === "alive" || prev === "suspect") && notOlder) next = "dead";
				// a leaving member that stops answering has left (Serf: leaving + memberlist dead → left)
				else if (prev === "leaving" && notOlder) next = "left";
				break;
			case "leaving":
				if ((prev === "alive" || prev === "suspect") && notOlder) next = "leaving";
				else if (prev === "dead" && notOlder) next = "left";
				break;
			case "left":
				if (prev !== "left" && notOlder) next = "left";
				break;
		}
		if (u.prune && notOlder && (u.state === "leaving" || u.state === "left")) {
			this.members.delete(u.name);
			return { kind: "erased", name: u.name };
		}
		if (next === undefined) return { kind: "ignored" };
		if (u.state === "alive" && u.addr !== undefined && u.port !== undefined) {
			m.addr = u.addr;
			m.port = u.port;
			m.tags = { ...u.tags };
			m.vsn = [...(u.vsn ?? m.vsn)];
		}
		m.incarnation = Math.max(m.incarnation, u.incarnation);
		if (next !== prev) m.stateChangedAt = now;
		m.state = next;
		return { kind: "changed", member: m, previous: prev };
	}

	/**
	 * Claims about this node. Any claim that it is not alive, at an incarnation it has reached, is
	 * refuted by moving past it; an alive claim from an earlier life (a higher incarnation than this
	 * process started with) is overtaken the same way.
	 */
	private applyAboutSelf(u: MemberUpdate): ApplyResult {
		const self = this.self;
		if (this.leaving) return { kind: "ignored" };
		const stale = u.state === "alive" ? u.incarnation <= self.incarnation : u.incarnation < self.incarnation;
		if (stale) return { kind: "ignored" };
		self.incarnation = u.incarnation + 1;
		return { kind: "refuted", refutation: MemberTable.fullUpdate(self) };
	}

	/** Members whose state is dead or left for longer than the given ages; removed from the table. */
	reap(now: number, deadAfter: number, leftAfter: number): string[] {
		const gone: string[] = [];
		for (const m of this.others()) {
			const age = now - m.stateChangedAt;
			if ((m.state === "dead" && age >= deadAfter) || (m.state === "left" && age >= leftAfter)) {
				this.members.delete(m.name);
				gone.push(m.name);
			}
		}
		return gone;
	}
}
