// The cluster reconciler for service and batch jobs (reconciler/reconcile_cluster.go): compares a
// job's desired task groups with its allocations and decides what to place, stop, update in place
// or destructively, migrate, replace (lost) and reschedule (now, or later via follow-up evals).
// Deployments and canaries are not modelled (the scheduler boundary has no deployments).
import type { Allocation, DesiredUpdates, Evaluation, Job, Node, TaskGroup } from "../api/types/index.ts";
import { AllocNameIndex } from "./nameIndex.ts";
import {
	allocJob,
	type DelayedReschedule,
	disableMigrationPlacement,
	filterByRescheduleable,
	shouldMigrate,
	shouldReschedule,
} from "./reschedule.ts";
import { allocIndex, formatRFC3339Nano, jobStopped, serverTerminal, terminal } from "./util.ts";

export const STATUS_NOT_NEEDED = "alloc not needed due to job update";
export const STATUS_MIGRATING = "alloc is being migrated";
export const STATUS_UPDATING = "alloc is being updated due to job update";
export const STATUS_LOST = "alloc is lost since its node is down";
export const STATUS_IN_PLACE = "alloc updating in-place";
export const STATUS_NODE_TAINTED = "alloc not needed as node is tainted";
export const STATUS_RESCHEDULED = "alloc was rescheduled because it failed";
export const DESC_RESCHEDULE_FOLLOWUP = "created for delayed rescheduling";
/** Follow-up evals for failed allocations within a 5 s window are batched into one. */
const BATCHED_FAILED_ALLOC_WINDOW = 5_000_000_000;

export interface Placement {
	name: string;
	tg: TaskGroup;
	previous?: Allocation;
	reschedule: boolean;
	lost: boolean;
	/** Destructive updates stop the previous allocation only if the new one is placed. */
	stopPrevious?: string;
}

export interface StopResult {
	alloc: Allocation;
	clientStatus: string;
	desc: string;
	followupEvalID?: string;
}

export type UpdateDecision = { kind: "ignore" } | { kind: "destructive" } | { kind: "inplace"; alloc: Allocation };
export type AllocUpdateFn = (existing: Allocation, job: Job, tg: TaskGroup) => UpdateDecision;

export interface ReconcileInput {
	job: Job | undefined;
	jobID: string;
	isBatch: boolean;
	allocs: readonly Allocation[];
	/** Nodes of the allocations that are down, draining or disconnected; null when gone. */
	tainted: ReadonlyMap<string, Node | null>;
	now: number;
	evalID: string;
	evalPriority: number;
	updateFn: AllocUpdateFn;
	newID: () => string;
}

export interface ReconcileResult {
	place: Placement[];
	destructive: Placement[];
	inplace: Allocation[];
	stop: StopResult[];
	attributeUpdates: Allocation[];
	desired: Record<string, DesiredUpdates>;
	followups: Evaluation[];
	nameIndexes: Map<string, AllocNameIndex>;
	/** Destructive updates held back by update.max_parallel (a rolling follow-up is needed). */
	destructiveDeferred: number;
}

export function emptyDesired(): DesiredUpdates {
	return {
		Ignore: 0,
		Place: 0,
		Migrate: 0,
		Stop: 0,
		InPlaceUpdate: 0,
		DestructiveUpdate: 0,
		Canary: 0,
		Preemptions: 0,
		Disconnect: 0,
		Reconnect: 0,
		RescheduleNow: 0,
		RescheduleLater: 0,
	};
}

const byName = (a: Allocation, b: Allocation): number => allocIndex(a) - allocIndex(b);

interface Classified {
	untainted: Allocation[];
	migrate: Allocation[];
	lost: Allocation[];
	ignore: Allocation[];
}

/** classifyAllocs, without the disconnect/reconnect windows (disconnected nodes lose their allocs). */
export function classify(allocs: Iterable<Allocation>, tainted: ReadonlyMap<string, Node | null>): Classified {
	const out: Classified = { untainted: [], migrate: [], lost: [], ignore: [] };
	for (const a of allocs) {
		const isTainted = tainted.has(a.NodeID);
		const node = tainted.get(a.NodeID);
		if (serverTerminal(a) && disableMigrationPlacement(a)) out.untainted.push(a);
		else if (terminal(a) && serverTerminal(a)) out.ignore.push(a);
		else if (terminal(a)) out.untainted.push(a);
		else if (node && node.Status === "disconnected") out.lost.push(a);
		else if (shouldMigrate(a)) out.migrate.push(a);
		else if (!isTainted || node?.Status === "ready") out.untainted.push(a);
		else if (!node) out.lost.push(a);
		else if (node.Status === "down") out.lost.push(a);
		else out.untainted.push(a);
	}
	return out;
}

function stopAll(allocs: readonly Allocation[], tainted: ReadonlyMap<string, Node | null>): StopResult[] {
	const c = classify(allocs, tainted);
	return [
		...c.untainted.map((alloc) => ({ alloc, clientStatus: "", desc: STATUS_NOT_NEEDED })),
		...c.migrate.map((alloc) => ({ alloc, clientStatus: "", desc: STATUS_NOT_NEEDED })),
		...c.lost.map((alloc) => ({ alloc, clientStatus: "lost", desc: STATUS_LOST })),
	];
}

export class Reconciler {
	private readonly in: ReconcileInput;
	private readonly r: ReconcileResult = {
		place: [],
		destructive: [],
		inplace: [],
		stop: [],
		attributeUpdates: [],
		desired: {},
		followups: [],
		nameIndexes: new Map(),
		destructiveDeferred: 0,
	};

	constructor(input: ReconcileInput) {
		this.in = input;
	}

	compute(): ReconcileResult {
		const { job, allocs } = this.in;
		const groups = new Map<string, Allocation[]>();
		for (const tg of job?.TaskGroups ?? []) groups.set(tg.Name, []);
		for (const a of allocs) {
			let l = groups.get(a.TaskGroup);
			if (!l) {
				l = [];
				groups.set(a.TaskGroup, l);
			}
			l.push(a);
		}
		if (jobStopped(job)) {
			for (const [group, list] of groups) {
				const live = list.filter((a) => !terminal(a));
				this.r.stop.push(...stopAll(live, this.in.tainted));
				this.r.desired[group] = { ...emptyDesired(), Stop: live.length };
			}
			return this.r;
		}
		for (const [group, list] of groups) this.computeGroup(group, list);
		return this.r;
	}

	private computeGroup(group: string, list: Allocation[]): void {
		const { job, isBatch, tainted, now, evalID } = this.in;
		const d = emptyDesired();
		this.r.desired[group] = d;
		const tg = (job as Job).TaskGroups.find((t) => t.Name === group);
		// filterServerTerminalAllocs: batch allocations stay (completed ones must not be replaced).
		let all = list.filter((a) => !serverTerminal(a) || (allocJob(a, job)?.Type === "batch" && !shouldReschedule(a)));
		if (!tg || tg.Count === 0) {
			d.Stop = all.length;
			this.r.stop.push(...stopAll(all, tainted));
			return;
		}
		if (isBatch) {
			// filterOldTerminalAllocs: terminal batch allocations of older job versions are ignored.
			const keep: Allocation[] = [];
			for (const a of all) {
				const aj = allocJob(a, job) as Job;
				const older = aj.Version < (job as Job).Version || aj.CreateIndex < (job as Job).CreateIndex;
				if (older && terminal(a)) d.Ignore++;
				else keep.push(a);
			}
			all = keep;
		}
		const c = classify(all, tainted);
		d.Ignore += c.ignore.length;
		const rs = filterByRescheduleable(c.untainted, isBatch, now, evalID, job);
		let untainted = rs.untainted;
		const mig = filterByRescheduleable(c.migrate, isBatch, now, evalID, job);
		const rescheduleNow = [...rs.now, ...mig.now];
		const rescheduleLater = [...rs.later, ...mig.later];
		let migrate = c.migrate;
		const lost = c.lost;
		if (rescheduleLater.length > 0) this.rescheduleLater(rescheduleLater, migrate, tg, d);

		const nameIndex = new AllocNameIndex(this.in.jobID, group, tg.Count, [
			...new Map([...untainted, ...migrate, ...rescheduleNow, ...lost].map((a) => [a.ID, a])).values(),
		]);
		this.r.nameIndexes.set(group, nameIndex);

		// computeStop: lost allocations stop; surplus ones (highest indexes first) stop.
		const stopped = new Set<string>();
		for (const a of lost) {
			this.r.stop.push({ alloc: a, clientStatus: "lost", desc: STATUS_LOST });
			stopped.add(a.ID);
		}
		let remove = untainted.filter((a) => a.ClientStatus !== "unknown").length + migrate.length - tg.Count;
		if (remove > 0) {
			const working = untainted.filter((a) => !serverTerminal(a));
			const stopOne = (a: Allocation): void => {
				this.r.stop.push({ alloc: a, clientStatus: "", desc: STATUS_NOT_NEEDED });
				stopped.add(a.ID);
				remove--;
			};
			if (migrate.length > 0) {
				const names = new AllocNameIndex(this.in.jobID, group, tg.Count, migrate).highest(remove);
				const keep: Allocation[] = [];
				for (const a of migrate) {
					if (remove > 0 && names.has(a.Name)) {
						stopOne(a);
						nameIndex.unsetIndex(allocIndex(a));
					} else keep.push(a);
				}
				migrate = keep;
			}
			if (remove > 0) {
				const names = nameIndex.highest(remove);
				for (const a of working) if (remove > 0 && !stopped.has(a.ID) && names.has(a.Name)) stopOne(a);
			}
			for (const a of working) if (remove > 0 && !stopped.has(a.ID)) stopOne(a);
		}
		d.Stop += stopped.size;
		untainted = untainted.filter((a) => !stopped.has(a.ID));

		// computeUpdates
		const destructive: Allocation[] = [];
		for (const a of untainted) {
			const dec = this.in.updateFn(a, job as Job, tg);
			if (dec.kind === "ignore") d.Ignore++;
			else if (dec.kind === "destructive") destructive.push(a);
			else {
				this.r.inplace.push(dec.alloc);
				d.InPlaceUpdate++;
			}
		}

		// computeUnderProvisionedBy (no deployment): max_parallel limits destructive changes.
		const upd = tg.Update;
		let under = !upd || upd.MaxParallel === 0 || destructive.length + migrate.length === 0 ? tg.Count : upd.MaxParallel;

		// computePlacements: reschedules, replacements for lost allocs up to count, then new names.
		const place: Placement[] = [];
		for (const a of rescheduleNow) place.push({ name: a.Name, tg, previous: a, reschedule: true, lost: false });
		let existing = untainted.length + migrate.length + rescheduleNow.length;
		for (const a of lost) {
			if (existing >= tg.Count) break;
			existing++;
			place.push({ name: a.Name, tg, previous: a, reschedule: false, lost: true });
		}
		if (existing < tg.Count) {
			for (const name of nameIndex.next(tg.Count - existing)) place.push({ name, tg, reschedule: false, lost: false });
		}

		// placeAllocs: failed allocations being replaced now are stopped.
		const migrating = new Set(migrate.map((a) => a.ID));
		const failed = rescheduleNow.filter((a) => !migrating.has(a.ID) && a.ClientStatus !== "unknown");
		const groupPlace: Placement[] = [...place];
		d.Place += place.length;
		for (const a of failed) this.r.stop.push({ alloc: a, clientStatus: "", desc: STATUS_RESCHEDULED });
		d.Stop += failed.length;
		under -= Math.min(place.length, under);

		// computeDestructiveUpdates, lowest indexes first.
		const n = Math.min(destructive.length, under);
		d.DestructiveUpdate += n;
		d.Ignore += destructive.length - n;
		this.r.destructiveDeferred += destructive.length - n;
		for (const a of [...destructive].sort(byName).slice(0, n)) {
			this.r.destructive.push({
				name: a.Name,
				tg,
				previous: a,
				reschedule: false,
				lost: false,
				stopPrevious: STATUS_UPDATING,
			});
		}

		// computeMigrations
		d.Migrate += migrate.length;
		for (const a of [...migrate].sort(byName)) {
			this.r.stop.push({ alloc: a, clientStatus: "", desc: STATUS_MIGRATING });
			if (allocJob(a, job)?.Type === "batch" && (shouldReschedule(a) || disableMigrationPlacement(a))) continue;
			groupPlace.push({ name: a.Name, tg, previous: a, reschedule: false, lost: false });
		}
		if (groupPlace.length > tg.Count) {
			groupPlace.length = tg.Count;
			d.Place = tg.Count;
		}
		this.r.place.push(...groupPlace);
	}

	/** createRescheduleLaterEvals: batched follow-up evals; the allocs get their FollowupEvalID. */
	private rescheduleLater(later: DelayedReschedule[], migrate: Allocation[], _tg: TaskGroup, d: DesiredUpdates): void {
		const job = this.in.job as Job;
		const sorted = [...later].sort((a, b) => a.time - b.time);
		const mk = (trigger: string, waitUntil: number, desc?: string): Evaluation => {
			const ev: Evaluation = {
				ID: this.in.newID(),
				Namespace: job.Namespace,
				Priority: this.in.evalPriority,
				Type: job.Type,
				TriggeredBy: trigger,
				JobID: job.ID,
				JobModifyIndex: job.ModifyIndex,
				Status: "pending",
				WaitUntil: formatRFC3339Nano(waitUntil),
				CreateIndex: 0,
				ModifyIndex: 0,
				CreateTime: this.in.now,
				ModifyTime: this.in.now,
			};
			if (desc) ev.StatusDescription = desc;
			this.r.followups.push(ev);
			return ev;
		};
		let batchStart = sorted[0].time;
		let ev = mk("alloc-reschedule", batchStart, DESC_RESCHEDULE_FOLLOWUP);
		const migrating = new Map(migrate.map((a) => [a.ID, a]));
		for (const l of sorted) {
			if (l.time - batchStart >= BATCHED_FAILED_ALLOC_WINDOW) {
				batchStart = l.time;
				ev = mk("alloc-failure", batchStart);
			}
			const m = migrating.get(l.alloc.ID);
			if (m) {
				const updated = { ...m, FollowupEvalID: ev.ID };
				migrate[migrate.indexOf(m)] = updated;
			} else {
				// The plan applier rejects updates on down or missing nodes (isValidForDownNode), so those
				// allocations are left unannotated: the follow-up eval finds them due by time anyway.
				const t = this.in.tainted;
				if (!t.has(l.alloc.NodeID) || t.get(l.alloc.NodeID)?.Status === "ready") {
					this.r.attributeUpdates.push({ ...l.alloc, FollowupEvalID: ev.ID });
				}
			}
		}
		d.RescheduleLater = later.length;
	}
}

export function reconcile(input: ReconcileInput): ReconcileResult {
	return new Reconciler(input).compute();
}

/** Nodes of these allocations that are down, draining or disconnected (null when gone). */
export function taintedNodes(
	allocs: readonly Allocation[],
	node: (id: string) => Node | undefined,
): Map<string, Node | null> {
	const out = new Map<string, Node | null>();
	const seen = new Set<string>();
	for (const a of allocs) {
		if (seen.has(a.NodeID)) continue;
		seen.add(a.NodeID);
		const n = node(a.NodeID);
		if (!n) out.set(a.NodeID, null);
		else if (n.Status === "down" || n.DrainStrategy || n.Status === "disconnected") out.set(a.NodeID, n);
	}
	return out;
}
