// Node.ComputedClass: a hash over the fields Nomad's hashstructure includes (Datacenter,
// Attributes and Meta minus "unique." keys, NodeClass, NodePool, and NodeResources.Devices'
// Vendor/Type/Name/Attributes minus "unique."). Same inputs → same class; Go's exact hash value is
// not reproduced (FNV-1a 64 over a canonical JSON encoding instead), but the "v1:<decimal>" form is.
import type { Node } from "../../api/types/node.ts";

const UNIQUE = "unique.";

function withoutUnique(m: Record<string, string> | null | undefined): [string, string][] {
	return Object.entries(m ?? {})
		.filter(([k]) => !k.startsWith(UNIQUE))
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

interface DeviceLike {
	Vendor?: unknown;
	Type?: unknown;
	Name?: unknown;
	Attributes?: Record<string, unknown> | null;
}

function deviceKey(d: DeviceLike): unknown {
	const attrs = Object.entries(d.Attributes ?? {})
		.filter(([k]) => !k.startsWith(UNIQUE))
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return [d.Vendor ?? "", d.Type ?? "", d.Name ?? "", attrs];
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function fnv1a64(data: Uint8Array): bigint {
	let h = FNV_OFFSET;
	for (const byte of data) {
		h ^= BigInt(byte);
		h = (h * FNV_PRIME) & MASK;
	}
	return h;
}

/** The canonical input to the class hash (exported for tests/debugging). */
export function nodeClassInput(
	node: Pick<Node, "Datacenter" | "Attributes" | "Meta" | "NodeClass" | "NodePool" | "NodeResources">,
): string {
	const devices = (node.NodeResources?.Devices ?? []) as DeviceLike[];
	return JSON.stringify([
		node.Datacenter ?? "",
		withoutUnique(node.Attributes),
		withoutUnique(node.Meta),
		node.NodeClass ?? "",
		node.NodePool ?? "",
		devices.map(deviceKey),
	]);
}

export function computeNodeClass(
	node: Pick<Node, "Datacenter" | "Attributes" | "Meta" | "NodeClass" | "NodePool" | "NodeResources">,
): string {
	return `v1:${fnv1a64(new TextEncoder().encode(nodeClassInput(node)))}`;
}
