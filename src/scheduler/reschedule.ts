// Rescheduling of failed allocations (structs.Allocation NextRescheduleTime / NextDelay /
// RescheduleTracker and reconciler filterByRescheduleable / shouldFilter / updateByReschedulable).
import type { Allocation, Job, RescheduleEvent, ReschedulePolicy } from "../api/types/index.ts";
import { clientTerminal, lookupTaskGroup, parseRFC3339, terminal } from "./util.ts";

/** Allowed reschedule window around `now` (rescheduleWindowSize). */
export const RESCHEDULE_WINDOW = 1_000_000_000;
/** Events kept for unlimited policies (maxPastRescheduleEvents). */
const MAX_PAST_RESCHEDULE_EVENTS = 5;

export const LAST_RESCHEDULE_OK = "ok";
export const LAST_RESCHEDULE_FAILED = "no placement";

/** The wire RescheduleTracker plus Nomad's LastReschedule annotation. */
export interface Tracker {
	Events: RescheduleEvent[] | null;
	LastReschedule?: string;
}

export function tracker(a: Allocation): Tracker | null | undefined {
	return a.RescheduleTracker as Tracker | null | undefined;
}

/** The job version an allocation runs: its own copy, or the current one when not denormalised. */
export function allocJob(a: Allocation, current: Job | undefined): Job | undefined {
	return a.Job ?? current;
}

export function shouldMigrate(a: Allocation): boolean {
	return a.DesiredTransition?.Migrate === true;
}

export function shouldReschedule(a: Allocation): boolean {
	return a.DesiredTransition?.Reschedule === true;
}

export function shouldForceReschedule(a: Allocation): boolean {
	return a.DesiredTransition?.ForceReschedule === true;
}

export function disableMigrationPlacement(a: Allocation): boolean {
	return (
		(a.DesiredTransition as { MigrateDisablePlacement?: boolean | null } | undefined)?.MigrateDisablePlacement === true
	);
}

export function lastRescheduleFailed(a: Allocation): boolean {
	const t = tracker(a);
	return !!t?.LastReschedule && t.LastReschedule !== LAST_RESCHEDULE_OK;
}

/** Every task finished dead without failing. */
export function ranSuccessfully(a: Allocation): boolean {
	const states = Object.values(a.TaskStates ?? {});
	if (states.length === 0) return false;
	return states.every((s) => s.State === "dead" && !s.Failed);
}

/** Latest task FinishedAt, else the allocation's ModifyTime (UnixNano). */
export function lastEventTime(a: Allocation): number {
	let last: number | undefined;
	for (const s of Object.values(a.TaskStates ?? {})) {
		const t = parseRFC3339(s.FinishedAt);
		if (t !== undefined && (last === undefined || t > last)) last = t;
	}
	return last ?? a.ModifyTime;
}

export function reschedulePolicy(a: Allocation, current: Job | undefined): ReschedulePolicy | null {
	return lookupTaskGroup(allocJob(a, current), a.TaskGroup)?.ReschedulePolicy ?? null;
}

/** rescheduleInfo: reschedule attempts within the policy interval before failTime. */
function attemptsInInterval(t: Tracker | null | undefined, p: ReschedulePolicy, failTime: number): number {
	if (!t || p.Attempts <= 0) return 0;
	let n = 0;
	for (const e of t.Events ?? []) if (failTime - e.RescheduleTime < p.Interval) n++;
	return n;
}

/** NextDelay: the delay function applied to the previous reschedule events. */
export function nextDelay(a: Allocation, current: Job | undefined): number {
	const p = reschedulePolicy(a, current);
	if (!p) return 0;
	let delay = p.Delay;
	const events = tracker(a)?.Events ?? [];
	if (events.length === 0) return delay;
	switch (p.DelayFunction) {
		case "exponential":
			delay = events[events.length - 1].Delay * 2;
			break;
		case "fibonacci":
			if (events.length >= 2) {
				const n1 = events[events.length - 1].Delay;
				const n2 = events[events.length - 2].Delay;
				delay = n2 === p.MaxDelay && n1 === p.Delay ? n1 : n1 + n2;
			}
			break;
		default:
			return delay;
	}
	if (p.MaxDelay > 0 && delay > p.MaxDelay) {
		delay = p.MaxDelay;
		const last = events[events.length - 1];
		if (lastEventTime(a) - last.RescheduleTime > delay) delay = p.Delay;
	}
	return delay;
}

function nextRescheduleTimeAt(a: Allocation, failTime: number, p: ReschedulePolicy, current: Job | undefined) {
	const delay = nextDelay(a, current);
	const time = failTime + delay;
	const t = tracker(a);
	let eligible = p.Unlimited || (p.Attempts > 0 && !t);
	if (p.Attempts > 0 && t?.Events) {
		eligible = attemptsInInterval(t, p, failTime) < p.Attempts && delay < p.Interval;
	}
	return { time, eligible };
}

/** NextRescheduleTime: when the failed allocation may be replaced, and whether it may at all. */
export function nextRescheduleTime(a: Allocation, current: Job | undefined): { time: number; eligible: boolean } {
	const failTime = lastEventTime(a);
	const p = reschedulePolicy(a, current);
	const job = allocJob(a, current);
	const rescheduledBatch = job?.Type === "batch" && shouldReschedule(a);
	if (!p || (p.Attempts === 0 && !p.Unlimited)) return { time: 0, eligible: false };
	if (
		(a.DesiredStatus === "stop" && !lastRescheduleFailed(a)) ||
		(!rescheduledBatch && a.ClientStatus !== "failed" && a.ClientStatus !== "lost") ||
		!failTime
	) {
		return { time: 0, eligible: false };
	}
	return nextRescheduleTimeAt(a, failTime, p, current);
}

/**
 * shouldFilter: [untainted, ignore]. Batch: completed successfully → untainted (never replaced);
 * stopped/evicted → ignored. Service: stopped, complete or lost → ignored.
 */
export function shouldFilter(a: Allocation, isBatch: boolean): [boolean, boolean] {
	if (isBatch) {
		if (disableMigrationPlacement(a)) return [true, false];
		if (shouldReschedule(a)) return [false, false];
		if (a.DesiredStatus === "stop") {
			if (ranSuccessfully(a)) return [true, false];
			if (lastRescheduleFailed(a)) return [false, false];
			return [false, true];
		}
		if (a.DesiredStatus === "evict") return [false, true];
		if (a.ClientStatus === "failed") return [false, false];
		return [true, false];
	}
	if (a.DesiredStatus === "stop" || a.DesiredStatus === "evict") {
		return lastRescheduleFailed(a) ? [false, false] : [false, true];
	}
	if (a.ClientStatus === "complete" || a.ClientStatus === "lost") return [false, true];
	return [false, false];
}

export interface DelayedReschedule {
	alloc: Allocation;
	time: number;
}

/**
 * filterByRescheduleable: splits allocations into untainted, reschedule-now and reschedule-later
 * (with the time each becomes eligible). Allocations of an active deployment are not handled here
 * (deployments are not modelled).
 */
export function filterByRescheduleable(
	allocs: Iterable<Allocation>,
	isBatch: boolean,
	now: number,
	evalID: string,
	current: Job | undefined,
): { untainted: Allocation[]; now: Allocation[]; later: DelayedReschedule[] } {
	const untainted: Allocation[] = [];
	const nowList: Allocation[] = [];
	const later: DelayedReschedule[] = [];
	for (const a of allocs) {
		if (a.NextAllocation && terminal(a)) continue;
		const [isUntainted, ignore] = shouldFilter(a, isBatch);
		if (isUntainted) {
			untainted.push(a);
			continue;
		}
		if (ignore) continue;
		let rescheduleNow = shouldForceReschedule(a) && clientTerminal(a);
		const { time, eligible } = nextRescheduleTime(a, current);
		let rescheduleLater = false;
		if (!rescheduleNow) {
			if (eligible && (a.FollowupEvalID === evalID || time - now <= RESCHEDULE_WINDOW)) rescheduleNow = true;
			else if (eligible && !a.FollowupEvalID) rescheduleLater = true;
		}
		if (rescheduleNow) {
			nowList.push(a);
			continue;
		}
		untainted.push(a);
		if (rescheduleLater) later.push({ alloc: a, time });
	}
	return { untainted, now: nowList, later };
}

/**
 * UpdateRescheduleTracker: carries the previous allocation's reschedule events (those within the
 * policy interval, or the last five for unlimited policies) onto the replacement, plus this one.
 */
export function rescheduleTrackerFor(prev: Allocation, now: number, current: Job | undefined): Tracker {
	const p = reschedulePolicy(prev, current);
	const events: RescheduleEvent[] = [];
	const old = tracker(prev)?.Events ?? [];
	if (old.length > 0) {
		if ((p?.Attempts ?? 0) > 0) {
			const interval = p?.Interval ?? 0;
			for (const e of old) if (interval > 0 && now - e.RescheduleTime <= interval) events.push({ ...e });
		} else {
			for (const e of old.slice(Math.max(0, old.length - MAX_PAST_RESCHEDULE_EVENTS))) events.push({ ...e });
		}
	}
	events.push({ RescheduleTime: now, PrevAllocID: prev.ID, PrevNodeID: prev.NodeID, Delay: nextDelay(prev, current) });
	return { Events: events, LastReschedule: LAST_RESCHEDULE_OK };
}

/** A copy of the allocation with its tracker annotated (annotateRescheduleTracker). */
export function annotateTracker(a: Allocation, note: string): Allocation {
	const t = tracker(a);
	const next: Tracker = { Events: t?.Events ?? null, LastReschedule: note };
	return { ...a, RescheduleTracker: next as Allocation["RescheduleTracker"] };
}
