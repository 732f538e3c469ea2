// Collection constructors: tuples `[...]`, objects `{...}` and for-expressions.
import type { Expr, ObjectItem } from "./ast.ts";
import type { Parser } from "./parser.ts";

function isForKeyword(p: Parser): boolean {
	const save = p.pos;
	p.skipAll();
	const isFor = p.peekIdent() === "for";
	p.pos = save;
	return isFor;
}

export function parseTuple(p: Parser): Expr {
	const start = p.pos++;
	if (isForKeyword(p)) return parseFor(p, start, false);
	const items: Expr[] = [];
	p.withNewlines(false, () => {
		for (;;) {
			p.skip();
			if (p.at("]")) break;
			items.push(p.parseExpression());
			p.skip();
			if (p.at(",")) p.pos++;
			else if (!p.at("]")) p.fail("Missing item separator; Expected a comma to mark the beginning of the next item.");
		}
	});
	p.pos++;
	return { k: "tuple", items, range: p.range(start, p.pos), openRange: p.range(start, start + 1) };
}

export function parseObject(p: Parser): Expr {
	const start = p.pos++;
	if (isForKeyword(p)) return parseFor(p, start, true);
	const items: ObjectItem[] = [];
	p.withNewlines(true, () => {
		for (;;) {
			p.skipAll();
			if (p.at("}")) break;
			const key = p.parseExpression();
			p.skip();
			if (!p.at("=") && !p.at(":"))
				p.fail(
					'Missing key/value separator; Expected an equals sign ("=") to mark the beginning of the attribute value.',
				);
			p.pos++;
			p.skip();
			const value = p.parseExpression();
			items.push({ key, forceNonLiteral: key.k === "parens", value });
			p.skip();
			if (p.at(",")) p.pos++;
			else if (!p.at("\n") && !p.at("}"))
				p.fail("Missing attribute separator; Expected a newline or comma to mark the beginning of the next attribute.");
		}
	});
	p.pos++;
	return { k: "object", items, range: p.range(start, p.pos), openRange: p.range(start, start + 1) };
}

function parseFor(p: Parser, start: number, isObject: boolean): Expr {
	return p.withNewlines(false, () => {
		p.skip();
		p.pos += 3; // "for"
		p.skip();
		const first = p.ident() ?? p.fail("Invalid 'for' expression; For expression requires variable name after 'for'.");
		p.skip();
		let keyVar: string | undefined;
		let valVar = first;
		if (p.at(",")) {
			p.pos++;
			p.skip();
			keyVar = first;
			valVar =
				p.ident() ?? p.fail("Invalid 'for' expression; For expression requires value variable name after comma.");
			p.skip();
		}
		if (p.ident() !== "in")
			p.fail("Invalid 'for' expression; For expression requires the 'in' keyword after its name declarations.");
		p.skip();
		const collection = p.parseExpression();
		p.expect(":", "Invalid 'for' expression");
		p.skip();
		let keyExpr: Expr | undefined;
		let valExpr = p.parseExpression();
		let group = false;
		if (isObject) {
			p.expect("=>", "Invalid 'for' expression");
			keyExpr = valExpr;
			p.skip();
			valExpr = p.parseExpression();
			p.skip();
			if (p.at("...")) {
				p.pos += 3;
				group = true;
			}
		}
		p.skip();
		let cond: Expr | undefined;
		if (p.peekIdent() === "if") {
			p.pos += 2;
			p.skip();
			cond = p.parseExpression();
		}
		p.expect(isObject ? "}" : "]", "Invalid 'for' expression");
		return {
			k: "for",
			keyVar,
			valVar,
			collection,
			keyExpr,
			valExpr,
			cond,
			group,
			range: p.range(start, p.pos),
			openRange: p.range(start, start + 1),
		} satisfies Expr;
	});
}
