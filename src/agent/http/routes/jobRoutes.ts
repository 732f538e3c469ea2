// /v1/jobs and /v1/job/<id>[/<action>]. As Nomad's JobSpecificRequest, the action is recognised
// by suffix, since job IDs may themselves contain "/" (e.g. "batch/periodic-1700000000").
import { emptyQueryMeta } from "../../../api/query.ts";
import { CodedError } from "../../../lib/errors.ts";
import {
	deregisterJob,
	evaluateJob,
	getJob,
	jobAllocations,
	jobEvaluations,
	jobSummary,
	listJobs,
	registerJob,
} from "../../../server/endpoints/jobEndpoint.ts";
import { dispatchJob, forcePeriodic } from "../../../server/endpoints/jobLaunchEndpoint.ts";
import { planJob } from "../../../server/endpoints/jobPlanEndpoint.ts";
import { jobScaleStatus, scaleJob } from "../../../server/endpoints/jobScaleEndpoint.ts";
import { jobVersions, revertJob, setJobStability } from "../../../server/endpoints/jobVersionEndpoint.ts";
import { decodeBody, decodeOptionalBody, expectObject, foldKeys, readBody } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { boolQueryParam, parseQueryOptions, parseWriteRequest } from "../query.ts";
import type { Handler, RequestContext, Route } from "../types.ts";
import { type AgentHandle, setIndex, setMeta } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

const REGISTER_FIELDS = {
	Job: true,
	EnforceIndex: true,
	JobModifyIndex: true,
	PolicyOverride: true,
	PreserveCounts: true,
	PreserveResources: true,
	EvalPriority: true,
	Submission: true,
} as const;

function uintParam(raw: unknown, what: string): number {
	const n = typeof raw === "string" ? Number(raw) : raw;
	if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
		throw new CodedError(400, `${what} must be a non-negative integer`);
	return n;
}

export function jobRoutes(agent: AgentHandle): Route[] {
	const read = (ctx: RequestContext) => ({ q: parseQueryOptions(ctx, agent.region), meta: emptyQueryMeta() });
	const write = (ctx: RequestContext) => parseWriteRequest(ctx, agent.region);

	const register = async (ctx: RequestContext, pathID?: string) => {
		const body = foldKeys(expectObject(await decodeBody(ctx), "JobRegisterRequest"), REGISTER_FIELDS) as Record<
			string,
			unknown
		>;
		const w = write(ctx);
		const out = await registerJob(
			serverOf(agent),
			{
				Job: body.Job,
				EnforceIndex: body.EnforceIndex === true,
				JobModifyIndex: typeof body.JobModifyIndex === "number" ? body.JobModifyIndex : 0,
				PolicyOverride: body.PolicyOverride === true,
				PreserveCounts: body.PreserveCounts === true,
				PreserveResources: body.PreserveResources === true,
				EvalPriority: typeof body.EvalPriority === "number" ? body.EvalPriority : 0,
			},
			w,
			pathID,
		);
		setIndex(ctx, out.Index);
		return out;
	};

	/** Suffix → handler for one job; the job ID is what precedes the suffix. */
	const actions: [string, (ctx: RequestContext, ns: string, id: string) => unknown][] = [
		[
			"/evaluate",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const body = (await decodeOptionalBody(ctx)) as Record<string, unknown> | undefined;
						const opts = foldKeys(body?.EvalOptions ?? body?.evalOptions ?? {}, { ForceReschedule: true }) as Record<
							string,
							unknown
						>;
						const out = await evaluateJob(serverOf(agent), ns, id, opts.ForceReschedule === true, write(ctx));
						setIndex(ctx, out.Index);
						return out;
					}),
				)(ctx),
		],
		[
			"/allocations",
			(ctx, ns, id) =>
				byMethod({
					GET: async () => {
						const { q, meta } = read(ctx);
						const out = await jobAllocations(serverOf(agent), ns, id, boolQueryParam(ctx, "all"), q, meta, ctx.signal);
						setMeta(ctx, meta);
						return out;
					},
				})(ctx),
		],
		[
			"/evaluations",
			(ctx, ns, id) =>
				byMethod({
					GET: async () => {
						const { q, meta } = read(ctx);
						const out = await jobEvaluations(serverOf(agent), ns, id, q, meta, ctx.signal);
						setMeta(ctx, meta);
						return out;
					},
				})(ctx),
		],
		[
			"/summary",
			async (ctx, ns, id) => {
				const { q, meta } = read(ctx);
				const out = await jobSummary(serverOf(agent), ns, id, q, meta, ctx.signal);
				setMeta(ctx, meta);
				return out;
			},
		],
		[
			"/versions",
			async (ctx, ns, id) => {
				const { q, meta } = read(ctx);
				const out = await jobVersions(serverOf(agent), ns, id, boolQueryParam(ctx, "diffs"), q, meta, ctx.signal);
				setMeta(ctx, meta);
				return { ...out, ...meta };
			},
		],
		[
			"/revert",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const body = foldKeys(expectObject(await decodeBody(ctx), "JobRevertRequest"), {
							JobID: true,
							JobVersion: true,
							EnforcePriorVersion: true,
						}) as Record<string, unknown>;
						if (body.JobID !== id) throw new CodedError(400, "Job ID does not match");
						const enforce =
							body.EnforcePriorVersion === undefined || body.EnforcePriorVersion === null
								? undefined
								: uintParam(body.EnforcePriorVersion, "EnforcePriorVersion");
						const out = await revertJob(
							serverOf(agent),
							ns,
							id,
							uintParam(body.JobVersion, "JobVersion"),
							enforce,
							write(ctx),
						);
						setIndex(ctx, out.Index);
						return out;
					}),
				)(ctx),
		],
		[
			"/stable",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const body = foldKeys(expectObject(await decodeBody(ctx), "JobStabilityRequest"), {
							JobID: true,
							JobVersion: true,
							Stable: true,
						}) as Record<string, unknown>;
						if (body.JobID !== id) throw new CodedError(400, "Job ID does not match");
						const index = await setJobStability(
							serverOf(agent),
							ns,
							id,
							uintParam(body.JobVersion, "JobVersion"),
							body.Stable === true,
							write(ctx),
						);
						setIndex(ctx, index);
						return { Index: index };
					}),
				)(ctx),
		],
		[
			"/scale",
			(ctx, ns, id) =>
				byMethod({
					GET: async () => {
						const { q, meta } = read(ctx);
						const out = await jobScaleStatus(serverOf(agent), ns, id, q, meta, ctx.signal);
						setMeta(ctx, meta);
						return out;
					},
					...putOrPost(async () => {
						const body = foldKeys(expectObject(await decodeBody(ctx), "ScalingRequest"), {
							Count: true,
							Target: true,
							Message: true,
							Error: true,
							Meta: true,
							PolicyOverride: true,
						}) as Record<string, unknown>;
						const target = (body.Target ?? {}) as Record<string, string>;
						if (target.Job !== undefined && target.Job !== id)
							throw new CodedError(400, "job ID in payload did not match URL");
						const out = await scaleJob(
							serverOf(agent),
							ns,
							id,
							{ Count: body.Count as number | null | undefined, Target: target },
							write(ctx),
						);
						setIndex(ctx, out.Index);
						return out;
					}),
				})(ctx),
		],
		[
			"/periodic/force",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const out = await forcePeriodic(serverOf(agent), ns, id, write(ctx));
						setIndex(ctx, out.Index as number);
						return out;
					}),
				)(ctx),
		],
		[
			"/dispatch/payload",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const raw = await readBody(ctx);
						const out = await dispatchJob(
							serverOf(agent),
							ns,
							id,
							{ Payload: raw.length > 0 ? raw.toString("base64") : undefined },
							write(ctx),
						);
						setIndex(ctx, out.Index as number);
						return out;
					}),
				)(ctx),
		],
		[
			"/dispatch",
			(ctx, ns, id) =>
				byMethod(
					putOrPost(async () => {
						const body = foldKeys((await decodeOptionalBody(ctx)) ?? {}, {
							JobID: true,
							Payload: true,
							Meta: true,
							IdPrefixTemplate: true,
							IdempotencyToken: true,
							Priority: true,
						}) as Record<string, unknown>;
						if (body.JobID !== undefined && body.JobID !== "" && body.JobID !== id) {
							throw new CodedError(400, "Job ID does not match");
						}
						const out = await dispatchJob(
							serverOf(agent),
							ns,
							id,
							{
								Payload: typeof body.Payload === "string" ? body.Payload : undefined,
								Meta: (body.Meta as Record<string, string> | null | undefined) ?? null,
								IdPrefixTemplate: typeof body.IdPrefixTemplate === "string" ? body.IdPrefixTemplate : undefined,
								IdempotencyToken:
									ctx.query.get("idempotency_token") ??
									(typeof body.IdempotencyToken === "string" ? body.IdempotencyToken : undefined),
								Priority: typeof body.Priority === "number" ? body.Priority : undefined,
							},
							write(ctx),
						);
						setIndex(ctx, out.Index as number);
						return out;
					}),
				)(ctx),
		],
		[
			"/plan",
			(ctx, _ns, id) =>
				byMethod(
					putOrPost(async () => {
						const body = foldKeys(expectObject(await decodeBody(ctx), "JobPlanRequest"), {
							Job: true,
							Diff: true,
							PolicyOverride: true,
						}) as Record<string, unknown>;
						const out = await planJob(serverOf(agent), body.Job, { diff: body.Diff === true, pathID: id }, write(ctx));
						setIndex(ctx, out.Index as number);
						return out;
					}),
				)(ctx),
		],
		["/deployments", (ctx) => byMethod({ GET: () => deploymentsPlaceholder(ctx, []) })(ctx)],
		["/deployment", (ctx) => byMethod({ GET: () => deploymentsPlaceholder(ctx, null) })(ctx)],
	];

	/** Deployments are created by the deployment watcher (a later issue); until then none exist. */
	const deploymentsPlaceholder = (ctx: RequestContext, empty: [] | null) => {
		const { q, meta } = read(ctx);
		const srv = serverOf(agent);
		srv.checkRoute(q.Region, { write: false, stale: q.AllowStale });
		meta.Index = Math.max(1, srv.state.tableIndex("deployments"));
		meta.KnownLeader = srv.isLeader();
		setMeta(ctx, meta);
		return empty;
	};

	const jobSpecific: Handler = (ctx) => {
		const ns = ctx.query.get("namespace") || "default";
		const path = ctx.rest;
		for (const [suffix, h] of actions) {
			if (path.endsWith(suffix) && path.length > suffix.length) return h(ctx, ns, path.slice(0, -suffix.length));
		}
		const id = path;
		if (id === "") throw new CodedError(404, "job not found");
		return byMethod({
			GET: async () => {
				const { q, meta } = read(ctx);
				const out = await getJob(serverOf(agent), q.Namespace, id, q, meta, ctx.signal);
				setMeta(ctx, meta);
				return out;
			},
			...putOrPost(() => register(ctx, id)),
			DELETE: async () => {
				const w = write(ctx);
				const out = await deregisterJob(
					serverOf(agent),
					w.Namespace,
					id,
					{
						purge: boolQueryParam(ctx, "purge"),
						evalPriority: Number(ctx.query.get("eval_priority") ?? 0) || undefined,
					},
					w,
				);
				setIndex(ctx, out.Index as number);
				return out;
			},
		})(ctx);
	};

	return [
		{
			pattern: "/v1/jobs",
			acl: { GET: "namespace:list-jobs", PUT: "namespace:submit-job", POST: "namespace:submit-job" },
			handler: byMethod({
				GET: async (ctx) => {
					const { q, meta } = read(ctx);
					const out = await listJobs(serverOf(agent), q, meta, { meta: boolQueryParam(ctx, "meta") }, ctx.signal);
					setMeta(ctx, meta);
					return out;
				},
				...putOrPost((ctx) => register(ctx)),
			}),
		},
		{
			pattern: "/v1/job/",
			acl: {
				GET: "namespace:read-job",
				PUT: "namespace:submit-job",
				POST: "namespace:submit-job",
				DELETE: "namespace:submit-job",
			},
			handler: jobSpecific,
		},
	];
}
