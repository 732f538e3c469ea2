import assert from "node:assert/strict";
import { statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fakeSource, realSource } from "./source.ts";
import { fingerprintStorage, mountSourceFor } from "./storage.ts";

const MOUNTINFO = `22 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 22 0:40 / /var/lib/nomad rw - xfs /dev/nvme1n1 rw
41 22 0:41 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw
42 40 0:42 / /var/lib/nomad rw - tmpfs tmpfs rw`;

test("mountSourceFor finds the deepest (last) mount containing a path", () => {
	assert.equal(mountSourceFor(MOUNTINFO, "/var/lib/nomad/alloc"), "tmpfs");
	assert.equal(mountSourceFor(MOUNTINFO, "/var/lib/nomadx"), "/dev/vda");
	assert.equal(mountSourceFor(MOUNTINFO, "/mnt/my disk/x"), "/dev/sdb1");
	assert.equal(mountSourceFor(MOUNTINFO, "/"), "/dev/vda");
	assert.equal(mountSourceFor("", "/x"), undefined);
});

test("fingerprintStorage measures the alloc dir's filesystem (missing dirs use the nearest parent)", async () => {
	const dir = join(tmpdir(), "nomad-ts-fp-does-not-exist", "alloc");
	const fp = await fingerprintStorage(realSource, dir);
	const st = await statfs(tmpdir());
	const total = Number(fp.attributes["unique.storage.bytestotal"]);
	assert.ok(total > 0);
	assert.equal(total, Math.floor((Number(st.blocks) * Number(st.bsize)) / 1024) * 1024);
	assert.equal(fp.diskMB, Math.floor(total / 1024 / 1024));
	assert.ok(fp.attributes["unique.storage.volume"].length > 0);
	assert.equal(fp.attributes["unique.storage.bytesfree"], undefined); // removed in Nomad 1.11

	const overridden = await fingerprintStorage(fakeSource({}), tmpdir(), 1000);
	assert.equal(overridden.attributes["unique.storage.bytestotal"], String(1000 * 1024 * 1024));
	assert.equal(overridden.diskMB, 1000);
	assert.equal(overridden.attributes["unique.storage.volume"], tmpdir()); // no mountinfo → the path
});
