// Errors that carry the HTTP status Nomad would answer with. Handlers throw these; the HTTP layer
// turns them into Nomad's plain-text error responses (status + body, no JSON).

export class CodedError extends Error {
	readonly code: number;
	constructor(code: number, message: string) {
		super(message);
		this.name = "CodedError";
		this.code = code;
	}
}

export const badRequest = (message: string): CodedError => new CodedError(400, message);
export const notFound = (message: string): CodedError => new CodedError(404, message);
export const forbidden = (message = "Permission denied"): CodedError => new CodedError(403, message);

/** Fixed strings clients match on. */
export const ErrMsg = {
	permissionDenied: "Permission denied",
	tokenNotFound: "ACL token not found",
	invalidMethod: "Invalid method",
	noLeader: "No cluster leader",
	noPathToRegion: "No path to region",
	serverOnly: "Server only endpoint",
	emptyBody: "Request body is empty",
	resourceNotFound: "resource not found",
	enterpriseOnly: "Nomad Enterprise only endpoint",
} as const;
