// Allocation name indexes (reconciler AllocNameIndex): which `<job>.<group>[i]` names are taken,
// the lowest free ones for placements and the highest taken ones for scale-downs.
import type { Allocation } from "../api/types/index.ts";
import { allocIndex, allocName } from "./util.ts";

export class AllocNameIndex {
	private readonly job: string;
	private readonly group: string;
	private readonly count: number;
	private readonly used: boolean[];
	/** index → extra holders of an already-used index. */
	private readonly duplicates = new Map<number, number>();

	constructor(job: string, group: string, count: number, existing: Iterable<Allocation>) {
		this.job = job;
		this.group = group;
		this.count = count;
		const list = [...existing];
		let max = 0;
		for (const a of list) max = Math.max(max, allocIndex(a));
		// bitmapFrom: size = max(count, len, maxIndex) rounded up to a byte (never byte aligned at max).
		let min = Math.max(count, list.length);
		if (max < min) max = min;
		else if (max % 8 === 0) max++;
		if (max === 0) max = 8;
		if (max % 8 !== 0) max += 8 - (max % 8);
		min = max;
		this.used = new Array<boolean>(min).fill(false);
		for (const a of list) {
			const i = allocIndex(a);
			if (this.used[i]) this.duplicates.set(i, (this.duplicates.get(i) ?? 0) + 1);
			else this.used[i] = true;
		}
	}

	/** Highest: removes and returns the n highest used names. */
	highest(n: number): Set<string> {
		const out = new Set<string>();
		for (let i = this.used.length; i > 0 && out.size < n; i--) {
			const idx = i - 1;
			if (this.used[idx]) {
				this.used[idx] = false;
				out.add(allocName(this.job, this.group, idx));
			}
		}
		return out;
	}

	isDuplicate(idx: number): boolean {
		return (this.duplicates.get(idx) ?? 0) > 0;
	}

	unsetIndex(idx: number): void {
		const d = this.duplicates.get(idx);
		if (d !== undefined) {
			if (d - 1 <= 0) this.duplicates.delete(idx);
			else this.duplicates.set(idx, d - 1);
		} else if (idx < this.used.length) {
			this.used[idx] = false;
		}
	}

	/** Next: the n lowest free names below count, then overlapping names from 0. */
	next(n: number): string[] {
		const out: string[] = [];
		for (let i = 0; i < this.count && out.length < n; i++) {
			if (!this.used[i]) {
				this.used[i] = true;
				out.push(allocName(this.job, this.group, i));
			}
		}
		for (let i = 0; out.length < n; i++) {
			out.push(allocName(this.job, this.group, i));
			if (i < this.used.length) this.used[i] = true;
		}
		return out;
	}
}
