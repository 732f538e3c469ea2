// One logger for the whole agent. It writes hclog-style lines ("<time> [INFO]  agent: msg: k=v")
// or JSON lines, and lets subscribers (the /v1/agent/monitor endpoint) receive every record at their
// own level without touching the agent's configured output level.

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "off";

const ORDER: Record<LogLevel, number> = {
	trace: 0,
	debug: 1,
	info: 2,
	warn: 3,
	error: 4,
	off: 5,
};
const TAG: Record<Exclude<LogLevel, "off">, string> = {
	trace: "[TRACE]",
	debug: "[DEBUG]",
	info: "[INFO] ",
	warn: "[WARN] ",
	error: "[ERROR]",
};

export interface LogRecord {
	time: Date;
	level: Exclude<LogLevel, "off">;
	name: string;
	message: string;
	fields: Record<string, unknown>;
	/** "dir/file.ts:line" of the logging call; only captured while a sink asks for it. */
	caller?: string;
}

export interface LogSink {
	level: LogLevel;
	json: boolean;
	/** Prefix lines with the caller's file:line (hclog's IncludeLocation; "@caller" in JSON). */
	includeLocation?: boolean;
	write(line: string, record: LogRecord): void;
}

/** Parses a level name the way Nomad does (case-insensitive; WARNING/ERR aliases). */
export function parseLogLevel(s: string): LogLevel | undefined {
	const v = s.trim().toLowerCase();
	if (v === "warning") return "warn";
	if (v === "err") return "error";
	return v in ORDER ? (v as LogLevel) : undefined;
}

export function levelEnabled(sinkLevel: LogLevel, level: LogLevel): boolean {
	return ORDER[level] >= ORDER[sinkLevel];
}

function fmtValue(v: unknown): string {
	if (v instanceof Error) return JSON.stringify(v.message);
	const s = typeof v === "string" ? v : JSON.stringify(v);
	return /[\s"=]/.test(s ?? "") ? JSON.stringify(s) : String(s);
}

export function formatHuman(r: LogRecord, withCaller = false): string {
	const caller = withCaller && r.caller ? `${r.caller}: ` : "";
	let line = `${r.time.toISOString()} ${TAG[r.level]} ${caller}${r.name ? `${r.name}: ` : ""}${r.message}`;
	const keys = Object.keys(r.fields);
	if (keys.length > 0) {
		line += `:${keys.map((k) => ` ${k}=${fmtValue(r.fields[k])}`).join("")}`;
	}
	return `${line}\n`;
}

export function formatJSON(r: LogRecord, withCaller = false): string {
	const out: Record<string, unknown> = {};
	if (withCaller && r.caller) out["@caller"] = r.caller;
	out["@level"] = r.level;
	out["@message"] = r.message;
	out["@module"] = r.name;
	out["@timestamp"] = r.time.toISOString();
	for (const [k, v] of Object.entries(r.fields)) out[k] = v instanceof Error ? v.message : v;
	return `${JSON.stringify(out)}\n`;
}

/** The root of the logger tree: owns the sinks. */
export class LogHub {
	private readonly sinks = new Set<LogSink>();
	private minLevel: LogLevel = "off";
	/** True while some sink wants caller locations (capturing a stack costs; only then). */
	wantsCaller = false;

	addSink(sink: LogSink): () => void {
		this.sinks.add(sink);
		this.recompute();
		return () => {
			this.sinks.delete(sink);
			this.recompute();
		};
	}

	private recompute(): void {
		let min: LogLevel = "off";
		let caller = false;
		for (const s of this.sinks) {
			if (ORDER[s.level] < ORDER[min]) min = s.level;
			if (s.includeLocation) caller = true;
		}
		this.minLevel = min;
		this.wantsCaller = caller;
	}

	enabled(level: LogLevel): boolean {
		return ORDER[level] >= ORDER[this.minLevel];
	}

	emit(r: LogRecord): void {
		// Each format is rendered once per record, however many sinks share it: [human, json] plain,
		// then [human, json] with the caller's location.
		const lines: (string | undefined)[] = [undefined, undefined, undefined, undefined];
		for (const s of this.sinks) {
			if (!levelEnabled(s.level, r.level)) continue;
			const withCaller = s.includeLocation === true && r.caller !== undefined;
			const i = (s.json ? 1 : 0) + (withCaller ? 2 : 0);
			let line = lines[i];
			if (line === undefined) {
				line = s.json ? formatJSON(r, withCaller) : formatHuman(r, withCaller);
				lines[i] = line;
			}
			s.write(line, r);
		}
	}
}

export class Logger {
	readonly hub: LogHub;
	readonly name: string;

	constructor(hub: LogHub, name = "") {
		this.hub = hub;
		this.name = name;
	}

	/** A child logger whose name is "<parent>.<name>" as hclog's Named(). */
	named(name: string): Logger {
		return new Logger(this.hub, this.name ? `${this.name}.${name}` : name);
	}

	log(level: Exclude<LogLevel, "off">, message: string, fields: Record<string, unknown> = {}): void {
		if (!this.hub.enabled(level)) return;
		this.hub.emit({
			time: new Date(),
			level,
			name: this.name,
			message,
			fields,
			caller: this.hub.wantsCaller ? callerLocation(new Error().stack) : undefined,
		});
	}

	trace(m: string, f?: Record<string, unknown>): void {
		this.log("trace", m, f);
	}
	debug(m: string, f?: Record<string, unknown>): void {
		this.log("debug", m, f);
	}
	info(m: string, f?: Record<string, unknown>): void {
		this.log("info", m, f);
	}
	warn(m: string, f?: Record<string, unknown>): void {
		this.log("warn", m, f);
	}
	error(m: string, f?: Record<string, unknown>): void {
		this.log("error", m, f);
	}
}

/** The first stack frame outside this file, as hclog prints it: the last two path parts and the line. */
export function callerLocation(stack: string | undefined): string | undefined {
	for (const frame of (stack ?? "").split("\n").slice(1)) {
		const m = /\(?(?:file:\/\/)?([^()\s]+):(\d+):\d+\)?\s*$/.exec(frame);
		if (!m?.[1] || m[1].endsWith("/lib/logger.ts") || m[1].endsWith("/lib/logger.js")) continue;
		return `${m[1].split("/").slice(-2).join("/")}:${m[2]}`;
	}
	return undefined;
}

/** A sink writing to a stream (stderr/stdout) at a fixed level. */
export function streamSink(stream: { write(s: string): unknown }, level: LogLevel, json: boolean): LogSink {
	return { level, json, write: (line) => stream.write(line) };
}

/** A logger that discards everything, for tests and library defaults. */
export function nullLogger(): Logger {
	return new Logger(new LogHub());
}
