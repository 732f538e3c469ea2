// HCL's JSON syntax (hcl/json): a JSON document whose object properties are arguments or blocks
// depending on the schema asked for. Block labels are nested object keys; string values are
// templates when evaluated with a context (jobspecs) and plain strings without one (var files).
import type { Expr } from "./ast.ts";
import type { Body, BodyAttr, BodyBlock, BodyOptions, BodySchema, Content } from "./body.ts";
import {
	type Diagnostic,
	DiagnosticsError,
	errorDiag,
	type Range,
	rangeBetween,
	rangeString,
	SourceFile,
} from "./diagnostics.ts";
import { parseTemplateText } from "./parseBody.ts";
import { nameSuggestion } from "./scope.ts";
import { FALSE, NULL, num, str, TRUE } from "./values.ts";

export type JNode =
	| { k: "obj"; props: { key: string; keyRange: Range; value: JNode }[]; range: Range }
	| { k: "arr"; items: JNode[]; range: Range }
	| { k: "str"; v: string; range: Range }
	| { k: "num"; v: number; range: Range }
	| { k: "bool"; v: boolean; range: Range }
	| { k: "null"; range: Range };

/** A JSON parser that keeps source ranges. */
export function parseJSON(file: SourceFile): JNode {
	const src = file.text;
	let i = 0;
	const fail = (msg: string): never => {
		throw new DiagnosticsError([errorDiag("Syntax error", msg, file.range(i, Math.min(i + 1, src.length)))]);
	};
	const ws = () => {
		while (i < src.length && " \t\r\n".includes(src[i])) i++;
	};
	const value = (): JNode => {
		ws();
		const start = i;
		const c = src[i];
		if (c === "{") {
			i++;
			const props: { key: string; keyRange: Range; value: JNode }[] = [];
			ws();
			if (src[i] === "}") i++;
			else
				for (;;) {
					ws();
					if (src[i] !== '"') fail("Expected a property name (a quoted string).");
					const ks = i;
					const key = string();
					const keyRange = file.range(ks, i);
					ws();
					if (src[i] !== ":") fail('Expected a colon (":") after the property name.');
					i++;
					props.push({ key, keyRange, value: value() });
					ws();
					if (src[i] === ",") {
						i++;
						continue;
					}
					if (src[i] === "}") {
						i++;
						break;
					}
					fail('Expected a comma (",") or closing brace ("}").');
				}
			return { k: "obj", props, range: file.range(start, i) };
		}
		if (c === "[") {
			i++;
			const items: JNode[] = [];
			ws();
			if (src[i] === "]") i++;
			else
				for (;;) {
					items.push(value());
					ws();
					if (src[i] === ",") {
						i++;
						continue;
					}
					if (src[i] === "]") {
						i++;
						break;
					}
					fail('Expected a comma (",") or closing bracket ("]").');
				}
			return { k: "arr", items, range: file.range(start, i) };
		}
		if (c === '"') {
			const v = string();
			return { k: "str", v, range: file.range(start, i) };
		}
		const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(src.slice(i, i + 400));
		if (!m) return fail("The JSON data is invalid.");
		i += m[0].length;
		const range = file.range(start, i);
		if (m[0] === "true" || m[0] === "false") return { k: "bool", v: m[0] === "true", range };
		if (m[0] === "null") return { k: "null", range };
		return { k: "num", v: Number(m[0]), range };
	};
	const string = (): string => {
		const start = i;
		i++;
		while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
		if (i >= src.length) fail("Unterminated string.");
		i++;
		try {
			return JSON.parse(src.slice(start, i));
		} catch {
			return fail("Invalid string literal.");
		}
	};
	const root = value();
	ws();
	if (i < src.length) fail("Extraneous data after value.");
	return root;
}

/** The expression a JSON value stands for. */
export function jsonExpr(n: JNode, templates: boolean): Expr {
	switch (n.k) {
		case "str":
			if (!templates || !/[$%]\{/.test(n.v)) return { k: "literal", value: str(n.v), range: n.range };
			return parseTemplateText(new SourceFile(n.range.filename, n.v), '"');
		case "num":
			return { k: "literal", value: num(n.v), range: n.range };
		case "bool":
			return { k: "literal", value: n.v ? TRUE : FALSE, range: n.range };
		case "null":
			return { k: "literal", value: NULL, range: n.range };
		case "arr":
			return { k: "tuple", items: n.items.map((x) => jsonExpr(x, templates)), range: n.range, openRange: n.range };
		case "obj":
			return {
				k: "object",
				items: n.props.map((p) => ({
					key: { k: "literal", value: str(p.key), range: p.keyRange },
					forceNonLiteral: true,
					value: jsonExpr(p.value, templates),
				})),
				range: n.range,
				openRange: n.range,
			};
	}
}

export class JsonBody implements Body {
	private readonly node: Extract<JNode, { k: "obj" }>;
	private readonly opts: BodyOptions;
	/** Property names already consumed (hcljson tracks arguments and blocks together). */
	private readonly hidden: Set<string>;

	constructor(node: JNode, opts: BodyOptions, hidden = new Set<string>()) {
		if (node.k !== "obj")
			throw new DiagnosticsError([
				errorDiag(
					"Incorrect JSON value type",
					"A JSON object is required here, setting the arguments for this block.",
					node.range,
				),
			]);
		this.node = node;
		this.opts = opts;
		this.hidden = hidden;
	}

	withOptions(opts: BodyOptions): Body {
		return new JsonBody(this.node, opts, this.hidden);
	}

	missingItemRange(): Range {
		return { ...this.node.range, end: this.node.range.start };
	}

	private attr(p: { key: string; keyRange: Range; value: JNode }): BodyAttr {
		return {
			name: p.key,
			expr: jsonExpr(p.value, this.opts.scope !== null),
			nameRange: p.keyRange,
			range: rangeBetween(p.keyRange, p.value.range),
			scope: this.opts.scope,
		};
	}

	partialContent(schema: BodySchema, diags: Diagnostic[]): [Content, Body] {
		const attributes = new Map<string, BodyAttr>();
		const blocks: BodyBlock[] = [];
		const used = new Set(this.hidden);
		for (const p of this.node.props) {
			if (this.hidden.has(p.key)) continue;
			const blockSchema = schema.blocks.find((b) => b.type === p.key);
			if (schema.attributes.some((a) => a.name === p.key)) {
				const existing = attributes.get(p.key);
				if (existing) {
					diags.push(
						errorDiag(
							"Duplicate argument",
							`The argument "${p.key}" was already set at ${rangeString(existing.range)}.`,
							p.keyRange,
						),
					);
					continue;
				}
				attributes.set(p.key, this.attr(p));
				used.add(p.key);
			} else if (blockSchema) {
				this.unpack(p.key, p.keyRange, p.value, blockSchema.labels ?? [], [], [], blocks, diags);
				used.add(p.key);
			}
		}
		for (const s of schema.attributes)
			if (s.required && !attributes.has(s.name))
				diags.push(
					errorDiag(
						"Missing required argument",
						`The argument "${s.name}" is required, but no definition was found.`,
						this.missingItemRange(),
					),
				);
		return [{ attributes, blocks }, new JsonBody(this.node, this.opts, used)];
	}

	private unpack(
		type: string,
		typeRange: Range,
		v: JNode,
		names: string[],
		labels: string[],
		labelRanges: Range[],
		out: BodyBlock[],
		diags: Diagnostic[],
	): void {
		if (v.k === "arr") {
			for (const item of v.items) this.unpack(type, typeRange, item, names, labels, labelRanges, out, diags);
			return;
		}
		if (v.k !== "obj") {
			diags.push(
				errorDiag(
					"Incorrect JSON value type",
					`Either a JSON object or a JSON array is required, representing the contents of one or more "${type}" blocks.`,
					v.range,
				),
			);
			return;
		}
		if (labels.length < names.length) {
			for (const p of v.props)
				this.unpack(type, typeRange, p.value, names, [...labels, p.key], [...labelRanges, p.keyRange], out, diags);
			return;
		}
		out.push({
			type,
			labels,
			labelRanges,
			typeRange,
			defRange: labelRanges.length > 0 ? rangeBetween(typeRange, labelRanges[labelRanges.length - 1]) : typeRange,
			openBraceRange: v.range,
			body: new JsonBody(v, this.opts),
		});
	}

	content(schema: BodySchema, diags: Diagnostic[]): Content {
		const [content, remain] = this.partialContent(schema, diags);
		const used = (remain as JsonBody).hidden;
		const names = [...schema.attributes.map((a) => a.name), ...schema.blocks.map((b) => b.type)];
		for (const p of this.node.props) {
			if (p.key === "//" || used.has(p.key)) continue;
			const suggestion = nameSuggestion(p.key, names);
			diags.push(
				errorDiag(
					"Extraneous JSON object property",
					`No argument or block type is named "${p.key}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`,
					p.keyRange,
				),
			);
		}
		return content;
	}

	justAttributes(_diags: Diagnostic[]): BodyAttr[] {
		return this.node.props.filter((p) => p.key !== "//" && !this.hidden.has(p.key)).map((p) => this.attr(p));
	}
}

/** Nomad's isJSON: the first non-space character opens a JSON object. */
export function looksLikeJSON(src: string): boolean {
	return src.trimStart().startsWith("{");
}
