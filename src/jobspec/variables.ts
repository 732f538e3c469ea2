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
import { parseExpressionText } from "./parseBody.ts";
import { referencedTraversals, undefinedVariable } from "./references.ts";
import { type FunctionDef, Scope } from "./scope.ts";
import { typeFromExpr } from "./typeexpr.ts";
import { BOOL, DYNAMIC, object, STRING, str, type Type, type Value } from "./values.ts";

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

const ZERO_RANGE: Range = {
	filename: "",
	start: { line: 0, column: 0, offset: 0 },
	end: { line: 0, column: 0, offset: 0 },
};

function convertTo(v: Value, t: Type | null): Value {
	return t ? convert(v, t) : v;
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

	/** collectInputVariableValues */
	collect(
		env: Record<string, string>,
		files: VarSource[],
		args: string[],
		strict: boolean,
		exprFile: (name: string, text: string) => SourceFile,
		diags: Diagnostic[],
	): void {
		const severity = strict ? "error" : "warning";
		for (const [key, raw] of Object.entries(env)) {
			if (!key.startsWith("NOMAD_VAR_")) continue;
			const name = key.slice("NOMAD_VAR_".length);
			const v = this.inputs.get(name);
			if (!v) continue;
			const a = this.fromString(v, raw, exprFile(`<value for var.${name} from env>`, raw), diags);
			if (!a) continue;
			try {
				v.values.push({ from: "env", value: convertTo(a.value, v.type), range: a.range });
			} catch (e) {
				if (!(e instanceof ConvertError)) throw e;
				diags.push(
					errorDiag(
						"Invalid value for variable",
						`The value for ${name} is not compatible with the variable's type constraint: ${e.message}.`,
						a.range,
					),
				);
			}
		}
		for (const f of files) {
			if (f.variableBlocks.length > 0) {
				for (const b of f.variableBlocks) {
					const name = b.labels[0];
					diags.push(
						errorDiag(
							"Variable declaration in a .var file",
							`A .var file is used to assign values to variables that have already been declared in job files, not to declare new variables. To declare variable "${name}", place this block in one of your job files\n\nTo set a value for this variable in ${b.typeRange.filename}, use the definition syntax instead:\n    ${name} = <value>`,
							b.typeRange,
						),
					);
				}
				return;
			}
			for (const a of f.body.justAttributes(diags)) {
				const v = this.inputs.get(a.name);
				if (!v) {
					diags.push({
						severity,
						summary: "Undefined variable",
						detail: `A "${a.name}" variable was set but was not found in known variables. To declare variable "${a.name}", place this block in your job files`,
					});
					continue;
				}
				const value = evalAttr({ ...a, scope: null }, diags);
				if (!value) continue;
				try {
					v.values.push({ from: "varfile", value: convertTo(value, v.type), range: a.expr.range });
				} catch (e) {
					if (!(e instanceof ConvertError)) throw e;
					diags.push(
						errorDiag(
							"Invalid value for variable",
							`The value for ${a.name} is not compatible with the variable's type constraint: ${e.message}.`,
							a.expr.range,
						),
					);
				}
			}
		}
		const argv = new Map<string, string>();
		for (const arg of args) {
			const eq = arg.indexOf("=");
			if (eq >= 0) argv.set(arg.slice(0, eq), arg.slice(eq + 1));
		}
		for (const [name, raw] of argv) {
			const v = this.inputs.get(name);
			if (!v) {
				diags.push({
					severity,
					summary: "Undefined -var variable",
					detail: `A "${name}" variable was passed in the command line but was not found in known variables. To declare variable "${name}", place this block in your job file`,
				});
				continue;
			}
			const a = this.fromString(v, raw, exprFile(`<value for var.${name} from arguments>`, raw), diags);
			if (!a) continue;
			try {
				v.values.push({ from: "cmd", value: convertTo(a.value, v.type), range: a.range });
			} catch (e) {
				if (!(e instanceof ConvertError)) throw e;
				diags.push(
					errorDiag(
						"Invalid argument value for -var variable",
						`The received arg value for ${name} is not compatible with the variable's type constraint: ${e.message}.`,
						a.range,
					),
				);
			}
		}
	}

	/** expressionFromVariableDefinition: strings for string/number/untyped variables, else HCL syntax. */
	private fromString(
		v: Variable,
		raw: string,
		file: SourceFile,
		diags: Diagnostic[],
	): { value: Value; range: Range } | undefined {
		const t = v.type;
		if (!t || t.k === "string" || t.k === "number") return { value: str(raw), range: ZERO_RANGE };
		try {
			const e = parseExpressionText(file);
			return { value: evaluate(e, null), range: e.range };
		} catch (err) {
			if (!(err instanceof DiagnosticsError)) throw err;
			diags.push(...err.diagnostics);
			return undefined;
		}
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
