// Where variable values come from (collectInputVariableValues): NOMAD_VAR_* environment variables,
// var files (and the parse endpoint's Variables text), then -var arguments; later sources win.
import { evalAttr } from "./body.ts";
import { ConvertError, convert } from "./convert.ts";
import { type Diagnostic, DiagnosticsError, errorDiag, type Range, type SourceFile } from "./diagnostics.ts";
import { evaluate } from "./evaluate.ts";
import { parseExpressionText } from "./parseBody.ts";
import { DYNAMIC, str, type Value } from "./values.ts";
import type { Variable, VarSource } from "./variables.ts";

const ZERO_RANGE: Range = {
	filename: "",
	start: { line: 0, column: 0, offset: 0 },
	end: { line: 0, column: 0, offset: 0 },
};

const UNKNOWN: Value = { t: DYNAMIC, v: null };

/** Records a value for a variable, converted to its type; a failed conversion is reported and leaves an unknown value. */
function assign(
	v: Variable,
	from: Variable["values"][number]["from"],
	value: Value,
	range: Range,
	diags: Diagnostic[],
	summary: string,
	detail: (msg: string) => string,
): void {
	try {
		v.values.push({ from, value: v.type ? convert(value, v.type) : value, range });
	} catch (e) {
		if (!(e instanceof ConvertError)) throw e;
		diags.push(errorDiag(summary, detail(e.message), range));
		v.values.push({ from, value: UNKNOWN, range });
	}
}

export function collectValues(
	inputs: Map<string, Variable>,
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
		const v = inputs.get(name);
		if (!v) continue;
		const a = fromString(v, raw, exprFile(`<value for var.${name} from env>`, raw), diags);
		if (!a) continue;
		assign(
			v,
			"env",
			a.value,
			a.range,
			diags,
			"Invalid value for variable",
			(msg) => `The value for ${name} is not compatible with the variable's type constraint: ${msg}.`,
		);
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
			const v = inputs.get(a.name);
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
			assign(
				v,
				"varfile",
				value,
				a.expr.range,
				diags,
				"Invalid value for variable",
				(msg) => `The value for ${a.name} is not compatible with the variable's type constraint: ${msg}.`,
			);
		}
	}
	const argv = new Map<string, string>();
	for (const arg of args) {
		const eq = arg.indexOf("=");
		if (eq >= 0) argv.set(arg.slice(0, eq), arg.slice(eq + 1));
	}
	for (const [name, raw] of argv) {
		const v = inputs.get(name);
		if (!v) {
			diags.push({
				severity,
				summary: "Undefined -var variable",
				detail: `A "${name}" variable was passed in the command line but was not found in known variables. To declare variable "${name}", place this block in your job file`,
			});
			continue;
		}
		const a = fromString(v, raw, exprFile(`<value for var.${name} from arguments>`, raw), diags);
		if (!a) continue;
		assign(
			v,
			"cmd",
			a.value,
			a.range,
			diags,
			"Invalid argument value for -var variable",
			(msg) => `The received arg value for ${name} is not compatible with the variable's type constraint: ${msg}.`,
		);
	}
}

/** expressionFromVariableDefinition: strings for string/number/untyped variables, else HCL syntax. */
function fromString(
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
