// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Job } from "../../api/types/index.ts";
import { HOUR, MINUTE, SECOND } from "../../lib/duration.ts";
import { CodedError } from "../../lib/errors.ts";
import { apiJobToStructs } from "./index.ts";
import { exampleApiJob, minimalApiJob, testConfig } from "./testFixtures.ts";
import type { ScalingPolicy, Service, WorkloadIdentity } from "./types.ts";

const convert = (j: unknown): Job => apiJobToStructs(j, testConfig);

test("the `nomad job init` example becomes the structs.Job Nomad stores", () => {
	const job = convert(exampleApiJob());
	assert.deepEqual(Object.keys(job).slice(0, 16), [
		"Stop",
		"Region",
		"Namespace",
		"ID",
		"ParentID",
		"Name",
		"Type",
		"Priority",
		"AllAtOnce",
		"Datacenters",
		"NodePool",
		"Constraints",
		"Affinities",
		"Spreads",
		"TaskGroups",
		"Update",
	]);
	assert.equal(job.Region, "global");
	assert.equal(job.Namespace, "default");
	assert.equal(job.Priority, 50);
	assert.equal(job.NodePool, "default");
	assert.deepEqual(job.Datacenters, ["*"]);
	// Only stagger and max_parallel stay on the job.
	assert.deepEqual(job.Update, {
		Stagger: 30 * SECOND,
		MaxParallel: 1,
		HealthCheck: "",
		MinHealthyTime: 0,
		HealthyDeadline: 0,
		ProgressDeadline: 0,
		AutoRevert: false,
		AutoPromote: false,
		Canary: 0,
	});
	assert.deepEqual(job.UI, {
		Description: "Nomad **Example** Job",
		Links: [{ Label: "Learn more about Nomad", Url: "https://developer.hashicorp.com/nomad" }],
	});
	const tg = job.TaskGroups[0];
	assert.equal(tg.Count, 1);
	assert.deepEqual(tg.Update, {
		Stagger: 30 * SECOND,
		MaxParallel: 1,
		HealthCheck: "checks",
		MinHealthyTime: 10 * SECOND,
		HealthyDeadline: 3 * MINUTE,
		ProgressDeadline: 10 * MINUTE,
		AutoRevert: false,
		AutoPromote: false,
		Canary: 0,
	});
	assert.deepEqual(tg.Migrate, {
		MaxParallel: 1,
		HealthCheck: "checks",
		MinHealthyTime: 10 * SECOND,
		HealthyDeadline: 5 * MINUTE,
	});
	assert.deepEqual(tg.ReschedulePolicy, {
		Attempts: 0,
		Interval: 0,
		Delay: 30 * SECOND,
		DelayFunction: "exponential",
		MaxDelay: HOUR,
		Unlimited: true,
	});
	assert.deepEqual(tg.EphemeralDisk, { Sticky: false, SizeMB: 300, Migrate: false });
	assert.deepEqual(tg.Networks, [{ DynamicPorts: [{ Label: "db", To: 6379, HostNetwork: "default" }] }]);
	const svc = (tg.Services as Service[])[0];
	assert.equal(svc.Name, "redis-cache");
	assert.equal(svc.Provider, "nomad");
	assert.equal(svc.Namespace, "default");
	assert.equal(svc.AddressMode, "auto");
	assert.equal(svc.OnUpdate, "require_healthy");
	assert.equal(svc.Cluster, "default");
	assert.equal(svc.TaskName, "");
	const task = tg.Tasks[0];
	assert.deepEqual(task.Resources, {
		CPU: 500,
		Cores: 0,
		MemoryMB: 256,
		MemoryMaxMB: 0,
		DiskMB: 0,
		IOPS: 0,
		Networks: null,
		Devices: null,
		NUMA: null,
		SecretsMB: 0,
	});
	assert.deepEqual(task.RestartPolicy, tg.RestartPolicy);
	assert.equal(task.KillTimeout, 5 * SECOND);
	assert.equal(task.ShutdownDelay, 10 * SECOND);
	assert.deepEqual(task.LogConfig, { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false });
	// The unnamed identity block becomes the default identity.
	assert.deepEqual(task.Identity, {
		Name: "default",
		Audience: ["nomadproject.io"],
		ChangeMode: "",
		ChangeSignal: "",
		Env: true,
		File: true,
		Filepath: "",
		ServiceName: "",
		TTL: 0,
		ExtraClaims: null,
	});
	assert.deepEqual(task.Identities, []);
	assert.deepEqual(task.Config, { image: "redis:7", ports: ["db"], auth_soft_fail: true });
});

test("defaults per job type", () => {
	const groupOf = (type: string) => convert(minimalApiJob({ Type: type })).TaskGroups[0];
	const service = groupOf("service");
	assert.deepEqual(service.RestartPolicy, {
		Attempts: 2,
		Interval: 30 * MINUTE,
		Delay: 15 * SECOND,
		Mode: "fail",
		RenderTemplates: false,
	});
	assert.equal(service.ReschedulePolicy?.Unlimited, true);
	assert.ok(service.Update);
	assert.ok(service.Migrate);

	const batch = groupOf("batch");
	assert.deepEqual(batch.RestartPolicy, {
		Attempts: 3,
		Interval: 24 * HOUR,
		Delay: 15 * SECOND,
		Mode: "fail",
		RenderTemplates: false,
	});
	assert.deepEqual(batch.ReschedulePolicy, {
		Attempts: 1,
		Interval: 24 * HOUR,
		Delay: 5 * SECOND,
		DelayFunction: "constant",
		MaxDelay: 0,
		Unlimited: false,
	});
	assert.equal(batch.Update, null);
	assert.equal(batch.Migrate, null);

	const system = groupOf("system");
	assert.equal(system.RestartPolicy?.Attempts, 2);
	assert.equal(system.ReschedulePolicy, null);
	assert.ok(system.Update);
	assert.equal(system.Migrate, null);

	const sysbatch = groupOf("sysbatch");
	assert.equal(sysbatch.RestartPolicy?.Attempts, 3);
	assert.equal(sysbatch.ReschedulePolicy, null);
	assert.equal(sysbatch.Update, null);

	const batchJob = convert(minimalApiJob({ Type: "batch" }));
	assert.equal(batchJob.Update.MaxParallel, 0);
	assert.equal(batchJob.Update.Stagger, 0);
});

test("job-level update, reschedule and migrate merge into groups; group settings win", () => {
	const job = convert({
		ID: "j",
		Update: { MaxParallel: 2, Canary: 1 },
		Reschedule: { Attempts: 5, Unlimited: false, Interval: HOUR },
		Migrate: { MaxParallel: 3 },
		TaskGroups: [
			{
				Name: "a",
				Update: { Canary: 3 },
				ReschedulePolicy: { Delay: 10 * SECOND },
				Tasks: [{ Name: "t", Driver: "exec" }],
			},
			{ Name: "b", Tasks: [{ Name: "t", Driver: "exec" }] },
		],
	});
	const [a, b] = job.TaskGroups;
	assert.equal(a.Update?.MaxParallel, 2);
	assert.equal(a.Update?.Canary, 3);
	assert.equal(b.Update?.Canary, 1);
	assert.equal(a.Update?.HealthyDeadline, 5 * MINUTE);
	assert.deepEqual(a.ReschedulePolicy, {
		Attempts: 5,
		Interval: HOUR,
		Delay: 10 * SECOND,
		DelayFunction: "exponential",
		MaxDelay: HOUR,
		Unlimited: false,
	});
	assert.equal(b.ReschedulePolicy?.Delay, 30 * SECOND);
	assert.equal(a.Migrate?.MaxParallel, 3);
	assert.equal(a.Migrate?.HealthCheck, "checks");
	assert.equal(job.Update.MaxParallel, 2);
});

test("task restart policy merges over the group's; resources with cores default cpu to 0", () => {
	const job = convert(
		minimalApiJob(
			{},
			{ RestartPolicy: { Attempts: 7 }, Resources: { Cores: 2 }, KillTimeout: 0, LogConfig: { MaxFiles: 3 } },
		),
	);
	const t = job.TaskGroups[0].Tasks[0];
	assert.deepEqual(t.RestartPolicy, {
		Attempts: 7,
		Interval: 30 * MINUTE,
		Delay: 15 * SECOND,
		Mode: "fail",
		RenderTemplates: false,
	});
	assert.equal(t.Resources.CPU, 0);
	assert.equal(t.Resources.Cores, 2);
	assert.equal(t.Resources.MemoryMB, 300);
	// An explicit 0 kill timeout is defaulted by the server.
	assert.equal(t.KillTimeout, 5 * SECOND);
	assert.deepEqual(t.LogConfig, { MaxFiles: 3, MaxFileSizeMB: 10, Disabled: false });
	const plain = convert(minimalApiJob()).TaskGroups[0].Tasks[0];
	assert.equal(plain.Resources.CPU, 100);
});

test("keys match case-insensitively; the last matching key wins; unknown keys are ignored", () => {
	const job = convert({
		id: "lower",
		TYPE: "batch",
		priority: 70,
		Priority: 80,
		bogus: 1,
		taskgroups: [
			{ name: "g", COUNT: 2, tasks: [{ name: "t", driver: "docker", resources: { cpu: 250, memorymb: 64 } }] },
		],
		meta: { Key: "Value" },
	});
	assert.equal(job.ID, "lower");
	assert.equal(job.Name, "lower");
	assert.equal(job.Type, "batch");
	assert.equal(job.Priority, 80);
	assert.equal(job.TaskGroups[0].Count, 2);
	assert.equal(job.TaskGroups[0].Tasks[0].Resources.CPU, 250);
	assert.equal(job.TaskGroups[0].Tasks[0].Resources.MemoryMB, 64);
	assert.deepEqual(job.Meta, { Key: "Value" });
	assert.equal("bogus" in job, false);
});

test("wrong JSON types fail like Go's encoding/json", () => {
	const cases: [unknown, string][] = [
		[{ ID: "x", Priority: "high" }, "json: cannot unmarshal string into Go struct field Job.Job.Priority of type int"],
		[
			{ ID: "x", TaskGroups: [{ Name: "g", Count: "2" }] },
			"json: cannot unmarshal string into Go struct field TaskGroup.Job.TaskGroups.Count of type int",
		],
		[
			{ ID: "x", TaskGroups: [{ Name: "g", Count: 1.5 }] },
			"json: cannot unmarshal number 1.5 into Go struct field TaskGroup.Job.TaskGroups.Count of type int",
		],
		[{ ID: 5 }, "json: cannot unmarshal number into Go struct field Job.Job.ID of type string"],
		[
			{ ID: "x", Datacenters: "dc1" },
			"json: cannot unmarshal string into Go struct field Job.Job.Datacenters of type []string",
		],
		[
			{ ID: "x", Update: [] },
			"json: cannot unmarshal array into Go struct field Job.Job.Update of type api.UpdateStrategy",
		],
		[
			{ ID: "x", Affinities: [{ Weight: 300 }] },
			"json: cannot unmarshal number 300 into Go struct field Affinity.Job.Affinities.Weight of type int8",
		],
		[
			{ ID: "x", TaskGroups: [{ Tasks: [{ KillTimeout: "5s" }] }] },
			"json: cannot unmarshal string into Go struct field Task.Job.TaskGroups.Tasks.KillTimeout of type time.Duration",
		],
		["job", "json: cannot unmarshal string into Go struct field JobRegisterRequest.Job of type api.Job"],
	];
	for (const [input, message] of cases) {
		assert.throws(
			() => convert(input),
			(err: unknown) => err instanceof CodedError && err.code === 400 && err.message === message,
			message,
		);
	}
});

test("null leaves fields unset; empty maps and lists become null", () => {
	const job = convert({
		ID: "x",
		Name: null,
		Meta: {},
		Constraints: [],
		Datacenters: [],
		TaskGroups: [{ Name: "g", Meta: {}, Tasks: [{ Name: "t", Driver: "exec", Env: {}, Config: {}, Meta: {} }] }],
	});
	assert.equal(job.Name, "x");
	assert.equal(job.Meta, null);
	assert.equal(job.Constraints, null);
	assert.deepEqual(job.Datacenters, ["*"]);
	assert.equal(job.TaskGroups[0].Meta, null);
	const t = job.TaskGroups[0].Tasks[0];
	assert.equal(t.Env, null);
	assert.equal(t.Config, null);
	assert.equal(t.Meta, null);
});

test("region: explicit non-global regions stay, others land in the agent's region", () => {
	const cfg = { ...testConfig, region: "eu" };
	assert.equal(apiJobToStructs(minimalApiJob(), cfg).Region, "eu");
	assert.equal(apiJobToStructs(minimalApiJob({ Region: "global" }), cfg).Region, "eu");
	assert.equal(apiJobToStructs(minimalApiJob({ Region: "us" }), cfg).Region, "us");
	assert.equal(apiJobToStructs(minimalApiJob({ Region: "us" }), cfg, { region: "ap" }).Region, "ap");
});

test("the request namespace wins and flows into scaling targets and nomad services", () => {
	const api = {
		ID: "j",
		Namespace: "job-ns",
		TaskGroups: [
			{
				Name: "g",
				Scaling: { Max: 2 },
				Services: [{ Name: "s", Provider: "nomad" }],
				Tasks: [{ Name: "t", Driver: "exec" }],
			},
		],
	};
	const job = apiJobToStructs(api, testConfig, { namespace: "req-ns" });
	assert.equal(job.Namespace, "req-ns");
	assert.equal((job.TaskGroups[0].Scaling as ScalingPolicy).Target?.Namespace, "req-ns");
	assert.equal((job.TaskGroups[0].Services as Service[])[0].Namespace, "req-ns");
	assert.equal(apiJobToStructs(api, testConfig).Namespace, "job-ns");
});

test("priority: unset is 50 (api default); an explicit 0 takes the server's job_default_priority", () => {
	const cfg = { ...testConfig, jobDefaultPriority: 70 };
	assert.equal(apiJobToStructs(minimalApiJob(), cfg).Priority, 50);
	assert.equal(apiJobToStructs(minimalApiJob({ Priority: 0 }), cfg).Priority, 70);
});

test("group count comes from scaling.min when unset; scaling policies get targets", () => {
	const job = convert({
		ID: "j",
		Namespace: "prod",
		TaskGroups: [{ Name: "g", Scaling: { Min: 3, Max: 10 }, Tasks: [{ Name: "t", Driver: "exec" }] }],
	});
	const tg = job.TaskGroups[0];
	assert.equal(tg.Count, 3);
	assert.deepEqual(tg.Scaling as ScalingPolicy, {
		ID: "",
		Type: "horizontal",
		Target: { Namespace: "prod", Job: "j", Group: "g" },
		Policy: null,
		Min: 3,
		Max: 10,
		Enabled: true,
		CreateIndex: 0,
		ModifyIndex: 0,
	});
	const noMax = convert({ ID: "j", TaskGroups: [{ Name: "g", Count: 2, Scaling: {}, Tasks: [{ Name: "t" }] }] });
	assert.equal((noMax.TaskGroups[0].Scaling as ScalingPolicy).Max, -1);
	assert.equal((noMax.TaskGroups[0].Scaling as ScalingPolicy).Min, 2);
});

test("services: names, checks and providers are defaulted and interpolated", () => {
	const job = convert({
		ID: "shop",
		TaskGroups: [
			{
				Name: "api",
				Networks: [{ DynamicPorts: [{ Label: "http" }] }],
				Services: [{ PortLabel: "http", Checks: [{ Type: "http", Path: "/", Interval: SECOND, Timeout: SECOND }] }],
				Tasks: [
					{
						Name: "srv",
						Driver: "exec",
						Services: [
							{
								Name: "${JOB}-${TASK}",
								Provider: "nomad",
								CheckRestart: { Limit: 3 },
								Checks: [{ Type: "tcp", TaskName: "x" }],
							},
						],
					},
				],
			},
		],
	});
	const tg = job.TaskGroups[0];
	const gs = (tg.Services as Service[])[0];
	assert.equal(gs.Name, "shop-api");
	assert.equal(gs.Provider, "consul");
	assert.equal(gs.Namespace, "default");
	assert.equal(gs.Checks?.[0].Name, 'service: "shop-api" check');
	assert.equal(gs.Checks?.[0].OnUpdate, "require_healthy");
	assert.equal(gs.Checks?.[0].TaskName, "");
	const ts = (tg.Tasks[0].Services as Service[])[0];
	assert.equal(ts.Name, "shop-srv");
	assert.equal(ts.TaskName, "srv");
	assert.equal(ts.Checks?.[0].TaskName, "srv", "task-level checks drop their own task and get the service's");
	assert.deepEqual(ts.Checks?.[0].CheckRestart, { Limit: 3, Grace: SECOND, IgnoreWarnings: false });
});

test("artifacts and templates get the api defaults", () => {
	const t = convert(
		minimalApiJob(
			{},
			{
				Artifacts: [
					{ GetterSource: "https://x.io/a/file.tgz", GetterMode: "file" },
					{ GetterSource: "git::https://x" },
				],
				Templates: [
					{ DestPath: "local/a", EmbeddedTmpl: "x", ChangeMode: "signal" },
					{ DestPath: "local/b", ChangeSignal: "sigusr1" },
				],
			},
		),
	).TaskGroups[0].Tasks[0];
	assert.equal(t.Artifacts?.[0].RelativeDest, "local/file.tgz");
	assert.equal(t.Artifacts?.[1].RelativeDest, "local/");
	assert.equal(t.Artifacts?.[1].GetterMode, "any");
	const [a, b] = t.Templates ?? [];
	assert.equal(a.ChangeSignal, "SIGHUP");
	assert.equal(a.Splay, 5 * SECOND);
	assert.equal(a.Perms, "0644");
	assert.equal(a.LeftDelim, "{{");
	assert.equal(b.ChangeMode, "restart");
	assert.equal(b.ChangeSignal, "SIGUSR1");
});

test("identities: named identities stay, a default one is always present", () => {
	const t = convert(minimalApiJob({}, { Identities: [{ Name: "vault_default", Audience: ["vault.io"], TTL: HOUR }] }))
		.TaskGroups[0].Tasks[0];
	assert.equal((t.Identity as WorkloadIdentity).Name, "default");
	assert.deepEqual(
		(t.Identities as WorkloadIdentity[]).map((i) => i.Name),
		["vault_default"],
	);
});

test("only host and csi volumes survive conversion", () => {
	const tg = convert({
		ID: "j",
		TaskGroups: [
			{
				Name: "g",
				Volumes: { data: { Name: "data", Type: "host", Source: "data" }, odd: { Type: "nfs" } },
				Tasks: [
					{
						Name: "t",
						Driver: "exec",
						VolumeMounts: [{ Volume: "data", Destination: "/data" }, { Destination: "/x" }],
					},
				],
			},
		],
	}).TaskGroups[0];
	assert.deepEqual(Object.keys(tg.Volumes ?? {}), ["data"]);
	assert.deepEqual(tg.Tasks[0].VolumeMounts, [
		{ Volume: "data", Destination: "/data", ReadOnly: false, PropagationMode: "private", SELinuxLabel: "" },
	]);
});

test("periodic and parameterized blocks get their defaults", () => {
	const job = convert(minimalApiJob({ Type: "batch", Periodic: { Specs: ["@daily"] }, ParameterizedJob: {} }));
	assert.deepEqual(job.Periodic, {
		Enabled: true,
		Spec: "",
		Specs: ["@daily"],
		SpecType: "cron",
		ProhibitOverlap: false,
		TimeZone: "UTC",
	});
	assert.deepEqual(job.ParameterizedJob, { Payload: "optional", MetaRequired: null, MetaOptional: null });
});
