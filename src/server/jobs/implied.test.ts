// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Constraint, Job } from "../../api/types/index.ts";
import { addImpliedConstraints, apiJobToStructs } from "./index.ts";
import { testConfig } from "./testFixtures.ts";

const job = (group: Record<string, unknown>): Job =>
	apiJobToStructs({ ID: "j", TaskGroups: [{ Name: "g", ...group }] }, testConfig);

const c = (LTarget: string, Operand: string, RTarget = ""): Constraint => ({ LTarget, RTarget, Operand });

test("required signals become one set_contains constraint per group", () => {
	const out = addImpliedConstraints(
		job({
			Tasks: [
				{
					Name: "a",
					Driver: "exec",
					KillSignal: "SIGTERM",
					Templates: [{ DestPath: "x", ChangeMode: "signal", ChangeSignal: "sighup" }],
				},
				{
					Name: "b",
					Driver: "exec",
					KillSignal: "SIGINT",
					Templates: [{ DestPath: "y", ChangeMode: "restart", ChangeSignal: "SIGUSR2" }],
				},
			],
		}),
	);
	assert.deepEqual(out.TaskGroups[0].Constraints, [c("${attr.os.signals}", "set_contains", "SIGHUP,SIGINT,SIGTERM")]);
	// Running the mutator again adds nothing (full match).
	assert.deepEqual(addImpliedConstraints(out).TaskGroups[0].Constraints, out.TaskGroups[0].Constraints);
});

test("nomad services require native service discovery (and Nomad 1.4 for checks)", () => {
	const out = addImpliedConstraints(
		job({
			Networks: [{ DynamicPorts: [{ Label: "http" }] }],
			Services: [
				{ Name: "web", PortLabel: "http", Provider: "nomad", Checks: [{ Type: "tcp", Interval: 1e9, Timeout: 1e9 }] },
			],
			Tasks: [{ Name: "t", Driver: "exec" }],
		}),
	);
	assert.deepEqual(out.TaskGroups[0].Constraints, [
		c("${attr.nomad.service_discovery}", "=", "true"),
		c("${attr.nomad.version}", "semver", ">= 1.4.0"),
	]);
});

test("consul services: version constraint on the group or the task, unless the attribute is constrained already", () => {
	const out = addImpliedConstraints(
		job({
			Services: [{ Name: "web" }],
			Tasks: [{ Name: "t", Driver: "exec", Services: [{ Name: "api" }] }],
		}),
	);
	assert.deepEqual(out.TaskGroups[0].Constraints, [c("${attr.consul.version}", "semver", ">= 1.8.0")]);
	assert.deepEqual(out.TaskGroups[0].Tasks[0].Constraints, [c("${attr.consul.version}", "semver", ">= 1.8.0")]);
	const own = addImpliedConstraints(
		job({
			Constraints: [{ LTarget: "${attr.consul.version}", RTarget: ">= 1.15.0", Operand: "semver" }],
			Services: [{ Name: "web" }],
			Tasks: [{ Name: "t", Driver: "exec" }],
		}),
	);
	assert.deepEqual(own.TaskGroups[0].Constraints, [c("${attr.consul.version}", "semver", ">= 1.15.0")]);
});

test("vault, bridge networking and extra identities", () => {
	const out = addImpliedConstraints(
		job({
			Networks: [{ Mode: "bridge" }],
			Tasks: [{ Name: "t", Driver: "exec", Vault: {}, Identities: [{ Name: "aws", Audience: ["sts"] }] }],
		}),
	);
	assert.deepEqual(out.TaskGroups[0].Constraints, [
		c("${attr.vault.version}", "semver", ">= 0.6.1"),
		...["bridge", "firewall", "host-local", "loopback", "portmap"].map((p) =>
			c(`\${attr.plugins.cni.version.${p}}`, "semver", ">= 0.4.0"),
		),
		c("${attr.nomad.version}", "semver", ">= 1.7.0-a"),
	]);
});

test("jobs needing nothing are returned unchanged, and the input is never mutated", () => {
	const plain = job({ Tasks: [{ Name: "t", Driver: "exec" }] });
	assert.deepEqual(addImpliedConstraints(plain), plain);
	const withSignal = job({ Tasks: [{ Name: "t", Driver: "exec", KillSignal: "SIGTERM" }] });
	const before = structuredClone(withSignal);
	addImpliedConstraints(withSignal);
	assert.deepEqual(withSignal, before);
});
