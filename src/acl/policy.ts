// Nomad's ACL rules language: decode the parsed HCL (or JSON) value of a policy's Rules into a
// Policy, check it as Nomad's acl.Parse does (same messages) and expand each short-hand
// `policy = "..."` into the capabilities it stands for. Compiling several policies into one decision
// object is acl.ts; reading the text (HCL needs the parser in lib) is src/server/acl/policyText.ts.

export const POLICY_DENY = "deny";
export const POLICY_READ = "read";
export const POLICY_LIST = "list";
export const POLICY_WRITE = "write";
export const POLICY_SCALE = "scale";

const NS_READ = [
	"list-jobs",
	"parse-job",
	"read-job",
	"csi-list-volume",
	"csi-read-volume",
	"read-job-scaling",
	"list-scaling-policies",
	"read-scaling-policy",
	"host-volume-read",
];
const NS_WRITE = [
	...NS_READ,
	"scale-job",
	"submit-job",
	"dispatch-job",
	"read-logs",
	"read-fs",
	"alloc-exec",
	"alloc-lifecycle",
	"csi-mount-volume",
	"csi-write-volume",
	"submit-recommendation",
	"host-volume-create",
];
const NS_SCALE = [
	"list-scaling-policies",
	"read-scaling-policy",
	"read-job-scaling",
	"scale-job",
	"read-job",
	"submit-recommendation",
];

/** Every capability a namespace rule may name (Nomad CE plus the two Enterprise ones it accepts). */
export const NAMESPACE_CAPABILITIES: ReadonlySet<string> = new Set([
	"deny",
	...NS_WRITE,
	"alloc-node-exec",
	"sentinel-override",
	"csi-register-plugin",
	"host-volume-register",
	"host-volume-write",
	"host-volume-delete",
	"register-job",
	"revert-job",
	"deregister-job",
	"purge-job",
	"evaluate-job",
	"plan-job",
	"tag-job-version",
	"stable-job",
	"fail-deployment",
	"pause-deployment",
	"promote-deployment",
	"unblock-deployment",
	"cancel-deployment",
	"set-alloc-health-deployment",
	"gc-allocation",
	"pause-allocation",
	"force-periodic-job",
	"delete-service-registration",
]);
const NODE_POOL_CAPABILITIES = new Set(["delete", "read", "write", "deny"]);
const HOST_VOLUME_CAPABILITIES = new Set(["deny", "mount-readonly", "mount-readwrite"]);
const VARIABLE_CAPABILITIES = new Set(["write", "read", "list", "destroy", "deny"]);
const OPERATOR_CAPABILITIES = new Set([
	"deny",
	"snapshot-save",
	"license-read",
	"keyring-rotate",
	"keyring-read",
	"keyring-delete",
]);
const SENTINEL_CAPABILITIES = new Set(["deny", "sentinel-read", "sentinel-submit", "sentinel-delete"]);

const VALID_NAMESPACE = /^[a-zA-Z0-9\-*]{1,128}$/;
const VALID_NODE_POOL = /^[a-zA-Z0-9\-_*]{1,128}$/;
const VALID_VOLUME = /^[a-zA-Z0-9\-*]{1,128}$/;

export interface VariablesPathPolicy {
	PathSpec: string;
	Capabilities: string[];
}

export interface NamespacePolicy {
	Name: string;
	Policy: string;
	Capabilities: string[];
	Variables?: { Paths: VariablesPathPolicy[] };
}

export interface NamedPolicy {
	Name: string;
	Policy: string;
	Capabilities: string[];
}

export interface LevelPolicy {
	Policy: string;
	Capabilities?: string[];
}

/** The decoded rules (Nomad's acl.Policy; also what ACLPolicy.RulesJSON carries on the wire). */
export interface Policy {
	Namespaces: NamespacePolicy[];
	NodePools: NamedPolicy[];
	HostVolumes: NamedPolicy[];
	Agent?: LevelPolicy;
	Node?: LevelPolicy;
	Operator?: LevelPolicy;
	Sentinel?: LevelPolicy;
	Quota?: LevelPolicy;
	Plugin?: LevelPolicy;
}

export class PolicyError extends Error {}

const isPolicyValid = (p: string): boolean => p === "deny" || p === "read" || p === "write" || p === "scale";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** hcl2json gives each block body as an array of bodies; JSON policies may give one object. */
function bodies(v: unknown): Obj[] {
	if (Array.isArray(v)) return v.filter(isObj);
	return isObj(v) ? [v] : [];
}

/** A labelled block: {label: [body...]} from HCL, {label: body} or [{label: body}] from JSON. */
function labelled(v: unknown): { label: string; body: Obj }[] {
	const out: { label: string; body: Obj }[] = [];
	const visit = (o: Obj): void => {
		for (const [label, b] of Object.entries(o)) for (const body of bodies(b)) out.push({ label, body });
	};
	if (Array.isArray(v)) {
		for (const item of v) if (isObj(item)) visit(item);
	} else if (isObj(v)) {
		visit(v);
	}
	return out;
}

/** A block written without its label (`namespace { ... }`): hcl2json gives an array of bodies. */
function unlabelled(v: unknown): boolean {
	return Array.isArray(v) && v.length > 0 && v.every((b) => isObj(b) && ("policy" in b || "capabilities" in b));
}

function str(v: unknown): string {
	return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

function strList(v: unknown): string[] {
	if (v === undefined || v === null) return [];
	return Array.isArray(v) ? v.map(str) : [str(v)];
}

/** Go's %#v of the policy struct, as Nomad's messages print it. */
function goValue(typeName: string, fields: [string, unknown][]): string {
	const show = (v: unknown): string => {
		if (typeof v === "string") return JSON.stringify(v);
		if (Array.isArray(v)) return v.length === 0 ? "[]string(nil)" : `[]string{${v.map(show).join(", ")}}`;
		if (v === undefined) return "(*acl.VariablesPolicy)(nil)";
		return String(v);
	};
	return `&acl.${typeName}{${fields.map(([k, v]) => `${k}:${show(v)}`).join(", ")}}`;
}

function nsValue(ns: NamespacePolicy): string {
	return goValue("NamespacePolicy", [
		["Name", ns.Name],
		["Policy", ns.Policy],
		["Capabilities", ns.Capabilities],
		["Variables", ns.Variables === undefined ? undefined : "(*acl.VariablesPolicy)(...)"],
	]);
}

function expandNamespacePolicy(policy: string): string[] {
	switch (policy) {
		case POLICY_DENY:
			return ["deny"];
		case POLICY_READ:
			return NS_READ;
		case POLICY_WRITE:
			return NS_WRITE;
		case POLICY_SCALE:
			return NS_SCALE;
		default:
			return [];
	}
}

/** Fine-grained host volume capabilities imply lesser ones. */
function impliedNamespaceCapabilities(caps: string[]): string[] {
	const extra: string[] = [];
	for (const c of caps) {
		if (c === "host-volume-write")
			extra.push("host-volume-register", "host-volume-create", "host-volume-delete", "host-volume-read");
		else if (c === "host-volume-register") extra.push("host-volume-create", "host-volume-read");
		else if (c === "host-volume-create") extra.push("host-volume-read");
	}
	return extra;
}

function expandVariableCapabilities(caps: string[]): string[] {
	if (caps.includes("deny")) return ["deny"];
	return caps.includes("read") && !caps.includes("list") ? [...caps, "list"] : caps;
}

function expandNodePoolPolicy(policy: string): string[] {
	if (policy === POLICY_DENY) return ["deny"];
	if (policy === POLICY_READ) return ["read"];
	if (policy === POLICY_WRITE) return ["delete", "read", "write"];
	return [];
}

function expandHostVolumePolicy(policy: string): string[] {
	if (policy === POLICY_DENY) return ["deny"];
	if (policy === POLICY_READ) return ["mount-readonly"];
	if (policy === POLICY_WRITE) return ["mount-readonly", "mount-readwrite"];
	return [];
}

function expandOperatorPolicy(policy: string): string[] {
	if (policy === POLICY_DENY) return ["deny"];
	if (policy === POLICY_READ) return ["license-read", "keyring-read"];
	if (policy === POLICY_WRITE)
		return ["snapshot-save", "license-read", "keyring-rotate", "keyring-read", "keyring-delete"];
	return [];
}

function expandSentinelPolicy(policy: string): string[] {
	if (policy === POLICY_DENY) return ["deny"];
	if (policy === POLICY_READ) return ["sentinel-read"];
	if (policy === POLICY_WRITE) return ["sentinel-read", "sentinel-submit", "sentinel-delete"];
	return [];
}

const KNOWN_KEYS = new Set([
	"namespace",
	"node_pool",
	"host_volume",
	"agent",
	"node",
	"operator",
	"sentinel",
	"quota",
	"plugin",
]);

function level(v: unknown): LevelPolicy | undefined {
	const bs = bodies(v);
	if (bs.length === 0) return undefined;
	// HCL1 decodes repeated single blocks into the last one.
	const b = bs[bs.length - 1];
	const out: LevelPolicy = { Policy: str(b.policy) };
	if ("capabilities" in b) out.Capabilities = strList(b.capabilities);
	return out;
}

/** Turns the decoded HCL/JSON value into a Policy (no validation yet). */
export function decodePolicy(root: unknown): { policy: Policy; unknownKeys: string[] } {
	if (!isObj(root)) throw new PolicyError("Failed to parse ACL Policy: error parsing: root should be an object");
	const policy: Policy = { Namespaces: [], NodePools: [], HostVolumes: [] };
	const unknownKeys = Object.keys(root).filter((k) => !KNOWN_KEYS.has(k));
	const named = (v: unknown): { label: string; body: Obj }[] =>
		unlabelled(v) ? bodies(v).map((body) => ({ label: "", body })) : labelled(v);
	for (const { label, body } of named(root.namespace)) {
		const ns: NamespacePolicy = { Name: label, Policy: str(body.policy), Capabilities: strList(body.capabilities) };
		const vars = bodies(body.variables);
		if (vars.length > 0) {
			const paths: VariablesPathPolicy[] = [];
			for (const v of vars) {
				for (const { label: spec, body: pb } of named(v.path)) {
					paths.push({ PathSpec: spec, Capabilities: strList(pb.capabilities) });
				}
			}
			ns.Variables = { Paths: paths };
		}
		policy.Namespaces.push(ns);
	}
	for (const { label, body } of named(root.node_pool)) {
		policy.NodePools.push({ Name: label, Policy: str(body.policy), Capabilities: strList(body.capabilities) });
	}
	for (const { label, body } of named(root.host_volume)) {
		policy.HostVolumes.push({ Name: label, Policy: str(body.policy), Capabilities: strList(body.capabilities) });
	}
	policy.Agent = level(root.agent);
	policy.Node = level(root.node);
	policy.Operator = level(root.operator);
	policy.Sentinel = level(root.sentinel);
	policy.Quota = level(root.quota);
	policy.Plugin = level(root.plugin);
	return { policy, unknownKeys };
}

function isEmpty(p: Policy): boolean {
	return (
		p.Namespaces.length === 0 &&
		p.NodePools.length === 0 &&
		p.HostVolumes.length === 0 &&
		!p.Agent &&
		!p.Node &&
		!p.Operator &&
		!p.Sentinel &&
		!p.Quota &&
		!p.Plugin
	);
}

/**
 * Checks the decoded policy and expands short-hands in place, with Nomad's messages. `strict`
 * (creating/updating a policy) refuses unknown keys; lenient (evaluating stored ones) ignores them.
 */
export function validatePolicy(p: Policy, raw: string, unknownKeys: string[], strict: boolean): Policy {
	if (isEmpty(p)) throw new PolicyError(`Invalid policy: ${raw}`);
	for (const ns of p.Namespaces) {
		if (!VALID_NAMESPACE.test(ns.Name)) throw new PolicyError(`Invalid namespace name: ${nsValue(ns)}`);
		if (ns.Policy !== "" && !isPolicyValid(ns.Policy))
			throw new PolicyError(`Invalid namespace policy: ${nsValue(ns)}`);
		for (const c of ns.Capabilities) {
			if (!NAMESPACE_CAPABILITIES.has(c)) throw new PolicyError(`Invalid namespace capability '${c}': ${nsValue(ns)}`);
		}
		if (ns.Policy !== "") ns.Capabilities.push(...expandNamespacePolicy(ns.Policy));
		ns.Capabilities.push(...impliedNamespaceCapabilities(ns.Capabilities));
		if (ns.Variables) {
			if (ns.Variables.Paths.length === 0) {
				throw new PolicyError(`Invalid variable policy: no variable paths in namespace ${ns.Name}`);
			}
			for (const pp of ns.Variables.Paths) {
				if (pp.PathSpec === "") throw new PolicyError(`Invalid missing variable path in namespace ${ns.Name}`);
				if (pp.PathSpec.startsWith("/")) {
					throw new PolicyError(
						`Invalid variable path "${pp.PathSpec}" in namespace ${ns.Name}: cannot start with a leading '/'\``,
					);
				}
				for (const c of pp.Capabilities) {
					if (!VARIABLE_CAPABILITIES.has(c)) {
						throw new PolicyError(`Invalid variable capability '${c}' in namespace ${ns.Name}`);
					}
				}
				pp.Capabilities = expandVariableCapabilities(pp.Capabilities);
			}
		}
	}
	for (const np of p.NodePools) {
		if (!VALID_NODE_POOL.test(np.Name)) throw new PolicyError(`Invalid node pool name '${np.Name}'`);
		if (np.Policy !== "" && !isPolicyValid(np.Policy)) {
			throw new PolicyError(`Invalid node pool policy '${np.Policy}' for '${np.Name}'`);
		}
		for (const c of np.Capabilities) {
			if (!NODE_POOL_CAPABILITIES.has(c)) throw new PolicyError(`Invalid node pool capability '${c}' for '${np.Name}'`);
		}
		if (np.Policy !== "") np.Capabilities.push(...expandNodePoolPolicy(np.Policy));
	}
	for (const hv of p.HostVolumes) {
		const show = goValue("HostVolumePolicy", [
			["Name", hv.Name],
			["Policy", hv.Policy],
			["Capabilities", hv.Capabilities],
		]);
		if (!VALID_VOLUME.test(hv.Name)) throw new PolicyError(`Invalid host volume name: ${show}`);
		if (hv.Policy !== "" && !isPolicyValid(hv.Policy)) throw new PolicyError(`Invalid host volume policy: ${show}`);
		for (const c of hv.Capabilities) {
			if (!HOST_VOLUME_CAPABILITIES.has(c)) throw new PolicyError(`Invalid host volume capability '${c}': ${show}`);
		}
		if (hv.Policy !== "") hv.Capabilities.push(...expandHostVolumePolicy(hv.Policy));
	}
	if (unknownKeys.length > 0 && strict) {
		throw new PolicyError(`Invalid or duplicate policy keys: ${unknownKeys.join(", ")}`);
	}
	const levelValue = (name: string, l: LevelPolicy): string => goValue(name, [["Policy", l.Policy]]);
	if (p.Agent && !isPolicyValid(p.Agent.Policy)) {
		throw new PolicyError(`Invalid agent policy: ${levelValue("AgentPolicy", p.Agent)}`);
	}
	if (p.Node && !isPolicyValid(p.Node.Policy))
		throw new PolicyError(`Invalid node policy: ${levelValue("NodePolicy", p.Node)}`);
	if (p.Operator) {
		const op = p.Operator;
		if (op.Policy !== "" && !isPolicyValid(op.Policy)) {
			throw new PolicyError(`Invalid operator policy: ${levelValue("OperatorPolicy", op)}`);
		}
		op.Capabilities ??= [];
		for (const c of op.Capabilities) {
			if (!OPERATOR_CAPABILITIES.has(c)) throw new PolicyError(`Invalid operator capability '${c}'`);
		}
		if (op.Policy !== "") op.Capabilities.push(...expandOperatorPolicy(op.Policy));
	}
	if (p.Sentinel) {
		const sp = p.Sentinel;
		if (sp.Policy !== "" && !isPolicyValid(sp.Policy)) {
			throw new PolicyError(`Invalid sentinel policy: ${levelValue("SentinelPolicy", sp)}`);
		}
		sp.Capabilities ??= [];
		for (const c of sp.Capabilities) {
			if (!SENTINEL_CAPABILITIES.has(c)) throw new PolicyError(`Invalid sentinel capability '${c}'`);
		}
		if (sp.Policy !== "") sp.Capabilities.push(...expandSentinelPolicy(sp.Policy));
	}
	if (p.Quota && !isPolicyValid(p.Quota.Policy)) {
		throw new PolicyError(`Invalid quota policy: ${levelValue("QuotaPolicy", p.Quota)}`);
	}
	if (p.Plugin && !["deny", "read", "list", "write"].includes(p.Plugin.Policy)) {
		throw new PolicyError(`Invalid plugin policy: ${levelValue("PluginPolicy", p.Plugin)}`);
	}
	return p;
}
