import assert from "node:assert/strict";
import { test } from "node:test";
import { SECOND } from "../../lib/duration.ts";
import { addImpliedConstraints, apiJobToStructs, formatWarnings, jobWarnings } from "./index.ts";
import { exampleApiJob, testConfig } from "./testFixtures.ts";

const warnings = (apiJob: unknown): string[] => jobWarnings(addImpliedConstraints(apiJobToStructs(apiJob, testConfig)));

test("the example job registers without warnings", () => {
	assert.deepEqual(warnings(exampleApiJob()), []);
	assert.equal(formatWarnings([]), "");
});

test("services without shutdown_delay, cron, memory_max and identities warn", () => {
	const ws = warnings({
		ID: "j",
		Type: "batch",
		Periodic: { Spec: "@daily" },
		TaskGroups: [
			{
				Name: "g",
				Services: [{ Name: "web", Provider: "nomad" }],
				Tasks: [
					{
						Name: "t",
						Driver: "exec",
						Resources: { MemoryMB: 100, MemoryMaxMB: 200 },
						Identities: [{ Name: "aws", Audience: ["sts"], Env: true }],
					},
				],
			},
		],
	});
	assert.deepEqual(ws, [
		`Group "g" has warnings: 1 error occurred:\n\t* Task "t" has warnings: 1 error occurred:\n\t* 2 errors occurred:\n\t* Identity[aws] identities without an expiration are insecure\n\t* Identity[aws] using env=true without change_mode="restart" may result in task not getting updated identity\n\n\n\n\n\n`,
		`group "g" defines services, but neither the group nor any of its tasks have shutdown_delay set`,
		"cron is deprecated and may be removed in a future release. Use crons instead",
		`Memory oversubscription is not enabled; Task "g.t" memory_max value will be ignored. Update the Scheduler Configuration to allow oversubscription.`,
	]);
	assert.equal(formatWarnings(["a ", "b"]), "2 warnings:\n\n* a\n* b");
	assert.equal(formatWarnings(["a"]), "1 warning:\n\n* a");
});

test("a task shutdown_delay silences the group service warning", () => {
	const ws = warnings({
		ID: "j",
		TaskGroups: [
			{
				Name: "g",
				Services: [{ Name: "web", Provider: "nomad" }],
				Tasks: [{ Name: "t", Driver: "exec", ShutdownDelay: 5 * SECOND }],
			},
		],
	});
	assert.deepEqual(ws, []);
});
