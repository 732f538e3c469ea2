// Config bodies of HCL native syntax: attributes (`name = expr`) and blocks (`type "label" { ... }`),
// plus the parser entry points.
import type { Attribute, Block, Expr, SyntaxBody } from "./ast.ts";
import type { Range, SourceFile } from "./diagnostics.ts";
import { Parser } from "./parser.ts";
import { parseQuoted, parseStandalone } from "./template.ts";

function parseBody(p: Parser, braced: boolean): SyntaxBody {
	const attributes: Attribute[] = [];
	const blocks: Block[] = [];
	const start = p.pos;
	for (;;) {
		p.skipAll();
		if (p.pos >= p.src.length) {
			if (braced) p.fail("Unclosed configuration block; There is no closing brace for this block.");
			break;
		}
		if (braced && p.at("}")) break;
		const nameStart = p.pos;
		const name = p.ident();
		if (!name) p.fail("Argument or block definition required; An argument or block definition is required here.");
		const nameRange = p.range(nameStart, p.pos);
		p.skip(false);
		if (p.at("=") && !p.at("==")) {
			p.pos++;
			const expr = p.withNewlines(true, () => {
				p.skip();
				return p.parseExpression();
			});
			attributes.push({ name, expr, nameRange, range: { ...nameRange, end: expr.range.end } });
			continue;
		}
		const labels: string[] = [];
		const labelRanges: Range[] = [];
		for (;;) {
			p.skip(false);
			const ls = p.pos;
			if (p.at('"')) {
				const { expr } = parseQuoted(p);
				if (expr.k !== "template" || expr.parts.some((p) => p.k !== "text"))
					p.fail("Invalid block label; Template sequences are not allowed in block labels.", ls);
				labels.push(expr.parts.map((p) => (p.k === "text" ? p.text : "")).join(""));
			} else {
				const l = p.ident();
				if (l === undefined) break;
				labels.push(l);
			}
			labelRanges.push(p.range(ls, p.pos));
		}
		if (!p.at("{"))
			p.fail(
				'Invalid block definition; Either a quoted string block label or an opening brace ("{") is expected here.',
			);
		const open = p.pos++;
		const body = p.withNewlines(true, () => parseBody(p, true));
		const close = p.pos++;
		body.range = p.range(open, p.pos);
		blocks.push({
			type: name,
			labels,
			typeRange: nameRange,
			labelRanges,
			openBraceRange: p.range(open, open + 1),
			closeBraceRange: p.range(close, close + 1),
			body,
		});
	}
	return { attributes, blocks, range: p.range(start, p.pos) };
}

/** Parses a whole HCL config file. */
export function parseConfig(file: SourceFile): SyntaxBody {
	const p = new Parser(file);
	const body = parseBody(p, false);
	return { ...body, range: p.range(0, p.src.length) };
}

/** Parses a standalone expression (a -var value for a complex-typed variable). */
export function parseExpressionText(file: SourceFile): Expr {
	const p = new Parser(file);
	const e = p.parseInnerExpression();
	p.skipAll();
	if (p.pos < p.src.length)
		p.fail(
			"Extra characters after expression; An expression was successfully parsed, but extra characters were found after it.",
		);
	return e;
}

/**
 * Parses a string as a template (string values in HCL JSON syntax). Nomad's undefined-variable
 * rule reads the JSON document around the string, where a closing quote follows it.
 */
export function parseTemplateText(file: SourceFile, followedBy = ""): Expr {
	const p = new Parser(file);
	p.traversalText = file.text + followedBy;
	return parseStandalone(p);
}
