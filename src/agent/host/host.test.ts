import assert from "node:assert/strict";
import { test } from "node:test";
import { environment, makeHostData, mountedPaths, slurp } from "./hostData.ts";
import { formatIPv6, ipv6ToBigInt, networkData } from "./network.ts";

test("loopback IPv4 is described as Nomad's sample (go-sockaddr dump)", () => {
	const lo = networkData().find((n) => n.address === "127.0.0.1");
	assert.ok(lo, "loopback present");
	assert.deepEqual(lo, {
		type: "IPv4",
		string: "127.0.0.1/8",
		host: "127.0.0.1",
		address: "127.0.0.1",
		port: "0",
		netmask: "255.0.0.0",
		network: "127.0.0.0",
		mask_bits: "8",
		binary: "01111111000000000000000000000001",
		hex: "7f000001",
		first_usable: "127.0.0.1",
		last_usable: "127.255.255.254",
		octets: "127 0 0 1",
		size: "16777216",
		broadcast: "127.255.255.255",
		uint32: "2130706433",
		DialPacket: '"udp4" ""',
		DialStream: '"tcp4" ""',
		ListenPacket: '"udp4" ""',
		ListenStream: '"tcp4" ""',
	});
});

test("IPv6 text: RFC 5952 compression as Go prints it", () => {
	assert.equal(formatIPv6(ipv6ToBigInt("::1")), "::1");
	assert.equal(formatIPv6(ipv6ToBigInt("fe80:0:0:0:1:0:0:1")), "fe80::1:0:0:1");
	assert.equal(formatIPv6(ipv6ToBigInt("2001:db8::")), "2001:db8::");
	assert.equal(formatIPv6(ipv6ToBigInt("1:0:2:3:4:5:6:7")), "1:0:2:3:4:5:6:7");
	assert.equal(formatIPv6(ipv6ToBigInt("::ffff:10.0.0.1")), "10.0.0.1");
	const v6 = networkData().find((n) => n.address === "::1");
	if (v6) {
		assert.equal(v6.string, "::1");
		assert.equal(v6.size, "1");
		assert.equal(v6.uint128, "1");
		assert.equal(v6.ListenStream, '"tcp6" "[::1]:0"');
	}
});

test("disk: only block-device file systems, minus Nomad's skip list; mount escapes decoded", () => {
	const mounts = [
		"/dev/vda / ext4 rw 0 0",
		"tmpfs /dev/shm tmpfs rw 0 0",
		"proc /proc proc rw 0 0",
		"/dev/vdb /mnt/my\\040disk xfs rw 0 0",
		"overlay /var/lib/docker/x overlay rw 0 0",
		"none /none ext4 rw 0 0",
	].join("\n");
	const filesystems = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\toverlay\n\text4\n\txfs\n";
	assert.deepEqual(mountedPaths(mounts, filesystems), ["/", "/mnt/my disk"]);
});

test("host data: real values, secrets in the environment redacted", () => {
	const env = environment({ PATH: "/bin", MY_API_TOKEN: "s3cr3t", DB_PASSWORD: "hunter2" });
	assert.deepEqual(env, { PATH: "/bin", MY_API_TOKEN: "<redacted>", DB_PASSWORD: "<redacted>" });
	const h = makeHostData();
	assert.match(h.OS, / Linux /);
	assert.ok(h.Network.length > 0);
	assert.equal(h.Hosts, slurp("/etc/hosts"));
	for (const [path, d] of Object.entries(h.Disk)) {
		assert.ok(path.startsWith("/"));
		assert.ok(d.DiskMB >= d.UsedMB && d.UsedMB >= 0);
	}
	assert.equal(slurp("/no/such/file"), "open /no/such/file: no such file or directory");
});
