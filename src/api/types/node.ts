// Node (structs.Node) and its resources.
import type { NetworkResource, Time } from "./common.ts";

export type NodeStatus = "initializing" | "ready" | "down" | "disconnected";

export interface DriverInfo {
	Attributes: Record<string, string> | null;
	Detected: boolean;
	Healthy: boolean;
	HealthDescription: string;
	UpdateTime: Time;
}

export interface NodeResources {
	Cpu: { CpuShares: number; TotalCpuCores: number; ReservableCpuCores: number[] | null };
	Memory: { MemoryMB: number };
	Disk: { DiskMB: number };
	Networks: NetworkResource[] | null;
	NodeNetworks: unknown[] | null;
	Devices: unknown[] | null;
	MinDynamicPort: number;
	MaxDynamicPort: number;
	[extra: string]: unknown;
}

export interface NodeReservedResources {
	Cpu: { CpuShares: number; ReservedCpuCores: number[] | null };
	Memory: { MemoryMB: number };
	Disk: { DiskMB: number };
	/** "22,80,8000-8100" */
	Networks: { ReservedHostPorts: string };
}

export interface NodeEvent {
	Message: string;
	Subsystem: string;
	Details: Record<string, string> | null;
	Timestamp: Time;
	CreateIndex: number;
}

export interface DrainStrategy {
	Deadline: number;
	IgnoreSystemJobs: boolean;
	ForceDeadline: Time;
	StartedAt: Time;
}

export interface Node {
	ID: string;
	/** Always "" on the wire. */
	SecretID: string;
	Datacenter: string;
	Name: string;
	HTTPAddr: string;
	TLSEnabled: boolean;
	Attributes: Record<string, string>;
	NodeResources: NodeResources | null;
	ReservedResources: NodeReservedResources | null;
	Links: Record<string, string> | null;
	Meta: Record<string, string> | null;
	NodeClass: string;
	NodePool: string;
	/** "v1:<hash>" */
	ComputedClass: string;
	DrainStrategy: DrainStrategy | null;
	SchedulingEligibility: "eligible" | "ineligible";
	Status: NodeStatus;
	StatusDescription: string;
	/** Unix seconds */
	StatusUpdatedAt: number;
	Events: NodeEvent[] | null;
	Drivers: Record<string, DriverInfo> | null;
	HostVolumes: Record<string, unknown> | null;
	HostNetworks: Record<string, unknown> | null;
	LastDrain: unknown | null;
	CreateIndex: number;
	ModifyIndex: number;
	[extra: string]: unknown;
}
