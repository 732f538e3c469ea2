// A binary heap ordered by `before(a, b)` (true when a comes out first). Used by the eval broker's
// ready/pending/delay queues and the plan queue.

export class Heap<T> {
	private readonly items: T[] = [];
	private readonly before: (a: T, b: T) => boolean;

	constructor(before: (a: T, b: T) => boolean) {
		this.before = before;
	}

	get size(): number {
		return this.items.length;
	}

	peek(): T | undefined {
		return this.items[0];
	}

	push(item: T): void {
		this.items.push(item);
		this.up(this.items.length - 1);
	}

	pop(): T | undefined {
		const items = this.items;
		if (items.length === 0) return undefined;
		const top = items[0];
		const last = items.pop() as T;
		if (items.length > 0) {
			items[0] = last;
			this.down(0);
		}
		return top;
	}

	/** Removes the first item matching `pred` (O(n)); returns it. */
	remove(pred: (item: T) => boolean): T | undefined {
		const i = this.items.findIndex(pred);
		if (i < 0) return undefined;
		const items = this.items;
		const found = items[i];
		const last = items.pop() as T;
		if (i < items.length) {
			items[i] = last;
			this.down(i);
			this.up(i);
		}
		return found;
	}

	/** The items in no particular order. */
	values(): readonly T[] {
		return this.items;
	}

	clear(): void {
		this.items.length = 0;
	}

	private up(i: number): void {
		const items = this.items;
		const item = items[i];
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.before(item, items[parent])) break;
			items[i] = items[parent];
			i = parent;
		}
		items[i] = item;
	}

	private down(i: number): void {
		const items = this.items;
		const n = items.length;
		const item = items[i];
		for (;;) {
			const l = 2 * i + 1;
			if (l >= n) break;
			const r = l + 1;
			const child = r < n && this.before(items[r], items[l]) ? r : l;
			if (!this.before(items[child], item)) break;
			items[i] = items[child];
			i = child;
		}
		items[i] = item;
	}
}
