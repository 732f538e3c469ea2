// Request/response envelopes shared by every RPC-shaped endpoint, as Nomad's structs.QueryOptions,
// structs.QueryMeta and structs.WriteRequest. Durations are nanoseconds.

export interface QueryOptions {
	Region: string;
	Namespace: string;
	/** Blocking query: wait until the result's index passes this. 0 = no blocking. */
	MinQueryIndex: number;
	/** Longest a blocking query may wait, in nanoseconds (already clamped and jittered by the caller). */
	MaxQueryTime: number;
	AllowStale: boolean;
	Prefix: string;
	Filter: string;
	PerPage: number;
	NextToken: string;
	Reverse: boolean;
	AuthToken: string;
}

export interface QueryMeta {
	Index: number;
	/** Milliseconds since the answering server last heard from the leader (0 on the leader). */
	LastContact: number;
	KnownLeader: boolean;
	NextToken: string;
}

export interface WriteRequest {
	Region: string;
	Namespace: string;
	AuthToken: string;
	IdempotencyToken: string;
}

export interface WriteMeta {
	Index: number;
}

export function defaultQueryOptions(region: string): QueryOptions {
	return {
		Region: region,
		Namespace: "default",
		MinQueryIndex: 0,
		MaxQueryTime: 0,
		AllowStale: false,
		Prefix: "",
		Filter: "",
		PerPage: 0,
		NextToken: "",
		Reverse: false,
		AuthToken: "",
	};
}

export function emptyQueryMeta(): QueryMeta {
	return { Index: 0, LastContact: 0, KnownLeader: false, NextToken: "" };
}
