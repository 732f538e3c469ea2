// The error an RPC call rejects with: the remote handler's message and, when it had one, the
// HTTP-ish status code it carried (CodedError.code), so agents can answer as Nomad would.
export class RpcError extends Error {
	readonly code: number | undefined;
	constructor(message: string, code?: number) {
		super(message);
		this.name = "RpcError";
		this.code = code;
	}
}
