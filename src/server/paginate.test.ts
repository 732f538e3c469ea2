import assert from "node:assert/strict";
import { test } from "node:test";
import { CodedError } from "../lib/errors.ts";
import { paginate } from "./paginate.ts";

const rows = ["a", "b", "c", "d", "e"].map((ID, i) => ({ ID, N: i }));
const q = (o: Partial<{ Filter: string; PerPage: number; NextToken: string; Reverse: boolean }>) => ({
	Filter: "",
	PerPage: 0,
	NextToken: "",
	Reverse: false,
	...o,
});

test("pages walk every row once; the token is the first row left out", () => {
	const p1 = paginate({ rows, query: q({ PerPage: 2 }), token: (r) => r.ID });
	assert.deepEqual(
		p1.items.map((r) => r.ID),
		["a", "b"],
	);
	assert.equal(p1.nextToken, "c");
	const p2 = paginate({ rows, query: q({ PerPage: 2, NextToken: "c" }), token: (r) => r.ID });
	assert.deepEqual(
		p2.items.map((r) => r.ID),
		["c", "d"],
	);
	const p3 = paginate({ rows, query: q({ PerPage: 2, NextToken: "e" }), token: (r) => r.ID });
	assert.deepEqual(p3, { items: [rows[4]], nextToken: "" });
});

test("filter applies before page counting", () => {
	const p = paginate({ rows, query: q({ PerPage: 2, Filter: "N != 1" }), token: (r) => r.ID });
	assert.deepEqual(
		p.items.map((r) => r.ID),
		["a", "c"],
	);
	assert.equal(p.nextToken, "d");
});

test("bad filters and evaluation errors are 400s", () => {
	assert.throws(
		() => paginate({ rows, query: q({ Filter: "N ==" }), token: (r) => r.ID }),
		(e: unknown) =>
			e instanceof CodedError &&
			e.code === 400 &&
			/^failed to create result paginator: failed to read filter expression: 1:/.test(e.message),
	);
	assert.throws(
		() => paginate({ rows, query: q({ Filter: "Missing == 1" }), token: (r) => r.ID }),
		(e: unknown) => e instanceof CodedError && e.code === 400 && /^failed to read result page: /.test(e.message),
	);
});
