// /v1/jobs/parse (HCL2 → api.Job, as the CLI and UI use it) and /v1/validate/job.
import { CodedError } from "../../../lib/errors.ts";
import { admissionConfig } from "../../../server/endpoints/jobEndpoint.ts";
import { admission } from "../../../server/jobs/lazy.ts";
import { decodeBody, expectObject, foldKeys } from "../body.ts";
import { byMethod, putOrPost } from "../methods.ts";
import { parseWriteRequest } from "../query.ts";
import type { Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";
import { serverOf } from "./serverAccess.ts";

export function jobParseRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/jobs/parse",
			acl: "namespace:parse-job",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const body = foldKeys(expectObject(await decodeBody(ctx), "JobsParseRequest"), {
						JobHCL: true,
						Variables: true,
						Canonicalize: true,
						HCLv1: true,
					}) as Record<string, unknown>;
					if (body.HCLv1 === true) throw new CodedError(400, "HCLv1 jobspecs are not supported");
					const src = typeof body.JobHCL === "string" ? body.JobHCL : "";
					if (src.trim() === "") throw new CodedError(400, "Job spec is empty");
					let job: Record<string, unknown>;
					// The HCL toolchain is big and only this endpoint needs it: load it on first use.
					const { parseJobspec } = await import("../../../jobspec/index.ts");
					try {
						job = await parseJobspec(src, {
							filename: "input.hcl",
							varContent: typeof body.Variables === "string" ? body.Variables : undefined,
							allowFS: false,
						});
					} catch (err) {
						throw new CodedError(400, `Failed to parse job: ${(err as Error).message}`);
					}
					if (body.Canonicalize === true) {
						const { apiJobToStructs } = await admission();
						// The server's canonical form carries the same defaults the api package's
						// Canonicalize() fills in (nomad-ts has no separate api-side defaulting).
						return apiJobToStructs(job, admissionConfig(serverOf(agent)), {
							namespace: ctx.query.get("namespace") || undefined,
						});
					}
					return job;
				}),
			),
		},
		{
			pattern: "/v1/validate/job",
			acl: "namespace:read-job",
			handler: byMethod(
				putOrPost(async (ctx) => {
					const body = foldKeys(expectObject(await decodeBody(ctx), "JobValidateRequest"), { Job: true }) as Record<
						string,
						unknown
					>;
					if (body.Job === undefined || body.Job === null) throw new CodedError(400, "Job must be specified");
					const srv = serverOf(agent);
					const w = parseWriteRequest(ctx, agent.region);
					const {
						addImpliedConstraints,
						apiJobToStructs,
						formatValidationErrors,
						formatWarnings,
						jobWarnings,
						validateJob,
					} = await admission();
					try {
						const job = addImpliedConstraints(apiJobToStructs(body.Job, admissionConfig(srv), { region: w.Region }));
						const errs = validateJob(job, admissionConfig(srv));
						return {
							DriverConfigValidated: true,
							ValidationErrors: errs.length > 0 ? errs : null,
							Error: errs.length > 0 ? formatValidationErrors(errs) : "",
							Warnings: formatWarnings(jobWarnings(job)),
						};
					} catch (err) {
						if (err instanceof CodedError && err.code === 400) {
							return {
								DriverConfigValidated: false,
								ValidationErrors: [err.message],
								Error: err.message,
								Warnings: "",
							};
						}
						throw err;
					}
				}),
			),
		},
	];
}
