import assert from "node:assert/strict";
import { test } from "node:test";
import { MemberTable } from "./memberTable.ts";
import type { MemberUpdate } from "./messages.ts";
import type { Member, MemberState } from "./types.ts";

function member(name: string, state: MemberState = "alive", incarnation = 1): Member {
	return {
		name,
		addr: "10.0.0.1",
		port: 4648,
		tags: {},
		vsn: [1, 5, 2, 2, 4, 4],
		incarnation,
		state,
		stateChangedAt: 0,
	};
}

function alive(name: string, incarnation: number): MemberUpdate {
	return { ...MemberTable.fullUpdate(member(name, "alive", incarnation)) };
}

function tableWith(state: MemberState, incarnation = 5): MemberTable {
	const t = new MemberTable(member("self"));
	t.apply(alive("x", incarnation), 0);
	const m = t.get("x") as Member;
	m.state = state;
	return t;
}

test("precedence: which update wins over which state", () => {
	// [local state, update state, update incarnation vs local 5, resulting state or "ignored"]
	const cases: [MemberState, MemberState, number, MemberState | "ignored"][] = [
		["alive", "alive", 5, "ignored"],
		["alive", "alive", 6, "alive"],
		["alive", "suspect", 4, "ignored"],
		["alive", "suspect", 5, "suspect"],
		["suspect", "suspect", 5, "ignored"],
		["suspect", "alive", 6, "alive"],
		["suspect", "alive", 5, "ignored"],
		["alive", "dead", 5, "dead"],
		["suspect", "dead", 5, "dead"],
		["dead", "alive", 5, "ignored"],
		["dead", "alive", 6, "alive"],
		["leaving", "dead", 5, "left"],
		["alive", "leaving", 5, "leaving"],
		["dead", "leaving", 5, "left"],
		["left", "leaving", 5, "ignored"],
		["leaving", "left", 5, "left"],
		["left", "alive", 6, "alive"],
		["dead", "suspect", 9, "ignored"],
	];
	for (const [local, state, inc, want] of cases) {
		const t = tableWith(local);
		const u: MemberUpdate = state === "alive" ? alive("x", inc) : { name: "x", incarnation: inc, state };
		const r = t.apply(u, 1);
		const label = `${local} + ${state}@${inc}`;
		if (want === "ignored") {
			assert.equal(r.kind, "ignored", label);
			assert.equal(t.get("x")?.state, local, label);
		} else {
			assert.equal(r.kind, "changed", label);
			assert.equal(t.get("x")?.state, want, label);
		}
	}
});

test("unknown members are learned only from alive updates", () => {
	const t = new MemberTable(member("self"));
	assert.equal(t.apply({ name: "y", incarnation: 1, state: "dead" }, 0).kind, "ignored");
	assert.equal(t.apply({ ...alive("y", 1), state: "left" }, 0).kind, "ignored");
	assert.equal(t.apply(alive("y", 1), 0).kind, "changed");
	assert.equal(t.size, 2);
});

test("prune erases; claims about self are refuted with a higher incarnation", () => {
	const t = tableWith("dead");
	assert.deepEqual(t.apply({ name: "x", incarnation: 5, state: "leaving", prune: true }, 0), {
		kind: "erased",
		name: "x",
	});
	assert.equal(t.get("x"), undefined);
	const r = t.apply({ name: "self", incarnation: 7, state: "dead" }, 0);
	assert.equal(r.kind, "refuted");
	assert.equal(t.self.incarnation, 8);
	assert.equal(t.apply({ name: "self", incarnation: 7, state: "suspect" }, 0).kind, "ignored");
	// an alive claim from an earlier life with a higher incarnation is overtaken too
	assert.equal(t.apply(alive("self", 20), 0).kind, "refuted");
	assert.equal(t.self.incarnation, 21);
	t.leaving = true;
	assert.equal(t.apply({ name: "self", incarnation: 30, state: "dead" }, 0).kind, "ignored");
});

test("reap forgets dead and left members after their timeouts", () => {
	const t = new MemberTable(member("self"));
	t.apply(alive("d", 1), 0);
	t.apply(alive("l", 1), 0);
	t.apply({ name: "d", incarnation: 1, state: "dead" }, 100);
	t.apply({ name: "l", incarnation: 1, state: "left" }, 100);
	assert.deepEqual(t.reap(150, 100, 200), []);
	assert.deepEqual(t.reap(200, 100, 200), ["d"]);
	assert.deepEqual(t.reap(300, 100, 200), ["l"]);
	assert.equal(t.size, 1);
});
