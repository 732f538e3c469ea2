// Jobspec parsing: HCL2 job files (Nomad's jobspec2) to the api.Job JSON shape that
// `POST /v1/jobs/parse` returns without canonicalization, plus helpers for JSON job input.
//
// Pipeline: hcl2json (HashiCorp's parser in WebAssembly) checks syntax and gives the canonical
// syntax diagnostics; parseBody/parser/template build a positioned syntax tree; body.ts exposes it
// through hcl.Body-like schema queries (with jsonBody.ts for HCL's JSON syntax); variables.ts and
// varValues.ts resolve var.* and local.*; evaluate.ts (+ call.ts, ops.ts, convert.ts, values.ts and
// the fn_*.ts function table) evaluates expressions; decode.ts/nomad.ts decode the job block into
// api structs described by schema.ts; normalize.ts applies jobspec2's post-processing.
import { dirname } from "node:path";
import { type Body, SyntaxBodyView } from "./body.ts";
import {
	type Diagnostic,
	DiagnosticsError,
	errorDiag,
	hasErrors,
	JobspecError,
	joinFirst,
	joinLines,
	SourceFile,
} from "./diagnostics.ts";
import { jobspecFunctions } from "./functions.ts";
import { JsonBody, looksLikeJSON, parseJSON } from "./jsonBody.ts";
import { decodeJobBlocks, nomadDecoder } from "./nomad.ts";
import { normalizeJob } from "./normalize.ts";
import { parseConfig } from "./parseBody.ts";
import { type JobSubmission, jobSubmission } from "./submission.ts";
import { Variables, type VarSource } from "./variables.ts";

export { JobspecError } from "./diagnostics.ts";
export type { JobSubmission } from "./submission.ts";

export interface ParseOptions {
	/** File name used in diagnostics; default "input.hcl". */
	filename?: string;
	/** -var "name=value" arguments. */
	vars?: string[];
	/** -var-file contents; JSON syntax when the content starts with "{" or the name ends in .json. */
	varFiles?: { name: string; content: string }[];
	/** The Variables text of /v1/jobs/parse (HCL var-file syntax). */
	varContent?: string;
	/** Environment, for NOMAD_VAR_<name> values. */
	env?: Record<string, string>;
	/** Enable file(), fileexists(), fileset()... (the CLI does; the HTTP endpoint does not). */
	allowFS?: boolean;
	/** Base directory for relative paths in file functions; default the directory of filename. */
	baseDir?: string;
	/**
	 * Values given for undeclared variables (var files, -var) are errors instead of warnings. The CLI's
	 * `-hcl2-strict` flag (default true for job run/plan/validate); the HTTP parse endpoint uses false.
	 */
	strict?: boolean;
}

const JOB_CONFIG_SCHEMA = {
	attributes: [],
	blocks: [
		{ type: "variables" },
		{ type: "variable", labels: ["name"] },
		{ type: "locals" },
		{ type: "job", labels: ["name"] },
	],
};

type Hcl2Json = { parse(filename: string, text: string): Promise<unknown> };
let hcl2json: Promise<Hcl2Json> | undefined;

/** hcl2json (HashiCorp's parser compiled to WebAssembly) reports syntax errors exactly as Nomad does. */
async function checkSyntax(filename: string, text: string): Promise<Diagnostic[]> {
	hcl2json ??= import("@cdktn/hcl2json") as Promise<Hcl2Json>;
	try {
		await (await hcl2json).parse(filename, text);
		return [];
	} catch (e) {
		return syntaxDiagnostics(filename, String((e as Error)?.message ?? e));
	}
}

/** Splits hcl2json's "parse config: [<diag> <diag>...]" message into diagnostics. */
export function syntaxDiagnostics(filename: string, message: string): Diagnostic[] {
	const inner = message.replace(/^parse config: \[/, "").replace(/\]$/, "");
	const esc = filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
	const parts = inner.split(new RegExp(` (?=${esc}:\\d+,\\d+-(?:\\d+,)?\\d+: )`));
	return parts.map((p) => {
		const m = new RegExp(`^${esc}:(\\d+),(\\d+)-(?:(\\d+),)?(\\d+): ([^;]*); ([\\s\\S]*)$`).exec(p);
		if (!m) return errorDiag("Invalid HCL", p);
		const line = Number(m[1]);
		const endLine = m[3] ? Number(m[3]) : line;
		return errorDiag(m[5], m[6], {
			filename,
			start: { line, column: Number(m[2]), offset: 0 },
			end: { line: endLine, column: Number(m[4]), offset: 0 },
		});
	});
}

/** Parses a file (job or var file) into a body; syntax errors become diagnostics. */
async function parseFile(
	filename: string,
	text: string,
	forceJSON = false,
): Promise<{ body?: Body; diags: Diagnostic[] }> {
	const file = new SourceFile(filename, text);
	try {
		if (forceJSON || looksLikeJSON(text)) return { body: new JsonBody(parseJSON(file), { scope: null }), diags: [] };
		const diags = await checkSyntax(filename, text);
		if (diags.length > 0) return { diags };
		return { body: new SyntaxBodyView(parseConfig(file), { scope: null }), diags: [] };
	} catch (e) {
		if (e instanceof DiagnosticsError) return { diags: e.diagnostics };
		throw e;
	}
}

function fail(message: string, diags: Diagnostic[], filename: string): never {
	throw new JobspecError(message, diags, filename);
}

async function varSource(name: string, content: string, forceJSON: boolean, what: string): Promise<VarSource> {
	const parsed = await parseFile(name, content, forceJSON);
	if (!parsed.body) fail(`unable to parse ${what}: ${joinFirst(parsed.diags)}`, parsed.diags, name);
	const [probe] = parsed.body.partialContent({ attributes: [], blocks: [{ type: "variable", labels: ["name"] }] }, []);
	return { body: parsed.body, variableBlocks: probe.blocks };
}

/** Parses an HCL2 (or HCL JSON syntax) jobspec into an api.Job object (pointer fields null when unset). */
export async function parseJobspec(src: string, opts: ParseOptions = {}): Promise<Record<string, unknown>> {
	return (await parse(src, opts)).job;
}

/** parseJobspec plus the api.JobSubmission `nomad job run` sends alongside the job (ParseWithConfigEx). */
export async function parseJobspecWithSubmission(
	src: string,
	opts: ParseOptions = {},
): Promise<{ job: Record<string, unknown>; submission: JobSubmission }> {
	const { job, vars } = await parse(src, opts);
	return { job, submission: jobSubmission(src, opts, vars.inputs) };
}

async function parse(src: string, opts: ParseOptions): Promise<{ job: Record<string, unknown>; vars: Variables }> {
	try {
		return await parseUnguarded(src, opts);
	} catch (e) {
		// Safety net: any diagnostic that escaped its phase still becomes a JobspecError.
		if (e instanceof DiagnosticsError) fail(joinLines(e.diagnostics), e.diagnostics, opts.filename ?? "input.hcl");
		throw e;
	}
}

async function parseUnguarded(
	src: string,
	opts: ParseOptions,
): Promise<{ job: Record<string, unknown>; vars: Variables }> {
	const filename = opts.filename ?? "input.hcl";
	const baseDir = opts.baseDir ?? dirname(filename);
	const parsed = await parseFile(filename, src);
	const sources: VarSource[] = [];
	for (const f of opts.varFiles ?? [])
		sources.push(await varSource(f.name, f.content, f.name.endsWith(".json"), "var file"));
	if (opts.varContent) sources.push(await varSource("input.hcl", opts.varContent, false, "var content"));
	if (!parsed.body) fail(joinFirst(parsed.diags), parsed.diags, filename);

	const diags: Diagnostic[] = [];
	const finish = () => {
		if (hasErrors(diags)) fail(joinLines(diags), diags, filename);
	};
	const content = parsed.body.content(JOB_CONFIG_SCHEMA, diags);
	if (diags.length > 0) fail(joinLines(diags), diags, filename);

	const vars = new Variables(jobspecFunctions(baseDir, opts.allowFS ?? false), jobspecFunctions("", false));
	for (const b of content.blocks) {
		if (b.type === "variable") vars.declareBlock(b, diags);
		else if (b.type === "variables") for (const a of b.body.justAttributes(diags)) vars.declareAttribute(a, diags);
	}
	const localAttrs = [];
	const seenLocals = new Set<string>();
	locals: for (const b of content.blocks) {
		if (b.type !== "locals") continue;
		for (const a of b.body.justAttributes(diags)) {
			if (seenLocals.has(a.name)) {
				diags.push(errorDiag("Duplicate value in locals", `Duplicate ${a.name} definition found.`, a.nameRange));
				break locals;
			}
			seenLocals.add(a.name);
			localAttrs.push(a);
		}
	}
	const exprFile = (name: string, text: string) => new SourceFile(name, text);
	vars.collect(opts.env ?? {}, sources, opts.vars ?? [], opts.strict ?? false, exprFile, diags);
	vars.values(diags);
	vars.evaluateLocals(localAttrs, diags);
	finish();

	const scope = vars.scope();
	const decoder = nomadDecoder();
	const jobBlocks = content.blocks
		.filter((b) => b.type === "job")
		.map((b) => ({ ...b, body: b.body.withOptions({ scope, blocksAsAttrs: true, dynamic: true }) }));
	const parts = decodeJobBlocks(decoder, jobBlocks, diags);
	finish();
	if (!parts) return fail(joinLines(diags), diags, filename);
	return { job: normalizeJob(parts), vars };
}

/** Whether the input is JSON (an api.Job, {"Job": ...} or HCL JSON syntax) rather than HCL. */
export function isJSONJobspec(src: string): boolean {
	return looksLikeJSON(src);
}

/**
 * The job object of a JSON job file as `nomad job run -json` reads it: either {"Job": {...}}
 * (key matched case-insensitively, like Go's encoding/json) or a bare api.Job object.
 */
export function parseJSONJobspec(src: string): Record<string, unknown> {
	let doc: unknown;
	try {
		doc = JSON.parse(src);
	} catch (e) {
		throw new JobspecError(`Failed to parse JSON job: ${(e as Error).message}`);
	}
	if (!doc || typeof doc !== "object" || Array.isArray(doc))
		throw new JobspecError("Failed to parse JSON job: expected a JSON object");
	const obj = doc as Record<string, unknown>;
	const key = "Job" in obj ? "Job" : Object.keys(obj).find((k) => k.toLowerCase() === "job");
	const nested = key === undefined ? undefined : obj[key];
	if (nested && typeof nested === "object" && !Array.isArray(nested)) return nested as Record<string, unknown>;
	return obj;
}

export type { Diagnostic };
