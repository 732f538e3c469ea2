import assert from "node:assert/strict";
import { test } from "node:test";
import {
	cgroupVersionAttr,
	defaultCgroupParent,
	detectCgroupMode,
	nomadEffectiveCpus,
	scanMountinfo,
} from "./cgroup.ts";
import { fakeSource } from "./source.ts";

const V1 = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu`;
const V2 = "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";

test("scanMountinfo tells v1 from v2", () => {
	assert.equal(scanMountinfo(V1), "cg1");
	assert.equal(scanMountinfo(V2), "cg2");
	assert.equal(scanMountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw"), "off");
});

test("detectCgroupMode applies Nomad's root / controller / ownership rules", () => {
	assert.equal(detectCgroupMode(fakeSource({ "/proc/self/mountinfo": V1 }, { euid: 0 })), "cg1");
	assert.equal(detectCgroupMode(fakeSource({ "/proc/self/mountinfo": V1 }, { euid: 1000 })), "off");
	const ctl = "cpuset cpu io memory hugetlb pids rdma";
	const v2 = { "/proc/self/mountinfo": V2, "/sys/fs/cgroup/cgroup.controllers": ctl };
	assert.equal(detectCgroupMode(fakeSource(v2, { euid: 0 })), "cg2");
	assert.equal(detectCgroupMode(fakeSource({ ...v2, "/sys/fs/cgroup/cgroup.controllers": "cpu memory" })), "off");
	assert.equal(
		detectCgroupMode(fakeSource(v2, { euid: 1000 }), "nomad.slice", () => 1000),
		"cg2",
	);
	assert.equal(
		detectCgroupMode(fakeSource(v2, { euid: 1000 }), "nomad.slice", () => 0),
		"off",
	);
	assert.equal(detectCgroupMode(fakeSource({})), "off");
});

test("attribute values and cgroup file locations", () => {
	assert.equal(cgroupVersionAttr("cg1"), "1");
	assert.equal(cgroupVersionAttr("cg2"), "2");
	assert.equal(cgroupVersionAttr("off"), undefined);
	assert.equal(defaultCgroupParent("cg1"), "/nomad");
	assert.equal(defaultCgroupParent("cg2"), "nomad.slice");
	const src = fakeSource({
		"/sys/fs/cgroup/cpuset/nomad/cpuset.effective_cpus": "0-1\n",
		"/sys/fs/cgroup/nomad.slice/cpuset.cpus.effective": "2-3\n",
	});
	assert.equal(nomadEffectiveCpus(src, "cg1", "/nomad"), "0-1");
	assert.equal(nomadEffectiveCpus(src, "cg2", "nomad.slice"), "2-3");
	assert.equal(nomadEffectiveCpus(src, "off", "nomad.slice"), undefined);
});
