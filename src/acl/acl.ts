// The compiled decision object for one identity: the union of its policies (Nomad's acl.ACL).
// Namespace, node pool and host volume rules merge per name, and within a name `deny` wipes every
// other capability; an exact name beats globs, and among globs the closest one wins. Agent, node,
// operator, quota and plugin levels take the highest privilege, with deny above all.
import type { Policy } from "./policy.ts";

type CapSet = Set<string>;

/** The namespace name that means "every namespace" in list requests. */
export const ALL_NAMESPACES = "*";

/** Go-glob: `*` matches any run of characters (also none); nothing else is special. */
export function globMatch(pattern: string, subject: string): boolean {
	if (pattern === "*") return true;
	const parts = pattern.split("*");
	if (parts.length === 1) return pattern === subject;
	if (!subject.startsWith(parts[0])) return false;
	let pos = parts[0].length;
	for (let i = 1; i < parts.length - 1; i++) {
		const at = subject.indexOf(parts[i], pos);
		if (at < 0) return false;
		pos = at + parts[i].length;
	}
	const last = parts[parts.length - 1];
	return subject.length - pos >= last.length && subject.endsWith(last);
}

class NamedRules {
	readonly exact = new Map<string, CapSet>();
	readonly globs = new Map<string, CapSet>();

	add(name: string, caps: string[]): void {
		const table = name.includes("*") ? this.globs : this.exact;
		let set = table.get(name);
		if (!set) {
			set = new Set();
			table.set(name, set);
		}
		if (set.has("deny")) return;
		for (const c of caps) {
			if (c === "deny") {
				set.clear();
				set.add("deny");
				return;
			}
			set.add(c);
		}
	}

	/** The exact rule, else the matching glob with the smallest difference from the name. */
	match(name: string): CapSet | undefined {
		const exact = this.exact.get(name);
		if (exact) return exact;
		let best: CapSet | undefined;
		let bestDiff = Number.POSITIVE_INFINITY;
		// Nomad walks its globs in key order (a radix tree); on equal difference the first one wins.
		for (const key of [...this.globs.keys()].sort()) {
			if (!globMatch(key, name)) continue;
			const diff = name.length - key.length + (key.split("*").length - 1);
			if (diff < bestDiff) {
				best = this.globs.get(key);
				bestDiff = diff;
			}
		}
		return best;
	}

	*all(): Iterable<CapSet> {
		yield* this.exact.values();
		yield* this.globs.values();
	}
}

const RANK: Record<string, number> = { "": 0, list: 1, read: 2, write: 3, deny: 4 };

function maxPrivilege(a: string, b: string): string {
	return (RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a;
}

export class ACL {
	readonly management: boolean;
	/** ACLs are off: everything is allowed except what needs enable_debug. */
	readonly disabled: boolean;
	private readonly namespaces = new NamedRules();
	private readonly nodePools = new NamedRules();
	private readonly hostVolumes = new NamedRules();
	private readonly variables = new NamedRules();
	private readonly operatorCaps: CapSet = new Set();
	private agent = "";
	private node = "";
	private operator = "";
	private quota = "";
	private plugin = "";

	private constructor(management: boolean, disabled: boolean) {
		this.management = management;
		this.disabled = disabled;
	}

	static management(): ACL {
		return new ACL(true, false);
	}

	static aclsDisabled(): ACL {
		return new ACL(false, true);
	}

	/** Compiles validated (expanded) policies; no policies means deny everything. */
	static fromPolicies(policies: Policy[]): ACL {
		const acl = new ACL(false, false);
		for (const p of policies) {
			for (const ns of p.Namespaces) {
				acl.namespaces.add(ns.Name, ns.Capabilities);
				for (const path of ns.Variables?.Paths ?? []) {
					acl.variables.add(`${ns.Name}\u0000${path.PathSpec}`, path.Capabilities);
				}
			}
			for (const np of p.NodePools) acl.nodePools.add(np.Name, np.Capabilities);
			for (const hv of p.HostVolumes) acl.hostVolumes.add(hv.Name, hv.Capabilities);
			if (p.Agent) acl.agent = maxPrivilege(acl.agent, p.Agent.Policy);
			if (p.Node) acl.node = maxPrivilege(acl.node, p.Node.Policy);
			if (p.Operator) {
				acl.operator = maxPrivilege(acl.operator, p.Operator.Policy);
				if (!acl.operatorCaps.has("deny")) {
					for (const c of p.Operator.Capabilities ?? []) {
						if (c === "deny") {
							acl.operatorCaps.clear();
							acl.operatorCaps.add("deny");
							break;
						}
						acl.operatorCaps.add(c);
					}
				}
			}
			if (p.Quota) acl.quota = maxPrivilege(acl.quota, p.Quota.Policy);
			if (p.Plugin) acl.plugin = maxPrivilege(acl.plugin, p.Plugin.Policy);
		}
		return acl;
	}

	private get bypass(): boolean {
		return this.management || this.disabled;
	}

	isManagement(): boolean {
		return this.bypass;
	}

	/** May `op` be done in namespace `ns`? With ns "*", if any namespace allows it. */
	allowNamespaceOperation(ns: string, op: string): boolean {
		if (this.bypass) return true;
		if (ns === ALL_NAMESPACES) {
			for (const caps of this.namespaces.all()) if (caps.has(op)) return true;
		}
		return this.namespaces.match(ns)?.has(op) ?? false;
	}

	/** Any of the operations (fine-grained capabilities are alternatives to submit-job). */
	allowNamespaceAnyOf(ns: string, ops: readonly string[]): boolean {
		return ops.some((op) => this.allowNamespaceOperation(ns, op));
	}

	/** May anything at all be done in the namespace (list filtering)? */
	allowNamespace(ns: string): boolean {
		if (this.bypass) return true;
		const usable = (caps: CapSet): boolean => caps.size > 0 && !caps.has("deny");
		if (ns === ALL_NAMESPACES) {
			for (const caps of this.namespaces.all()) if (usable(caps)) return true;
		}
		const caps = this.namespaces.match(ns);
		return caps !== undefined && usable(caps);
	}

	allowNodePoolOperation(pool: string, op: string): boolean {
		if (this.bypass) return true;
		return this.nodePools.match(pool)?.has(op) ?? false;
	}

	allowHostVolumeOperation(name: string, op: string): boolean {
		if (this.bypass) return true;
		return this.hostVolumes.match(name)?.has(op) ?? false;
	}

	allowVariableOperation(ns: string, path: string, op: string): boolean {
		if (this.bypass) return true;
		const caps = this.variables.match(`${ns}\u0000${path}`);
		return caps !== undefined && !caps.has("deny") && caps.has(op);
	}

	allowAgentRead(): boolean {
		return this.bypass || this.agent === "read" || this.agent === "write";
	}

	allowAgentWrite(): boolean {
		return this.bypass || this.agent === "write";
	}

	/** Debug endpoints: with ACLs off they need enable_debug; with ACLs on, agent read. */
	allowAgentDebug(debugEnabled: boolean): boolean {
		if (this.management || this.agent === "read" || this.agent === "write") return true;
		return this.disabled && debugEnabled;
	}

	allowNodeRead(): boolean {
		return this.bypass || this.node === "read" || this.node === "write";
	}

	allowNodeWrite(): boolean {
		return this.bypass || this.node === "write";
	}

	allowOperatorRead(): boolean {
		return this.bypass || this.operator === "read" || this.operator === "write";
	}

	allowOperatorWrite(): boolean {
		return this.bypass || this.operator === "write";
	}

	allowOperatorOperation(op: string): boolean {
		return this.bypass || this.operator === "write" || this.operatorCaps.has(op);
	}

	allowQuotaRead(): boolean {
		return this.bypass || this.quota === "read" || this.quota === "write";
	}

	allowQuotaWrite(): boolean {
		return this.bypass || this.quota === "write";
	}

	allowPluginRead(): boolean {
		return this.bypass || this.plugin === "read";
	}

	allowPluginList(): boolean {
		return this.bypass || this.plugin === "read" || this.plugin === "list";
	}
}
