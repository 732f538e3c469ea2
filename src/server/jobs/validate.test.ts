// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Job } from "../../api/types/index.ts";
import { SECOND } from "../../lib/duration.ts";
import { cronError } from "./cron.ts";
import { addImpliedConstraints, apiJobToStructs, formatValidationErrors, validateJob } from "./index.ts";
import { exampleApiJob, minimalApiJob, testConfig } from "./testFixtures.ts";

const admit = (apiJob: unknown, cfg = testConfig): string[] =>
	validateJob(addImpliedConstraints(apiJobToStructs(apiJob, cfg)), cfg);

/** A group's nested error text as Nomad prints it. */
const groupErr = (name: string, ...errs: string[]): string =>
	`Task group ${name} validation failed: ${formatValidationErrors(errs)}`;
const taskErr = (name: string, ...errs: string[]): string =>
	`Task ${name} validation failed: ${formatValidationErrors(errs)}`;

test("valid jobs pass", () => {
	assert.deepEqual(admit(exampleApiJob()), []);
	assert.deepEqual(admit(minimalApiJob()), []);
	for (const type of ["batch", "system", "sysbatch"]) assert.deepEqual(admit(minimalApiJob({ Type: type })), [], type);
});

test("formatValidationErrors is go-multierror's list format", () => {
	assert.equal(formatValidationErrors(["Missing job ID"]), "1 error occurred:\n\t* Missing job ID\n\n");
	assert.equal(formatValidationErrors(["a", "b"]), "2 errors occurred:\n\t* a\n\t* b\n\n");
});

test("validation errors, as Nomad words them", () => {
	const cases: [string, unknown, string[]][] = [
		["missing ID", minimalApiJob({ ID: "" }), ["Missing job ID", "Missing job name"]],
		["space in ID", minimalApiJob({ ID: "a b" }), ["Job ID contains a space"]],
		["null in name", minimalApiJob({ Name: "a\u0000b" }), ["Job Name contains a null character"]],
		["bad type", minimalApiJob({ Type: "cron" }), ['Invalid job type: "cron"']],
		["priority", minimalApiJob({ Priority: 101 }), ["job priority must be between [1, 100]"]],
		["empty datacenter", minimalApiJob({ Datacenters: ["dc1", ""] }), ["Job datacenter must be non-empty string"]],
		["no groups", { ID: "x", TaskGroups: [] }, ["Missing job task groups"]],
		[
			"duplicate groups",
			{ ID: "x", TaskGroups: [1, 2].map(() => ({ Name: "g", Tasks: [{ Name: "t", Driver: "exec" }] })) },
			["Job task group 2 redefines 'g' from group 1"],
		],
		["missing driver", minimalApiJob({}, { Driver: "" }), [groupErr("web", taskErr("server", "Missing task driver"))]],
		[
			"task named alloc",
			minimalApiJob({}, { Name: "alloc" }),
			[groupErr("web", taskErr("alloc", 'Task cannot be named "alloc"'))],
		],
		[
			"negative count",
			{ ID: "x", TaskGroups: [{ Name: "g", Count: -1, Tasks: [{ Name: "t", Driver: "exec" }] }] },
			[groupErr("g", "Task group count can't be negative")],
		],
		[
			"duplicate tasks",
			{
				ID: "x",
				TaskGroups: [
					{
						Name: "g",
						Tasks: [
							{ Name: "t", Driver: "exec" },
							{ Name: "t", Driver: "exec" },
						],
					},
				],
			},
			[groupErr("g", "Task 2 redefines 't' from task 1")],
		],
		["no tasks", { ID: "x", TaskGroups: [{ Name: "g" }] }, [groupErr("g", "Missing tasks for task group")]],
		[
			"constraint with unknown operand",
			minimalApiJob({ Constraints: [{ LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "equals" }] }),
			[`Constraint 1 validation failed: ${formatValidationErrors(['Unknown constraint type "equals"'])}`],
		],
		[
			"constraint without attribute braces",
			minimalApiJob({ Constraints: [{ LTarget: "${attr.kernel.name", RTarget: "linux", Operand: "=" }] }),
			[
				`Constraint 1 validation failed: ${formatValidationErrors(['attribute "${attr.kernel.name" is missing a closing brace'])}`,
			],
		],
		[
			"bad semver constraint",
			minimalApiJob({ Constraints: [{ LTarget: "${attr.nomad.version}", RTarget: ">= one", Operand: "semver" }] }),
			[
				`Constraint 1 validation failed: ${formatValidationErrors(["Semver constraint is invalid: Malformed constraint: >= one"])}`,
			],
		],
		[
			"periodic on a service job",
			minimalApiJob({ Periodic: { Specs: ["@daily"] } }),
			[`Periodic can only be used with "batch" or "sysbatch" scheduler`],
		],
		[
			"periodic without a spec",
			minimalApiJob({ Type: "batch", Periodic: {} }),
			[formatValidationErrors(["Must specify a spec"])],
		],
		[
			"bad cron",
			minimalApiJob({ Type: "batch", Periodic: { Spec: "* * *" } }),
			[formatValidationErrors(['Invalid cron spec "* * *": missing field(s)'])],
		],
		[
			"parameterized service",
			minimalApiJob({ ParameterizedJob: { Payload: "maybe", MetaRequired: ["a"], MetaOptional: ["a"] } }),
			[
				`Parameterized job can only be used with "batch" or "sysbatch" scheduler`,
				formatValidationErrors([
					'Unknown payload requirement: "maybe"',
					"Required and optional meta keys should be disjoint. Following keys exist in both: [a]",
				]),
			],
		],
		[
			"system job with scaling and count",
			{ ID: "x", Type: "system", TaskGroups: [{ Name: "g", Count: 2, Tasks: [{ Name: "t", Driver: "exec" }] }] },
			["Job task group g has count 2. Count cannot exceed 1 with system scheduler"],
		],
		[
			"update block on a batch job",
			{ ID: "x", Type: "batch", TaskGroups: [{ Name: "g", Update: {}, Tasks: [{ Name: "t", Driver: "exec" }] }] },
			[groupErr("g", 'Job type "batch" does not allow update block')],
		],
		[
			"resources and logs",
			minimalApiJob({}, { Resources: { CPU: 0, MemoryMB: 5 }, LogConfig: { MaxFiles: 40, MaxFileSizeMB: 10 } }),
			[
				groupErr(
					"web",
					taskErr(
						"server",
						// Resources.Validate holds MeetsMinResources' multierror as one entry.
						formatValidationErrors([
							formatValidationErrors(["minimum CPU value is 1; got 0", "minimum MemoryMB value is 10; got 5"]),
						]),
						formatValidationErrors(["log storage (400 MB) must be less than requested disk capacity (300 MB)"]),
					),
				),
			],
		],
		[
			"service port that does not exist",
			minimalApiJob({}, { Services: [{ Name: "web", PortLabel: "http", Provider: "nomad" }] }),
			[
				groupErr(
					"web",
					taskErr("server", formatValidationErrors(['port label "http" referenced by services web does not exist'])),
				),
			],
		],
		[
			"job_max_count",
			{ ID: "x", TaskGroups: [{ Name: "g", Count: 60000, Tasks: [{ Name: "t", Driver: "exec" }] }] },
			["total count was greater than configured job_max_count: 60000 > 50000"],
		],
		[
			"vault without a vault server",
			minimalApiJob({}, { Vault: {} }),
			['Vault "default" not enabled but used in the job'],
		],
		["multiregion", minimalApiJob({ Multiregion: { Regions: [{ Name: "a" }] } }), ["Multiregion jobs are unlicensed."]],
	];
	for (const [name, job, want] of cases) assert.deepEqual(admit(job), want, name);
});

test("restart policy errors are flattened into the group's list", () => {
	const errs = admit({
		ID: "x",
		TaskGroups: [
			{
				Name: "g",
				RestartPolicy: { Attempts: 10, Interval: 10 * SECOND, Delay: 5 * SECOND, Mode: "retry" },
				Tasks: [{ Name: "t", Driver: "exec" }],
			},
		],
	});
	assert.deepEqual(errs, [
		groupErr(
			"g",
			'Unsupported restart mode: "retry"',
			"Nomad can't restart the TaskGroup 10 times in an interval of 10s with a delay of 5s",
		),
	]);
});

test("a whole failing job formats like Nomad's HTTP 500 body", () => {
	const errs = admit({ ID: "x", TaskGroups: [{ Name: "g", Tasks: [{ Name: "t" }] }] });
	assert.equal(
		formatValidationErrors(errs),
		"1 error occurred:\n\t* Task group g validation failed: 1 error occurred:\n\t* Task t validation failed: 1 error occurred:\n\t* Missing task driver\n\n\n\n\n\n",
	);
});

test("the default priority limit follows job_max_priority", () => {
	const cfg = { ...testConfig, jobMaxPriority: 200 };
	assert.deepEqual(admit(minimalApiJob({ Priority: 150 }), cfg), []);
	assert.deepEqual(admit(minimalApiJob({ Priority: 201 }), cfg), ["job priority must be between [1, 200]"]);
});

test("reschedule policy cross-validation", () => {
	const job = (p: Record<string, unknown>) =>
		({
			ID: "x",
			Type: "batch",
			TaskGroups: [{ Name: "g", ReschedulePolicy: p, Tasks: [{ Name: "t", Driver: "exec" }] }],
		}) as const;
	assert.deepEqual(admit(job({ Attempts: 5, Interval: 20 * SECOND, Delay: 5 * SECOND })), [
		groupErr(
			"g",
			'Nomad can only make 4 attempts in 20s with initial delay 5s and delay function "constant"',
			"Set the interval to at least 25s to accommodate 5 attempts",
		),
	]);
	assert.deepEqual(admit(job({ Attempts: 1, Unlimited: true, DelayFunction: "linear" })), [
		groupErr(
			"g",
			"Reschedule Policy with Attempts = 1, Interval = 24h0m0s, and Unlimited = true is ambiguous",
			"If Attempts >0, Unlimited cannot also be set to true",
			'Invalid delay function "linear", must be one of ["constant" "exponential" "fibonacci"]',
			"Max Delay cannot be less than 5s (got 5s)",
			"Max Delay cannot be less than Delay 5s (got 0s)",
		),
	]);
});

test("cron syntax follows cronexpr", () => {
	assert.equal(cronError("*/15 * * * *"), undefined);
	assert.equal(cronError("@daily"), undefined);
	assert.equal(cronError("0 0 L * *"), undefined);
	assert.equal(cronError("0 0 * * 5#3"), undefined);
	assert.equal(cronError("* *"), "missing field(s)");
	assert.equal(cronError("61 * * * *"), "syntax error in minute field: '61'");
	assert.equal(cronError("*/0 * * * *"), "invalid interval */0");
	assert.equal(cronError("0 0 * foo *"), "syntax error in month field: 'foo'");
});

test("validateJob does not mutate its input", () => {
	const job: Job = apiJobToStructs(exampleApiJob(), testConfig);
	const copy = structuredClone(job);
	validateJob(job, testConfig);
	assert.deepEqual(job, copy);
});
