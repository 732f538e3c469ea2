// api → structs for the small shared pieces (constraints, affinities, spreads, networks, identities,
// services), applying the api package's Canonicalize defaults on the way as the HTTP agent does in
// ApiJobToStructJob (command/agent/job_endpoint.go).
import type { Affinity, Constraint, NetworkResource, Port, Spread } from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import type {
	ApiAffinity,
	ApiCheckRestart,
	ApiConstraint,
	ApiIdentity,
	ApiNetwork,
	ApiPort,
	ApiService,
	ApiSpread,
} from "./apiDecode.ts";
import type { CheckRestart, Service, ServiceCheck, WorkloadIdentity } from "./types.ts";

const emptyToNull = <T extends object>(m: T | undefined): T | null =>
	m === undefined || Object.keys(m).length === 0 ? null : m;

export const constraintToStructs = (c: ApiConstraint): Constraint => ({
	LTarget: c.LTarget ?? "",
	RTarget: c.RTarget ?? "",
	Operand: c.Operand ?? "",
});

export const constraintsToStructs = (cs: ApiConstraint[] | undefined): Constraint[] | null =>
	cs ? cs.map(constraintToStructs) : null;

/** Affinity weights default to 50 (api Affinity.Canonicalize). */
export const affinitiesToStructs = (as: ApiAffinity[] | undefined): Affinity[] | null =>
	as
		? as.map((a) => ({
				LTarget: a.LTarget ?? "",
				RTarget: a.RTarget ?? "",
				Operand: a.Operand ?? "",
				Weight: a.Weight ?? 50,
			}))
		: null;

/** Spread weights default to 50; an empty list stays null. */
export const spreadsToStructs = (ss: ApiSpread[] | undefined): Spread[] | null =>
	ss && ss.length > 0
		? ss.map((s) => ({
				Attribute: s.Attribute ?? "",
				Weight: s.Weight ?? 50,
				SpreadTarget: s.SpreadTarget
					? s.SpreadTarget.map((t) => ({ Value: t.Value ?? "", Percent: t.Percent ?? 0 }))
					: null,
			}))
		: null;

/** Port, omitting empty fields as Nomad's codec does on the wire. */
function portToStructs(p: ApiPort): Port {
	const out = {} as Port;
	if (p.Label) out.Label = p.Label;
	if (p.Value) out.Value = p.Value;
	if (p.To) out.To = p.To;
	if (p.HostNetwork) out.HostNetwork = p.HostNetwork;
	if (p.IgnoreCollision) out.IgnoreCollision = true;
	return out;
}

/** NetworkResource with empty fields omitted (omitempty struct). Device is not carried over. */
export function networksToStructs(ns: ApiNetwork[] | undefined): NetworkResource[] | null {
	if (!ns || ns.length === 0) return null;
	return ns.map((n) => {
		const out: NetworkResource = {};
		if (n.Mode) out.Mode = n.Mode;
		if (n.CIDR) out.CIDR = n.CIDR;
		if (n.IP) out.IP = n.IP;
		if (n.Hostname) out.Hostname = n.Hostname;
		if (n.MBits) out.MBits = n.MBits;
		if (n.DNS)
			out.DNS = { Servers: n.DNS.Servers ?? null, Searches: n.DNS.Searches ?? null, Options: n.DNS.Options ?? null };
		if (n.ReservedPorts?.length) out.ReservedPorts = n.ReservedPorts.map(portToStructs);
		if (n.DynamicPorts?.length) out.DynamicPorts = n.DynamicPorts.map(portToStructs);
		if (n.CNI) out.CNI = { Args: n.CNI.Args ?? null };
		return out;
	});
}

export const identityToStructs = (i: ApiIdentity): WorkloadIdentity => ({
	Name: i.Name ?? "",
	Audience: i.Audience ? [...i.Audience] : null,
	ChangeMode: i.ChangeMode ?? "",
	ChangeSignal: i.ChangeSignal ?? "",
	Env: i.Env ?? false,
	File: i.File ?? false,
	Filepath: i.Filepath ?? "",
	ServiceName: i.ServiceName ?? "",
	TTL: i.TTL ?? 0,
	ExtraClaims: i.ExtraClaims ? [...i.ExtraClaims] : null,
});

/** api CheckRestart.Merge: the service's settings overridden by the check's. */
function mergeCheckRestart(
	svc: ApiCheckRestart | undefined,
	chk: ApiCheckRestart | undefined,
): ApiCheckRestart | undefined {
	if (!svc) return chk;
	const out = { ...svc };
	if (!chk) return out;
	if ((chk.Limit ?? 0) > 0) out.Limit = chk.Limit;
	if (chk.Grace !== undefined) out.Grace = chk.Grace;
	if (chk.IgnoreWarnings) out.IgnoreWarnings = true;
	return out;
}

export interface ServiceOwner {
	jobName: string;
	groupName: string;
	/** Task name for task services; undefined for group services. */
	taskName?: string;
}

/** api Service.Canonicalize + ApiServicesToStructs. */
export function servicesToStructs(ss: ApiService[] | undefined, owner: ServiceOwner): Service[] | null {
	if (!ss || ss.length === 0) return null;
	const group = owner.taskName === undefined;
	return ss.map((s) => {
		const name =
			s.Name ||
			(group ? `${owner.jobName}-${owner.groupName}` : `${owner.jobName}-${owner.groupName}-${owner.taskName}`);
		const onUpdate = s.OnUpdate || "require_healthy";
		const checks: ServiceCheck[] | null = s.Checks?.length
			? s.Checks.map((c) => {
					const cr = mergeCheckRestart(s.CheckRestart, c.CheckRestart);
					const restart: CheckRestart | null = cr
						? { Limit: cr.Limit ?? 0, Grace: cr.Grace ?? SECOND, IgnoreWarnings: cr.IgnoreWarnings ?? false }
						: null;
					return {
						Name: c.Name ?? "",
						Type: c.Type ?? "",
						Command: c.Command ?? "",
						Args: c.Args ?? null,
						Path: c.Path ?? "",
						Protocol: c.Protocol ?? "",
						PortLabel: c.PortLabel ?? "",
						Expose: c.Expose ?? false,
						AddressMode: c.AddressMode ?? "",
						Interval: c.Interval ?? 0,
						Timeout: c.Timeout ?? 0,
						InitialStatus: c.InitialStatus ?? "",
						Notes: c.Notes ?? "",
						TLSServerName: c.TLSServerName ?? "",
						TLSSkipVerify: c.TLSSkipVerify ?? false,
						Method: c.Method ?? "",
						Header: c.Header ?? null,
						CheckRestart: restart,
						GRPCService: c.GRPCService ?? "",
						GRPCUseTLS: c.GRPCUseTLS ?? false,
						// Only group-level checks keep their task.
						TaskName: group ? (c.TaskName ?? "") : "",
						SuccessBeforePassing: Math.max(0, c.SuccessBeforePassing ?? 0),
						FailuresBeforeCritical: Math.max(0, c.FailuresBeforeCritical ?? 0),
						FailuresBeforeWarning: Math.max(0, c.FailuresBeforeWarning ?? 0),
						Body: c.Body ?? "",
						OnUpdate: c.OnUpdate || onUpdate,
					};
				})
			: null;
		return {
			Name: name,
			TaskName: s.TaskName ?? "",
			PortLabel: s.PortLabel ?? "",
			AddressMode: s.AddressMode || "auto",
			Address: s.Address ?? "",
			EnableTagOverride: s.EnableTagOverride ?? false,
			Tags: s.Tags ?? null,
			CanaryTags: s.CanaryTags ?? null,
			Checks: checks,
			Connect: s.Connect ?? null,
			Meta: emptyToNull(s.Meta),
			CanaryMeta: emptyToNull(s.CanaryMeta),
			Weights: s.Weights
				? { Passing: Math.max(1, s.Weights.Passing ?? 0), Warning: Math.max(1, s.Weights.Warning ?? 0) }
				: null,
			TaggedAddresses: emptyToNull(s.TaggedAddresses),
			Namespace: "",
			OnUpdate: onUpdate,
			Provider: s.Provider || "consul",
			Cluster: s.Cluster || "default",
			Identity: s.Identity ? identityToStructs(s.Identity) : null,
			Kind: s.Kind ?? "",
		};
	});
}

export { emptyToNull };
