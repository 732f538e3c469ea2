import assert from "node:assert/strict";
import {
	chmodSync,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	rmSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
	chrootMounts,
	DEFAULT_CHROOT_ENV,
	hostPathOf,
	lookupTaskBin,
	makeExecutable,
	prepareMountpoint,
} from "./chroot.ts";

const temp = mkdtempSync(join(tmpdir(), "chroot-test-"));
after(() => rmSync(temp, { recursive: true, force: true }));

test("Nomad's default chroot_env", () => {
	assert.deepEqual(Object.keys(DEFAULT_CHROOT_ENV).sort(), [
		"/bin",
		"/etc",
		"/lib",
		"/lib32",
		"/lib64",
		"/run/resolvconf",
		"/run/systemd/resolve",
		"/sbin",
		"/usr",
	]);
});

test("chroot mounts: missing host paths skipped, parents first, task dirs never covered", () => {
	const host = join(temp, "host");
	for (const d of ["usr/bin", "etc", "opt/tool"]) mkdirSync(join(host, d), { recursive: true });
	writeFileSync(join(host, "etc/hosts"), "");
	const env = {
		[join(host, "usr/bin")]: "/usr/bin",
		[join(host, "usr")]: "/usr",
		[join(host, "etc/hosts")]: "/etc/hosts",
		[join(host, "missing")]: "/missing",
		[join(host, "opt/tool")]: "/alloc/tool",
		[join(host, "etc")]: "/tmp",
		"relative/src": "/x",
		[join(host, "opt")]: "/../../escape",
	};
	const m = chrootMounts(env);
	assert.deepEqual(
		m.map((x) => [x.dest, x.isDir]),
		[
			["/escape", true],
			["/usr", true],
			["/etc/hosts", false],
			["/usr/bin", true],
		],
	);
});

test("mountpoints are created without following symlinks", () => {
	const root = join(temp, "task");
	mkdirSync(root);
	assert.equal(prepareMountpoint(root, "/run/resolvconf", true), join(root, "run/resolvconf"));
	assert.ok(statSync(join(root, "run/resolvconf")).isDirectory());
	prepareMountpoint(root, "/run/resolvconf", true); // idempotent
	prepareMountpoint(root, "/etc/hosts", false);
	assert.ok(statSync(join(root, "etc/hosts")).isFile());
	symlinkSync("/", join(root, "usr"));
	assert.throws(() => prepareMountpoint(root, "/usr/lib", true), /is a symlink/);
	assert.throws(() => prepareMountpoint(root, "/usr", true), /is a symlink/);
	assert.throws(() => prepareMountpoint(root, "/etc/hosts", true), /not a directory/);
});

test("paths inside the chroot map to the host through the longest mount", () => {
	const mounts = [
		{ src: "/host/usr", dest: "/usr", isDir: true },
		{ src: "/elsewhere/bin", dest: "/usr/bin", isDir: true },
	];
	assert.equal(hostPathOf("/t", mounts, "/usr/bin/id"), "/elsewhere/bin/id");
	assert.equal(hostPathOf("/t", mounts, "/usr/lib/x"), "/host/usr/lib/x");
	assert.equal(hostPathOf("/t", mounts, "/usrx"), "/t/usrx");
	assert.equal(hostPathOf("/t", mounts, "/local/../usr/bin/a"), "/elsewhere/bin/a");
});

test("command lookup: local/, the task dir, then the restricted PATH inside the chroot", () => {
	const task = join(temp, "lookup");
	const usr = join(temp, "lookup-usr");
	mkdirSync(join(task, "local"), { recursive: true });
	mkdirSync(join(usr, "bin"), { recursive: true });
	writeFileSync(join(usr, "bin/tool"), "#!/bin/sh\n");
	writeFileSync(join(task, "local/tool"), "#!/bin/sh\n");
	writeFileSync(join(task, "other"), "#!/bin/sh\n");
	const mounts = [{ src: usr, dest: "/usr", isDir: true }];
	assert.deepEqual(lookupTaskBin(task, mounts, "tool"), {
		taskPath: "/local/tool",
		hostPath: join(task, "local/tool"),
	});
	assert.deepEqual(lookupTaskBin(task, mounts, "other"), { taskPath: "/other", hostPath: join(task, "other") });
	assert.deepEqual(lookupTaskBin(task, mounts, "/usr/bin/tool"), {
		taskPath: "/usr/bin/tool",
		hostPath: join(usr, "bin/tool"),
	});
	rmSync(join(task, "local/tool"));
	assert.equal(lookupTaskBin(task, mounts, "tool").taskPath, "/usr/bin/tool");
	assert.throws(() => lookupTaskBin(task, mounts, "nope"), { message: `file nope not found under path ${task}` });
	assert.throws(() => lookupTaskBin(task, mounts, "/bin/nope"), /file \/bin\/nope not found/);
});

test("makeExecutable touches the task's own regular files only", () => {
	const task = join(temp, "mx");
	mkdirSync(task);
	const f = join(task, "run.sh");
	writeFileSync(f, "");
	chmodSync(f, 0o644);
	makeExecutable(task, f);
	assert.equal(statSync(f).mode & 0o777, 0o755);
	const outside = join(temp, "outside");
	writeFileSync(outside, "");
	chmodSync(outside, 0o600);
	symlinkSync(outside, join(task, "link"));
	makeExecutable(task, join(task, "link"));
	makeExecutable(task, outside);
	assert.equal(statSync(outside).mode & 0o777, 0o600);
	assert.ok(lstatSync(join(task, "link")).isSymbolicLink() && existsSync(outside));
});
