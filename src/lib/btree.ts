// An ordered map as a persistent B+tree: clone() is O(1) and later writes to either copy leave the
// other untouched (copy-on-write), which is what makes state-store snapshots cheap.
//
// Why our own and not a library: a server applying a plan of a thousand allocations writes to a
// thousand random leaves of a tree that a snapshot still shares. Every such write must copy its
// leaf; the copy is made with the change already in it (one exact-size array, `toSpliced`), where
// a general-purpose tree copies the leaf and then grows it for the insert — twice the garbage, and
// at C1M scale that garbage is what fills the old generation and forces full collections.
//
// Ownership decides what may change in place: each tree has an owner token, and a node carries the
// token of the tree that created it. clone() gives both trees fresh tokens, so neither writes into
// nodes they share; a node copied by a tree is that tree's own until its next clone, so a batch of
// writes to one leaf copies it once.
//
// Keys are compared with < and > (strings or numbers).

const MAX = 32;
/** A node whose entry count falls below this after a delete is merged with a neighbour when they fit. */
const MIN = MAX >> 2;

type Owner = object;

interface Leaf<K, V> {
	leaf: true;
	owner: Owner;
	keys: K[];
	vals: V[];
}

interface Branch<K, V> {
	leaf: false;
	owner: Owner;
	/** keys[i] is the largest key under children[i]. */
	keys: K[];
	children: TreeNode<K, V>[];
}

type TreeNode<K, V> = Leaf<K, V> | Branch<K, V>;

/** Index of the first key >= k in a sorted array (keys.length if none). */
function lowerBound<K>(keys: K[], k: K): number {
	let lo = 0;
	let hi = keys.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if ((keys[mid] as K) < k) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The child of a branch that holds (or would hold) k: the first whose max key >= k, else the last. */
function childIndex<K, V>(b: Branch<K, V>, k: K): number {
	const i = lowerBound(b.keys, k);
	return i < b.keys.length ? i : b.keys.length - 1;
}

function maxKeyOf<K, V>(n: TreeNode<K, V>): K {
	return n.keys[n.keys.length - 1] as K;
}

export class BTree<K, V> {
	private root: TreeNode<K, V>;
	private owner: Owner = {};
	private count = 0;
	/** Out-parameters of a set: whether the key was new, and the right half of a node that split. */
	private added = false;
	private split: TreeNode<K, V> | undefined;

	constructor() {
		this.root = { leaf: true, owner: this.owner, keys: [], vals: [] };
	}

	get size(): number {
		return this.count;
	}

	/** An O(1) copy; later writes to either tree do not show in the other. */
	clone(): BTree<K, V> {
		const c = Object.create(BTree.prototype) as BTree<K, V>;
		c.root = this.root;
		c.count = this.count;
		c.owner = {};
		c.added = false;
		c.split = undefined;
		this.owner = {};
		return c;
	}

	get(k: K): V | undefined {
		let n = this.root;
		while (!n.leaf) n = n.children[childIndex(n, k)] as TreeNode<K, V>;
		const i = lowerBound(n.keys, k);
		return i < n.keys.length && n.keys[i] === k ? n.vals[i] : undefined;
	}

	has(k: K): boolean {
		let n = this.root;
		while (!n.leaf) n = n.children[childIndex(n, k)] as TreeNode<K, V>;
		const i = lowerBound(n.keys, k);
		return i < n.keys.length && n.keys[i] === k;
	}

	/** Inserts or replaces; true when the key is new. */
	set(k: K, v: V): boolean {
		const root = this.root;
		this.added = false;
		this.split = undefined;
		const node = root.leaf ? this.setInLeaf(root, k, v) : this.setInBranch(root, k, v);
		const split = this.split as TreeNode<K, V> | undefined;
		this.split = undefined;
		this.root = split
			? { leaf: false, owner: this.owner, keys: [maxKeyOf(node), maxKeyOf(split)], children: [node, split] }
			: node;
		return this.added;
	}

	/** Removes a key; true when it was there. */
	delete(k: K): boolean {
		const r = this.deleteIn(this.root, k);
		if (!r) return false;
		let root = r;
		// A branch left with one child hands the root down.
		while (!root.leaf && root.children.length === 1) root = root.children[0] as TreeNode<K, V>;
		if (!root.leaf && root.children.length === 0) root = { leaf: true, owner: this.owner, keys: [], vals: [] };
		this.root = root;
		return true;
	}

	minKey(): K | undefined {
		let n = this.root;
		while (!n.leaf) n = n.children[0] as TreeNode<K, V>;
		return n.keys[0];
	}

	maxKey(): K | undefined {
		return this.count === 0 ? undefined : maxKeyOf(this.root);
	}

	/** [key, value] pairs in key order, from the first key >= `from` (all when undefined). */
	*entries(from?: K): Generator<[K, V]> {
		if (this.count === 0) return;
		const stack: { node: Branch<K, V>; i: number }[] = [];
		let n = this.root;
		while (!n.leaf) {
			const i = from === undefined ? 0 : childIndex(n, from);
			stack.push({ node: n, i });
			n = n.children[i] as TreeNode<K, V>;
		}
		let i = from === undefined ? 0 : lowerBound(n.keys, from);
		for (;;) {
			for (; i < n.keys.length; i++) yield [n.keys[i] as K, n.vals[i] as V];
			// Next leaf: climb to the first ancestor with a child to the right, then go down its left edge.
			let top = stack[stack.length - 1];
			while (top && top.i + 1 >= top.node.children.length) {
				stack.pop();
				top = stack[stack.length - 1];
			}
			if (!top) return;
			top.i++;
			let next = top.node.children[top.i] as TreeNode<K, V>;
			while (!next.leaf) {
				stack.push({ node: next, i: 0 });
				next = next.children[0] as TreeNode<K, V>;
			}
			n = next;
			i = 0;
		}
	}

	/** [key, value] pairs in descending order, from the last key <= `from` (all when undefined). */
	*entriesReversed(from?: K): Generator<[K, V]> {
		if (this.count === 0) return;
		const stack: { node: Branch<K, V>; i: number }[] = [];
		let n = this.root;
		while (!n.leaf) {
			const i = from === undefined ? n.children.length - 1 : childIndex(n, from);
			stack.push({ node: n, i });
			n = n.children[i] as TreeNode<K, V>;
		}
		let i: number;
		if (from === undefined) i = n.keys.length - 1;
		else {
			i = lowerBound(n.keys, from);
			if (i >= n.keys.length || (n.keys[i] as K) > (from as K)) i--;
		}
		for (;;) {
			for (; i >= 0; i--) yield [n.keys[i] as K, n.vals[i] as V];
			let top = stack[stack.length - 1];
			while (top && top.i === 0) {
				stack.pop();
				top = stack[stack.length - 1];
			}
			if (!top) return;
			top.i--;
			let next = top.node.children[top.i] as TreeNode<K, V>;
			while (!next.leaf) {
				stack.push({ node: next, i: next.children.length - 1 });
				next = next.children[next.children.length - 1] as TreeNode<K, V>;
			}
			n = next;
			i = n.keys.length - 1;
		}
	}

	*keys(): Generator<K> {
		for (const [k] of this.entries()) yield k;
	}

	*values(): Generator<V> {
		for (const [, v] of this.entries()) yield v;
	}

	// --- writes ------------------------------------------------------------------------------

	/**
	 * The leaf after setting k; a leaf that overflowed is halved and its right half left in
	 * this.split for the parent (out-parameters instead of a result object per level and write).
	 */
	private setInLeaf(leaf: Leaf<K, V>, k: K, v: V): Leaf<K, V> {
		const i = lowerBound(leaf.keys, k);
		const own = leaf.owner === this.owner;
		if (i < leaf.keys.length && leaf.keys[i] === k) {
			if (!own) return { leaf: true, owner: this.owner, keys: leaf.keys.slice(), vals: leaf.vals.with(i, v) };
			leaf.vals[i] = v;
			return leaf;
		}
		this.count++;
		this.added = true;
		let node: Leaf<K, V>;
		if (own) {
			leaf.keys.splice(i, 0, k);
			leaf.vals.splice(i, 0, v);
			node = leaf;
		} else {
			// The copy a shared leaf needs anyway, made with the insert in it.
			node = { leaf: true, owner: this.owner, keys: leaf.keys.toSpliced(i, 0, k), vals: leaf.vals.toSpliced(i, 0, v) };
		}
		if (node.keys.length <= MAX) return node;
		const h = node.keys.length >> 1;
		this.split = { leaf: true, owner: this.owner, keys: node.keys.slice(h), vals: node.vals.slice(h) };
		return { leaf: true, owner: this.owner, keys: node.keys.slice(0, h), vals: node.vals.slice(0, h) };
	}

	private setInBranch(b: Branch<K, V>, k: K, v: V): Branch<K, V> {
		const ci = childIndex(b, k);
		const child = b.children[ci] as TreeNode<K, V>;
		const next = child.leaf ? this.setInLeaf(child, k, v) : this.setInBranch(child, k, v);
		const split = this.split as TreeNode<K, V> | undefined;
		this.split = undefined;
		const childMax = maxKeyOf(next);
		// Nothing about this branch changed: the child was written in place and kept its max key.
		// (A child this tree owns has a parent it owns: paths are copied from the root down.)
		if (next === child && !split && b.keys[ci] === childMax) return b;
		const node: Branch<K, V> =
			b.owner === this.owner
				? b
				: { leaf: false, owner: this.owner, keys: b.keys.slice(), children: b.children.slice() };
		node.children[ci] = next;
		node.keys[ci] = childMax;
		if (split) {
			node.children.splice(ci + 1, 0, split);
			node.keys.splice(ci + 1, 0, maxKeyOf(split));
		}
		if (node.children.length <= MAX) return node;
		const h = node.children.length >> 1;
		this.split = { leaf: false, owner: this.owner, keys: node.keys.slice(h), children: node.children.slice(h) };
		return { leaf: false, owner: this.owner, keys: node.keys.slice(0, h), children: node.children.slice(0, h) };
	}

	/** The node after deleting k below it (possibly empty), or undefined when k is absent. */
	private deleteIn(n: TreeNode<K, V>, k: K): TreeNode<K, V> | undefined {
		if (n.leaf) {
			const i = lowerBound(n.keys, k);
			if (i >= n.keys.length || n.keys[i] !== k) return undefined;
			this.count--;
			if (n.owner === this.owner) {
				n.keys.splice(i, 1);
				n.vals.splice(i, 1);
				return n;
			}
			return { leaf: true, owner: this.owner, keys: n.keys.toSpliced(i, 1), vals: n.vals.toSpliced(i, 1) };
		}
		const ci = childIndex(n, k);
		const child = this.deleteIn(n.children[ci] as TreeNode<K, V>, k);
		if (!child) return undefined;
		const b: Branch<K, V> =
			n.owner === this.owner
				? n
				: { leaf: false, owner: this.owner, keys: n.keys.slice(), children: n.children.slice() };
		if (child.keys.length === 0) {
			b.children.splice(ci, 1);
			b.keys.splice(ci, 1);
			return b;
		}
		b.children[ci] = child;
		b.keys[ci] = maxKeyOf(child);
		if (child.keys.length < MIN) this.mergeSmall(b, ci);
		return b;
	}

	/** Merges an underfull child with a neighbour when both fit in one node. */
	private mergeSmall(b: Branch<K, V>, ci: number): void {
		const li = ci > 0 ? ci - 1 : ci;
		const ri = li + 1;
		if (ri >= b.children.length) return;
		const l = b.children[li] as TreeNode<K, V>;
		const r = b.children[ri] as TreeNode<K, V>;
		if (l.keys.length + r.keys.length > MAX) return;
		let merged: TreeNode<K, V>;
		if (l.leaf && r.leaf) {
			merged = { leaf: true, owner: this.owner, keys: l.keys.concat(r.keys), vals: l.vals.concat(r.vals) };
		} else if (!l.leaf && !r.leaf) {
			merged = { leaf: false, owner: this.owner, keys: l.keys.concat(r.keys), children: l.children.concat(r.children) };
		} else return;
		b.children.splice(li, 2, merged);
		b.keys.splice(li, 2, maxKeyOf(merged));
	}
}
