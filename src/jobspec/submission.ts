// The api.JobSubmission the CLI sends with `job run` (jobspec2 submissionFromJob): the source,
// its format, simple -var/NOMAD_VAR_ values as flags, and var files plus complex-typed -var
// values as HCL text.
import { looksLikeJSON } from "./jsonBody.ts";
import type { Variable } from "./variables.ts";

export interface JobSubmission {
	Source: string;
	Format: "hcl2" | "json";
	VariableFlags: Record<string, string>;
	Variables: string;
}

export interface SubmissionInput {
	vars?: string[];
	varFiles?: { name: string; content: string }[];
	varContent?: string;
	env?: Record<string, string>;
}

function trimNewlines(s: string): string {
	return s.replace(/\n+$/, "");
}

export function jobSubmission(
	src: string,
	opts: SubmissionInput,
	declared: ReadonlyMap<string, Variable>,
): JobSubmission {
	let varFiles = (opts.varFiles ?? []).map((f) => `${f.content}\n`).join("");
	const content = opts.varContent ?? "";
	if (varFiles !== "" && content !== "") varFiles = `${trimNewlines(varFiles)}\n\n${content}`;
	else if (varFiles === "") varFiles = content;

	// -var flags win over NOMAD_VAR_ environment variables.
	const given = new Map<string, string>();
	for (const [key, value] of Object.entries(opts.env ?? {})) {
		const name = key.startsWith("NOMAD_VAR_") ? key.slice("NOMAD_VAR_".length) : "";
		if (name !== "") given.set(name, value);
	}
	for (const arg of opts.vars ?? []) {
		const eq = arg.indexOf("=");
		if (eq < 0) given.set(arg, "");
		else given.set(arg.slice(0, eq), arg.slice(eq + 1));
	}

	const flags: Record<string, string> = {};
	const complex: string[] = [];
	for (const [name, value] of [...given].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
		const t = declared.get(name)?.type;
		if (!t || t.k === "string" || t.k === "number" || t.k === "bool") flags[name] = value;
		else complex.push(`${name} = ${value}`);
	}
	const complexText = complex.join("\n");
	if (varFiles !== "" && complexText !== "") varFiles = `${trimNewlines(varFiles)}\n\n${complexText}`;
	else if (varFiles === "") varFiles = complexText;

	return { Source: src, Format: looksLikeJSON(src) ? "json" : "hcl2", VariableFlags: flags, Variables: varFiles };
}
