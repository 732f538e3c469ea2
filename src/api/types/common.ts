// Shared wire shapes (Nomad's structs as they appear in JSON). Durations are integer nanoseconds,
// times RFC3339 strings (null when zero) unless a field says otherwise.

/** Integer nanoseconds (Go time.Duration). */
export type Duration = number;
/** RFC3339Nano string, or null for Go's zero time. */
export type Time = string | null;

export interface Constraint {
	LTarget: string;
	RTarget: string;
	Operand: string;
}

export interface Affinity {
	LTarget: string;
	RTarget: string;
	Operand: string;
	/** -100..100, never 0 */
	Weight: number;
}

export interface SpreadTarget {
	Value: string;
	Percent: number;
}

export interface Spread {
	Attribute: string;
	Weight: number;
	SpreadTarget: SpreadTarget[] | null;
}

/** Omitempty on the wire: zero fields are left out. */
export interface Port {
	Label: string;
	Value?: number;
	To?: number;
	HostNetwork?: string;
	IgnoreCollision?: boolean;
}

/** Omitempty on the wire. */
export interface NetworkResource {
	Mode?: string;
	Device?: string;
	CIDR?: string;
	IP?: string;
	Hostname?: string;
	MBits?: number;
	DNS?: { Servers: string[] | null; Searches: string[] | null; Options: string[] | null } | null;
	ReservedPorts?: Port[] | null;
	DynamicPorts?: Port[] | null;
	CNI?: unknown;
}

export interface RequestedDevice {
	Name: string;
	Count: number;
	Constraints: Constraint[] | null;
	Affinities: Affinity[] | null;
}

/** A task's resource ask. CPU in MHz, memory/disk in MB. */
export interface Resources {
	CPU: number;
	Cores: number;
	MemoryMB: number;
	MemoryMaxMB: number;
	DiskMB: number;
	IOPS: number;
	Networks: NetworkResource[] | null;
	Devices: RequestedDevice[] | null;
	NUMA: unknown | null;
	SecretsMB: number;
}
