// Client GC policy on a dev agent: with gc_max_allocs = 2, a third allocation makes room by
// destroying the oldest terminal one (its directory is removed) before the new one starts.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type StartedAgent, startDevAgent, tempDir, waitFor, writeConfig } from "./helpers/agentProcess.ts";

const dir = tempDir();
let agent: StartedAgent | undefined;
after(async () => {
	await agent?.stop();
	dir.cleanup();
});

test("gc_max_allocs: the oldest terminal allocation is collected to make room before the new one runs", async () => {
	const cfg = writeConfig(dir.path, "gc.json", { client: { gc_max_allocs: 2 } });
	agent = await startDevAgent([`-config=${cfg}`]);
	const url = agent.url;
	const allocDirs: string[] = [];
	for (let i = 0; i < 3; i++) {
		const marker = join(dir.path, `dir-${i}`);
		// The third task records whether the first allocation's directory was still there when it ran.
		const seen = join(dir.path, "first-seen-by-third");
		const check = i === 2 ? `; if [ -e ${allocDirs[0]} ]; then echo present; else echo gone; fi > ${seen}` : "";
		const r = await fetch(`${url}/v1/jobs`, {
			method: "PUT",
			body: JSON.stringify({
				Job: {
					ID: `gc-${i}`,
					Type: "batch",
					Datacenters: ["*"],
					TaskGroups: [
						{
							Name: "g",
							Tasks: [
								{
									Name: "t",
									Driver: "raw_exec",
									Config: { command: "/bin/sh", args: ["-c", `echo "$NOMAD_ALLOC_DIR" > ${marker}${check}`] },
									Resources: { CPU: 20, MemoryMB: 16 },
								},
							],
						},
					],
				},
			}),
		});
		assert.equal(r.status, 200);
		await waitFor(async () => {
			const allocs = (await (await fetch(`${url}/v1/job/gc-${i}/allocations`)).json()) as any[];
			return allocs[0]?.ClientStatus === "complete";
		});
		// <alloc dir>/alloc → the allocation's own directory.
		allocDirs.push(join(readFileSync(marker, "utf8").trim(), ".."));
	}
	assert.ok(existsSync(allocDirs[1]) && existsSync(allocDirs[2]), "the two newest are kept");
	assert.ok(!existsSync(allocDirs[0] as string), "the oldest is gone");
	assert.equal(readFileSync(join(dir.path, "first-seen-by-third"), "utf8").trim(), "gone");
});
