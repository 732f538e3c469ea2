import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeWorkerConfigRequest } from "./agentSchedulerRoutes.ts";

test("worker config bodies decode as Go's encoding/json fills the request struct", () => {
	assert.deepEqual(decodeWorkerConfigRequest('{"num_schedulers":2,"enabled_schedulers":["batch","_core"]}'), {
		numSchedulers: 2,
		enabledSchedulers: ["batch", "_core"],
	});
	// Case-insensitive keys; server_id (from a GET's answer) ignored; absent fields are zero values.
	assert.deepEqual(decodeWorkerConfigRequest('{"Num_Schedulers":1,"server_id":"s.global"}'), {
		numSchedulers: 1,
		enabledSchedulers: [],
	});
	assert.deepEqual(decodeWorkerConfigRequest("null"), { numSchedulers: 0, enabledSchedulers: [] });
	assert.throws(() => decodeWorkerConfigRequest(""), /^Error: Request body is empty$/);
	assert.throws(() => decodeWorkerConfigRequest("{"), /JSON/);
	assert.throws(
		() => decodeWorkerConfigRequest('{"num_schedulers":"2"}'),
		/^Error: json: cannot unmarshal string into Go struct field AgentSchedulerWorkerConfigRequest.num_schedulers of type int$/,
	);
	assert.throws(
		() => decodeWorkerConfigRequest('{"num_schedulers":1.5}'),
		/cannot unmarshal number 1.5 into Go struct field AgentSchedulerWorkerConfigRequest.num_schedulers of type int/,
	);
	assert.throws(
		() => decodeWorkerConfigRequest('{"enabled_schedulers":"batch"}'),
		/cannot unmarshal string into Go struct field AgentSchedulerWorkerConfigRequest.enabled_schedulers of type \[\]string/,
	);
	assert.throws(
		() => decodeWorkerConfigRequest('{"enabled_schedulers":[1]}'),
		/cannot unmarshal number into Go struct field AgentSchedulerWorkerConfigRequest.enabled_schedulers of type string/,
	);
	assert.throws(
		() => decodeWorkerConfigRequest("[]"),
		/^Error: json: cannot unmarshal array into Go value of type api.AgentSchedulerWorkerConfigRequest$/,
	);
});
