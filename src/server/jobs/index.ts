// Server-side job admission: api.Job JSON → structs.Job with Nomad's defaults, validation with
// Nomad's messages, implied constraints, spec-change detection and job diffs. Pure functions.
import type { Job } from "../../api/types/index.ts";
import { decodeJob } from "./apiDecodeJob.ts";
import { canonicalizeJob } from "./canonicalize.ts";
import { apiJobToStructsRaw } from "./convertJob.ts";
import { Reader } from "./decode.ts";
import { multiError } from "./goText.ts";
import type { AdmissionConfig } from "./types.ts";

export { annotateDiff } from "./annotate.ts";
export { type FieldDiff, type JobDiff, jobDiff, type ObjectDiff, type TaskDiff, type TaskGroupDiff } from "./diff.ts";
export { addImpliedConstraints } from "./implied.ts";
export { specChanged } from "./specChanged.ts";
export type { AdmissionConfig } from "./types.ts";
export { validateJob } from "./validate.ts";
export { formatWarnings, jobWarnings, type WarningOptions } from "./warnings.ts";

export interface DecodeOptions {
	/** Go type of the request body (error messages): JobRegisterRequest, JobValidateRequest, JobPlanRequest. */
	requestType?: string;
	/** ?region= or the request body's Region: wins over the job's own region. */
	region?: string;
	/** ?namespace= or the request body's Namespace: wins over the job's own namespace. */
	namespace?: string;
}

/**
 * api.Job (as decoded by Go's encoding/json: case-insensitive keys, nulls as unset) → structs.Job
 * with the api package's and the server's defaults (canonicalize, default priority, node pool).
 * Pass the request's region/namespace in `opts` so that everything derived from them (scaling
 * targets, nomad service namespaces) is right, as the HTTP agent sets them before converting.
 * Throws CodedError(400) with Go's json error text when a value has the wrong type.
 */
export function apiJobToStructs(apiJob: unknown, cfg: AdmissionConfig, opts: DecodeOptions = {}): Job {
	const r = Reader.root(apiJob, "Job", opts.requestType ?? "JobRegisterRequest", "Job");
	const job = apiJobToStructsRaw(decodeJob(r), {
		agentRegion: cfg.region,
		requestRegion: opts.region,
		requestNamespace: opts.namespace,
	});
	return canonicalizeJob(job, { defaultPriority: cfg.jobDefaultPriority });
}

/**
 * Nomad's multierror text for a failed registration ("1 error occurred:\n\t* Missing job ID\n\n").
 * Nomad answers a register/plan validation failure with HTTP 500 and this body.
 */
export function formatValidationErrors(errs: readonly string[]): string {
	return multiError(errs);
}
