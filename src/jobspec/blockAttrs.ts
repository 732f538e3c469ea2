// Nomad's hclutil.BlocksAsAttrs: inside free-form maps (task config, meta, env...) nested blocks are
// read as attributes holding a list of objects (labels become nested object keys), and an object
// constructor assigned to an attribute is wrapped in a one-element list, as the Go parser does.
import type { Block, Expr, ObjectItem } from "./ast.ts";
import { type Range, rangeBetween } from "./diagnostics.ts";
import { str } from "./values.ts";

export function groupByType(blocks: Block[]): Map<string, Block[]> {
	const m = new Map<string, Block[]>();
	for (const b of blocks) {
		const g = m.get(b.type) ?? [];
		g.push(b);
		m.set(b.type, g);
	}
	return m;
}

/** hclutil attrExpr: an object constructor assigned to an attribute becomes a one-element tuple. */
export function wrapObject(e: Expr): Expr {
	return e.k === "object" ? { k: "tuple", items: [e], range: e.range, openRange: e.openRange } : e;
}

function literalKey(name: string, range: Range): Expr {
	return { k: "literal", value: str(name), range };
}

export function blocksToExpr(blocks: Block[]): Expr {
	const first = blocks[0];
	const last = blocks[blocks.length - 1];
	return {
		k: "tuple",
		items: blocks.map(blockToExpr),
		range: rangeBetween(first.openBraceRange, last.closeBraceRange),
		openRange: first.openBraceRange,
	};
}

function blockToExpr(b: Block): Expr {
	const items: ObjectItem[] = b.body.attributes.map((a) => ({
		key: literalKey(a.name, a.nameRange),
		forceNonLiteral: false,
		value: wrapObject(a.expr),
	}));
	for (const [type, group] of groupByType(b.body.blocks))
		items.push({ key: literalKey(type, group[0].typeRange), forceNonLiteral: false, value: blocksToExpr(group) });
	const range = rangeBetween(b.openBraceRange, b.closeBraceRange);
	let v: Expr = { k: "object", items, range, openRange: b.openBraceRange };
	for (let i = b.labels.length - 1; i >= 0; i--) {
		const inner: Expr = { k: "tuple", items: [v], range, openRange: b.openBraceRange };
		v = {
			k: "object",
			items: [{ key: literalKey(b.labels[i], b.labelRanges[i]), forceNonLiteral: false, value: inner }],
			range,
			openRange: b.openBraceRange,
		};
	}
	return v;
}
