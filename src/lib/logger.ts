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
}

export interface LogSink {
	level: LogLevel;
	json: boolean;
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

export function formatHuman(r: LogRecord): string {
	let line = `${r.time.toISOString()} ${TAG[r.level]} ${r.name ? `${r.name}: ` : ""}${r.message}`;
	const keys = Object.keys(r.fields);
	if (keys.length > 0) {
		line += `:${keys.map((k) => ` ${k}=${fmtValue(r.fields[k])}`).join("")}`;
	}
	return `${line}\n`;
}

export function formatJSON(r: LogRecord): string {
	const out: Record<string, unknown> = {
		"@level": r.level,
		"@message": r.message,
		"@module": r.name,
		"@timestamp": r.time.toISOString(),
	};
	for (const [k, v] of Object.entries(r.fields)) out[k] = v instanceof Error ? v.message : v;
	return `${JSON.stringify(out)}\n`;
}

/** The root of the logger tree: owns the sinks. */
export class LogHub {
	private readonly sinks = new Set<LogSink>();
	private minLevel: LogLevel = "off";

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
		for (const s of this.sinks) if (ORDER[s.level] < ORDER[min]) min = s.level;
		this.minLevel = min;
	}

	enabled(level: LogLevel): boolean {
		return ORDER[level] >= ORDER[this.minLevel];
	}

	emit(r: LogRecord): void {
		let human: string | undefined;
		let json: string | undefined;
		for (const s of this.sinks) {
			if (!levelEnabled(s.level, r.level)) continue;
			if (s.json) {
				json ??= formatJSON(r);
				s.write(json, r);
			} else {
				human ??= formatHuman(r);
				s.write(human, r);
			}
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

/** A sink writing to a stream (stderr/stdout) at a fixed level. */
export function streamSink(stream: { write(s: string): unknown }, level: LogLevel, json: boolean): LogSink {
	return { level, json, write: (line) => stream.write(line) };
}

/** A logger that discards everything, for tests and library defaults. */
export function nullLogger(): Logger {
	return new Logger(new LogHub());
}
