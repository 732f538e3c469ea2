// The CLI driven as a user would: a real dev agent, `nomad-ts` run as a subprocess with NOMAD_ADDR,
// both with plain pipes (non-TTY) and under a pseudo-terminal (`script` from util-linux) to check
// the live, redrawn view of `job run`.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, type StartedAgent, startDevAgent, tempDir, waitFor } from "./helpers/agentProcess.ts";

interface Run {
	code: number | null;
	out: string;
	err: string;
}

let agent: StartedAgent;
let dir: { path: string; cleanup: () => void };

function cli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Run {
	const r = spawnSync(process.execPath, [BIN, ...args], {
		cwd: dir.path,
		env: { ...process.env, NOMAD_ADDR: agent.url, NO_COLOR: "", ...env },
		input,
		encoding: "utf8",
		timeout: 60_000,
	});
	return { code: r.status, out: r.stdout, err: r.stderr };
}

const ESC = "\u001b[";
const hasScript = (() => {
	try {
		execFileSync("which", ["script"], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
})();

/** Runs a CLI command under a pseudo-terminal; returns everything the terminal received. */
function underTTY(args: string[], env: NodeJS.ProcessEnv = {}): Run {
	const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
	const r = spawnSync("script", ["-qfec", cmd, "/dev/null"], {
		cwd: dir.path,
		env: { ...process.env, NOMAD_ADDR: agent.url, ...env },
		encoding: "utf8",
		timeout: 60_000,
	});
	return { code: r.status, out: r.stdout, err: r.stderr };
}

async function allocOf(job: string): Promise<string> {
	return waitFor(async () => {
		const list = (await (await fetch(`${agent.url}/v1/job/${job}/allocations`)).json()) as {
			ID: string;
			ClientStatus: string;
		}[];
		return list.find((a) => a.ClientStatus === "running")?.ID;
	});
}

describe("nomad-ts CLI against a dev agent", () => {
	before(async () => {
		agent = await startDevAgent();
		dir = tempDir("nomad-ts-cli-");
	});
	after(async () => {
		await agent?.stop();
		dir?.cleanup();
	});

	test("job init + job run (plain output) ends with the job running", () => {
		const init = cli(["job", "init"]);
		assert.equal(init.code, 0, init.err);
		assert.match(init.out, /Example job file written to example\.nomad\.hcl/);
		assert.match(readFileSync(join(dir.path, "example.nomad.hcl"), "utf8"), /driver = "raw_exec"/);
		assert.equal(cli(["job", "init"]).code, 1, "refuses to overwrite");

		const run = cli(["job", "run", "example.nomad.hcl"]);
		assert.equal(run.code, 0, run.out + run.err);
		assert.match(run.out, /==> .*: Monitoring evaluation "[0-9a-f]{8}"/);
		assert.match(run.out, /Evaluation triggered by job "example"/);
		assert.match(run.out, /Allocation "[0-9a-f]{8}" created: node "[0-9a-f]{8}", group "app"/);
		assert.match(run.out, /Evaluation "[0-9a-f]{8}" finished with status "complete"/);
		assert.match(run.out, /Job "example" is running: 1\/1 allocations running/);
		assert.ok(!run.out.includes(ESC), "no escape sequences when stdout is not a terminal");
	});

	test("status, job status, node status read as Nomad's", () => {
		const st = cli(["status"]);
		assert.equal(st.code, 0, st.err);
		assert.match(st.out, /^ID\s+Type\s+Priority\s+Status\s+Submit Date\n/);
		assert.match(st.out, /example\s+service\s+50\s+running/);

		const js = cli(["job", "status", "example"]);
		assert.equal(js.code, 0, js.err);
		assert.match(js.out, /^ID\s+= example$/m);
		assert.match(js.out, /^Status\s+= running$/m);
		assert.match(
			js.out,
			/Summary\nTask Group\s+Queued\s+Starting\s+Running\s+Failed\s+Complete\s+Lost\s+Unknown\napp\s+0\s+0\s+1/,
		);
		assert.match(
			js.out,
			/Allocations\nID\s+Node ID\s+Task Group\s+Version\s+Desired\s+Status\s+Created\s+Modified\n[0-9a-f]{8}\s+[0-9a-f]{8}\s+app\s+0\s+run\s+running\s+\d+s ago/,
		);

		const byPrefix = cli(["status", "exam"]);
		assert.equal(byPrefix.code, 0, byPrefix.err);
		assert.match(byPrefix.out, /^ID\s+= example$/m);

		const json = cli(["job", "status", "-json", "example"]);
		assert.equal(JSON.parse(json.out).ID, "example");
		const tmpl = cli([
			"job",
			"status",
			"-t",
			'{{.ID}} {{printf "%d" .Priority}} {{range .TaskGroups}}{{.Name}}{{end}}',
			"example",
		]);
		assert.equal(tmpl.out.trim(), "example 50 app");

		const ns = cli(["node", "status"]);
		assert.equal(ns.code, 0, ns.err);
		assert.match(
			ns.out,
			/^ID\s+Node Pool\s+DC\s+Name\s+Class\s+Drain\s+Eligibility\s+Status\n[0-9a-f]{8}\s+default\s+dc1\s+\S+\s+<none>\s+false\s+eligible\s+ready/,
		);
		const nodeID = ns.out.split("\n")[1]?.split(/\s+/)[0] as string;
		const one = cli(["node", "status", nodeID]);
		assert.equal(one.code, 0, one.err);
		assert.match(one.out, /Driver Status = .*raw_exec/);
		assert.match(one.out, /Allocations\nID\s+Job ID/);
	});

	test("alloc status, logs (-tail, -f) and fs", async () => {
		const id = await allocOf("example");
		const st = cli(["alloc", "status", id.slice(0, 8)]);
		assert.equal(st.code, 0, st.err);
		assert.match(st.out, /^Client Status\s+= running$/m);
		assert.match(st.out, /Task "hello" is "running"/);
		assert.match(st.out, /Recent Events:\nTime\s+Type\s+Description\n.*Started\s+Task started by client/);

		const logs = await waitFor(async () => {
			const r = cli(["alloc", "logs", id.slice(0, 8)]);
			return r.out.includes("hello from nomad-ts") ? r : undefined;
		});
		assert.equal(logs.code, 0);
		assert.match(logs.out, new RegExp(`hello from nomad-ts \\(alloc ${id}\\)`));
		const tail = cli(["alloc", "logs", "-tail", "-n", "1", id]);
		assert.equal(tail.out.trim().split("\n").length, 1);
		assert.equal(cli(["alloc", "logs", "-stderr", id]).out, "");

		// -f keeps streaming new lines until interrupted.
		const follow = spawn(process.execPath, [BIN, "alloc", "logs", "-f", id], {
			cwd: dir.path,
			env: { ...process.env, NOMAD_ADDR: agent.url },
		});
		let out = "";
		follow.stdout.on("data", (d: Buffer) => {
			out += d.toString();
		});
		const before = logs.out.split("\n").filter(Boolean).length;
		await waitFor(async () => out.split("\n").filter(Boolean).length > before, 20_000);
		const exited = new Promise((r) => follow.once("exit", r));
		follow.kill("SIGINT");
		await exited;

		const ls = cli(["alloc", "fs", id]);
		assert.equal(ls.code, 0, ls.err);
		assert.match(ls.out, /^Mode\s+Size\s+Modified Time\s+Name\n/);
		assert.match(ls.out, /drwx\S+\s+.*alloc\/\n/);
		const cat = cli(["alloc", "fs", id, "alloc/logs/hello.stdout.0"]);
		assert.match(cat.out, /hello from nomad-ts/);
		const stat = cli(["alloc", "fs", "-stat", id, "alloc/logs/hello.stdout.0"]);
		assert.match(stat.out, /-rw\S+\s+\d+ B\s+\S+\s+text\/plain; charset=utf-8\s+hello\.stdout\.0/);
		const outside = cli(["alloc", "fs", id, "../../etc/passwd"]);
		assert.equal(outside.code, 1);
		assert.match(outside.err, /^Error stating file: Unexpected response code: \d{3} /);
	});

	test("job run under a terminal redraws the allocation view in place", { skip: !hasScript && "no script(1)" }, () => {
		writeFileSync(
			join(dir.path, "tty.nomad.hcl"),
			readFileSync(join(dir.path, "example.nomad.hcl"), "utf8")
				.replace('job "example"', 'job "ttyjob"')
				.replace("count = 1", "count = 2"),
		);
		const r = underTTY(["job", "run", "tty.nomad.hcl"]);
		assert.equal(r.code, 0, r.out);
		// Cursor up N lines + clear to end of screen: the view is redrawn, not appended.
		// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what this test checks
		const redraws = r.out.match(/\u001b\[\d+A\r\u001b\[J/g) ?? [];
		assert.ok(redraws.length >= 1, `expected cursor-up + clear sequences in ${JSON.stringify(r.out)}`);
		assert.match(r.out, /2\/2 allocations running/);
		assert.ok(r.out.includes(`${ESC}1m==>`), "headers are bold on a terminal");
		const plain = underTTY(["job", "run", "tty.nomad.hcl"], { NO_COLOR: "1" });
		assert.equal(plain.code, 0, plain.out);
		assert.ok(!plain.out.includes(`${ESC}1m`), "NO_COLOR turns colors off");
	});

	test("job plan exit codes, -detach, job stop", () => {
		const same = cli(["job", "plan", "example.nomad.hcl"]);
		assert.equal(same.code, 0, same.out + same.err);
		assert.match(same.out, /Scheduler dry-run:\n- All tasks successfully allocated\./);
		assert.match(same.out, /Job Modify Index: \d+/);
		writeFileSync(
			join(dir.path, "more.nomad.hcl"),
			readFileSync(join(dir.path, "example.nomad.hcl"), "utf8").replace("count = 1", "count = 3"),
		);
		const more = cli(["job", "plan", "more.nomad.hcl"]);
		assert.equal(more.code, 1, more.out + more.err);
		assert.match(more.out, /\+\/- Job: "example"/);
		// As Nomad: the count change is a new job version, so the running allocation is updated in place.
		assert.match(more.out, /\+\/- Task Group: "app" \(2 create, 1 in-place update\)/);
		assert.match(more.out, /\+\/- Count: "1" => "3" \(forces create\)/);
		assert.equal(cli(["job", "plan", "missing.hcl"]).code, 255);

		const detach = cli(["job", "run", "-detach", "-var", "greeting=bonjour", "example.nomad.hcl"]);
		assert.equal(detach.code, 0, detach.err);
		assert.match(detach.out, /^Job registration successful\nEvaluation ID: [0-9a-f-]{36}\n$/);

		const stop = cli(["job", "stop", "example"]);
		assert.equal(stop.code, 0, stop.err);
		assert.match(stop.out, /finished with status "complete"/);
		assert.match(cli(["job", "status"]).out, /example\s+service\s+50\s+dead \(stopped\)/);
		assert.equal(cli(["job", "stop", "-purge", "-detach", "ttyjob"]).code, 0);
	});

	test("help, unknown commands and flags, API errors", () => {
		const help = cli(["job", "run", "-h"]);
		assert.equal(help.code, 0);
		assert.match(help.out, /^Usage: nomad-ts job run \[options\] <path>/);
		assert.match(help.out, /-address <value>/);
		assert.match(cli(["help", "alloc", "logs"]).out, /^Usage: nomad-ts alloc logs/);
		const top = cli([]);
		assert.equal(top.code, 127);
		assert.match(top.out, /Common commands:/);

		const typo = cli(["jbo", "status"]);
		assert.equal(typo.code, 127);
		assert.match(typo.err, /Unknown command: jbo\nDid you mean "nomad-ts job"\?/);
		const sub = cli(["job", "stauts"]);
		assert.equal(sub.code, 127);
		assert.match(sub.err, /Did you mean "nomad-ts job status"\?/);
		const flag = cli(["job", "status", "-verbos"]);
		assert.equal(flag.code, 1);
		assert.match(flag.err, /flag provided but not defined: -verbos \(did you mean -verbose\?\)/);

		const missing = cli(["job", "status", "nope"]);
		assert.equal(missing.code, 1);
		assert.match(missing.err, /No job\(s\) with prefix or id "nope" found/);
		const args = cli(["alloc", "status"]);
		assert.equal(args.code, 1);
		assert.match(
			args.err,
			/This command takes one argument: <alloc>\nFor additional help try 'nomad-ts alloc status -help'/,
		);

		const down = cli(["status"], { NOMAD_ADDR: "http://127.0.0.1:1" });
		assert.equal(down.code, 1);
		assert.match(
			down.err,
			/^Error querying jobs: Get "http:\/\/127\.0\.0\.1:1\/v1\/jobs": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
		);
		const viaFlag = cli(["status", "-address", "http://127.0.0.1:1"]);
		assert.equal(viaFlag.code, 1);
	});
});
