// Validation of the policy and placement pieces of a job (nomad/structs/structs.go): constraints,
// affinities, spreads, restart/reschedule/update/migrate policies, periodic and parameterized
// configuration, disconnect strategy and scaling policy. Each returns Nomad's messages ([] = valid).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import type {
	Affinity,
	Constraint,
	MigrateStrategy,
	ParameterizedJobConfig,
	PeriodicConfig,
	ReschedulePolicy,
	RestartPolicy,
	Spread,
	UpdateStrategy,
} from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import { cronError } from "./cron.ts";
import { goDur, goList, goQuote, goQuoteList } from "./goText.ts";
import type { DisconnectStrategy, ScalingPolicy } from "./types.ts";

const VERSION_RE =
	/v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))??/
		.source;
const SEMVER_RE =
	/v?([0-9]+(\.[0-9]+){0,2})(-([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))??/
		.source;
const VERSION_CONSTRAINT = new RegExp(`^\\s*(=|!=|>|<|>=|<=|~>|)\\s*(${VERSION_RE})\\s*$`);
const SEMVER_CONSTRAINT = new RegExp(`^\\s*(=|!=|>|<|>=|<=|)\\s*(${SEMVER_RE})\\s*$`);

/** go-version / Nomad semver NewConstraint: "Malformed constraint: <part>" for the first bad part. */
function versionConstraintError(s: string, re: RegExp): string | undefined {
	for (const part of s.split(",")) if (!re.test(part)) return `Malformed constraint: ${part}`;
	return undefined;
}

/** regexp.Compile, approximated with the JavaScript engine (RE2 accepts a subset of its syntax). */
function regexpError(s: string): string | undefined {
	try {
		new RegExp(s, "u");
		return undefined;
	} catch (err) {
		return `error parsing regexp: ${(err as Error).message}`;
	}
}

const EXACT_TARGETS = [
	"${node.unique.id}",
	"${node.datacenter}",
	"${node.unique.name}",
	"${node.class}",
	"${node.pool}",
];
const PREFIX_TARGETS = ["${attr.", "${device.", "${meta."];

function attributeError(target: string): string | undefined {
	if (!target.startsWith("$")) return undefined;
	if (!target.startsWith("${")) return `attribute ${goQuote(target)} is missing an opening brace`;
	if (!target.endsWith("}")) return `attribute ${goQuote(target)} is missing a closing brace`;
	if (EXACT_TARGETS.includes(target) || PREFIX_TARGETS.some((p) => target.startsWith(p))) return undefined;
	return `unsupported attribute ${goQuote(target)}`;
}

const COMPARE = ["=", "==", "is", "!=", "not", "<", "<=", ">", ">="];
const SET_OPS = ["set_contains_all", "set_contains_any", "set_contains"];

export function constraintErrors(c: Constraint): string[] {
	const errs: string[] = [];
	if (c.Operand === "") errs.push("Missing constraint operand");
	let requireLTarget = true;
	const op = c.Operand;
	if (op === "distinct_hosts") requireLTarget = false;
	else if (SET_OPS.includes(op)) {
		if (c.RTarget === "") errs.push("Set contains constraint requires an RTarget");
	} else if (op === "regexp") {
		const e = regexpError(c.RTarget);
		if (e) errs.push(`Regular expression failed to compile: ${e}`);
	} else if (op === "version") {
		const e = versionConstraintError(c.RTarget, VERSION_CONSTRAINT);
		if (e) errs.push(`Version constraint is invalid: ${e}`);
	} else if (op === "semver") {
		const e = versionConstraintError(c.RTarget, SEMVER_CONSTRAINT);
		if (e) errs.push(`Semver constraint is invalid: ${e}`);
	} else if (op === "distinct_property") {
		if (c.RTarget !== "") {
			if (!/^\d+$/.test(c.RTarget) || BigInt(c.RTarget) > 2n ** 64n - 1n) {
				const why = /^\d+$/.test(c.RTarget) ? "value out of range" : "invalid syntax";
				errs.push(
					`Failed to convert RTarget ${goQuote(c.RTarget)} to uint64: strconv.ParseUint: parsing ${goQuote(c.RTarget)}: ${why}`,
				);
			} else if (BigInt(c.RTarget) < 1n) {
				errs.push(`Distinct Property must have an allowed count of 1 or greater: ${BigInt(c.RTarget)} < 1`);
			}
		}
	} else if (op === "is_set" || op === "is_not_set") {
		if (c.RTarget !== "") errs.push(`Operator ${goQuote(op)} does not support an RTarget`);
	} else if (COMPARE.includes(op)) {
		if (c.RTarget === "") errs.push(`Operator ${goQuote(op)} requires an RTarget`);
	} else errs.push(`Unknown constraint type ${goQuote(op)}`);
	if (requireLTarget) {
		if (c.LTarget === "") errs.push("no attribute provided but is required by operator");
		else {
			const e = attributeError(c.LTarget);
			if (e) errs.push(e);
		}
	}
	return errs;
}

export function affinityErrors(a: Affinity): string[] {
	const errs: string[] = [];
	if (a.Operand === "") errs.push("Missing affinity operand");
	const op = a.Operand;
	if (SET_OPS.includes(op)) {
		if (a.RTarget === "") errs.push("Set contains operators require an RTarget");
	} else if (op === "regexp") {
		const e = regexpError(a.RTarget);
		if (e) errs.push(`Regular expression failed to compile: ${e}`);
	} else if (op === "version") {
		const e = versionConstraintError(a.RTarget, VERSION_CONSTRAINT);
		if (e) errs.push(`Version affinity is invalid: ${e}`);
	} else if (op === "semver") {
		const e = versionConstraintError(a.RTarget, SEMVER_CONSTRAINT);
		if (e) errs.push(`Semver affinity is invalid: ${e}`);
	} else if (COMPARE.includes(op)) {
		if (a.RTarget === "") errs.push(`Operator ${goQuote(op)} requires an RTarget`);
	} else errs.push(`Unknown affinity operator ${goQuote(op)}`);
	if (a.LTarget === "") errs.push("No LTarget provided but is required");
	if (a.Weight === 0) errs.push("Affinity weight cannot be zero");
	if (a.Weight > 100 || a.Weight < -100) errs.push("Affinity weight must be within the range [-100,100]");
	return errs;
}

export function spreadErrors(s: Spread): string[] {
	const errs: string[] = [];
	if (s.Attribute === "") errs.push("Missing spread attribute");
	if (s.Weight <= 0 || s.Weight > 100) errs.push("Spread block must have a positive weight from 0 to 100");
	const seen = new Set<string>();
	let sum = 0;
	for (const t of s.SpreadTarget ?? []) {
		if (seen.has(t.Value)) errs.push(`Spread target value ${goQuote(t.Value)} already defined`);
		else seen.add(t.Value);
		if (t.Percent > 100) errs.push(`Spread target percentage for value ${goQuote(t.Value)} must be between 0 and 100`);
		sum += t.Percent;
	}
	if (sum > 100) errs.push(`Sum of spread target percentages must not be greater than 100%; got ${sum}%`);
	return errs;
}

export function restartErrors(r: RestartPolicy): string[] {
	const errs: string[] = [];
	if (r.Mode !== "delay" && r.Mode !== "fail") errs.push(`Unsupported restart mode: ${goQuote(r.Mode)}`);
	if (r.Attempts === 0 && r.Mode !== "fail") {
		errs.push(`Restart policy ${goQuote(r.Mode)} with ${r.Attempts} attempts is ambiguous`);
	}
	if (r.Interval < 5 * SECOND) errs.push(`Interval can not be less than 5s (got ${goDur(r.Interval)})`);
	if (r.Attempts * r.Delay > r.Interval) {
		errs.push(
			`Nomad can't restart the TaskGroup ${r.Attempts} times in an interval of ${goDur(r.Interval)} with a delay of ${goDur(r.Delay)}`,
		);
	}
	return errs;
}

const DELAY_FUNCTIONS = ["constant", "exponential", "fibonacci"];

/** ReschedulePolicy.viableAttempts: whether `Attempts` fit in `Interval`, and what would. */
function viableAttempts(r: ReschedulePolicy): [boolean, number, number] {
	let possible = 0;
	let recommended = 0;
	let valid = true;
	if (r.DelayFunction === "constant") {
		recommended = r.Attempts * r.Delay;
		if (r.Interval < recommended) {
			possible = Math.trunc(r.Interval / r.Delay);
			valid = false;
		}
	} else if (r.DelayFunction === "exponential") {
		for (let i = 0; i < r.Attempts; i++) {
			let next = 2 ** i * r.Delay;
			if (next > r.MaxDelay) {
				next = r.MaxDelay;
				recommended += next;
			} else recommended = next;
			if (recommended < r.Interval) possible++;
		}
		if (possible < r.Attempts) valid = false;
	} else {
		const slots = [r.Delay, r.Delay];
		let ceiling = false;
		for (let i = 2; i < r.Attempts; i++) {
			let next: number;
			if (ceiling) next = slots[i - 1] + r.MaxDelay;
			else {
				next = slots[i - 1] + slots[i - 2];
				if (next > r.MaxDelay) {
					next = r.MaxDelay;
					ceiling = true;
				}
			}
			slots.push(next);
		}
		recommended = slots[slots.length - 1];
		if (r.Interval < recommended) {
			valid = false;
			const idx = slots.findIndex((s) => s > r.Interval);
			if (idx >= 0) possible = idx;
		}
	}
	return [valid, Math.max(0, possible), recommended];
}

export function rescheduleErrors(r: ReschedulePolicy): string[] {
	if (!(r.Attempts > 0 || r.Unlimited)) return [];
	const errs: string[] = [];
	if (r.Attempts > 0) {
		if (r.Interval <= 0) errs.push("Interval must be a non zero value if Attempts > 0");
		if (r.Unlimited) {
			errs.push(
				`Reschedule Policy with Attempts = ${r.Attempts}, Interval = ${goDur(r.Interval)}, and Unlimited = ${r.Unlimited} is ambiguous`,
			);
			errs.push("If Attempts >0, Unlimited cannot also be set to true");
		}
	}
	let delayOK = true;
	if (r.Delay < 5 * SECOND) {
		errs.push(`Delay cannot be less than 5s (got ${goDur(r.Delay)})`);
		delayOK = false;
	}
	if (!DELAY_FUNCTIONS.includes(r.DelayFunction)) {
		errs.push(`Invalid delay function ${goQuote(r.DelayFunction)}, must be one of ${goQuoteList(DELAY_FUNCTIONS)}`);
		delayOK = false;
	}
	if (r.DelayFunction !== "constant") {
		if (r.MaxDelay < 5 * SECOND) {
			// Nomad reports the delay here, not the max delay.
			errs.push(`Max Delay cannot be less than 5s (got ${goDur(r.Delay)})`);
			delayOK = false;
		}
		if (r.MaxDelay < r.Delay) {
			errs.push(`Max Delay cannot be less than Delay ${goDur(r.Delay)} (got ${goDur(r.MaxDelay)})`);
			delayOK = false;
		}
	}
	if (!r.Unlimited) {
		if (r.Interval < 15 * SECOND) errs.push(`Interval cannot be less than 15s (got ${goDur(r.Interval)})`);
		if (!delayOK) return errs;
		const [ok, possible, recommended] = viableAttempts(r);
		if (!ok) {
			const i = goDur(r.Interval);
			const d = goDur(r.Delay);
			errs.push(
				r.DelayFunction === "constant"
					? `Nomad can only make ${possible} attempts in ${i} with initial delay ${d} and delay function "constant"`
					: `Nomad can only make ${possible} attempts in ${i} with initial delay ${d}, delay function ${goQuote(r.DelayFunction)}, and delay ceiling ${goDur(r.MaxDelay)}`,
			);
			errs.push(
				`Set the interval to at least ${goDur(Math.round(recommended / SECOND) * SECOND)} to accommodate ${r.Attempts} attempts`,
			);
		}
	}
	return errs;
}

export function updateErrors(u: UpdateStrategy): string[] {
	const errs: string[] = [];
	if (!["checks", "task_states", "manual"].includes(u.HealthCheck)) {
		errs.push(`Invalid health check given: ${goQuote(u.HealthCheck)}`);
	}
	if (u.MaxParallel < 0) errs.push(`Max parallel can not be less than zero: ${u.MaxParallel} < 0`);
	if (u.Canary < 0) errs.push(`Canary count can not be less than zero: ${u.Canary} < 0`);
	if (u.Canary === 0 && u.AutoPromote) errs.push("Auto Promote requires a Canary count greater than zero");
	if (u.MinHealthyTime < 0) errs.push(`Minimum healthy time may not be less than zero: ${goDur(u.MinHealthyTime)}`);
	if (u.HealthyDeadline <= 0) errs.push(`Healthy deadline must be greater than zero: ${goDur(u.HealthyDeadline)}`);
	if (u.ProgressDeadline < 0) errs.push(`Progress deadline must be zero or greater: ${goDur(u.ProgressDeadline)}`);
	if (u.MinHealthyTime >= u.HealthyDeadline) {
		errs.push(
			`Minimum healthy time must be less than healthy deadline: ${goDur(u.MinHealthyTime)} > ${goDur(u.HealthyDeadline)}`,
		);
	}
	if (u.ProgressDeadline !== 0 && u.HealthyDeadline >= u.ProgressDeadline) {
		errs.push(
			`Healthy deadline must be less than progress deadline: ${goDur(u.HealthyDeadline)} > ${goDur(u.ProgressDeadline)}`,
		);
	}
	if (u.Stagger <= 0) errs.push(`Stagger must be greater than zero: ${goDur(u.Stagger)}`);
	return errs;
}

export function migrateErrors(m: MigrateStrategy): string[] {
	const errs: string[] = [];
	if (m.MaxParallel < 0) errs.push(`MaxParallel must be >= 0 but found ${m.MaxParallel}`);
	if (m.HealthCheck === "") {
		if (m.MaxParallel > 0) errs.push("Missing HealthCheck");
	} else if (m.HealthCheck !== "checks" && m.HealthCheck !== "task_states") {
		errs.push(`Invalid HealthCheck: ${goQuote(m.HealthCheck)}`);
	}
	if (m.MinHealthyTime < 0) errs.push(`MinHealthyTime is ${goDur(m.MinHealthyTime)} and must be >= 0`);
	if (m.HealthyDeadline < 0) errs.push(`HealthyDeadline is ${goDur(m.HealthyDeadline)} and must be >= 0`);
	if (m.MinHealthyTime > m.HealthyDeadline) errs.push("MinHealthyTime must be less than HealthyDeadline");
	return errs;
}

function timeZoneError(tz: string): string | undefined {
	if (tz === "" || tz === "UTC" || tz === "Local") return undefined;
	try {
		new Intl.DateTimeFormat("en-US", { timeZone: tz });
		return undefined;
	} catch {
		return `unknown time zone ${tz}`;
	}
}

export function periodicErrors(p: PeriodicConfig): string[] {
	if (!p.Enabled) return [];
	const errs: string[] = [];
	const specs = p.Specs ?? [];
	if (p.Spec !== "" && specs.length !== 0) errs.push("Only cron or crons may be used");
	if (p.Spec === "" && specs.length === 0) errs.push("Must specify a spec");
	if (p.TimeZone !== "") {
		const e = timeZoneError(p.TimeZone);
		if (e) errs.push(`Invalid time zone ${goQuote(p.TimeZone)}: ${e}`);
	}
	if (p.SpecType === "cron") {
		for (const spec of p.Spec !== "" ? [p.Spec, ...specs] : specs) {
			const e = cronError(spec);
			if (e) errs.push(`Invalid cron spec ${goQuote(spec)}: ${e}`);
		}
	} else if ((p.SpecType as string) !== "test") {
		errs.push(`Unknown periodic specification type ${goQuote(p.SpecType)}`);
	}
	return errs;
}

export function parameterizedErrors(d: ParameterizedJobConfig): string[] {
	const errs: string[] = [];
	if (!["optional", "required", "forbidden"].includes(d.Payload)) {
		errs.push(`Unknown payload requirement: ${goQuote(d.Payload)}`);
	}
	const optional = new Set(d.MetaOptional ?? []);
	const both = [...new Set((d.MetaRequired ?? []).filter((k) => optional.has(k)))];
	if (both.length > 0) {
		errs.push(`Required and optional meta keys should be disjoint. Following keys exist in both: ${goList(both)}`);
	}
	return errs;
}

export function disconnectErrors(d: DisconnectStrategy, jobType: string): string[] {
	const errs: string[] = [];
	if (d.StopOnClientAfter !== null) {
		if (d.StopOnClientAfter < 0) errs.push("stop_after cannot be a negative duration");
		if (jobType !== "service" && jobType !== "batch")
			errs.push("stop_after can only be used with service or batch job types");
	}
	if (d.LostAfter < 0) errs.push("lost_after cannot be a negative duration");
	if (d.StopOnClientAfter !== null && d.LostAfter !== 0) {
		errs.push("Disconnect cannot be configured with both lost_after and stop_after");
	}
	if (!["", "best_score", "longest_running", "keep_original", "keep_replacement"].includes(d.Reconcile)) {
		errs.push(`reconcile option is invalid: ${d.Reconcile}`);
	}
	return errs;
}

export function scalingErrors(p: ScalingPolicy): string[] {
	const errs: string[] = [];
	if (p.Type === "") errs.push("missing scaling policy type");
	else if (p.Type === "horizontal") {
		const t = p.Target ?? {};
		if (Object.keys(t).length > 0) {
			if (!t.Namespace) errs.push("missing target namespace");
			if (!t.Job) errs.push("missing target job");
			if (!t.Group) errs.push("missing target group");
		}
	} else errs.push(`scaling policy type "${p.Type}" is not valid`);
	if (p.Max < 0) errs.push("maximum count must be specified and non-negative");
	else if (p.Max < p.Min) errs.push("maximum count must not be less than minimum count");
	if (p.Min < 0) errs.push("minimum count must be specified and non-negative");
	return errs;
}
