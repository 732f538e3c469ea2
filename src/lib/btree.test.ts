import assert from "node:assert/strict";
import test from "node:test";
import { BTree } from "./btree.ts";

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		return (s >>> 0) / 4294967296;
	};
}

function sortedEntries(m: Map<string, number>): [string, number][] {
	return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function check(t: BTree<string, number>, m: Map<string, number>, probe: () => string): void {
	const want = sortedEntries(m);
	assert.equal(t.size, m.size);
	assert.deepEqual([...t.entries()], want);
	assert.deepEqual([...t.entriesReversed()], [...want].reverse());
	assert.equal(t.minKey(), want[0]?.[0]);
	assert.equal(t.maxKey(), want.at(-1)?.[0]);
	for (let i = 0; i < 5; i++) {
		const from = probe();
		assert.deepEqual(
			[...t.entries(from)],
			want.filter(([k]) => k >= from),
			`entries(${from})`,
		);
		assert.deepEqual(
			[...t.entriesReversed(from)],
			want.filter(([k]) => k <= from).reverse(),
			`entriesReversed(${from})`,
		);
		assert.equal(t.get(from), m.get(from));
		assert.equal(t.has(from), m.has(from));
	}
}

for (const seed of [1, 2, 3, 42, 1337]) {
	test(`random sets, deletes and clones match a Map (seed ${seed}); clones never see each other's writes`, () => {
		const r = rng(seed);
		const key = (): string =>
			`k${Math.floor(r() * 3000)
				.toString()
				.padStart(4, "0")}`;
		const trees: { t: BTree<string, number>; m: Map<string, number> }[] = [{ t: new BTree(), m: new Map() }];
		for (let step = 0; step < 20_000; step++) {
			const which = trees[Math.floor(r() * trees.length)] as (typeof trees)[number];
			const x = r();
			if (x < 0.6) {
				const k = key();
				const v = step;
				assert.equal(which.t.set(k, v), !which.m.has(k));
				which.m.set(k, v);
			} else if (x < 0.95) {
				const k = key();
				assert.equal(which.t.delete(k), which.m.delete(k));
			} else if (x < 0.955 && trees.length < 6) {
				trees.push({ t: which.t.clone(), m: new Map(which.m) });
			}
			if (step % 2000 === 0) for (const { t, m } of trees) check(t, m, key);
		}
		for (const { t, m } of trees) check(t, m, key);
	});
}

test("sequential and reverse bulk inserts, then deleting everything, keep the tree valid", () => {
	const t = new BTree<number, number>();
	for (let i = 0; i < 5000; i++) t.set(i, i);
	for (let i = -1; i > -5000; i--) t.set(i, i);
	assert.equal(t.size, 9999);
	assert.deepEqual(
		[...t.keys()],
		Array.from({ length: 9999 }, (_, i) => i - 4999),
	);
	const snap = t.clone();
	for (let i = -4999; i < 5000; i += 2) assert.equal(t.delete(i), true);
	for (let i = -4998; i < 5000; i += 2) assert.equal(t.delete(i), true);
	assert.equal(t.size, 0);
	assert.deepEqual([...t.entries()], []);
	assert.equal(t.maxKey(), undefined);
	assert.equal(snap.size, 9999);
	assert.equal(snap.get(1234), 1234);
	t.set(7, 7);
	assert.deepEqual([...t.entries()], [[7, 7]]);
});

test("replacing a value in a shared leaf leaves the snapshot's value", () => {
	const t = new BTree<string, string>();
	for (let i = 0; i < 100; i++) t.set(`a${i}`, "old");
	const snap = t.clone();
	assert.equal(t.set("a50", "new"), false);
	assert.equal(t.get("a50"), "new");
	assert.equal(snap.get("a50"), "old");
});
