// Following a task's log while it writes ~10 MB across many rotated files yields every byte once,
// in order — decoded here with a reader of Nomad's StreamFrame framing written for this test
// (JSON objects back to back, base64 Data, File naming the rotated file being read).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type StartedAgent, startDevAgent, waitFor } from "./helpers/agentProcess.ts";

let agent: StartedAgent | undefined;
after(async () => {
	await agent?.stop();
});

/** Splits a byte stream of concatenated JSON objects (Nomad's framing) into parsed frames. */
class FrameReader {
	private buf = "";
	private depth = 0;
	private inString = false;
	private escaped = false;
	private start = -1;
	private scanned = 0;

	push(chunk: string): unknown[] {
		this.buf += chunk;
		const out: unknown[] = [];
		for (let i = this.scanned; i < this.buf.length; i++) {
			const c = this.buf[i];
			if (this.inString) {
				if (this.escaped) this.escaped = false;
				else if (c === "\\") this.escaped = true;
				else if (c === '"') this.inString = false;
				continue;
			}
			if (c === '"') this.inString = true;
			else if (c === "{") {
				if (this.depth === 0) this.start = i;
				this.depth++;
			} else if (c === "}") {
				this.depth--;
				if (this.depth === 0) out.push(JSON.parse(this.buf.slice(this.start, i + 1)));
			}
		}
		if (this.depth === 0) {
			this.buf = "";
			this.scanned = 0;
		} else {
			this.buf = this.buf.slice(this.start);
			this.scanned = this.buf.length;
			this.start = 0;
		}
		return out;
	}
}

test("a log followed across ~10 rotations yields every byte once, in order", async () => {
	agent = await startDevAgent();
	const N = 1_300_000; // `seq 1 N` writes ~9.2 MB
	const r = await fetch(`${agent.url}/v1/jobs`, {
		method: "PUT",
		body: JSON.stringify({
			Job: {
				ID: "chatty",
				Datacenters: ["*"],
				TaskGroups: [
					{
						Name: "g",
						EphemeralDisk: { SizeMB: 300 },
						Tasks: [
							{
								Name: "t",
								Driver: "raw_exec",
								// Waits for the follower, then writes everything as fast as it can.
								Config: { command: "/bin/sh", args: ["-c", `sleep 1; seq 1 ${N}; sleep 1000`] },
								LogConfig: { MaxFiles: 20, MaxFileSizeMB: 1 },
								Resources: { CPU: 100, MemoryMB: 64 },
							},
						],
					},
				],
			},
		}),
	});
	assert.equal(r.status, 200);
	const alloc = await waitFor(async () => {
		const a = ((await (await fetch(`${agent?.url}/v1/job/chatty/allocations`)).json()) as any[])[0];
		return a?.ClientStatus === "running" ? a : undefined;
	});
	const ctl = new AbortController();
	const res = await fetch(
		`${agent.url}/v1/client/fs/logs/${alloc.ID}?task=t&type=stdout&origin=start&offset=0&follow=true`,
		{ signal: ctl.signal },
	);
	assert.equal(res.status, 200);
	const reader = new FrameReader();
	const parts: Buffer[] = [];
	const files = new Set<string>();
	let got = 0;
	const expected = `${Array.from({ length: N }, (_, i) => i + 1).join("\n")}\n`;
	const decoder = new TextDecoder();
	const timeout = setTimeout(() => ctl.abort(), 60_000);
	try {
		for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
			for (const f of reader.push(decoder.decode(chunk, { stream: true })) as any[]) {
				if (!f.Data) continue;
				const data = Buffer.from(f.Data, "base64");
				parts.push(data);
				files.add(f.File);
				got += data.length;
			}
			if (got >= expected.length) break;
		}
	} finally {
		clearTimeout(timeout);
		ctl.abort();
	}
	const text = Buffer.concat(parts).toString("utf8");
	assert.equal(text.length, expected.length, "every byte, no more, no less");
	assert.ok(text === expected, "in order, each once");
	assert.ok(files.size >= 9, `read across rotated files: ${[...files].join(", ")}`);
});
