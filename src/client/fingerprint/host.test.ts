import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { defaultHostFacts, hostAttributes, hostID, memoryFingerprint, platformInfo, UNIX_SIGNALS } from "./host.ts";
import { fakeSource, goArch, goOS } from "./source.ts";

test("platformInfo follows gopsutil's distribution rules", () => {
	const osr = (id: string, v: string) => `NAME="X"\nID=${id}\nVERSION="${v}"\n`;
	assert.deepEqual(
		platformInfo(fakeSource({ "/etc/debian_version": "12.11\n", "/etc/os-release": osr("debian", "12 (bookworm)") })),
		{
			platform: "debian",
			version: "12.11",
		},
	);
	assert.deepEqual(
		platformInfo(
			fakeSource({
				"/etc/debian_version": "trixie/sid\n",
				"/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\n",
			}),
		),
		{ platform: "ubuntu", version: "24.04" },
	);
	assert.deepEqual(
		platformInfo(fakeSource({ "/etc/redhat-release": "Red Hat Enterprise Linux release 9.4 (Plow)\n" })),
		{
			platform: "redhat",
			version: "9.4",
		},
	);
	assert.deepEqual(platformInfo(fakeSource({ "/etc/redhat-release": "Rocky Linux release 9.3 (Blue Onyx)\n" })), {
		platform: "rocky",
		version: "9.3",
	});
	assert.deepEqual(
		platformInfo(fakeSource({ "/etc/alpine-release": "3.20.1\n", "/etc/os-release": osr("alpine", "") })),
		{
			platform: "alpine",
			version: "3.20.1",
		},
	);
	assert.deepEqual(platformInfo(fakeSource({ "/etc/os-release": osr('"nixos"', "24.05 (Uakari)") })), {
		platform: "nixos",
		version: "24.05 (Uakari)",
	});
	assert.deepEqual(platformInfo(fakeSource({})), { platform: "", version: "" });
});

test("hostID prefers DMI uuid, then machine-id as a uuid", () => {
	assert.equal(
		hostID(fakeSource({ "/sys/class/dmi/id/product_uuid": "EC2A6A1B-0000-1111-2222-333344445555\n" })),
		"ec2a6a1b-0000-1111-2222-333344445555",
	);
	assert.equal(
		hostID(fakeSource({ "/etc/machine-id": "0123456789abcdef0123456789abcdef\n" })),
		"01234567-89ab-cdef-0123-456789abcdef",
	);
	assert.equal(hostID(fakeSource({ "/proc/sys/kernel/random/boot_id": "B-1\n" })), "b-1");
});

test("Go names for arch and OS", () => {
	assert.equal(goArch("x64"), "amd64");
	assert.equal(goArch("arm64"), "arm64");
	assert.equal(goArch("ia32"), "386");
	assert.equal(goArch("ppc64", "LE"), "ppc64le");
	assert.equal(goOS("linux"), "linux");
	assert.equal(goOS("win32"), "windows");
});

test("hostAttributes on this machine", () => {
	const a = hostAttributes(
		fakeSource({ "/etc/os-release": 'ID=debian\nVERSION="12"\n' }),
		defaultHostFacts(goOS(), goArch()),
	);
	assert.equal(a["kernel.name"], process.platform === "linux" ? "linux" : goOS());
	assert.equal(a["kernel.version"], os.release());
	assert.equal(a["kernel.arch"], os.machine());
	assert.equal(a["unique.hostname"], os.hostname());
	assert.equal(a["os.name"], "debian");
	const sigs = a["os.signals"].split(",");
	for (const s of ["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGUSR1", "SIGNULL"]) assert.ok(sigs.includes(s), s);
	assert.equal(sigs.length, UNIX_SIGNALS.length);
	assert.deepEqual(sigs, [...sigs].sort());
});

test("memoryFingerprint honours memory_total_mb", () => {
	assert.deepEqual(memoryFingerprint(2 * 1024 ** 3 + 5), {
		attributes: { "memory.totalbytes": String(2 * 1024 ** 3 + 5) },
		memoryMB: 2048,
	});
	assert.deepEqual(memoryFingerprint(123, 512), {
		attributes: { "memory.totalbytes": String(512 * 1024 * 1024) },
		memoryMB: 512,
	});
	assert.deepEqual(memoryFingerprint(0), { attributes: {}, memoryMB: 0 });
});
