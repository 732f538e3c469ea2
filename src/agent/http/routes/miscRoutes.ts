// The UI placeholder, Nomad's Enterprise-only endpoints (501 as Nomad CE answers), and every other
// route of Nomad's API that nomad-ts has not built yet — those answer 501 naming the path, instead of
// a bare 404 that would look like a typo, or a 200 that would pretend.
import { CodedError, ErrMsg } from "../../../lib/errors.ts";
import { byMethod } from "../methods.ts";
import { RawResponse, type Route } from "../types.ts";

const ENTERPRISE_ONLY = [
	"/v1/sentinel/policies",
	"/v1/sentinel/policy/",
	"/v1/quotas",
	"/v1/quota-usages",
	"/v1/quota/",
	"/v1/quota",
	"/v1/recommendation",
	"/v1/recommendations",
	"/v1/recommendations/apply",
	"/v1/recommendation/",
];

/** Nomad route patterns (command/agent/http.go registerHandlers) not yet served by nomad-ts. */
const NOT_BUILT = [
	"/v1/jobs",
	"/v1/jobs/parse",
	"/v1/jobs/statuses",
	"/v1/job/",
	"/v1/validate/job",
	"/v1/nodes",
	"/v1/node/",
	"/v1/node/pools",
	"/v1/node/pool/",
	"/v1/allocations",
	"/v1/allocation/",
	"/v1/evaluations",
	"/v1/evaluations/count",
	"/v1/evaluation/",
	"/v1/deployments",
	"/v1/deployment/",
	"/v1/volumes",
	"/v1/volume/",
	"/v1/plugins",
	"/v1/plugin/",
	"/v1/acl/",
	"/v1/client/",
	"/v1/agent/",
	"/v1/search",
	"/v1/search/fuzzy",
	"/v1/scaling/policies",
	"/v1/scaling/policy/",
	"/v1/services",
	"/v1/service/",
	"/v1/vars",
	"/v1/var/",
	"/v1/event/stream",
	"/v1/operator/",
	"/v1/system/gc",
	"/v1/system/reconcile/summaries",
	"/.well-known/openid-configuration",
];

export function miscRoutes(): Route[] {
	const routes: Route[] = [
		{
			pattern: "/ui/",
			acl: "none",
			handler: byMethod({
				GET: () => new RawResponse("<html><p>Nomad UI is disabled</p></html>", "text/html; charset=utf-8"),
			}),
		},
	];
	for (const pattern of ENTERPRISE_ONLY) {
		routes.push({
			pattern,
			acl: "none",
			handler: () => {
				throw new CodedError(501, ErrMsg.enterpriseOnly);
			},
		});
	}
	return routes;
}

/** Placeholders for Nomad routes not built yet; skips patterns already registered. */
export function notBuiltRoutes(registered: ReadonlySet<string>): Route[] {
	return NOT_BUILT.filter((p) => !registered.has(p)).map((pattern) => ({
		pattern,
		acl: "none" as const,
		handler: (ctx) => {
			throw new CodedError(501, `${ctx.path} is not implemented in nomad-ts yet`);
		},
	}));
}
