import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilter, FilterError, FilterEvaluationError } from "./index.ts";

// Shapes as Nomad puts them on the wire (PascalCase, nil slices/maps as null).
const jobStub = {
	ID: "example",
	ParentID: "",
	Name: "example",
	Namespace: "default",
	Datacenters: ["dc1", "dc2"],
	NodePool: "default",
	Multiregion: null,
	Type: "service",
	Priority: 50,
	Periodic: false,
	ParameterizedJob: false,
	Stop: false,
	Status: "running",
	StatusDescription: "",
	JobSummary: {
		JobID: "example",
		Summary: { cache: { Queued: 0, Complete: 1, Failed: 0, Running: 2, Starting: 0, Lost: 0, Unknown: 0 } },
		Children: { Pending: 0, Running: 0, Dead: 0 },
	},
	Meta: { owner: "infra", "team name": "platform", empty: "" },
	CreateIndex: 10,
	ModifyIndex: 12,
	JobModifyIndex: 10,
	SubmitTime: 1700000000000000000,
};

const allocation = {
	ID: "5e1d6c7a-1b2c-4d5e-8f90-1a2b3c4d5e6f",
	Name: "example.cache[0]",
	Namespace: "default",
	NodeName: "node-1",
	JobID: "example",
	JobVersion: 3,
	TaskGroup: "cache",
	DesiredStatus: "run",
	ClientStatus: "running",
	ClientDescription: "Tasks are running",
	DeploymentStatus: { Healthy: true, Canary: false, ModifyIndex: 20 },
	FollowupEvalID: "",
	RescheduleTracker: null,
	PreemptedAllocations: null,
	TaskStates: {
		redis: {
			State: "running",
			Failed: false,
			Restarts: 1,
			Events: [{ Type: "Received" }, { Type: "Task Setup" }, { Type: "Started" }],
		},
		"log-shipper": { State: "dead", Failed: true, Restarts: 0, Events: [] },
	},
	CreateTime: 1700000000123456800,
};

const node = {
	ID: "f7476465-4d6e-c0de-26d0-e383c49be941",
	Name: "node-1",
	Address: "10.0.0.5",
	Datacenter: "dc1",
	NodeClass: "",
	NodePool: "default",
	Version: "1.9.0",
	Drain: false,
	SchedulingEligibility: "eligible",
	Status: "ready",
	Attributes: {
		"kernel.name": "linux",
		"os.name": "ubuntu",
		"cpu.numcores": "8",
		"driver.docker": "1",
		"unique.hostname": "ip-10-0-0-5",
	},
	Drivers: {
		docker: { Detected: true, Healthy: true, HealthDescription: "Healthy" },
		exec: { Detected: false, Healthy: false, HealthDescription: "" },
	},
	NodeResources: { Cpu: { CpuShares: 8000, TotalCpuCores: 8 }, Memory: { MemoryMB: 16384 }, Load: 0.75 },
	HostVolumes: null,
	Meta: {},
};

function truthTable(obj: unknown, rows: [string, boolean][]): void {
	for (const [expr, want] of rows) assert.equal(compileFilter(expr)(obj), want, expr);
}

function errorTable(obj: unknown, rows: [string, string][]): void {
	for (const [expr, message] of rows) {
		const predicate = compileFilter(expr); // these all parse; the error comes from evaluation
		assert.throws(
			() => predicate(obj),
			(err) => err instanceof FilterEvaluationError && err.message === message,
			expr,
		);
	}
}

test("job list stub: equality with coercion to the field's type", () => {
	truthTable(jobStub, [
		['Status == "running"', true],
		["Status == running", true],
		["Status == `running`", true],
		["Status != running", false],
		['Status == "Running"', false],
		["Type == service and Priority == 50", true],
		["Priority == 50", true],
		["Priority == 51", false],
		["Priority != 51", true],
		['Priority == "50"', true],
		['Priority == "0x32"', true], // ParseInt(raw, 0, 64): base prefixes
		['Priority == "0o62"', true],
		['Priority == "062"', true], // a leading 0 is octal, as in Go
		['Priority == "5_0"', true],
		["Priority == 50.0", true], // JSON cannot tell an int field from a float one
		["Priority == -50", false],
		["Stop == false", true],
		["Stop == true", false],
		["Stop == F", true],
		['Stop == "0"', true],
		["Periodic != true", true],
		["SubmitTime == 1700000000000000000", true],
		['SubmitTime == "1700000000000000001"', false],
		["JobSummary.Summary.cache.Running == 2", true],
		['JobSummary.Summary["cache"].Failed == 0', true],
		['"/JobSummary/Summary/cache/Complete" == 1', true],
		["ParentID == ``", true],
		['ParentID == ""', true],
	]);
});

test("job list stub: lists, maps, strings with in / contains / is empty", () => {
	truthTable(jobStub, [
		['"dc1" in Datacenters', true],
		["dc2 in Datacenters", true],
		['"dc3" in Datacenters', false],
		['"dc3" not in Datacenters', true],
		["Datacenters contains dc1", true],
		["Datacenters not contains dc1", false],
		["Datacenters is not empty", true],
		['"owner" in Meta', true], // `in` on a map tests for the key
		['"infra" in Meta', false],
		["Meta contains owner", true],
		['Meta["team name"] == platform', true],
		["Meta.owner == infra", true],
		['Name contains "amp"', true], // `contains` on a string is a substring test
		['"xam" in Name', true],
		['Name not contains "zzz"', true],
		['"" in Name', true],
		["Multiregion is empty", true], // null counts as empty
		["Multiregion is nil", true],
		["Meta is not nil", true],
		["Meta.empty is empty", true],
		["StatusDescription is empty", true],
		["Meta is empty", false],
		["JobSummary.Children is not empty", true],
	]);
});

test("allocation: TaskStates map, nested lists, regex", () => {
	truthTable(allocation, [
		['TaskStates.redis.State == "running"', true],
		['TaskStates["log-shipper"].State == dead', true],
		['TaskStates["log-shipper"].Failed == true', true],
		["TaskStates.redis.Restarts == 1", true],
		['"redis" in TaskStates', true],
		['"postgres" in TaskStates', false],
		['TaskStates.redis.Events.2.Type == "Started"', true],
		['TaskStates.redis.Events["0"].Type == "Received"', true],
		['TaskStates["log-shipper"].Events is empty', true],
		["DeploymentStatus.Healthy == true", true],
		['ClientStatus matches "^(running|pending)$"', true],
		['ClientStatus not matches "^(running|pending)$"', false],
		['Name matches "\\\\[0\\\\]$"', true], // a regex escape inside a double-quoted Go string
		["Name matches `\\[0\\]$`", true],
		['ID matches "^5e1d"', true],
		['ClientDescription matches "(?i)^tasks ARE"', true],
		['ClientDescription matches "^tasks ARE"', false],
		['ClientStatus == running and (DesiredStatus == stop or TaskGroup == "cache")', true],
		["any TaskStates as name, ts { ts.Failed == true }", true],
		["all TaskStates as name, ts { ts.Failed == true }", false],
		['all TaskStates as _, ts { ts.State == "running" or ts.State == "dead" }', true],
		['any TaskStates as name { name == "redis" }', true], // a map's default binding is the key
		['any TaskStates.redis.Events as e { e.Type == "Started" }', true],
		["all TaskStates.redis.Events as i, _ { i != 5 }", true],
		["any RescheduleTracker as r { r == 1 }", false], // null: nothing to iterate
		["all PreemptedAllocations as p { p == 1 }", true],
	]);
});

test('node: Attributes with dotted keys via ["..."], Drivers map', () => {
	truthTable(node, [
		['Attributes["kernel.name"] == linux', true],
		['Attributes["kernel.name"] != "windows"', true],
		['Attributes["cpu.numcores"] == "8"', true], // attribute values are strings
		['Attributes["driver.docker"] == 1', true],
		['Attributes["driver.docker"] is not empty', true],
		['Attributes["driver.java"] is empty', true], // missing key: is empty holds
		['Attributes["driver.java"] == 1', false],
		['Attributes["unique.hostname"] matches "^ip-10-"', true],
		['"kernel.name" in Attributes', true],
		["Drivers.docker.Healthy == true and Drivers.exec.Detected == false", true],
		['"docker" in Drivers', true],
		["NodeResources.Cpu.TotalCpuCores == 8", true],
		["NodeResources.Load == 0.75", true],
		['NodeResources.Load == "7.5e-1"', true],
		["NodeResources.Load == 1", false],
		['Datacenter == dc1 and Status == ready and SchedulingEligibility == "eligible"', true],
		["NodeClass is empty and Drain == false", true],
		['Meta.rack == "r1"', false],
		["HostVolumes is empty", true],
		['"x" in HostVolumes', false],
	]);
});

test("a key missing from a map is 'not present' for every operator, as in go-bexpr", () => {
	truthTable(jobStub, [
		["Meta.nope == x", false],
		["Meta.nope != x", true],
		["x in Meta.nope", false],
		["x not in Meta.nope", true],
		["Meta.nope contains x", false],
		["Meta.nope is empty", true],
		["Meta.nope is not empty", false],
		['Meta.nope matches ".*"', false],
		['Meta.nope not matches ".*"', true],
		["Meta.nope is nil", true],
		["Meta.nope is not nil", false],
		["Multiregion.Regions is empty", true], // under null (a nil map) too
		["not Meta.nope == x", true],
	]);
});

test("precedence and short-circuiting evaluate as go-bexpr", () => {
	const t = "Stop == false";
	const f = "Stop == true";
	truthTable(jobStub, [
		[`${t} or ${t} and ${f}`, true], // or binds loosest
		[`(${t} or ${t}) and ${f}`, false],
		[`not ${t} and ${f}`, false],
		[`not (${t} and ${f})`, true],
		[`not ${f} or ${f}`, true],
		[`not not ${t}`, true],
		[`${f} and ${f} or ${t}`, true],
		[`${f} and (${f} or ${t})`, false],
		// the right side is never evaluated, so its error never happens
		[`${t} or Nope == 1`, true],
		[`${f} and Nope == 1`, false],
	]);
	assert.throws(() => compileFilter(`${f} or Nope == 1`)(jobStub), FilterEvaluationError);
});

test("evaluation errors carry go-bexpr's messages", () => {
	errorTable(jobStub, [
		["Nope == 1", 'error finding value in datum: /Nope at part 0: couldn\'t find key "Nope"'],
		["Meta.a.b == 1", 'error finding value in datum: /Meta/a/b at part 1: couldn\'t find key "a"'],
		["Name.First == x", "error finding value in datum: /Name/First: at part 1, invalid value kind: string"],
		[
			"Datacenters.5 == x",
			"error finding value in datum: /Datacenters/5 at part 1: index 5 is out of range (length = 2)",
		],
		[
			"Datacenters.first == x",
			'error finding value in datum: /Datacenters/first at part 1: couldn\'t convert value "first" to type int',
		],
		["Datacenters == dc1", "unable to find suitable primitive comparison function for matching"],
		["Meta == x", "unable to find suitable primitive comparison function for matching"],
		["Multiregion == x", "unable to find suitable primitive comparison function for matching"],
		["Priority == high", 'error getting match value in expression: strconv.ParseInt: parsing "high": invalid syntax'],
		[
			'Priority == "99999999999999999999"',
			'error getting match value in expression: strconv.ParseInt: parsing "99999999999999999999": value out of range',
		],
		["Stop == yes", 'error getting match value in expression: strconv.ParseBool: parsing "yes": invalid syntax'],
		['"x" in Priority', 'error getting match value in expression: strconv.ParseInt: parsing "x": invalid syntax'],
		['"5" in Priority', 'cannot perform in/contains operations on type int for selector: "Priority"'],
		['"true" in Stop', 'cannot perform in/contains operations on type bool for selector: "Stop"'],
		["Priority is empty", 'cannot perform is-empty operations on type int for selector: "Priority"'],
		["Name is nil", 'cannot perform is-nil operations on type string for selector: "Name"'],
		['Priority matches "5"', "value of type int is not convertible to []byte"],
		['Datacenters matches "dc"', "value of type []interface {} is not convertible to []byte"],
		['Name matches "("', 'failed to compile regular expression "(": Unterminated group'],
		["all Priority as p { p == 1 }", "Priority is not a list or a map"],
		["any Meta as k, k { k == 1 }", '"k" cannot be used as a placeholder for both the index and the value'],
		["any Meta as k { k.x == 1 }", "/k references a string so /k/x is invalid"],
		["any Datacenters as i, _ { i.x == 1 }", "/i references a int so /i/x is invalid"],
		[
			'"x" in JobSummary.Summary.cache.Running',
			'error getting match value in expression: strconv.ParseInt: parsing "x": invalid syntax',
		],
	]);
	errorTable(allocation, [
		[
			'"Started" in TaskStates.redis.Events',
			'unable to find suitable primitive comparison function for "in" comparison',
		],
	]);
});

test("lists of mixed element types skip elements the value cannot be coerced to", () => {
	const obj = { Mixed: ["foobar", 1, true, 2.5], Ints: [1, 3, 5] };
	truthTable(obj, [
		['"foobar" in Mixed', true],
		['"1" in Mixed', true],
		['"true" in Mixed', true],
		['"2.5" in Mixed', true],
		['"2" in Mixed', false],
		["3 in Ints", true],
		["4 in Ints", false],
		['"0x3" in Ints', true],
		["Ints contains 5", true],
	]);
});

test("a predicate is reusable across objects and filters a list", () => {
	const jobs = [
		{ ...jobStub, ID: "a", Status: "running", Meta: { team: "infra" } },
		{ ...jobStub, ID: "b", Status: "dead", Meta: { team: "infra" } },
		{ ...jobStub, ID: "c", Status: "running", Meta: {} },
		{ ...jobStub, ID: "d", Status: "pending", Meta: null },
	];
	const ids = (expr: string) => jobs.filter(compileFilter(expr)).map((j) => j.ID);
	assert.deepEqual(ids("Status == running"), ["a", "c"]);
	assert.deepEqual(ids('Meta.team == "infra"'), ["a", "b"]);
	assert.deepEqual(ids("Meta.team != infra"), ["c", "d"]);
	assert.deepEqual(ids("Meta is empty"), ["c", "d"]);
	assert.deepEqual(ids('Status != dead and ID matches "^[a-c]$"'), ["a", "c"]);
});

test("keys holding undefined are treated as absent; compileFilter surfaces FilterError", () => {
	const obj = { Meta: { a: undefined, b: "x" }, Top: undefined };
	truthTable(obj, [
		["Meta.a == x", false],
		["Meta.a is empty", true],
		['"a" in Meta', false],
		["Meta.b == x", true],
	]);
	assert.throws(() => compileFilter("Top == x")(obj), FilterEvaluationError);
	assert.throws(() => compileFilter("Status = running"), FilterError);
	assert.throws(() => compileFilter("Status == running")(jobStub.Datacenters), FilterEvaluationError);
});
