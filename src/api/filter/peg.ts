// A small PEG interpreter that reproduces the behaviour of the pigeon-generated parser go-bexpr
// uses, including how it reports errors:
//  * the farthest position at which a literal / character class / "." failed, together with the
//    set of things expected there ("no match found, expected: ..."), successes inside `!e` count
//    as inverted expectations ("!." is shown as EOF);
//  * `&{ return false, err }` code blocks and action errors are collected with the innermost rule's
//    display name and do not stop parsing; any collected error makes the whole parse fail.
// Rule results are memoised per (rule, position, inverted) which does not change the outcome or the
// reported errors (both are sets keyed by position) but keeps nested parentheses linear.

export type Expr =
	| { readonly t: "lit"; readonly s: string; readonly want: string }
	| { readonly t: "cls"; readonly want: string; readonly test: (cp: number) => boolean }
	| { readonly t: "any" }
	| { readonly t: "seq" | "alt"; readonly xs: readonly Expr[] }
	| { readonly t: "star" | "plus" | "opt" | "not" | "and"; readonly x: Expr }
	| { readonly t: "ref"; readonly name: string }
	| { readonly t: "act"; readonly x: Expr; readonly fn: ActionFn }
	| { readonly t: "fail"; readonly reason: string }
	| { readonly t: "chain"; readonly item: Expr; readonly sep: Expr; readonly last?: Expr; readonly join: Join }
	| { readonly t: "prefixed"; readonly prefix: Expr; readonly item: Expr; readonly wrap: (v: unknown) => unknown };

type Join = (left: unknown, right: unknown) => unknown;

export interface ActionContext {
	/** The text the action's expression matched. */
	readonly text: string;
	/** Record an error at the start of the match (pigeon's action error). */
	error(reason: string): void;
}

export type ActionFn = (value: unknown, ctx: ActionContext) => unknown;

export interface Rule {
	/** Display name including quotes, as pigeon prints it: `"string"`. */
	readonly display?: string;
	readonly x: Expr;
}

export interface PegError {
	readonly index: number;
	/** `rule "string"` style label, or undefined for the final "no match found". */
	readonly rule: string | undefined;
	readonly reason: string;
}

export type PegResult =
	| { readonly ok: true; readonly value: unknown }
	| { readonly ok: false; readonly errors: PegError[] };

const FAIL: unique symbol = Symbol("fail");
type Out = unknown | typeof FAIL;

interface Memo {
	readonly out: Out;
	readonly end: number;
}

// Expression constructors, so a grammar reads close to its .peg source.
export const lit = (s: string, want: string): Expr => ({ t: "lit", s, want });
export const cls = (want: string, test: (cp: number) => boolean): Expr => ({ t: "cls", want, test });
export const anyChar: Expr = { t: "any" };
export const seq = (...xs: Expr[]): Expr => ({ t: "seq", xs });
export const alt = (...xs: Expr[]): Expr => ({ t: "alt", xs });
export const star = (x: Expr): Expr => ({ t: "star", x });
export const plus = (x: Expr): Expr => ({ t: "plus", x });
export const opt = (x: Expr): Expr => ({ t: "opt", x });
export const not = (x: Expr): Expr => ({ t: "not", x });
export const and = (x: Expr): Expr => ({ t: "and", x });
export const ref = (name: string): Expr => ({ t: "ref", name });
export const act = (x: Expr, fn: ActionFn): Expr => ({ t: "act", x, fn });
export const fail = (reason: string): Expr => ({ t: "fail", reason });
/**
 * The right-recursive rule `X <- item sep X {join} / item / last`, evaluated with a loop instead of
 * recursion (same matches, same recorded failures) so long `a or b or ...` chains cannot overflow.
 */
export const chain = (item: Expr, sep: Expr, join: Join, last?: Expr): Expr => ({ t: "chain", item, sep, join, last });
/** `X <- prefix X {wrap} / item`, evaluated with a loop; see chain. */
export const prefixed = (prefix: Expr, item: Expr, wrap: (v: unknown) => unknown): Expr => ({
	t: "prefixed",
	prefix,
	item,
	wrap,
});

export class PegParser {
	readonly #input: string;
	readonly #rules: Readonly<Record<string, Rule>>;
	#pos = 0;
	#invert = false;
	#maxFail = 0;
	readonly #expected = new Set<string>();
	readonly #errors: PegError[] = [];
	readonly #rstack: string[] = [];
	readonly #memo = new Map<string, Map<number, Memo>>();

	constructor(rules: Readonly<Record<string, Rule>>, input: string) {
		this.#rules = rules;
		this.#input = input;
	}

	parse(start: string): PegResult {
		const out = this.#eval(ref(start));
		if (out === FAIL && this.#errors.length === 0) {
			const wants = [...this.#expected];
			const eof = wants.includes("!.");
			const expected = wants.filter((w) => w !== "!.").sort(compareBytes);
			if (eof) expected.push("EOF");
			const reason = `no match found, expected: ${listJoin(expected)}`;
			return { ok: false, errors: [{ index: this.#maxFail, rule: undefined, reason }] };
		}
		if (this.#errors.length > 0) return { ok: false, errors: this.#errors };
		return { ok: true, value: out };
	}

	/** pigeon's failAt: record a failed match, or a successful one inside `!e`. */
	#failAt(matched: boolean, index: number, want: string): void {
		if (matched !== this.#invert) return;
		if (index < this.#maxFail) return;
		if (index > this.#maxFail) {
			this.#maxFail = index;
			this.#expected.clear();
		}
		this.#expected.add(this.#invert ? `!${want}` : want);
	}

	#addError(index: number, reason: string): void {
		const top = this.#rstack[this.#rstack.length - 1];
		const rule = top === undefined ? undefined : `rule ${top}`;
		if (!this.#errors.some((e) => e.index === index && e.rule === rule && e.reason === reason)) {
			this.#errors.push({ index, rule, reason });
		}
	}

	#eval(e: Expr): Out {
		const input = this.#input;
		const start = this.#pos;
		switch (e.t) {
			case "lit":
				if (input.startsWith(e.s, start)) {
					this.#pos += e.s.length;
					this.#failAt(true, start, e.want);
					return e.s;
				}
				this.#failAt(false, start, e.want);
				return FAIL;
			case "cls":
			case "any": {
				const want = e.t === "cls" ? e.want : ".";
				const cp = input.codePointAt(start);
				if (cp === undefined || (e.t === "cls" && !e.test(cp))) {
					this.#failAt(false, start, want);
					return FAIL;
				}
				this.#pos += cp > 0xffff ? 2 : 1;
				this.#failAt(true, start, want);
				return input.slice(start, this.#pos);
			}
			case "seq": {
				const values: unknown[] = [];
				for (const x of e.xs) {
					const v = this.#eval(x);
					if (v === FAIL) {
						this.#pos = start;
						return FAIL;
					}
					values.push(v);
				}
				return values;
			}
			case "alt":
				for (const x of e.xs) {
					const v = this.#eval(x);
					if (v !== FAIL) return v;
				}
				return FAIL;
			case "star":
			case "plus": {
				const values: unknown[] = [];
				for (;;) {
					const before = this.#pos;
					const v = this.#eval(e.x);
					if (v === FAIL) break;
					values.push(v);
					if (this.#pos === before) break;
				}
				return e.t === "plus" && values.length === 0 ? FAIL : values;
			}
			case "opt": {
				const v = this.#eval(e.x);
				return v === FAIL ? null : v;
			}
			case "not": {
				this.#invert = !this.#invert;
				const v = this.#eval(e.x);
				this.#invert = !this.#invert;
				this.#pos = start;
				return v === FAIL ? null : FAIL;
			}
			case "and": {
				const v = this.#eval(e.x);
				this.#pos = start;
				return v === FAIL ? FAIL : null;
			}
			case "ref":
				return this.#rule(e.name);
			case "act": {
				const v = this.#eval(e.x);
				if (v === FAIL) return FAIL;
				return e.fn(v, {
					text: input.slice(start, this.#pos),
					error: (reason) => this.#addError(start, reason),
				});
			}
			case "fail":
				this.#addError(start, e.reason);
				return FAIL;
			case "chain":
				return this.#chain(e.item, e.sep, e.join, e.last);
			case "prefixed":
				return this.#prefixed(e.prefix, e.item, e.wrap);
		}
	}

	#chain(item: Expr, sep: Expr, join: Join, last: Expr | undefined): Out {
		const items: unknown[] = [];
		const ends: number[] = [];
		for (;;) {
			const at = this.#pos;
			let v = this.#eval(item);
			if (v === FAIL && last) {
				this.#pos = at;
				v = this.#eval(last);
				if (v !== FAIL) {
					items.push(v);
					ends.push(this.#pos);
					break;
				}
			}
			if (v === FAIL) {
				if (items.length === 0) return FAIL;
				break; // the recursive X failed here, so the level above falls back to its bare item
			}
			items.push(v);
			ends.push(this.#pos);
			if (this.#eval(sep) === FAIL) break;
		}
		this.#pos = ends[ends.length - 1];
		let out = items[items.length - 1];
		for (let i = items.length - 2; i >= 0; i--) out = join(items[i], out);
		return out;
	}

	#prefixed(prefix: Expr, item: Expr, wrap: (v: unknown) => unknown): Out {
		const starts = [this.#pos];
		while (this.#eval(prefix) !== FAIL) starts.push(this.#pos);
		for (let depth = starts.length - 1; depth >= 0; depth--) {
			this.#pos = starts[depth];
			let v = this.#eval(item);
			if (v === FAIL) continue;
			for (let i = 0; i < depth; i++) v = wrap(v);
			return v;
		}
		this.#pos = starts[0];
		return FAIL;
	}

	#rule(name: string): Out {
		const rule = this.#rules[name];
		if (!rule) throw new Error(`undefined rule: ${name}`);
		let memo = this.#memo.get(name);
		if (!memo) {
			memo = new Map();
			this.#memo.set(name, memo);
		}
		const key = this.#pos * 2 + (this.#invert ? 1 : 0);
		const hit = memo.get(key);
		if (hit) {
			this.#pos = hit.end;
			return hit.out;
		}
		this.#rstack.push(rule.display ?? name);
		const out = this.#eval(rule.x);
		this.#rstack.pop();
		memo.set(key, { out, end: this.#pos });
		return out;
	}
}

function compareBytes(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function listJoin(list: readonly string[]): string {
	if (list.length <= 1) return list.join("");
	return `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
}

/** Position of a UTF-16 index the way pigeon reports it: line, rune column, byte offset. */
export function pigeonPosition(input: string, index: number): { line: number; column: number; offset: number } {
	let line = 1;
	let column = 0;
	for (let i = 0; i < index; ) {
		const cp = input.codePointAt(i) ?? 0;
		column++;
		if (cp === 10) {
			line++;
			column = 0;
		}
		i += cp > 0xffff ? 2 : 1;
	}
	column++;
	if (input.charCodeAt(index) === 10) {
		line++;
		column = 0;
	}
	return { line, column, offset: new TextEncoder().encode(input.slice(0, index)).length };
}
