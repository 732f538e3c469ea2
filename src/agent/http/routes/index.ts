// Every route of the HTTP API, in one router.
import { enforced } from "../authorize.ts";
import { Router } from "../router.ts";
import type { Route } from "../types.ts";
import { aclRoutes } from "./aclRoutes.ts";
import { agentDebugRoutes } from "./agentDebugRoutes.ts";
import { agentHostRoutes } from "./agentHostRoutes.ts";
import { agentMemberRoutes } from "./agentMemberRoutes.ts";
import { agentRoutes } from "./agentRoutes.ts";
import { agentSchedulerRoutes } from "./agentSchedulerRoutes.ts";
import { agentServersRoutes } from "./agentServersRoutes.ts";
import { clientAllocRoutes } from "./clientAllocRoutes.ts";
import { clientFsRoutes } from "./clientFsRoutes.ts";
import { clientGcRoutes } from "./clientGcRoutes.ts";
import { clientStatsRoutes } from "./clientStatsRoutes.ts";
import type { AgentHandle } from "./context.ts";
import { evalAllocRoutes } from "./evalAllocRoutes.ts";
import { jobParseRoutes } from "./jobParseRoutes.ts";
import { jobRoutes } from "./jobRoutes.ts";
import { keyringRoutes } from "./keyringRoutes.ts";
import { miscRoutes, notBuiltRoutes } from "./miscRoutes.ts";
import { namespaceRoutes } from "./namespaceRoutes.ts";
import { nodeRoutes } from "./nodeRoutes.ts";
import { operatorRoutes } from "./operatorRoutes.ts";
import { scalingRoutes } from "./scalingRoutes.ts";
import { searchRoutes } from "./searchRoutes.ts";
import { statusRoutes } from "./statusRoutes.ts";
import { telemetryRoutes } from "./telemetryRoutes.ts";

export function allRoutes(agent: AgentHandle): Route[] {
	const built = [
		...statusRoutes(agent),
		...telemetryRoutes(agent),
		...keyringRoutes(agent),
		...agentRoutes(agent),
		...agentHostRoutes(agent),
		...agentDebugRoutes(agent),
		...aclRoutes(agent),
		...agentServersRoutes(agent),
		...agentSchedulerRoutes(agent),
		...agentMemberRoutes(agent),
		...namespaceRoutes(agent),
		...operatorRoutes(agent),
		...searchRoutes(agent),
		...scalingRoutes(agent),
		...jobRoutes(agent),
		...jobParseRoutes(agent),
		...evalAllocRoutes(agent),
		...nodeRoutes(agent),
		...clientAllocRoutes(agent),
		...clientGcRoutes(agent),
		...clientFsRoutes(agent),
		...clientStatsRoutes(agent),
		...miscRoutes(),
	];
	const routes = [...built, ...notBuiltRoutes(new Set(built.map((r) => r.pattern)))];
	return routes.map((r) => ({ ...r, handler: enforced(r, agent) }));
}

export function buildRouter(agent: AgentHandle): Router {
	const router = new Router();
	for (const r of allRoutes(agent)) router.add(r);
	return router;
}
