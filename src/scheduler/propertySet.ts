// Counts of a job's (or task group's) proposed allocations by a node property, for
// distinct_property and spread (propertyset.go). Nomad rebuilds these maps from the whole plan on
// every placement (#11712); here they follow the plan incrementally, and the min/max counts spread
// scoring needs are kept with a histogram, so reads are O(1).
import type { Allocation, Constraint, Node } from "../api/types/index.ts";
import { resolveTarget } from "./constraints.ts";
import type { EvalContext, PlanTracker } from "./context.ts";
import { terminal } from "./util.ts";

export class PropertySet implements PlanTracker {
	readonly attribute: string;
	/** distinct_property limit (0 for spread). */
	readonly allowed: number;
	readonly error: string | undefined;
	private readonly ctx: EvalContext;
	private readonly group: string;
	private readonly targets: ReadonlySet<string> | undefined;
	private readonly counts = new Map<string, number>();
	private readonly hist = new Map<number, number>();
	private min = 0;
	private max = 0;

	private constructor(
		ctx: EvalContext,
		group: string,
		attribute: string,
		allowed: number,
		targets: readonly string[] | undefined,
		error: string | undefined,
	) {
		this.ctx = ctx;
		this.group = group;
		this.attribute = attribute;
		this.allowed = allowed;
		this.targets = targets && targets.length > 0 ? new Set(targets) : undefined;
		this.error = error;
	}

	/** A distinct_property constraint; `group` "" for a job-level constraint. */
	static forConstraint(ctx: EvalContext, jobAllocs: readonly Allocation[], c: Constraint, group: string): PropertySet {
		let allowed = 1;
		let error: string | undefined;
		if (c.RTarget !== "") {
			if (/^\d+$/.test(c.RTarget)) allowed = Number(c.RTarget);
			else
				error = `failed to convert RTarget "${c.RTarget}" to uint64: strconv.ParseUint: parsing "${c.RTarget}": invalid syntax`;
		}
		const ps = new PropertySet(ctx, group, c.LTarget, allowed, undefined, error);
		ps.populate(jobAllocs);
		return ps;
	}

	/** A spread block over `attribute` for one task group. */
	static forSpread(
		ctx: EvalContext,
		jobAllocs: readonly Allocation[],
		attribute: string,
		group: string,
		targets: readonly string[],
	): PropertySet {
		const ps = new PropertySet(ctx, group, attribute, 0, targets, undefined);
		ps.populate(jobAllocs);
		return ps;
	}

	private populate(jobAllocs: readonly Allocation[]): void {
		if (this.error) return;
		for (const a of jobAllocs) this.count(a.NodeID, a, 1);
		this.ctx.addTracker(this);
	}

	private targeted(v: string): string {
		return !this.targets || this.targets.has(v) ? v : "*";
	}

	private count(nodeID: string, a: Allocation | undefined, d: 1 | -1): void {
		if (!a || terminal(a) || (this.group !== "" && a.TaskGroup !== this.group)) return;
		const node = this.ctx.node(nodeID);
		if (!node || this.attribute === "") return;
		const r = resolveTarget(this.attribute, node);
		if (!r.found) return;
		const key = this.targeted(r.value);
		const c = this.counts.get(key) ?? 0;
		if (d > 0) this.inc(key, c);
		else if (c > 0) this.dec(key, c);
	}

	private inc(key: string, c: number): void {
		this.counts.set(key, c + 1);
		if (c > 0) this.hist.set(c, (this.hist.get(c) ?? 0) - 1);
		this.hist.set(c + 1, (this.hist.get(c + 1) ?? 0) + 1);
		if (c === 0) this.min = 1;
		else if (c === this.min && this.hist.get(c) === 0) this.min = c + 1;
		if (c + 1 > this.max) this.max = c + 1;
	}

	private dec(key: string, c: number): void {
		const n = c - 1;
		this.hist.set(c, (this.hist.get(c) ?? 0) - 1);
		if (n > 0) {
			this.counts.set(key, n);
			this.hist.set(n, (this.hist.get(n) ?? 0) + 1);
		} else {
			this.counts.delete(key);
		}
		if (this.counts.size === 0) {
			this.min = 0;
			this.max = 0;
			return;
		}
		if (n > 0 && n < this.min) this.min = n;
		if (n === 0 && c === this.min && !this.hist.get(c)) {
			let m = c + 1;
			while (m < this.max && !this.hist.get(m)) m++;
			this.min = m;
		}
		if (c === this.max && !this.hist.get(c)) {
			let m = c - 1;
			while (m > this.min && !this.hist.get(m)) m--;
			this.max = m;
		}
	}

	change(nodeID: string, before: Allocation | undefined, after: Allocation | undefined): void {
		if (this.error) return;
		this.count(nodeID, before, -1);
		this.count(nodeID, after, 1);
	}

	/** UsedCount: [targeted value, error, count]. */
	usedCount(node: Node): { value: string; error: string; count: number } {
		if (this.error) return { value: "", error: this.error, count: 0 };
		const r = resolveTarget(this.attribute, node);
		if (!r.found || this.attribute === "") {
			return { value: r.value, error: `missing property "${this.attribute}"`, count: 0 };
		}
		const value = this.targeted(r.value);
		return { value, error: "", count: this.counts.get(value) ?? 0 };
	}

	/** SatisfiesDistinctProperties: [ok, reason]. */
	satisfies(node: Node): string | undefined {
		const u = this.usedCount(node);
		if (u.error) return u.error;
		if (u.count < this.allowed) return undefined;
		return `distinct_property: ${this.attribute}=${u.value} used by ${u.count} allocs`;
	}

	/** Count for a raw (untargeted) value; 0 when unused. */
	countOf(value: string): number {
		return this.counts.get(value) ?? 0;
	}

	get size(): number {
		return this.counts.size;
	}

	get minCount(): number {
		return this.min;
	}

	get maxCount(): number {
		return this.max;
	}
}
