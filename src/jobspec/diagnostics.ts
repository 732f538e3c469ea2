// Source positions and HCL-style diagnostics. Messages follow hcl.Diagnostic.Error():
// "<file>:<line>,<col>-<endcol>: <summary>; <detail>" (end given as "<line>,<col>" when it is on
// another line), or "<summary>; <detail>" when the diagnostic has no subject range.

export interface Pos {
	line: number;
	column: number;
	/** Offset into the source text (UTF-16 code units). */
	offset: number;
}

export interface Range {
	filename: string;
	start: Pos;
	end: Pos;
}

export interface Diagnostic {
	severity: "error" | "warning";
	summary: string;
	detail: string;
	subject?: Range;
}

export function rangeString(r: Range): string {
	if (r.start.line === r.end.line) return `${r.filename}:${r.start.line},${r.start.column}-${r.end.column}`;
	return `${r.filename}:${r.start.line},${r.start.column}-${r.end.line},${r.end.column}`;
}

export function diagString(d: Diagnostic): string {
	const text = `${d.summary}; ${d.detail}`;
	return d.subject ? `${rangeString(d.subject)}: ${text}` : text;
}

export function rangeBetween(a: Range, b: Range): Range {
	return { filename: a.filename, start: a.start, end: b.end };
}

/** Builds line/column positions for offsets of one source file. */
export class SourceFile {
	readonly filename: string;
	readonly text: string;
	private readonly lineStarts: number[];

	constructor(filename: string, text: string) {
		this.filename = filename;
		this.text = text;
		this.lineStarts = [0];
		for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
	}

	pos(offset: number): Pos {
		let lo = 0;
		let hi = this.lineStarts.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (this.lineStarts[mid] <= offset) lo = mid;
			else hi = mid - 1;
		}
		const lineStart = this.lineStarts[lo];
		// HCL counts columns in characters, not bytes or UTF-16 units.
		let column = 1;
		for (let i = lineStart; i < offset; i++) {
			const c = this.text.charCodeAt(i);
			if (c >= 0xdc00 && c <= 0xdfff && i > lineStart) continue;
			column++;
		}
		return { line: lo + 1, column, offset };
	}

	range(start: number, end: number): Range {
		return { filename: this.filename, start: this.pos(start), end: this.pos(end) };
	}
}

/** An error with the list of diagnostics that caused it; message already formatted like Nomad's. */
export class DiagnosticsError extends Error {
	readonly diagnostics: Diagnostic[];
	constructor(diagnostics: Diagnostic[], message?: string) {
		super(message ?? joinFirst(diagnostics));
		this.name = "DiagnosticsError";
		this.diagnostics = diagnostics;
	}
}

/** hcl.Diagnostics.Error(): the first error plus a count of the others. */
export function joinFirst(diags: Diagnostic[]): string {
	if (diags.length === 0) return "no diagnostics";
	const first = diagString(diags[0]);
	return diags.length === 1 ? first : `${first}, and ${diags.length - 1} other diagnostic(s)`;
}

/** All diagnostics, one per line (what jobspec2 returns for errors while decoding the job body). */
export function joinLines(diags: Diagnostic[]): string {
	return diags.map(diagString).join("\n");
}

export function hasErrors(diags: Diagnostic[]): boolean {
	return diags.some((d) => d.severity === "error");
}

export function errorDiag(summary: string, detail: string, subject?: Range): Diagnostic {
	return subject ? { severity: "error", summary, detail, subject } : { severity: "error", summary, detail };
}

/** The error thrown by parseJobspec. */
export class JobspecError extends Error {
	readonly file: string;
	readonly line: number;
	readonly column: number;
	readonly diagnostics: Diagnostic[];

	constructor(message: string, diagnostics: Diagnostic[] = [], fallbackFile = "") {
		super(message);
		this.name = "JobspecError";
		this.diagnostics = diagnostics;
		const located = diagnostics.find((d) => d.severity === "error" && d.subject) ?? diagnostics.find((d) => d.subject);
		this.file = located?.subject?.filename ?? fallbackFile;
		this.line = located?.subject?.start.line ?? 0;
		this.column = located?.subject?.start.column ?? 0;
	}
}
