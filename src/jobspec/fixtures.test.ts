// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// Nomad's own fixtures (jobspec2/test-fixtures, command/asset and the former jobspec/test-fixtures)
// with the values Nomad's parser produces for them (jobspec2/parse_test.go and the old
// jobspec/parse_test.go).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseJobspec } from "./index.ts";

const SEC = 1_000_000_000;
// biome-ignore lint/suspicious/noExplicitAny: navigating decoded job JSON in assertions
type J = Record<string, any>;

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name), "utf8");
const parse = async (src: string, opts = {}): Promise<J> => (await parseJobspec(src, opts)) as J;
const parseFixture = (name: string) => parse(fixture(name), { filename: name });

describe("Nomad fixtures", () => {
	it("example.nomad.hcl (nomad job init)", async () => {
		const job = await parseFixture("example.nomad.hcl");
		assert.equal(job.ID, "example");
		assert.equal(job.Name, "example");
		assert.equal(job.Region, null);
		assert.equal(job.Priority, null);
		assert.deepEqual(job.Datacenters, ["*"]);
		const tg = job.TaskGroups[0];
		assert.equal(tg.Name, "cache");
		assert.equal(tg.Count, 1);
		assert.deepEqual(tg.RestartPolicy, {
			Interval: 1800 * SEC,
			Attempts: 2,
			Delay: 15 * SEC,
			Mode: "fail",
			RenderTemplates: null,
		});
		assert.deepEqual(tg.EphemeralDisk, { Sticky: null, Migrate: null, SizeMB: 300 });
		assert.deepEqual(tg.Networks[0].DynamicPorts, [
			{ Label: "db", Value: 0, To: 6379, HostNetwork: "", IgnoreCollision: false },
		]);
		assert.equal(tg.Networks[0].ReservedPorts, null);
		assert.equal(tg.Services[0].Name, "redis-cache");
		assert.equal(tg.Services[0].Provider, "nomad");
		const t = tg.Tasks[0];
		assert.deepEqual(t.Config, { image: "redis:7", ports: ["db"], auth_soft_fail: true });
		assert.equal(t.Resources.CPU, 500);
		assert.equal(t.Resources.MemoryMB, 256);
		assert.equal(t.ShutdownDelay, 10 * SEC);
		assert.equal(t.Identity.Env, true);
		assert.deepEqual(t.Identities, []);
	});

	it("connect-example.hcl: upstream config keeps its number", async () => {
		const job = await parseFixture("connect-example.hcl");
		const svc = job.TaskGroups[0].Services[0];
		assert.equal(svc.Connect.SidecarService.Proxy.Upstreams[0].Config.connect_timeout_ms, 9999);
		assert.equal(svc.Connect.SidecarService.Proxy.Upstreams[0].DestinationName, "database");
		assert.equal(svc.PortLabel, "8080");
		assert.deepEqual(job.TaskGroups[0].Networks[0].ReservedPorts, [
			{ Label: "http", Value: 80, To: 8080, HostNetwork: "", IgnoreCollision: false },
		]);
		assert.equal(job.TaskGroups[0].Networks[0].DynamicPorts, null);
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Env, {
			COUNTING_SERVICE_URL: "http://${NOMAD_UPSTREAM_ADDR_database}",
		});
	});

	it("identity-compat.nomad.hcl: the default identity moves to Task.Identity", async () => {
		const t = (await parseFixture("identity-compat.nomad.hcl")).TaskGroups[0].Tasks[0];
		assert.equal(t.Identity.Env, true);
		assert.equal(t.Identity.File, true);
		assert.equal(t.Identities.length, 1);
		assert.deepEqual(t.Identities[0], {
			Name: "foo",
			Audience: ["bar"],
			ChangeMode: "signal",
			ChangeSignal: "sighup",
			Env: false,
			File: true,
			Filepath: "",
			ServiceName: "",
			TTL: 7200 * SEC,
			ExtraClaims: null,
		});
	});

	it("restart-render-templates.hcl", async () => {
		const tg = (await parseFixture("restart-render-templates.hcl")).TaskGroups[0];
		assert.equal(tg.RestartPolicy.RenderTemplates, true);
		assert.equal(tg.Tasks[0].RestartPolicy, null);
		assert.equal(tg.Tasks[1].RestartPolicy.RenderTemplates, false);
	});

	it("template fixtures: wait and error_on_missing_key, with template defaults", async () => {
		const wait = (await parseFixture("template-wait-config.hcl")).TaskGroups[0].Tasks[0].Templates[0];
		assert.deepEqual(wait.Wait, { Min: 5 * SEC, Max: 60 * SEC });
		assert.equal(wait.ChangeMode, "restart");
		assert.equal(wait.Perms, "0644");
		assert.equal(wait.Splay, 5 * SEC);
		assert.equal(wait.ErrMissingKey, false);
		const missing = (await parseFixture("template-err-missing-key.hcl")).TaskGroups[0].Tasks[0].Templates[0];
		assert.equal(missing.ErrMissingKey, true);
	});

	it("basic.hcl: the kitchen sink", async () => {
		const job = await parseFixture("basic.hcl");
		assert.equal(job.Region, "fooregion");
		assert.equal(job.Namespace, "foonamespace");
		assert.equal(job.NodePool, "dev");
		assert.equal(job.Type, "batch");
		assert.equal(job.Priority, 52);
		assert.equal(job.AllAtOnce, true);
		assert.deepEqual(job.Meta, { foo: "bar" });
		assert.deepEqual(job.Constraints, [
			{ LTarget: "kernel.os", RTarget: "windows", Operand: "=" },
			{ LTarget: "${attr.vault.version}", RTarget: ">= 0.6.1", Operand: "semver" },
		]);
		assert.deepEqual(job.Affinities, [{ LTarget: "${meta.team}", RTarget: "mobile", Operand: "=", Weight: 50 }]);
		assert.deepEqual(job.Spreads, [
			{
				Attribute: "${meta.rack}",
				Weight: 100,
				SpreadTarget: [
					{ Value: "r1", Percent: 40 },
					{ Value: "r2", Percent: 60 },
				],
			},
		]);
		assert.deepEqual(job.Update, {
			Stagger: 60 * SEC,
			MaxParallel: 2,
			HealthCheck: "manual",
			MinHealthyTime: 10 * SEC,
			HealthyDeadline: 600 * SEC,
			ProgressDeadline: 600 * SEC,
			Canary: 1,
			AutoRevert: true,
			AutoPromote: true,
		});
		// The top-level task becomes a group of its own, ahead of the declared groups.
		assert.deepEqual(
			job.TaskGroups.map((g: J) => g.Name),
			["outside", "binsl"],
		);
		assert.equal(job.TaskGroups[0].Count, null);
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Meta, { "my-cool-key": "foobar" });

		const tg = job.TaskGroups[1];
		assert.equal(tg.Count, 5);
		assert.deepEqual(Object.keys(tg.Volumes), ["foo", "bar", "baz"]);
		assert.equal(tg.Volumes.bar.MountOptions.FSType, "ext4");
		assert.equal(tg.Volumes.baz.PerAlloc, true);
		assert.deepEqual(tg.RestartPolicy, {
			Interval: 600 * SEC,
			Attempts: 5,
			Delay: 15 * SEC,
			Mode: "delay",
			RenderTemplates: false,
		});
		assert.deepEqual(tg.ReschedulePolicy, {
			Attempts: 5,
			Interval: 12 * 3600 * SEC,
			Delay: null,
			DelayFunction: null,
			MaxDelay: null,
			Unlimited: null,
		});
		assert.deepEqual(tg.EphemeralDisk, { Sticky: true, Migrate: null, SizeMB: 150 });
		assert.equal(tg.Update.Stagger, null);
		assert.equal(tg.Update.MaxParallel, 3);
		assert.deepEqual(tg.Migrate, {
			MaxParallel: 2,
			HealthCheck: "task_states",
			MinHealthyTime: 11 * SEC,
			HealthyDeadline: 660 * SEC,
		});
		assert.deepEqual(tg.Meta, { elb_mode: "tcp", elb_interval: "10", elb_checks: "3" });
		assert.equal(tg.StopAfterClientDisconnect, 120 * SEC);
		assert.equal(tg.MaxClientDisconnect, 120 * 3600 * SEC);
		assert.deepEqual(tg.Disconnect, {
			LostAfter: 120 * 3600 * SEC,
			StopOnClientAfter: 120 * SEC,
			Replace: true,
			Reconcile: "best_score",
		});

		const binstore = tg.Tasks[0];
		assert.equal(binstore.User, "bob");
		assert.equal(binstore.Leader, true);
		assert.equal(binstore.Kind, "connect-proxy:test");
		assert.deepEqual(binstore.Config, { image: "hashicorp/binstore", labels: [{ FOO: "bar" }] });
		assert.deepEqual(binstore.VolumeMounts, [
			{ Volume: "foo", Destination: "/mnt/foo", ReadOnly: null, PropagationMode: null, SELinuxLabel: null },
		]);
		assert.deepEqual(binstore.LogConfig, { MaxFiles: 14, MaxFileSizeMB: 101, Enabled: null, Disabled: false });
		assert.deepEqual(binstore.Env, { HELLO: "world", LOREM: "ipsum" });
		assert.equal(binstore.KillTimeout, 22 * SEC);
		assert.equal(binstore.ShutdownDelay, 11 * SEC);
		assert.deepEqual(binstore.Affinities, [
			{ LTarget: "${meta.foo}", RTarget: "a,b,c", Operand: "set_contains", Weight: 25 },
		]);
		const svc = binstore.Services[0];
		assert.deepEqual(
			[svc.Tags, svc.CanaryTags, svc.PortLabel, svc.Meta, svc.CanaryMeta],
			[["foo", "bar"], ["canary", "bam"], "http", { abc: "123" }, { canary: "boom" }],
		);
		assert.equal(svc.Checks[0].Interval, 10 * SEC);
		assert.equal(svc.Checks[0].GRPCUseTLS, true);
		assert.deepEqual(svc.Checks[0].CheckRestart, { Limit: 3, Grace: 10 * SEC, IgnoreWarnings: true });
		const res = binstore.Resources;
		assert.deepEqual([res.CPU, res.MemoryMB, res.MemoryMaxMB], [500, 128, 256]);
		assert.equal(res.Networks[0].MBits, 100);
		assert.deepEqual(
			res.Networks[0].ReservedPorts.map((p: J) => [p.Label, p.Value]),
			[
				["one", 1],
				["two", 2],
				["three", 3],
			],
		);
		assert.deepEqual(
			res.Networks[0].DynamicPorts.map((p: J) => p.Label),
			["http", "https", "admin"],
		);
		assert.equal(res.Devices[0].Name, "nvidia/gpu");
		assert.equal(res.Devices[0].Count, 10);
		assert.deepEqual(res.Devices[0].Constraints, [{ LTarget: "${device.attr.memory}", RTarget: "2GB", Operand: ">" }]);
		assert.deepEqual(res.Devices[1], { Name: "intel/gpu", Count: null, Constraints: null, Affinities: null });
		assert.deepEqual(binstore.Artifacts[1], {
			GetterSource: "http://bar.com/artifact",
			GetterOptions: { checksum: "md5:ff1cc0d3432dad54d607c1505fb7245c" },
			GetterHeaders: null,
			GetterMode: "file",
			GetterInsecure: null,
			RelativeDest: "test/foo/",
			Chown: false,
		});
		assert.deepEqual(binstore.Vault, {
			Policies: ["foo", "bar"],
			Role: "",
			Namespace: "ns1",
			Cluster: "",
			Env: true,
			DisableFile: false,
			ChangeMode: "restart",
			ChangeSignal: null,
			AllowTokenExpiration: null,
		});
		assert.equal(binstore.Templates[0].VaultGrace, 33 * SEC);
		assert.deepEqual(binstore.Templates[1].ChangeScript, {
			Command: "/bin/foo",
			Args: ["-debug", "-verbose"],
			Timeout: 5 * SEC,
			FailOnError: false,
			RunOnFirstRender: false,
		});
		assert.deepEqual(
			[binstore.Templates[1].Uid, binstore.Templates[1].Gid, binstore.Templates[1].LeftDelim],
			[1001, 20, "--"],
		);

		const locker = tg.Tasks[1];
		assert.deepEqual(locker.Lifecycle, { Hook: "prestart", Sidecar: true });
		assert.deepEqual(
			[locker.Vault.Env, locker.Vault.ChangeMode, locker.Vault.ChangeSignal],
			[false, "signal", "SIGUSR1"],
		);
	});

	it("vault_inheritance.hcl: task, then group, then job vault blocks", async () => {
		const job = await parseFixture("vault_inheritance.hcl");
		const pol = (g: number, t: number) => job.TaskGroups[g].Tasks[t].Vault.Policies;
		assert.deepEqual([pol(0, 0), pol(0, 1), pol(1, 0)], [["group"], ["task"], ["job"]]);
		assert.deepEqual(job.TaskGroups[0].Tasks[1].Vault.DisableFile, true);
		assert.deepEqual(job.TaskGroups[1].Tasks[0].Vault.Env, true);
	});

	it("multiregion.hcl", async () => {
		const m = (await parseFixture("multiregion.hcl")).Multiregion;
		assert.deepEqual(m.Strategy, { MaxParallel: 1, OnFailure: "fail_all" });
		assert.deepEqual(m.Regions, [
			{ Name: "west", Count: 2, Datacenters: ["west-1"], NodePool: "", Meta: { region_code: "W" } },
			{ Name: "east", Count: 1, Datacenters: ["east-1", "east-2"], NodePool: "", Meta: { region_code: "E" } },
		]);
	});

	it("parameterized_job.hcl and periodic-crons.hcl", async () => {
		const p = await parseFixture("parameterized_job.hcl");
		assert.deepEqual(p.ParameterizedJob, {
			Payload: "required",
			MetaRequired: ["foo", "bar"],
			MetaOptional: ["baz", "bam"],
		});
		assert.deepEqual(p.TaskGroups[0].Tasks[0].DispatchPayload, { File: "foo/bar" });
		const c = await parseFixture("periodic-crons.hcl");
		assert.deepEqual(c.Periodic, {
			Enabled: null,
			Spec: null,
			Specs: ["*/5 * * *", "*/7 * * *"],
			SpecType: "cron",
			ProhibitOverlap: true,
			TimeZone: "Europe/Minsk",
		});
	});

	it("tg-service-connect-gateway-ingress.hcl", async () => {
		const gw = (await parseFixture("tg-service-connect-gateway-ingress.hcl")).TaskGroups[0].Services[0].Connect.Gateway;
		assert.equal(gw.Proxy.ConnectTimeout, 3 * SEC);
		assert.deepEqual(gw.Proxy.EnvoyGatewayBindAddresses, {
			listener1: { Name: "listener1", Address: "10.0.0.1", Port: 8888 },
			listener2: { Name: "listener2", Address: "10.0.0.2", Port: 8889 },
		});
		assert.deepEqual(gw.Proxy.Config, { foo: "bar" });
		assert.deepEqual(gw.Ingress.TLS.CipherSuites, ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]);
		const nginx = gw.Ingress.Listeners[1].Services[0];
		assert.deepEqual(nginx.TLS.SDS, { ClusterName: "foo", CertResource: "bar" });
		assert.deepEqual(nginx.RequestHeaders, { Add: { test: "testvalue" }, Set: null, Remove: null });
		assert.deepEqual(nginx.ResponseHeaders.Remove, ["test2"]);
		assert.deepEqual([nginx.MaxConnections, nginx.MaxPendingRequests, nginx.MaxConcurrentRequests], [5120, 512, 2048]);
		assert.deepEqual(gw.Ingress.Listeners[0].Services[0].Hosts, ["127.0.0.1:8001", "[::1]:8001"]);
	});

	it("task-nested-config.hcl: nested config blocks become lists of maps", async () => {
		const job = await parseFixture("task-nested-config.hcl");
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Config, { image: "hashicorp/image", port_map: [{ db: 1234 }] });
	});

	it("scaling policies for groups and tasks", async () => {
		const g = (await parseFixture("tg-scaling-policy.hcl")).TaskGroups[0].Scaling;
		assert.equal(g.Min, 5);
		assert.equal(g.Max, 100);
		assert.equal(g.Enabled, false);
		assert.equal(g.Type, "horizontal");
		assert.deepEqual(g.Policy, { foo: "bar", b: true, val: 5, f: 0.1, check: [{ foo: [{ query: "some_query" }] }] });
		const t = (await parseFixture("task-scaling-policy.hcl")).TaskGroups[0].Tasks[0].ScalingPolicies;
		assert.deepEqual(
			t.map((p: J) => [p.Type, p.Min, p.Max, p.Enabled, p.Policy]),
			[
				["vertical_cpu", 50, 1000, true, { test: "cpu" }],
				["vertical_mem", 128, 1024, false, { test: "mem" }],
			],
		);
	});

	it("csi-plugin.hcl", async () => {
		const t = (await parseFixture("csi-plugin.hcl")).TaskGroups[0].Tasks[0];
		assert.deepEqual(t.CSIPluginConfig, {
			ID: "org.hashicorp.csi",
			Type: "monolith",
			MountDir: "/csi/test",
			StagePublishBaseDir: "",
			HealthTimeout: 60 * SEC,
		});
	});

	it("connect.nomad.hcl (nomad job init -connect)", async () => {
		const job = await parseFixture("connect.nomad.hcl");
		assert.ok(job.TaskGroups.length >= 2);
		for (const tg of job.TaskGroups) assert.equal(tg.Networks[0].Mode, "bridge");
	});
});
