// Input variables and locals (jobspec2/types.variables.go): `variable` blocks with type, default
// and validation rules, the legacy `variables {}` block, values from NOMAD_VAR_* environment
// variables, var files / the parse endpoint's Variables text, and -var arguments (later sources
// win), and `locals` evaluated in dependency order.
import type { Expr } from "./ast.ts";
import { type Body, type BodyAttr, type BodyBlock, evalAttr } from "./body.ts";
import { ConvertError, convert } from "./convert.ts";
import {
	type Diagnostic,
	DiagnosticsError,
	errorDiag,
	type Range,
	rangeString,
	type SourceFile,
} from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { referencedTraversals, undefinedVariable } from "./references.ts";
import { type FunctionDef, Scope } from "./scope.ts";
import { typeFromExpr } from "./typeexpr.ts";
import { BOOL, DYNAMIC, object, STRING, type Type, type Value } from "./values.ts";
import { collectValues } from "./varValues.ts";

const BAD_IDENTIFIER =
	"A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";

interface Assignment {
	from: "default" | "env" | "varfile" | "cmd";
	value: Value;
	/** Range of the expression that set the value (a zero range for literal -var/env values). */
	range: Range;
}

interface Validation {
	condition?: Expr;
	errorMessage: string;
	declRange: Range;
}

export interface Variable {
	name: string;
	type: Type | null;
	values: Assignment[];
	validations: Validation[];
}

export interface VarSource {
	/** A parsed var file (or the Variables text of /v1/jobs/parse). */
	body: Body;
	/** Checks whether the file declares `variable` blocks. */
	variableBlocks: BodyBlock[];
}

export class Variables {
	readonly inputs = new Map<string, Variable>();
	readonly locals = new Map<string, Value>();
	private readonly functions: Map<string, FunctionDef>;
	private readonly validationFunctions: Map<string, FunctionDef>;

	constructor(functions: Map<string, FunctionDef>, validationFunctions: Map<string, FunctionDef>) {
		this.functions = functions;
		this.validationFunctions = validationFunctions;
	}

	/** `variable "<name>" { ... }` */
	declareBlock(b: BodyBlock, diags: Diagnostic[]): void {
		const name = b.labels[0];
		if (this.inputs.has(name)) {
			diags.push(errorDiag("Duplicate variable", `Duplicate ${name} variable definition found.`));
			return;
		}
		const content = b.body.content(
			{
				attributes: [{ name: "description" }, { name: "default" }, { name: "type" }],
				blocks: [{ type: "validation" }],
			},
			diags,
		);
		if (!/^[\p{ID_Start}_][\p{ID_Continue}-]*$/u.test(name))
			diags.push(errorDiag("Invalid variable name", BAD_IDENTIFIER, b.labelRanges[0]));
		const v: Variable = { name, type: null, values: [], validations: [] };
		const desc = content.attributes.get("description");
		if (desc) {
			const d = evalAttr({ ...desc, scope: null }, diags);
			if (d) attempt(() => convert(d, STRING), desc, diags);
		}
		const typeAttr = content.attributes.get("type");
		if (typeAttr) {
			try {
				v.type = typeFromExpr(typeAttr.expr);
			} catch (e) {
				if (!(e instanceof DiagnosticsError)) throw e;
				diags.push(...e.diagnostics);
				return;
			}
		}
		const def = content.attributes.get("default");
		if (def) {
			const local: Diagnostic[] = [];
			let value = evalAttr({ ...def, scope: null }, local);
			diags.push(...local);
			if (!value) return;
			if (v.type) {
				try {
					value = convert(value, v.type);
				} catch (e) {
					if (!(e instanceof ConvertError)) throw e;
					diags.push(
						errorDiag(
							"Invalid default value for variable",
							`This default value is not compatible with the variable's type constraint: ${e.message}.`,
							def.expr.range,
						),
					);
					value = { t: DYNAMIC, v: null };
				}
			}
			v.values.push({ from: "default", value, range: def.expr.range });
			if (!v.type) v.type = value.t;
		}
		for (const vb of content.blocks) v.validations.push(this.validationBlock(name, vb, diags));
		this.inputs.set(name, v);
	}

	private validationBlock(varName: string, b: BodyBlock, diags: Diagnostic[]): Validation {
		const vv: Validation = { errorMessage: "", declRange: b.defRange };
		const content = b.body.content(
			{
				attributes: [
					{ name: "condition", required: true },
					{ name: "error_message", required: true },
				],
				blocks: [],
			},
			diags,
		);
		const cond = content.attributes.get("condition");
		if (cond) {
			vv.condition = cond.expr;
			let good = 0;
			for (const t of referencedTraversals(cond.expr)) {
				const first = t.steps[0];
				if (t.root === "var" && first?.k === "attr" && first.name === varName) {
					good++;
					continue;
				}
				diags.push(
					errorDiag(
						"Invalid reference in variable validation",
						`The condition for variable "${varName}" can only refer to the variable itself, using var.${varName}.`,
						t.range,
					),
				);
			}
			if (good < 1)
				diags.push(
					errorDiag(
						"Invalid variable validation condition",
						`The condition for variable "${varName}" must refer to var.${varName} in order to test incoming values.`,
						cond.expr.range,
					),
				);
		}
		const msg = content.attributes.get("error_message");
		if (msg) {
			const local: Diagnostic[] = [];
			const m = evalAttr({ ...msg, scope: null }, local);
			const s = m ? attempt(() => convert(m, STRING), msg, local) : undefined;
			diags.push(...local);
			if (s && local.length === 0) {
				vv.errorMessage = s.v as string;
				if (vv.errorMessage.trim() === "")
					diags.push(
						errorDiag(
							"Invalid validation error message",
							"An empty or blank string is not a valid nor useful error message.",
							msg.expr.range,
						),
					);
			}
		}
		return vv;
	}

	/** The legacy `variables { name = value }` block. */
	declareAttribute(a: BodyAttr, diags: Diagnostic[]): void {
		if (this.inputs.has(a.name)) {
			diags.push(errorDiag("Duplicate variable", `Duplicate ${a.name} variable definition found.`, a.nameRange));
			return;
		}
		const local: Diagnostic[] = [];
		const value = evalAttr({ ...a, scope: null }, local);
		diags.push(...local);
		if (!value) return;
		this.inputs.set(a.name, {
			name: a.name,
			type: value.t,
			values: [{ from: "default", value, range: a.expr.range }],
			validations: [],
		});
	}

	/** collectInputVariableValues: env, then var files, then -var arguments (later wins). */
	collect(
		env: Record<string, string>,
		files: VarSource[],
		args: string[],
		strict: boolean,
		exprFile: (name: string, text: string) => SourceFile,
		diags: Diagnostic[],
	): void {
		collectValues(this.inputs, env, files, args, strict, exprFile, diags);
	}

	/** Variables.Values(): each variable's last value, with unset variables and failed validations reported. */
	values(diags: Diagnostic[] | null): Map<string, Value> {
		const out = new Map<string, Value>();
		for (const v of this.inputs.values()) {
			const last = v.values[v.values.length - 1];
			if (!last) {
				diags?.push(
					errorDiag(
						`Unset variable "${v.name}"`,
						"A used variable must be set or have a default value; see https://developer.hashicorp.com/nomad/docs/reference/hcl2/variables  for details.",
					),
				);
				out.set(v.name, { t: v.type ?? DYNAMIC, v: null });
				continue;
			}
			out.set(v.name, last.value);
			if (diags) this.validate(v, last, diags);
		}
		return out;
	}

	private validate(v: Variable, val: Assignment, diags: Diagnostic[]): void {
		const scope = new Scope(new Map([["var", object(new Map([[v.name, val.value]]))]]), null, this.validationFunctions);
		for (const rule of v.validations) {
			if (!rule.condition) {
				diags.push(
					errorDiag("Invalid variable validation specification", "validation requires a condition.", rule.declRange),
				);
				continue;
			}
			let result: Value;
			try {
				result = evaluate(rule.condition, scope);
			} catch (e) {
				if (!(e instanceof DiagnosticsError)) throw e;
				diags.push(...e.diagnostics);
				continue;
			}
			if (result.v === null) {
				diags.push(
					errorDiag(
						"Invalid variable validation result",
						"Validation condition expression must return either true or false, not null.",
						rule.condition.range,
					),
				);
				continue;
			}
			try {
				result = convert(result, BOOL);
			} catch (e) {
				if (!(e instanceof ConvertError)) throw e;
				diags.push(
					errorDiag(
						"Invalid variable validation result",
						`Invalid validation condition result value: ${e.message}.`,
						rule.condition.range,
					),
				);
				continue;
			}
			if (result.v === false)
				diags.push(
					errorDiag(
						`Invalid value for ${val.from} variable`,
						`${rule.errorMessage}\n\nThis was checked by the validation rule at ${rangeString(rule.declRange)}.`,
						val.range,
					),
				);
		}
	}

	/** The evaluation context for the job: var.*, local.*, functions and the undefined-variable rule. */
	scope(): Scope {
		const vars = new Map<string, Value>([
			["var", object(this.values(null))],
			["local", object(new Map(this.locals))],
		]);
		return new Scope(vars, null, this.functions, undefinedVariable);
	}

	/** evaluateLocalVariables: retries locals that fail until no progress is made. */
	evaluateLocals(locals: BodyAttr[], diags: Diagnostic[]): void {
		let pending = [...locals];
		while (pending.length > 0) {
			const failed: { attr: BodyAttr; diags: Diagnostic[] }[] = [];
			for (const a of pending) {
				const local: Diagnostic[] = [];
				const v = evalAttr({ ...a, scope: this.scope() }, local);
				if (v && local.length === 0) this.locals.set(a.name, v);
				else failed.push({ attr: a, diags: local });
			}
			if (failed.length === 0) return;
			if (failed.length === pending.length) {
				diags.push(...failed[0].diags);
				return;
			}
			pending = failed.map((f) => f.attr);
		}
	}
}

function attempt(fn: () => Value, a: BodyAttr, diags: Diagnostic[]): Value | undefined {
	try {
		return fn();
	} catch (e) {
		if (!(e instanceof ConvertError)) throw e;
		diags.push(errorDiag("Unsuitable value type", `Unsuitable value: ${e.message}`, a.expr.range));
		return undefined;
	}
}
