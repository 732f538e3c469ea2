// Feasibility: job/group/task constraints, drivers, networks, and the per-computed-class caching of
// their results (feasible.go FeasibilityWrapper, context.go EvalEligibility).
import type { Constraint, Job, Node, Port, TaskGroup } from "../api/types/index.ts";
import { constraintString, constraintsEscape, meetsConstraint, resolveTarget } from "./constraints.ts";
import { filterNode, type MetricState } from "./metrics.ts";
import type { NodeInfo } from "./resources.ts";

export const UNKNOWN = 0;
export const INELIGIBLE = 1;
export const ELIGIBLE = 2;
export const ESCAPED = 3;

/** Which computed classes the job and each task group are (in)eligible on, for this evaluation. */
export class Eligibility {
	// Indexed by NodeInfo.classId; holes are UNKNOWN.
	private job: number[] = [];
	private jobEscaped = false;
	private groups = new Map<string, number[]>();
	private groupEscaped = new Map<string, boolean>();
	/** classId → Node.ComputedClass, to report classes the way blocked evals track them. */
	private classOf = new Map<number, string>();

	setJob(job: Job): void {
		this.jobEscaped = constraintsEscape(job.Constraints);
		for (const tg of job.TaskGroups) {
			let escaped = constraintsEscape(tg.Constraints);
			for (const t of tg.Tasks) escaped ||= constraintsEscape(t.Constraints);
			this.groupEscaped.set(tg.Name, escaped);
		}
	}

	reset(): void {
		this.job = [];
		this.groups = new Map();
		this.groupEscaped = new Map();
		this.classOf = new Map();
	}

	hasEscaped(): boolean {
		if (this.jobEscaped) return true;
		for (const e of this.groupEscaped.values()) if (e) return true;
		return false;
	}

	/** GetClasses: class → eligible, merging job- and group-level knowledge as Nomad does. */
	getClasses(): Record<string, boolean> {
		const out: Record<string, boolean> = {};
		for (const classes of this.groups.values()) {
			classes.forEach((st, id) => {
				const c = this.classOf.get(id) ?? "";
				if (st === ELIGIBLE) out[c] = true;
				else if (st === INELIGIBLE && !(c in out)) out[c] = false;
			});
		}
		this.job.forEach((st, id) => {
			const c = this.classOf.get(id) ?? "";
			if (st === ELIGIBLE && !(c in out)) out[c] = true;
			else if (st === INELIGIBLE) out[c] = false;
		});
		return out;
	}

	jobStatus(id: number): number {
		if (this.jobEscaped) return ESCAPED;
		return this.job[id] ?? UNKNOWN;
	}

	setJobEligibility(ok: boolean, info: NodeInfo): void {
		this.classOf.set(info.classId, info.computedClass);
		this.job[info.classId] = ok ? ELIGIBLE : INELIGIBLE;
	}

	groupStatus(tg: string, id: number): number {
		if (this.groupEscaped.get(tg)) return ESCAPED;
		return this.groups.get(tg)?.[id] ?? UNKNOWN;
	}

	setGroupEligibility(ok: boolean, tg: string, info: NodeInfo): void {
		this.classOf.set(info.classId, info.computedClass);
		let m = this.groups.get(tg);
		if (!m) {
			m = [];
			this.groups.set(tg, m);
		}
		m[info.classId] = ok ? ELIGIBLE : INELIGIBLE;
	}
}

export interface CompiledConstraints {
	list: readonly Constraint[];
	/** Constraint.String() per entry, precomputed for ConstraintFiltered. */
	keys: readonly string[];
}

export function compileConstraints(cs: readonly Constraint[]): CompiledConstraints {
	const list = cs.filter((c) => c.Operand !== "distinct_hosts" && c.Operand !== "distinct_property");
	return { list, keys: list.map(constraintString) };
}

/** Everything the group-level feasibility checkers need, computed once per task group. */
export interface GroupChecks {
	name: string;
	constraints: CompiledConstraints;
	drivers: readonly string[];
	networkMode: string;
	hostNetworkPorts: readonly Port[];
	needsDevices: boolean;
}

export function compileGroup(tg: TaskGroup): GroupChecks {
	const cs: Constraint[] = [...(tg.Constraints ?? [])];
	const drivers = new Set<string>();
	let needsDevices = false;
	for (const t of tg.Tasks) {
		drivers.add(t.Driver);
		cs.push(...(t.Constraints ?? []));
		if ((t.Resources?.Devices?.length ?? 0) > 0) needsDevices = true;
	}
	const nw = tg.Networks?.[0];
	const ports = nw ? [...(nw.DynamicPorts ?? []), ...(nw.ReservedPorts ?? [])] : [];
	return {
		name: tg.Name,
		constraints: compileConstraints(cs),
		drivers: [...drivers],
		networkMode: nw ? nw.Mode || "host" : "host",
		hostNetworkPorts: ports.filter((p) => p.HostNetwork),
		needsDevices,
	};
}

/** Constraint checker: the first unmet constraint filters the node, keyed by its string. */
export function constraintsFeasible(m: MetricState, node: Node, c: CompiledConstraints): boolean {
	for (let i = 0; i < c.list.length; i++) {
		if (!meetsConstraint(c.list[i], node)) {
			filterNode(m, node, c.keys[i]);
			return false;
		}
	}
	return true;
}

/**
 * DriverChecker: EVERY driver of the group must be usable (CVE-2019-15928: checking only one of a
 * multi-task group's drivers let raw_exec run where it was disabled). A driver is usable when the
 * node reports it detected and healthy, or (older clients) its `driver.<name>` attribute is true.
 */
export function hasDrivers(node: Node, drivers: readonly string[]): boolean {
	for (const d of drivers) {
		const info = node.Drivers?.[d];
		if (info !== undefined) {
			if (!info?.Detected || !info.Healthy) return false;
			continue;
		}
		const v = node.Attributes?.[`driver.${d}`];
		if (v === undefined || !parseGoBool(v)) return false;
	}
	return true;
}

/** strconv.ParseBool; invalid spellings count as false. */
export function parseGoBool(v: string): boolean {
	return v === "1" || v === "t" || v === "T" || v === "true" || v === "TRUE" || v === "True";
}

function networkFeasible(m: MetricState, info: NodeInfo, g: GroupChecks): boolean {
	if (g.networkMode === "none") return true;
	const node = info.node;
	if (!info.networkModes.has(g.networkMode)) {
		filterNode(m, node, "missing network");
		return false;
	}
	for (const p of g.hostNetworkPorts) {
		const hn = resolveTarget(p.HostNetwork ?? "", node);
		if (!hn.found) {
			filterNode(m, node, `invalid host network "${p.HostNetwork}" template for port "${p.Label}"`);
			return false;
		}
		if (!info.hostNetworks.has(hn.value)) {
			filterNode(m, node, `missing host network "${hn.value}" for port "${p.Label}"`);
			return false;
		}
	}
	return true;
}

/** The task-group checkers in Nomad's order: drivers, constraints, devices, network. */
export function groupFeasible(m: MetricState, info: NodeInfo, g: GroupChecks): boolean {
	const node = info.node;
	if (!hasDrivers(node, g.drivers)) {
		filterNode(m, node, "missing drivers");
		return false;
	}
	if (!constraintsFeasible(m, node, g.constraints)) return false;
	if (g.needsDevices && !((node.NodeResources?.Devices?.length ?? 0) > 0)) {
		filterNode(m, node, "missing devices");
		return false;
	}
	return networkFeasible(m, info, g);
}

/**
 * FeasibilityWrapper.Next for one node: job checks then group checks, each skipped when the node's
 * computed class is already known (in)eligible, and recorded per class unless escaped.
 */
export function nodeFeasible(
	m: MetricState,
	elig: Eligibility,
	info: NodeInfo,
	jobConstraints: CompiledConstraints,
	g: GroupChecks,
	key: number = info.classId,
): boolean {
	const js = elig.jobStatus(key);
	if (js === ELIGIBLE) {
		const gs = elig.groupStatus(g.name, key);
		if (gs === ELIGIBLE) return true;
	}
	const node = info.node;
	if (js === INELIGIBLE) {
		filterNode(m, node, "computed class ineligible");
		return false;
	}
	if (js !== ELIGIBLE) {
		if (!constraintsFeasible(m, node, jobConstraints)) {
			if (js !== ESCAPED) elig.setJobEligibility(false, info);
			return false;
		}
		if (js === UNKNOWN) elig.setJobEligibility(true, info);
	}
	const gs = elig.groupStatus(g.name, key);
	if (gs === INELIGIBLE) {
		filterNode(m, node, "computed class ineligible");
		return false;
	}
	if (gs === ELIGIBLE) return true;
	if (!groupFeasible(m, info, g)) {
		if (gs !== ESCAPED) elig.setGroupEligibility(false, g.name, info);
		return false;
	}
	if (gs === UNKNOWN) elig.setGroupEligibility(true, g.name, info);
	return true;
}

/** distinct_hosts on the job or group: enabled unless RTarget parses as false. */
export function hasDistinctHosts(cs: readonly Constraint[] | null | undefined): boolean {
	for (const c of cs ?? []) {
		if (c.Operand !== "distinct_hosts") continue;
		if (c.RTarget === "") return true;
		const v = c.RTarget;
		const valid = ["1", "t", "T", "true", "TRUE", "True", "0", "f", "F", "false", "FALSE", "False"].includes(v);
		return !valid || parseGoBool(v);
	}
	return false;
}
