// kill -9 in the middle of a stream of writes: every write the agent acknowledged is there after a
// restart on the same data_dir, and the index carries on from where it was.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { freePorts, startAgent, tempDir, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
after(() => dir.cleanup());

test("acknowledged writes survive SIGKILL", async () => {
	const ports = await freePorts();
	const cfg = writeConfig(dir.path, "agent.json", {
		name: "crash",
		data_dir: `${dir.path}/data`,
		bind_addr: "127.0.0.1",
		advertise: { http: "127.0.0.1", rpc: "127.0.0.1", serf: "127.0.0.1" },
		ports,
		server: { enabled: true, bootstrap_expect: 1 },
		limits: { http_max_conns_per_client: 0 },
	});
	let agent = await startAgent([`-config=${cfg}`], ports);
	const acked = new Map<string, number>();
	let stop = false;
	let n = 0;
	const writer = async () => {
		while (!stop) {
			const name = `ns-${n++}`;
			try {
				const r = await fetch(`${agent.url}/v1/namespace/${name}`, {
					method: "PUT",
					body: JSON.stringify({ Name: name, Description: `d${name}` }),
				});
				if (r.ok) acked.set(name, Number(r.headers.get("x-nomad-index")));
			} catch {
				return; // the agent is gone
			}
		}
	};
	const writers = Array.from({ length: 8 }, writer);
	while (acked.size < 200) await new Promise((r) => setTimeout(r, 10));
	await agent.stop("SIGKILL");
	stop = true;
	await Promise.all(writers);
	const maxAcked = Math.max(...acked.values());

	agent = await startAgent([`-config=${cfg}`], ports);
	try {
		const list = (await (await fetch(`${agent.url}/v1/namespaces`)).json()) as { Name: string; Description: string }[];
		const have = new Map(list.map((ns) => [ns.Name, ns]));
		for (const name of acked.keys()) {
			assert.equal(have.get(name)?.Description, `d${name}`, `acknowledged ${name} lost`);
		}
		const idx = Number((await fetch(`${agent.url}/v1/namespaces`)).headers.get("x-nomad-index"));
		assert.ok(idx >= maxAcked, `index ${idx} went back behind ${maxAcked}`);
		const w = await fetch(`${agent.url}/v1/namespace/after`, {
			method: "PUT",
			body: JSON.stringify({ Name: "after" }),
		});
		assert.ok(Number(w.headers.get("x-nomad-index")) > idx);
	} finally {
		await agent.stop();
	}
});
