// Node fingerprinting: assembles the client's Node the way Nomad's setupNode + fingerprint
// manager + driver updates do, from real measurements of this machine.
import { statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import type { DriverInfo, Node, NodeReservedResources, NodeResources } from "../../api/types/node.ts";
import { cgroupVersionAttr, defaultCgroupParent, detectCgroupMode, nomadEffectiveCpus } from "./cgroup.ts";
import { cpuAttributes, cpuResources, parseCpuinfo, processorsWire, scanTopology } from "./cpu.ts";
import { defaultHostFacts, type HostFacts, hostAttributes, memoryFingerprint } from "./host.ts";
import { fingerprintNetwork, type InterfaceTable } from "./network.ts";
import { computeNodeClass } from "./nodeClass.ts";
import { goArch, goOS, realSource, type SystemSource } from "./source.ts";
import { fingerprintStorage } from "./storage.ts";

export { computeNodeClass } from "./nodeClass.ts";

export interface DriverFingerprint {
	detected: boolean;
	healthy: boolean;
	healthDescription: string;
	attributes: Record<string, string>;
}

export interface FingerprintConfig {
	nodeName: string;
	datacenter: string;
	nodeClass: string;
	nodePool: string;
	meta: Record<string, string>;
	dataDir: string;
	/** The alloc dir; its filesystem is the node's storage. */
	allocDir: string;
	/** Nomad's network_interface; default: the default-route interface. */
	networkInterface?: string;
	/** client.network_speed (Mb/s) override. */
	networkSpeed?: number;
	/** client.cpu_total_compute (MHz). */
	cpuTotalCompute?: number;
	/** client.memory_total_mb. */
	memoryTotalMB?: number;
	/** client.disk_total_mb. */
	diskTotalMB?: number;
	reserved: { cpu: number; memoryMB: number; diskMB: number; reservedPorts: string; cores?: number[] };
	minDynamicPort: number;
	maxDynamicPort: number;
	/** Nomad's VersionNumber(), e.g. "2.0.5" or "2.0.5+nomadts.0.1.0". */
	nomadVersion: string;
	/** Git revision for `nomad.revision` (Nomad's GitCommit; "" when unknown). */
	nomadRevision?: string;
	/** Advertised HTTP "ip:port". */
	httpAddr: string;
	tlsEnabled?: boolean;
	/** client.cgroup_parent; default by cgroups mode ("/nomad" v1, "nomad.slice" v2). */
	cgroupParent?: string;
	/** Node starts ineligible (client.default_ineligible... Nomad's DefaultIneligible). */
	defaultIneligible?: boolean;
	drivers: Record<string, DriverFingerprint>;
}

/** Everything fingerprintNode reads from the machine; tests may replace any part. */
export interface FingerprintEnv {
	source: SystemSource;
	interfaces: () => InterfaceTable;
	host: HostFacts;
	numCPU: number;
	totalMemBytes: number;
	/** Owner uid of a path (cgroup v2 delegation check). */
	ownerUid: (path: string) => number | undefined;
	now: () => Date;
}

function statOwner(path: string): number | undefined {
	try {
		return statSync(path).uid;
	} catch {
		return undefined;
	}
}

function memTotalFromProc(src: SystemSource): number | undefined {
	const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(src.readFile("/proc/meminfo") ?? "");
	return m ? Number(m[1]) * 1024 : undefined;
}

export function defaultEnv(): FingerprintEnv {
	return {
		source: realSource,
		interfaces: () => os.networkInterfaces(),
		host: defaultHostFacts(goOS(), goArch()),
		numCPU: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
		totalMemBytes: memTotalFromProc(realSource) ?? os.totalmem(),
		ownerUid: statOwner,
		now: () => new Date(),
	};
}

/** Static meta every Nomad client adds unless configured (client.go setupNode, helper/envoy). */
export const DEFAULT_NODE_META: Readonly<Record<string, string>> = {
	"connect.sidecar_image": "docker.io/envoyproxy/envoy:v${NOMAD_envoy_version}",
	"connect.gateway_image": "docker.io/envoyproxy/envoy:v${NOMAD_envoy_version}",
	"connect.log_level": "info",
	"connect.proxy_concurrency": "1",
	"connect.transparent_proxy.default_uid": "101",
	"connect.transparent_proxy.default_outbound_port": "15001",
};

/** Go's time.Time JSON form (RFC 3339 with fractional seconds). */
const rfc3339 = (d: Date) => d.toISOString();

function reservedCoresWire(cores: number[] | undefined): number[] | null {
	return cores && cores.length > 0 ? [...new Set(cores)].sort((a, b) => a - b) : null;
}

export async function fingerprintNode(
	cfg: FingerprintConfig,
	nodeID: string,
	envOverrides: Partial<FingerprintEnv> = {},
): Promise<Node> {
	const env: FingerprintEnv = { ...defaultEnv(), ...envOverrides };
	const src = env.source;
	const attributes: Record<string, string> = {};

	// host + arch + signals
	Object.assign(attributes, hostAttributes(src, env.host));

	// cgroups
	const cgMode = detectCgroupMode(src, cfg.cgroupParent ?? "nomad.slice", env.ownerUid);
	const cgroupParent = cfg.cgroupParent ?? defaultCgroupParent(cgMode);
	const cgVersion = cgroupVersionAttr(cgMode);
	if (cgVersion) attributes["os.cgroups.version"] = cgVersion;

	// cpu
	const topology = scanTopology(src, {
		numCPU: env.numCPU,
		cgroupCpus: nomadEffectiveCpus(src, cgMode, cgroupParent),
		totalCompute: cfg.cpuTotalCompute,
		reservedCompute: cfg.reserved.cpu,
		reservedCores: cfg.reserved.cores,
	});
	// cpuid's brand string exists on x86 only; /proc/cpuinfo's "model name" carries the same text.
	const x86 = env.host.goarch === "amd64" || env.host.goarch === "386";
	const modelName = x86 ? parseCpuinfo(src.readFile("/proc/cpuinfo") ?? "").modelName : undefined;
	Object.assign(attributes, cpuAttributes(topology, modelName));

	// memory
	const mem = memoryFingerprint(env.totalMemBytes, cfg.memoryTotalMB);
	Object.assign(attributes, mem.attributes);

	// storage
	// Nomad's alloc_dir defaults to <data_dir>/alloc (and to the working directory without either).
	const allocDir = cfg.allocDir || (cfg.dataDir ? join(cfg.dataDir, "alloc") : "");
	const storage = await fingerprintStorage(src, allocDir, cfg.diskTotalMB);
	Object.assign(attributes, storage.attributes);

	// network
	const net = fingerprintNetwork(env.interfaces(), src, {
		networkInterface: cfg.networkInterface,
		networkSpeed: cfg.networkSpeed,
		routeTable: src.readFile("/proc/net/route"),
	});
	if (net) Object.assign(attributes, net.attributes);

	// nomad
	attributes["unique.advertise.address"] = cfg.httpAddr;
	attributes["nomad.version"] = cfg.nomadVersion;
	attributes["nomad.revision"] = cfg.nomadRevision ?? "";
	attributes["nomad.service_discovery"] = "true";

	// drivers (node_updater.go: detected → driver.<name>=1 and the driver's attributes)
	const drivers: Record<string, DriverInfo> = {};
	const updateTime = rfc3339(env.now());
	for (const name of Object.keys(cfg.drivers).sort()) {
		const d = cfg.drivers[name];
		drivers[name] = {
			Attributes: { ...d.attributes },
			Detected: d.detected,
			Healthy: d.healthy,
			HealthDescription: d.healthDescription,
			UpdateTime: updateTime,
		};
		if (!d.detected) continue;
		for (const [k, v] of Object.entries(d.attributes)) if (v !== "") attributes[k] = v;
		attributes[`driver.${name}`] = "1";
	}

	const nodeResources: NodeResources = {
		Cpu: cpuResources(topology),
		Processors: processorsWire(topology),
		Memory: { MemoryMB: mem.memoryMB },
		Disk: { DiskMB: storage.diskMB },
		Networks: net?.networks ?? null,
		NodeNetworks: net?.nodeNetworks ?? null,
		Devices: null,
		MinDynamicPort: cfg.minDynamicPort,
		MaxDynamicPort: cfg.maxDynamicPort,
	};
	const reservedResources: NodeReservedResources = {
		Cpu: { CpuShares: cfg.reserved.cpu, ReservedCpuCores: reservedCoresWire(cfg.reserved.cores) },
		Memory: { MemoryMB: cfg.reserved.memoryMB },
		Disk: { DiskMB: cfg.reserved.diskMB },
		Networks: { ReservedHostPorts: cfg.reserved.reservedPorts },
	};

	const node: Node = {
		ID: nodeID,
		SecretID: "",
		Datacenter: cfg.datacenter || "dc1",
		Name: cfg.nodeName || env.host.hostname || nodeID,
		CgroupParent: cgroupParent,
		HTTPAddr: cfg.httpAddr,
		TLSEnabled: cfg.tlsEnabled ?? false,
		Attributes: attributes,
		NodeResources: nodeResources,
		ReservedResources: reservedResources,
		Links: {},
		Meta: { ...DEFAULT_NODE_META, ...cfg.meta },
		NodeClass: cfg.nodeClass,
		NodePool: cfg.nodePool || "default",
		ComputedClass: "",
		DrainStrategy: null,
		SchedulingEligibility: cfg.defaultIneligible ? "ineligible" : "eligible",
		Status: "initializing",
		StatusDescription: "",
		IdentitySigningKeyID: "",
		StatusUpdatedAt: 0,
		Events: null,
		Drivers: drivers,
		CSIControllerPlugins: {},
		CSINodePlugins: {},
		HostVolumes: {},
		GCVolumesOnNodeGC: false,
		HostNetworks: null,
		LastDrain: null,
		NodeMaxAllocs: 0,
		LastMissedHeartbeatIndex: 0,
		LastAllocUpdateIndex: 0,
		CreateIndex: 0,
		ModifyIndex: 0,
		Drain: false,
	};
	node.ComputedClass = computeNodeClass(node);
	return node;
}
