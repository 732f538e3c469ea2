// Nomad's error → status mapping for the HTTP layer (command/agent/http.go wrap()).
import { CodedError, ErrMsg } from "../../lib/errors.ts";

const JOB_REGISTRATION_DISABLED = "Job registration, dispatch, and scale are disabled by the scheduler configuration";
const INCOMPATIBLE_FILTERING = "Filter expression cannot be used with other filter parameters";
const RPC_CODED = /^RPC Error:: (\d{3}),([\s\S]*)$/;

export function errorToResponse(err: unknown): {
	status: number;
	body: string;
} {
	if (err instanceof CodedError) return { status: err.code, body: err.message };
	const message = err instanceof Error ? err.message : String(err);
	const rpc = RPC_CODED.exec(message);
	if (rpc) return { status: Number(rpc[1]), body: rpc[2] ?? "" };
	if (message.endsWith(ErrMsg.permissionDenied)) return { status: 403, body: ErrMsg.permissionDenied };
	if (message.endsWith(ErrMsg.tokenNotFound)) return { status: 403, body: ErrMsg.tokenNotFound };
	if (message.endsWith(JOB_REGISTRATION_DISABLED)) return { status: 403, body: JOB_REGISTRATION_DISABLED };
	if (message.endsWith(INCOMPATIBLE_FILTERING)) return { status: 400, body: INCOMPATIBLE_FILTERING };
	return { status: 500, body: message };
}
