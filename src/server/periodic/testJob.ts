// Test fixture: a minimal structs-shaped batch job (only what the periodic code reads).
import type { Job } from "../../api/types/job.ts";

export function testJob(over: Partial<Job> = {}): Job {
	return {
		Stop: false,
		Region: "global",
		Namespace: "default",
		ID: "cron",
		ParentID: "",
		Name: "cron",
		Type: "batch",
		Priority: 50,
		AllAtOnce: false,
		Datacenters: ["*"],
		NodePool: "default",
		Constraints: null,
		Affinities: null,
		Spreads: null,
		TaskGroups: [
			{
				Name: "g",
				Count: 1,
				Tasks: [{ Name: "t", Driver: "raw_exec", Config: { command: "/bin/true" } }],
				Meta: null,
			} as unknown as Job["TaskGroups"][number],
		],
		Update: {} as Job["Update"],
		Multiregion: null,
		Periodic: null,
		ParameterizedJob: null,
		Dispatched: false,
		DispatchIdempotencyToken: "",
		Payload: null,
		Meta: { owner: "ops" },
		ConsulNamespace: "",
		VaultNamespace: "",
		NomadTokenID: "",
		Status: "running",
		StatusDescription: "",
		Stable: false,
		Version: 3,
		SubmitTime: 0,
		CreateIndex: 10,
		ModifyIndex: 12,
		JobModifyIndex: 12,
		UI: null,
		VersionTag: null,
		...over,
	};
}

export function periodicJob(spec: string, over: Partial<Job> = {}, periodic: Partial<Job["Periodic"]> = {}): Job {
	return testJob({
		Periodic: {
			Enabled: true,
			Spec: spec,
			Specs: null,
			SpecType: "cron",
			ProhibitOverlap: false,
			TimeZone: "",
			...periodic,
		},
		...over,
	});
}
