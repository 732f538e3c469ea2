// bench:c1m — HashiCorp's C1M shape on one in-process server: N simulated nodes, J jobs × T tasks
// each with a constraint limiting eligible nodes, submitted through the HTTP API of a real agent;
// time until every allocation is committed, eval latency p50/p99, peak RSS, and the p99 latency of
// GET /v1/jobs while scheduling runs. Baseline in the same run: GET /v1/jobs latency when idle.
// Defaults are the full C1M (5000 × 1000 × 1000); C1M_NODES / C1M_JOBS / C1M_TASKS scale it down.

import { runC1M } from "./c1mRun.ts";
import { figure } from "./lib.ts";

const nodes = Number(process.env.C1M_NODES ?? 5000);
const jobs = Number(process.env.C1M_JOBS ?? 1000);
const tasks = Number(process.env.C1M_TASKS ?? 1000);
const r = await runC1M({ nodes, jobs, tasks, log: (m: string) => process.stderr.write(`${m}\n`) });
figure("c1m_nodes", nodes, "nodes");
figure("c1m_allocations", r.allocations, "allocations");
figure("c1m_seconds", r.seconds, "s (submit of first job → last allocation committed)");
figure("c1m_placements_per_second", r.allocations / r.seconds, "allocs/s");
figure("c1m_eval_latency_p50", r.evalP50Ms, "ms");
figure("c1m_eval_latency_p99", r.evalP99Ms, "ms");
figure("c1m_peak_rss", r.peakRssMB, "MB");
figure("jobs_list_p99_idle", r.listIdleP99Ms, "ms (baseline: GET /v1/jobs before the run)");
figure("jobs_list_p99_during", r.listDuringP99Ms, "ms (GET /v1/jobs while scheduling)");
figure("status_leader_p99_during", r.leaderDuringP99Ms, "ms (GET /v1/status/leader while scheduling)");
await r.stop();
process.exit(0);
