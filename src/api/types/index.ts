export type * from "./alloc.ts";
export type * from "./common.ts";
export type * from "./job.ts";
export type * from "./node.ts";
