// Cases ported from Nomad's nomad/structs/diff_test.go (jobs built from Go zero values).
import assert from "node:assert/strict";
import { test } from "node:test";
import { SECOND } from "../../lib/duration.ts";
import { type FieldDiff, groupDiff, jobDiff, type ObjectDiff, taskDiff } from "./diff.ts";
import { apiJobToStructs, specChanged } from "./index.ts";
import { exampleApiJob, testConfig, zeroGroup, zeroJob, zeroTask } from "./testFixtures.ts";
import type { Service } from "./types.ts";

const f = (Type: FieldDiff["Type"], Name: string, Old: string, New: string): FieldDiff => ({
	Type,
	Name,
	Old,
	New,
	Annotations: null,
});
const o = (
	Type: ObjectDiff["Type"],
	Name: string,
	fields: FieldDiff[] | null,
	objects: ObjectDiff[] | null = null,
): ObjectDiff => ({
	Type,
	Name,
	Fields: fields,
	Objects: objects,
});

const base = {
	Region: "foo",
	ID: "foo",
	Name: "foo",
	Type: "batch" as const,
	Priority: 10,
	AllAtOnce: true,
	Meta: { foo: "bar" },
};

test("job: no changes, primitive edits", () => {
	assert.deepEqual(jobDiff(null, null, false), { Type: "None", ID: "", Fields: null, Objects: null, TaskGroups: null });
	assert.deepEqual(jobDiff(zeroJob(base), zeroJob(base), false), {
		Type: "None",
		ID: "foo",
		Fields: null,
		Objects: null,
		TaskGroups: null,
	});
	const edited = jobDiff(
		zeroJob(base),
		zeroJob({
			...base,
			Region: "bar",
			Name: "bar",
			Type: "system",
			Priority: 100,
			AllAtOnce: false,
			Meta: { foo: "baz" },
		}),
		false,
	);
	assert.deepEqual(edited.Fields, [
		f("Edited", "AllAtOnce", "true", "false"),
		f("Edited", "Meta[foo]", "bar", "baz"),
		f("Edited", "Name", "foo", "bar"),
		f("Edited", "Priority", "10", "100"),
		f("Edited", "Region", "foo", "bar"),
		f("Edited", "Type", "batch", "system"),
	]);
	assert.equal(edited.Type, "Edited");
	assert.throws(
		() => jobDiff(zeroJob({ ID: "foo" }), zeroJob({ ID: "bar" }), false),
		/can not diff jobs with different IDs/,
	);
});

test("job: deleted and added jobs list every non-empty primitive", () => {
	const fields = [
		"AllAtOnce:true",
		"Dispatched:false",
		"Meta[foo]:bar",
		"Name:foo",
		"Priority:10",
		"Region:foo",
		"Stop:false",
		"Type:batch",
	];
	const deleted = jobDiff(zeroJob(base), null, false);
	assert.equal(deleted.Type, "Deleted");
	assert.equal(deleted.ID, "foo");
	assert.deepEqual(
		deleted.Fields,
		fields.map((x) => f("Deleted", x.split(":")[0], x.split(":")[1], "")),
	);
	const added = jobDiff(null, zeroJob(base), false);
	assert.equal(added.Type, "Added");
	assert.deepEqual(
		added.Fields,
		fields.map((x) => f("Added", x.split(":")[0], "", x.split(":")[1])),
	);
});

test("job: map and datacenter set diffs, with and without context", () => {
	const meta = jobDiff(
		zeroJob({ Meta: { foo: "foo", bar: "bar" } }),
		zeroJob({ Meta: { bar: "bar", baz: "baz" } }),
		false,
	);
	assert.deepEqual(meta.Fields, [f("Added", "Meta[baz]", "", "baz"), f("Deleted", "Meta[foo]", "foo", "")]);
	const dcs = jobDiff(zeroJob({ Datacenters: ["foo", "bar"] }), zeroJob({ Datacenters: ["baz", "bar"] }), false);
	assert.deepEqual(dcs.Objects, [
		o("Edited", "Datacenters", [f("Added", "Datacenters", "", "baz"), f("Deleted", "Datacenters", "foo", "")]),
	]);
	const same = jobDiff(zeroJob({ Datacenters: ["foo", "bar"] }), zeroJob({ Datacenters: ["foo", "bar"] }), true);
	assert.equal(same.Type, "None");
	assert.equal(same.Objects, null);
	const ctx = jobDiff(zeroJob({ Datacenters: ["foo", "bar"] }), zeroJob({ Datacenters: ["foo", "bar", "baz"] }), true);
	assert.deepEqual(ctx.Objects, [
		o("Added", "Datacenters", [
			f("Added", "Datacenters", "", "baz"),
			f("None", "Datacenters", "bar", "bar"),
			f("None", "Datacenters", "foo", "foo"),
		]),
	]);
});

test("job: periodic and parameterized blocks", () => {
	const periodic = {
		Enabled: false,
		Spec: "*/15 * * * * *",
		Specs: null,
		SpecType: "foo" as "cron",
		ProhibitOverlap: false,
		TimeZone: "Europe/Minsk",
	};
	const added = jobDiff(zeroJob(), zeroJob({ Periodic: periodic }), false);
	assert.deepEqual(added.Objects, [
		o("Added", "Periodic", [
			f("Added", "Enabled", "", "false"),
			f("Added", "ProhibitOverlap", "", "false"),
			f("Added", "Spec", "", "*/15 * * * * *"),
			f("Added", "SpecType", "", "foo"),
			f("Added", "TimeZone", "", "Europe/Minsk"),
		]),
	]);
	const pj = (Payload: string) => ({ Payload: Payload as "optional", MetaOptional: ["foo"], MetaRequired: ["bar"] });
	const ctx = jobDiff(
		zeroJob({ ParameterizedJob: pj("required") }),
		zeroJob({ ParameterizedJob: pj("optional") }),
		true,
	);
	assert.deepEqual(ctx.Objects, [
		o(
			"Edited",
			"ParameterizedJob",
			[f("Edited", "Payload", "required", "optional")],
			[
				o("None", "MetaOptional", [f("None", "MetaOptional", "foo", "foo")]),
				o("None", "MetaRequired", [f("None", "MetaRequired", "bar", "bar")]),
			],
		),
	]);
});

test("group: constraints are a set keyed by their text", () => {
	const con = (x: string) => ({ LTarget: x, RTarget: x, Operand: x });
	const d = groupDiff(
		zeroGroup({ Constraints: [con("foo"), con("bar")] }),
		zeroGroup({ Constraints: [con("foo"), con("baz")] }),
		false,
	);
	assert.equal(d.Type, "Edited");
	assert.deepEqual(d.Objects, [
		o("Added", "Constraint", [
			f("Added", "LTarget", "", "baz"),
			f("Added", "Operand", "", "baz"),
			f("Added", "RTarget", "", "baz"),
		]),
		o("Deleted", "Constraint", [
			f("Deleted", "LTarget", "bar", ""),
			f("Deleted", "Operand", "bar", ""),
			f("Deleted", "RTarget", "bar", ""),
		]),
	]);
});

test("group: restart policy edited with context", () => {
	const rp = (Attempts: number, Interval: number, RenderTemplates: boolean) => ({
		Attempts,
		Interval,
		Delay: SECOND,
		Mode: "fail" as const,
		RenderTemplates,
	});
	const d = groupDiff(
		zeroGroup({ RestartPolicy: rp(1, SECOND, false) }),
		zeroGroup({ RestartPolicy: rp(2, 2 * SECOND, true) }),
		true,
	);
	assert.deepEqual(d.Objects, [
		o("Edited", "RestartPolicy", [
			f("Edited", "Attempts", "1", "2"),
			f("None", "Delay", "1000000000", "1000000000"),
			f("Edited", "Interval", "1000000000", "2000000000"),
			f("None", "Mode", "fail", "fail"),
			f("Edited", "RenderTemplates", "false", "true"),
		]),
	]);
});

test("group: networks are matched by content (an edit is a delete plus an add)", () => {
	const d = groupDiff(
		zeroGroup({
			Networks: [
				{
					Device: "foo",
					CIDR: "foo",
					IP: "foo",
					MBits: 100,
					Hostname: "foo",
					ReservedPorts: [{ Label: "foo", Value: 80 }],
				},
			],
		}),
		zeroGroup({
			Networks: [
				{
					Device: "bar",
					CIDR: "bar",
					IP: "bar",
					MBits: 200,
					Hostname: "bar",
					DynamicPorts: [{ Label: "bar", To: 8081, HostNetwork: "public" }],
					DNS: { Servers: ["1.1.1.1"], Searches: null, Options: null },
				},
			],
		}),
		true,
	);
	assert.deepEqual(d.Objects, [
		o(
			"Added",
			"Network",
			[f("Added", "Hostname", "", "bar"), f("None", "Mode", "", "")],
			[
				o("Added", "Dynamic Port", [
					f("Added", "HostNetwork", "", "public"),
					f("Added", "Label", "", "bar"),
					f("Added", "To", "", "8081"),
				]),
				o("Added", "DNS", [f("Added", "Servers", "", "1.1.1.1")]),
			],
		),
		o(
			"Deleted",
			"Network",
			[f("Deleted", "Hostname", "foo", ""), f("None", "Mode", "", "")],
			[
				o("Deleted", "Static Port", [
					f("None", "HostNetwork", "", ""),
					f("Deleted", "IgnoreCollision", "false", ""),
					f("Deleted", "Label", "foo", ""),
					f("Deleted", "To", "0", ""),
					f("Deleted", "Value", "80", ""),
				]),
			],
		),
	]);
});

test("group: tasks matched by name; shutdown_delay compared as a pointer", () => {
	const d = groupDiff(
		zeroGroup({
			Tasks: [
				zeroTask({ Name: "foo", Driver: "docker" }),
				zeroTask({ Name: "bar", Driver: "docker" }),
				zeroTask({ Name: "baz", ShutdownDelay: SECOND }),
			],
		}),
		zeroGroup({
			Tasks: [
				zeroTask({ Name: "bar", Driver: "docker" }),
				zeroTask({ Name: "bam", Driver: "docker" }),
				zeroTask({ Name: "baz", ShutdownDelay: 2 * SECOND }),
			],
		}),
		false,
	);
	const basic = (t: "Added" | "Deleted") => {
		const pick = (v: string) => (t === "Added" ? ["", v] : [v, ""]) as [string, string];
		return [
			f(t, "Driver", ...pick("docker")),
			f(t, "KillTimeout", ...pick("0")),
			f(t, "Leader", ...pick("false")),
			f(t, "ShutdownDelay", ...pick("0")),
		];
	};
	assert.deepEqual(d.Tasks, [
		{ Type: "Added", Name: "bam", Fields: basic("Added"), Objects: null, Annotations: null },
		{ Type: "None", Name: "bar", Fields: null, Objects: null, Annotations: null },
		{
			Type: "Edited",
			Name: "baz",
			Fields: [f("Edited", "ShutdownDelay", "1000000000", "2000000000")],
			Objects: null,
			Annotations: null,
		},
		{ Type: "Deleted", Name: "foo", Fields: basic("Deleted"), Objects: null, Annotations: null },
	]);
	const sd = groupDiff(zeroGroup({ ShutdownDelay: 30 * SECOND }), zeroGroup(), false);
	assert.deepEqual(sd.Fields, [f("Deleted", "ShutdownDelay", "30000000000", "")]);
});

test("task: config edited with context", () => {
	const d = taskDiff(
		zeroTask({ Config: { foo: 1, bar: "baz", bam: ["a", "b"], baz: { a: 1, b: 2 }, boom: ["boom_port"] } }),
		zeroTask({ Config: { foo: 2, bar: "baz", bam: ["a", "c", "d"], baz: { a: 1, b: 2 }, boom: ["boom_port"] } }),
		true,
	);
	assert.deepEqual(d.Objects, [
		o("Edited", "Config", [
			f("None", "bam[0]", "a", "a"),
			f("Edited", "bam[1]", "b", "c"),
			f("Added", "bam[2]", "", "d"),
			f("None", "bar", "baz", "baz"),
			f("None", "baz[a]", "1", "1"),
			f("None", "baz[b]", "2", "2"),
			f("None", "boom[0]", "boom_port", "boom_port"),
			f("Edited", "foo", "1", "2"),
		]),
	]);
});

const svc = (over: Partial<Service>): Service => ({
	Name: "",
	TaskName: "",
	PortLabel: "",
	AddressMode: "",
	Address: "",
	EnableTagOverride: false,
	Tags: null,
	CanaryTags: null,
	Checks: null,
	Connect: null,
	Meta: null,
	CanaryMeta: null,
	Weights: null,
	TaggedAddresses: null,
	Namespace: "",
	OnUpdate: "",
	Provider: "",
	Cluster: "",
	Identity: null,
	Kind: "",
	...over,
});

test("task: services are paired by name/port/position", () => {
	const d = taskDiff(
		zeroTask({ Services: [svc({ Name: "foo", PortLabel: "foo" }), svc({ Name: "bar", PortLabel: "bar" })] }),
		zeroTask({
			Services: [svc({ Name: "bar", PortLabel: "bar", Tags: ["x"] }), svc({ Name: "baz", PortLabel: "baz" })],
		}),
		false,
	);
	assert.deepEqual(d.Objects, [
		o("Edited", "Service", null, [o("Added", "Tags", [f("Added", "Tags", "", "x")])]),
		o("Added", "Service", [
			f("Added", "EnableTagOverride", "", "false"),
			f("Added", "Name", "", "baz"),
			f("Added", "PortLabel", "", "baz"),
		]),
		o("Deleted", "Service", [
			f("Deleted", "EnableTagOverride", "false", ""),
			f("Deleted", "Name", "foo", ""),
			f("Deleted", "PortLabel", "foo", ""),
		]),
	]);
});

test("a real version change: group count and task config", () => {
	const a = apiJobToStructs(exampleApiJob(), testConfig);
	const b = structuredClone(a);
	b.TaskGroups[0].Count = 3;
	(b.TaskGroups[0].Tasks[0].Config as Record<string, unknown>).image = "redis:8";
	const d = jobDiff(a, b, false);
	assert.equal(d.Type, "Edited");
	assert.equal(d.Fields, null);
	assert.deepEqual(d.TaskGroups?.[0].Fields, [f("Edited", "Count", "1", "3")]);
	assert.deepEqual(d.TaskGroups?.[0].Tasks?.[0].Objects, [
		o("Edited", "Config", [f("Edited", "image", "redis:7", "redis:8")]),
	]);
	assert.equal(jobDiff(a, structuredClone(a), true).Type, "None");
});

test("specChanged ignores status, version, indexes and submit time", () => {
	const a = apiJobToStructs(exampleApiJob(), testConfig);
	const b = {
		...structuredClone(a),
		Version: 4,
		Status: "running" as const,
		ModifyIndex: 99,
		JobModifyIndex: 98,
		SubmitTime: 5,
		Stable: true,
	};
	assert.equal(specChanged(a, b), false);
	assert.equal(specChanged(a, { ...b, Priority: 60 }), true);
	assert.equal(specChanged(a, { ...b, Meta: {} }), true, "null and empty differ, as in reflect.DeepEqual");
	assert.equal(specChanged(null, a), true);
});
