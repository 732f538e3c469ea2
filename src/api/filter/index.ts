// Nomad's `?filter=` expression language: HashiCorp go-bexpr (v0.1.16, the version Nomad pins),
// evaluated against JSON-shaped objects as they appear on Nomad's wire.
//
//   const keep = compileFilter('Status == "running" and Meta["team"] == `infra`');
//   jobs.filter(keep);
//
// compileFilter throws FilterError for an expression that does not parse; the predicate throws
// FilterEvaluationError where go-bexpr's Evaluate returns an error (Nomad then fails the request).

import type { Expression } from "./ast.ts";
import { evaluate } from "./evaluate.ts";
import { parseFilter } from "./parser.ts";

export type { Expression, MatchOperator, Selector } from "./ast.ts";
export { formatExpression } from "./ast.ts";
export { FilterError, type FilterErrorDetail, FilterEvaluationError } from "./errors.ts";
export { parseFilter } from "./parser.ts";

export type FilterPredicate = (obj: unknown) => boolean;

/** Parse `expression` once and return a predicate that evaluates it against one object. */
export function compileFilter(expression: string): FilterPredicate {
	const ast: Expression = parseFilter(expression);
	return (obj: unknown) => evaluate(ast, obj);
}
