// Reaching the server behind a route. A server agent answers locally; a client-only agent will
// forward over agent RPC (built with the client issue) — until then it says so plainly.
import { CodedError } from "../../../lib/errors.ts";
import type { Server } from "../../../server/server.ts";
import type { AgentHandle } from "./context.ts";

export function serverOf(agent: AgentHandle): Server {
	if (agent.server) return agent.server;
	throw new CodedError(
		501,
		"This agent runs no server, and forwarding requests to servers is not built yet in nomad-ts",
	);
}
