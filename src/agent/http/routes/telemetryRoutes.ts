// /v1/metrics (go-metrics JSON, or Prometheus text when telemetry.prometheus_metrics is on).
import { CodedError } from "../../../lib/errors.ts";
import { byMethod } from "../methods.ts";
import { RawResponse, type Route } from "../types.ts";
import type { AgentHandle } from "./context.ts";

export function telemetryRoutes(agent: AgentHandle): Route[] {
	return [
		{
			pattern: "/v1/metrics",
			acl: "none",
			handler: byMethod({
				GET: (ctx) => {
					if (ctx.query.get("format") === "prometheus") {
						if (!agent.prometheusMetrics) throw new CodedError(415, "Prometheus is not enabled");
						return new RawResponse(agent.metrics.toPrometheusText(), "text/plain; version=0.0.4; charset=utf-8");
					}
					return agent.metrics.toGoMetricsJSON();
				},
			}),
		},
	];
}
