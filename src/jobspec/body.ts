// Schema-driven access to configuration bodies, mirroring hcl.Body: Content / PartialContent
// (with HCL's diagnostics for unexpected, missing and mislabeled items), JustAttributes, Nomad's
// "blocks as attributes" view used for free-form maps (task config, meta...), and expansion of
// `dynamic` blocks (hcl ext/dynblock).
import type { Attribute, Block, Expr, SyntaxBody } from "./ast.ts";
import { blocksToExpr, groupByType, wrapObject } from "./blockAttrs.ts";
import { convert } from "./convert.ts";
import { type Diagnostic, DiagnosticsError, errorDiag, type Range, rangeBetween } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { nameSuggestion, Scope } from "./scope.ts";
import { elementsOf, entriesOf, friendlyName, listOf, num, object, STRING, str, type Value } from "./values.ts";

export interface BodyAttr {
	name: string;
	expr: Expr;
	nameRange: Range;
	range: Range;
	/** Where the expression is evaluated; null means no variables or functions (hcl nil context). */
	scope: Scope | null;
}

export interface BodyBlock {
	type: string;
	labels: string[];
	labelRanges: Range[];
	typeRange: Range;
	defRange: Range;
	openBraceRange: Range;
	body: Body;
}

export interface BodySchema {
	attributes: { name: string; required?: boolean }[];
	blocks: { type: string; labels?: string[] }[];
}

export interface Content {
	attributes: Map<string, BodyAttr>;
	blocks: BodyBlock[];
}

export interface Body {
	content(schema: BodySchema, diags: Diagnostic[]): Content;
	partialContent(schema: BodySchema, diags: Diagnostic[]): [Content, Body];
	justAttributes(diags: Diagnostic[]): BodyAttr[];
	missingItemRange(): Range;
	/** The same body seen with other evaluation options (used to re-open the job block). */
	withOptions(opts: BodyOptions): Body;
}

export interface BodyOptions {
	scope: Scope | null;
	/** Nomad's hclutil.BlocksAsAttrs: JustAttributes turns nested blocks into list-of-object attributes. */
	blocksAsAttrs?: boolean;
	/** Expand `dynamic` blocks (hcl dynblock). */
	dynamic?: boolean;
}

const defRange = (b: Block): Range => rangeBetween(b.typeRange, b.labelRanges[b.labelRanges.length - 1] ?? b.typeRange);

/** A body of HCL native syntax. */
export class SyntaxBodyView implements Body {
	private readonly syntax: SyntaxBody;
	private readonly opts: BodyOptions;
	private readonly hiddenAttrs: Set<string>;
	private readonly hiddenBlocks: Set<string>;

	constructor(
		syntax: SyntaxBody,
		opts: BodyOptions,
		hiddenAttrs = new Set<string>(),
		hiddenBlocks = new Set<string>(),
	) {
		this.syntax = syntax;
		this.opts = opts;
		this.hiddenAttrs = hiddenAttrs;
		this.hiddenBlocks = hiddenBlocks;
	}

	withOptions(opts: BodyOptions): Body {
		return new SyntaxBodyView(this.syntax, opts, this.hiddenAttrs, this.hiddenBlocks);
	}

	missingItemRange(): Range {
		const r = this.syntax.range;
		return { filename: r.filename, start: r.start, end: r.start };
	}

	private attr(a: Attribute): BodyAttr {
		return { name: a.name, expr: a.expr, nameRange: a.nameRange, range: a.range, scope: this.opts.scope };
	}

	private child(b: Block, scope: Scope | null): BodyBlock {
		return {
			type: b.type,
			labels: b.labels,
			labelRanges: b.labelRanges,
			typeRange: b.typeRange,
			defRange: defRange(b),
			openBraceRange: b.openBraceRange,
			body: new SyntaxBodyView(b.body, { ...this.opts, scope }),
		};
	}

	partialContent(schema: BodySchema, diags: Diagnostic[]): [Content, Body] {
		const attributes = new Map<string, BodyAttr>();
		for (const s of schema.attributes) {
			const a = this.hiddenAttrs.has(s.name) ? undefined : this.syntax.attributes.find((x) => x.name === s.name);
			if (!a) {
				if (s.required)
					diags.push(
						errorDiag(
							"Missing required argument",
							`The argument "${s.name}" is required, but no definition was found.`,
							this.missingItemRange(),
						),
					);
				continue;
			}
			attributes.set(s.name, this.attr(a));
		}
		const blocks: BodyBlock[] = [];
		for (const b of this.syntax.blocks) {
			if (b.type === "dynamic" && this.opts.dynamic) {
				blocks.push(...this.expandDynamic(b, schema, diags, true));
				continue;
			}
			if (this.hiddenBlocks.has(b.type)) continue;
			const s = schema.blocks.find((x) => x.type === b.type);
			if (!s) continue;
			if (checkLabels(b.type, b.labels, b.labelRanges, b.openBraceRange, b.typeRange, s.labels ?? [], diags))
				blocks.push(this.child(b, this.opts.scope));
		}
		const hiddenAttrs = new Set([...this.hiddenAttrs, ...schema.attributes.map((a) => a.name)]);
		const hiddenBlocks = new Set([...this.hiddenBlocks, ...schema.blocks.map((b) => b.type)]);
		return [{ attributes, blocks }, new SyntaxBodyView(this.syntax, this.opts, hiddenAttrs, hiddenBlocks)];
	}

	content(schema: BodySchema, diags: Diagnostic[]): Content {
		const [content] = this.partialContent(schema, diags);
		for (const a of this.syntax.attributes) {
			if (this.hiddenAttrs.has(a.name) || schema.attributes.some((s) => s.name === a.name)) continue;
			const candidates = schema.attributes
				.filter((s) => !content.attributes.has(s.name))
				.map((s) => s.name)
				.sort();
			let suggestion = nameSuggestion(a.name, candidates);
			if (suggestion) suggestion = ` Did you mean "${suggestion}"?`;
			else if (schema.blocks.some((s) => s.type === a.name))
				suggestion = ` Did you mean to define a block of type "${a.name}"?`;
			diags.push(
				errorDiag(
					"Unsupported argument",
					`An argument named "${a.name}" is not expected here.${suggestion}`,
					a.nameRange,
				),
			);
		}
		for (const b of this.syntax.blocks) {
			if (this.hiddenBlocks.has(b.type) || schema.blocks.some((s) => s.type === b.type)) continue;
			if (b.type === "dynamic" && this.opts.dynamic) {
				const label = b.labels[0];
				if (label !== undefined && !this.hiddenBlocks.has(label) && !schema.blocks.some((s) => s.type === label))
					diags.push(
						errorDiag("Unsupported block type", `Blocks of type "${label}" are not expected here.`, b.labelRanges[0]),
					);
				continue;
			}
			let suggestion = nameSuggestion(b.type, schema.blocks.map((s) => s.type).sort());
			if (suggestion) suggestion = ` Did you mean "${suggestion}"?`;
			else if (schema.attributes.some((s) => s.name === b.type))
				suggestion = ` Did you mean to define argument "${b.type}"? If so, use the equals sign to assign it a value.`;
			diags.push(
				errorDiag(
					"Unsupported block type",
					`Blocks of type "${b.type}" are not expected here.${suggestion}`,
					b.typeRange,
				),
			);
		}
		return content;
	}

	justAttributes(diags: Diagnostic[]): BodyAttr[] {
		const attrs = this.syntax.attributes.filter((a) => !this.hiddenAttrs.has(a.name));
		const blocks = this.syntax.blocks.filter((b) => !this.hiddenBlocks.has(b.type));
		if (!this.opts.blocksAsAttrs) {
			if (blocks.length > 0)
				diags.push(
					errorDiag(`Unexpected "${blocks[0].type}" block`, "Blocks are not allowed here.", blocks[0].typeRange),
				);
			return attrs.map((a) => this.attr(a));
		}
		const out = attrs.map((a) => ({ ...this.attr(a), expr: wrapObject(a.expr) }));
		for (const [type, group] of groupByType(blocks)) {
			const first = group[0];
			const expr = blocksToExpr(group);
			out.push({
				name: type,
				expr,
				nameRange: first.typeRange,
				range: rangeBetween(first.typeRange, expr.range),
				scope: this.opts.scope,
			});
		}
		return out;
	}

	/** Expands one `dynamic "<type>"` block into the blocks it generates. */
	private expandDynamic(b: Block, schema: BodySchema, diags: Diagnostic[], partial: boolean): BodyBlock[] {
		const type = b.labels[0];
		if (b.labels.length !== 1) {
			checkLabels("dynamic", b.labels, b.labelRanges, b.openBraceRange, b.typeRange, ["type"], diags);
			return [];
		}
		if (this.hiddenBlocks.has(type)) return [];
		const target = schema.blocks.find((s) => s.type === type);
		if (!target) {
			if (!partial)
				diags.push(
					errorDiag("Unsupported block type", `Blocks of type "${type}" are not expected here.`, b.labelRanges[0]),
				);
			return [];
		}
		const spec = new SyntaxBodyView(b.body, { scope: this.opts.scope }).content(
			{
				attributes: [{ name: "for_each", required: true }, { name: "iterator" }, { name: "labels" }],
				blocks: [{ type: "content" }],
			},
			diags,
		);
		const forEach = spec.attributes.get("for_each");
		const contentBlocks = spec.blocks.filter((x) => x.type === "content");
		if (contentBlocks.length > 1) {
			diags.push(
				errorDiag(
					"Extraneous content block",
					"Only one nested content block is allowed for each dynamic block.",
					contentBlocks[1].typeRange,
				),
			);
			return [];
		}
		if (contentBlocks.length === 0) {
			diags.push(
				errorDiag("Missing content block", 'A dynamic block must have a nested block of type "content".', {
					...b.body.range,
					end: b.body.range.start,
				}),
			);
			return [];
		}
		if (!forEach) return [];
		const scope = this.opts.scope ?? new Scope(new Map());
		let iterName = type;
		const iterAttr = spec.attributes.get("iterator");
		if (iterAttr) {
			const e = iterAttr.expr;
			if (e.k !== "traversal" || e.steps.length > 0) {
				diags.push(
					errorDiag("Invalid dynamic iterator name", "Dynamic iterator must be a single variable name.", e.range),
				);
				return [];
			}
			iterName = e.root;
		}
		const coll = evalAttr({ ...forEach, scope }, diags);
		if (!coll) return [];
		if (coll.v === null) {
			diags.push(
				errorDiag("Invalid dynamic for_each value", "Cannot use a null value in for_each.", forEach.expr.range),
			);
			return [];
		}
		let pairs: [Value, Value][];
		if (coll.t.k === "list" || coll.t.k === "tuple") pairs = elementsOf(coll).map((v, i) => [num(i), v]);
		else if (coll.t.k === "set") pairs = elementsOf(coll).map((v) => [v, v]);
		else if (coll.t.k === "map" || coll.t.k === "object") pairs = entriesOf(coll).map(([k, v]) => [str(k), v]);
		else {
			diags.push(
				errorDiag(
					"Invalid dynamic for_each value",
					`Cannot use a ${friendlyName(coll.t)} value in for_each. An iterable collection is required.`,
					forEach.expr.range,
				),
			);
			return [];
		}
		const contentBlock = b.body.blocks.find((x) => x.type === "content") as Block;
		const labelsAttr = spec.attributes.get("labels");
		const out: BodyBlock[] = [];
		for (const [key, value] of pairs) {
			const iterScope = scope.child(
				new Map([
					[
						iterName,
						object(
							new Map([
								["key", key],
								["value", value],
							]),
						),
					],
				]),
			);
			let labels: string[] = [];
			if (labelsAttr) {
				const lv = evalAttr({ ...labelsAttr, scope: iterScope }, diags);
				if (!lv) return [];
				try {
					labels = elementsOf(convert(lv, listOf(STRING))).map((x) => x.v as string);
				} catch (e) {
					diags.push(
						errorDiag(
							"Invalid dynamic block label",
							`Cannot use this value as a dynamic block label: ${(e as Error).message}.`,
							labelsAttr.expr.range,
						),
					);
					return [];
				}
			}
			const labelRanges = labels.map(() => labelsAttr?.expr.range ?? b.labelRanges[0]);
			if (!checkLabels(type, labels, labelRanges, b.openBraceRange, b.labelRanges[0], target.labels ?? [], diags))
				continue;
			out.push({
				type,
				labels,
				labelRanges,
				typeRange: b.labelRanges[0],
				defRange: defRange(b),
				openBraceRange: contentBlock.openBraceRange,
				body: new SyntaxBodyView(contentBlock.body, { ...this.opts, scope: iterScope }),
			});
		}
		return out;
	}
}

function checkLabels(
	type: string,
	labels: string[],
	labelRanges: Range[],
	openBrace: Range,
	typeRange: Range,
	names: string[],
	diags: Diagnostic[],
): boolean {
	if (labels.length > names.length) {
		if (names.length === 0)
			diags.push(
				errorDiag(`Extraneous label for ${type}`, `No labels are expected for ${type} blocks.`, labelRanges[0]),
			);
		else
			diags.push(
				errorDiag(
					`Extraneous label for ${type}`,
					`Only ${names.length} labels (${names.join(", ")}) are expected for ${type} blocks.`,
					labelRanges[names.length],
				),
			);
		return false;
	}
	if (labels.length < names.length) {
		diags.push(
			errorDiag(
				`Missing ${names[labels.length]} for ${type}`,
				`All ${type} blocks must have ${names.length} labels (${names.join(", ")}).`,
				openBrace ?? typeRange,
			),
		);
		return false;
	}
	return true;
}

/** Evaluates an attribute's expression, turning evaluation failures into a diagnostic. */
export function evalAttr(a: BodyAttr, diags: Diagnostic[]): Value | undefined {
	try {
		return evaluate(a.expr, a.scope);
	} catch (e) {
		if (e instanceof DiagnosticsError) {
			diags.push(...e.diagnostics);
			return undefined;
		}
		throw e;
	}
}
