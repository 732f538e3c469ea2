import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
	calculateCaps,
	capSet,
	NOMAD_DEFAULT_CAPS,
	normalizeCap,
	setprivCapList,
	supportedCaps,
	unsupportedCaps,
} from "./capabilities.ts";

const supported = supportedCaps("/nonexistent");

test("names are normalised: case and CAP_ prefix do not matter, all expands", () => {
	assert.equal(normalizeCap(" CAP_NET_RAW "), "net_raw");
	assert.equal(normalizeCap("Kill"), "kill");
	assert.equal(capSet(["all"], supported).size, supported.length);
});

test("supportedCaps follows the kernel's cap_last_cap", () => {
	const d = mkdtempSync(join(tmpdir(), "caps-"));
	writeFileSync(join(d, "last"), "5\n");
	assert.deepEqual(supportedCaps(join(d, "last")), [
		"chown",
		"dac_override",
		"dac_read_search",
		"fowner",
		"fsetid",
		"kill",
	]);
	rmSync(d, { recursive: true });
	assert.deepEqual(unsupportedCaps(["CAP_CHOWN", "bogus", "Nope"], supported), ["bogus", "nope"]);
});

test("the default task set is Nomad's defaults", () => {
	const caps = calculateCaps({ allowCaps: NOMAD_DEFAULT_CAPS, capAdd: [], capDrop: [], supported });
	assert.deepEqual(caps, [...NOMAD_DEFAULT_CAPS].sort());
	assert.ok(!caps.includes("net_raw"));
});

test("cap_drop all then cap_add a few gives exactly those", () => {
	const caps = calculateCaps({
		allowCaps: NOMAD_DEFAULT_CAPS,
		capAdd: ["CAP_KILL", "chown"],
		capDrop: ["all"],
		supported,
	});
	assert.deepEqual(caps, ["chown", "kill"]);
});

test("cap_add beyond allow_caps is refused with Nomad's message; allowed adds go in", () => {
	assert.throws(
		() => calculateCaps({ allowCaps: NOMAD_DEFAULT_CAPS, capAdd: ["net_raw", "sys_admin"], capDrop: [], supported }),
		{ message: "driver does not allow the following capabilities: net_raw, sys_admin" },
	);
	const caps = calculateCaps({
		allowCaps: [...NOMAD_DEFAULT_CAPS, "net_raw"],
		capAdd: ["net_raw"],
		capDrop: ["mknod"],
		supported,
	});
	assert.ok(caps.includes("net_raw") && !caps.includes("mknod"));
	// allow_caps narrower than the defaults narrows the task's set too.
	assert.deepEqual(calculateCaps({ allowCaps: ["kill"], capAdd: [], capDrop: [], supported }), ["kill"]);
});

test("setpriv list syntax clears first", () => {
	assert.equal(setprivCapList(["chown", "kill"]), "-all,+chown,+kill");
	assert.equal(setprivCapList([]), "-all");
});
