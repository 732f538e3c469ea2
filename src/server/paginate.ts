// Nomad's paginator: walks rows in key order (or reverse), skips rows before the resume token,
// applies the go-bexpr filter to the full row and an optional selector, and returns one page plus
// the token of the first row that did not fit. Tokens must be unique per row (a tiebreaker such as
// the ID is part of every token) so no row is skipped or repeated across pages.
import { compileFilter } from "../api/filter/index.ts";
import type { QueryOptions } from "../api/query.ts";
import { CodedError } from "../lib/errors.ts";

export interface PageRequest<T> {
	rows: Iterable<T>;
	query: Pick<QueryOptions, "Filter" | "PerPage" | "NextToken" | "Reverse">;
	/** The resume token of a row, as sent in X-Nomad-NextToken. */
	token: (row: T) => string;
	/**
	 * A row's position as a string that sorts in iteration order (default: its token). Needed when
	 * the token's text does not sort like the rows (e.g. "<ns>.<id>" vs keys "<ns>\0<id>").
	 */
	sortKey?: (row: T) => string;
	/** The sortable form of a token received from the client (default: the token itself). */
	tokenSortKey?: (token: string) => string;
	/** Extra in-code selection (namespace, ACL), applied after the filter. */
	select?: (row: T) => boolean;
}

export interface Page<T> {
	items: T[];
	nextToken: string;
}

/** Compiles a filter for a paginated list, with Nomad's 400 message on a bad expression. */
export function compileListFilter(filter: string): ((row: unknown) => boolean) | undefined {
	if (!filter) return undefined;
	try {
		return compileFilter(filter);
	} catch (err) {
		const msg = err instanceof Error ? err.message : String(err);
		throw new CodedError(400, `failed to create result paginator: failed to read filter expression: ${msg}`);
	}
}

export function paginate<T>(req: PageRequest<T>): Page<T> {
	const { query } = req;
	const filter = compileListFilter(query.Filter);
	const items: T[] = [];
	const target = query.NextToken === "" ? "" : (req.tokenSortKey?.(query.NextToken) ?? query.NextToken);
	for (const row of req.rows) {
		if (target !== "") {
			const pos = req.sortKey?.(row) ?? req.token(row);
			const passed = query.Reverse ? pos > target : pos < target;
			if (passed) continue;
		}
		if (filter) {
			let ok: boolean;
			try {
				ok = filter(row);
			} catch (err) {
				const msg = err instanceof Error ? err.message : String(err);
				throw new CodedError(400, `failed to read result page: ${msg}`);
			}
			if (!ok) continue;
		}
		if (req.select && !req.select(row)) continue;
		if (query.PerPage > 0 && items.length >= query.PerPage) return { items, nextToken: req.token(row) };
		items.push(row);
	}
	return { items, nextToken: "" };
}
