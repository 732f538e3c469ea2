// Fixtures for the alloc runner's tests: a minimal job/group/task/alloc shaped as the server sends
// them, and a driver wrapper that remembers every pid it started so tests can prove none survive.

import { readdirSync, readFileSync } from "node:fs";
import type { Allocation } from "../../api/types/alloc.ts";
import type { Job, Task, TaskGroup } from "../../api/types/job.ts";
import { zeroGroup, zeroJob, zeroTask } from "../../api/types/zero.ts";
import type { TaskDriver, TaskHandle } from "../drivers/types.ts";

export function testTask(over: Partial<Task> = {}): Task {
	return zeroTask({
		Name: "web",
		Driver: "raw_exec",
		Config: { command: "/bin/true" },
		Resources: {
			CPU: 100,
			Cores: 0,
			MemoryMB: 64,
			MemoryMaxMB: 0,
			DiskMB: 0,
			IOPS: 0,
			Networks: null,
			Devices: null,
			NUMA: null,
			SecretsMB: 0,
		},
		KillTimeout: 2e9,
		LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
		...over,
	});
}

export function testGroup(tasks: Task[], over: Partial<TaskGroup> = {}): TaskGroup {
	return zeroGroup({
		Name: "g",
		Count: 1,
		RestartPolicy: { Attempts: 0, Interval: 10e9, Delay: 10e6, Mode: "fail", RenderTemplates: false },
		Tasks: tasks,
		EphemeralDisk: { Sticky: false, SizeMB: 300, Migrate: false },
		...over,
	});
}

export function testJob(groups: TaskGroup[], over: Partial<Job> = {}): Job {
	return zeroJob({
		Region: "global",
		Namespace: "default",
		ID: "example",
		Name: "example",
		Type: "batch",
		Priority: 50,
		Datacenters: ["dc1"],
		NodePool: "default",
		Constraints: null,
		TaskGroups: groups,
		Update: {
			Stagger: 0,
			MaxParallel: 0,
			HealthCheck: "checks",
			MinHealthyTime: 0,
			HealthyDeadline: 0,
			ProgressDeadline: 0,
			AutoRevert: false,
			AutoPromote: false,
			Canary: 0,
		},
		Status: "pending",
		CreateIndex: 1,
		ModifyIndex: 1,
		JobModifyIndex: 1,
		...over,
	});
}

let seq = 0;

export function testAlloc(job: Job, over: Partial<Allocation> = {}): Allocation {
	seq++;
	const id = `${String(seq).padStart(8, "0")}-1111-2222-3333-444444444444`;
	const group = job.TaskGroups[0];
	if (!group) throw new Error("job without groups");
	const tasks: NonNullable<Allocation["AllocatedResources"]>["Tasks"] = {};
	for (const t of group.Tasks) {
		tasks[t.Name] = {
			Cpu: { CpuShares: t.Resources.CPU, ReservedCores: null },
			Memory: { MemoryMB: t.Resources.MemoryMB, MemoryMaxMB: t.Resources.MemoryMaxMB },
			Networks: null,
			Devices: null,
		};
	}
	return {
		ID: id,
		Namespace: job.Namespace,
		EvalID: "eval",
		Name: `${job.ID}.${group.Name}[0]`,
		NodeID: "node-1",
		NodeName: "node-one",
		JobID: job.ID,
		Job: job,
		TaskGroup: group.Name,
		AllocatedResources: { Tasks: tasks, TaskLifecycles: {}, Shared: { Networks: null, DiskMB: 300, Ports: null } },
		DesiredStatus: "run",
		ClientStatus: "pending",
		CreateIndex: 10,
		ModifyIndex: 10,
		AllocModifyIndex: 10,
		CreateTime: 0,
		ModifyTime: 0,
		...over,
	};
}

/** Wraps a driver and records every started handle (pid included). */
export function recordingDriver(inner: TaskDriver): TaskDriver & { started: TaskHandle[] } {
	const started: TaskHandle[] = [];
	return {
		name: inner.name,
		started,
		fingerprint: () => inner.fingerprint(),
		async start(cfg) {
			const h = await inner.start(cfg);
			started.push(h);
			return h;
		},
	};
}

/**
 * True if a process (or, with a negative pid, a process group) exists and is not a zombie waiting
 * for an init that reaps slowly (orphans of a killed task are reparented to pid 1).
 */
export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === "EPERM";
	}
	if (pid < 0) {
		// A group that only has zombies left is as good as gone.
		for (const p of readdirSync("/proc")) {
			if (!/^\d+$/.test(p)) continue;
			const st = procStat(Number(p));
			if (st && st.pgrp === -pid && st.state !== "Z") return true;
		}
		return false;
	}
	const st = procStat(pid);
	return st !== undefined && st.state !== "Z";
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
	try {
		const s = readFileSync(`/proc/${pid}/stat`, "utf8");
		const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
		return { state: rest[0] as string, pgrp: Number(rest[2]) };
	} catch {
		return undefined;
	}
}
