import assert from "node:assert/strict";
import { test } from "node:test";
import { annotateDiff } from "./annotate.ts";
import type { FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from "./diff.ts";

const field = (Name: string, Old: string, New: string): FieldDiff => ({
	Type: "Edited",
	Name,
	Old,
	New,
	Annotations: null,
});
const obj = (Name: string, fields: FieldDiff[] = []): ObjectDiff => ({
	Type: "Edited",
	Name,
	Fields: fields,
	Objects: null,
});
const task = (Name: string, over: Partial<TaskDiff> = {}): TaskDiff => ({
	Type: "Edited",
	Name,
	Fields: null,
	Objects: null,
	Annotations: null,
	...over,
});
const group = (Name: string, over: Partial<TaskGroupDiff> = {}): TaskGroupDiff => ({
	Type: "Edited",
	Name,
	Fields: null,
	Objects: null,
	Tasks: null,
	Updates: null,
	...over,
});
const job = (groups: TaskGroupDiff[]): JobDiff => ({
	Type: "Edited",
	ID: "j",
	Fields: null,
	Objects: null,
	TaskGroups: groups,
});

test("group updates are worded as Nomad's plan output, zero counts left out", () => {
	const d = job([group("web")]);
	annotateDiff(d, {
		DesiredTGUpdates: { web: { Place: 2, InPlaceUpdate: 1, Ignore: 0, DestructiveUpdate: 3, Stop: 1 } },
	});
	assert.deepEqual(d.TaskGroups?.[0]?.Updates, {
		create: 2,
		"in-place update": 1,
		"create/destroy update": 3,
		destroy: 1,
	});
});

test("a count change forces creates or destroys", () => {
	const up = group("a", { Fields: [field("Count", "1", "3")] });
	const down = group("b", { Fields: [field("Count", "3", "1")] });
	const same = group("c", { Fields: [field("Count", "2", "2")] });
	annotateDiff(job([up, down, same]), null);
	assert.deepEqual(up.Fields?.[0]?.Annotations, ["forces create"]);
	assert.deepEqual(down.Fields?.[0]?.Annotations, ["forces destroy"]);
	assert.equal(same.Fields?.[0]?.Annotations, null);
});

test("task changes: kill timeout, services, constraints and log rotation in place; anything else destructive", () => {
	const inplace = [
		task("kill", { Fields: [field("KillTimeout", "5000000000", "9000000000")] }),
		task("svc", { Objects: [obj("Service"), obj("Constraint"), obj("Affinity"), obj("Spread")] }),
		task("logs", { Objects: [obj("LogConfig", [field("MaxFiles", "10", "5")])] }),
	];
	const destructive = [
		task("env", { Objects: [obj("Env")] }),
		task("driver", { Fields: [field("Driver", "exec", "raw_exec")] }),
		task("logsoff", { Objects: [obj("LogConfig", [field("Disabled", "false", "true")])] }),
		task("mixed", { Fields: [field("KillTimeout", "1", "2"), field("User", "", "nobody")] }),
	];
	const untouched = task("none", { Type: "None" });
	annotateDiff(job([group("g", { Tasks: [...inplace, ...destructive, untouched] })]), null);
	for (const t of inplace) assert.deepEqual(t.Annotations, ["forces in-place update"], t.Name);
	for (const t of destructive) assert.deepEqual(t.Annotations, ["forces create/destroy update"], t.Name);
	assert.equal(untouched.Annotations, null);
});

test("tasks of an added or removed group force creates or destroys", () => {
	const added = task("t", { Type: "Added" });
	const deleted = task("u", { Type: "Deleted" });
	annotateDiff(
		job([group("new", { Type: "Added", Tasks: [added] }), group("old", { Type: "Deleted", Tasks: [deleted] })]),
		null,
	);
	assert.deepEqual(added.Annotations, ["forces create"]);
	assert.deepEqual(deleted.Annotations, ["forces destroy"]);
});
