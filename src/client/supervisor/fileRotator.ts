// Size-based log file rotation (Nomad's FileRotator), shared by the agent's own capture and the node
// supervisor. Node builtins only: the supervisor keeps its memory small by loading nothing else.
import { closeSync, constants as fsc, fstatSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Writes <dir>/<base>.<N>, moving to N+1 when the file would exceed maxBytes; keeps maxFiles files. */
export class FileRotator {
	private readonly dir: string;
	private readonly base: string;
	private readonly maxFiles: number;
	private readonly maxBytes: number;
	private idx = 0;
	private fd = -1;
	private size = 0;

	constructor(dir: string, base: string, maxFiles: number, maxBytes: number) {
		this.dir = dir;
		this.base = base;
		this.maxFiles = Math.max(1, maxFiles);
		this.maxBytes = Math.max(1, maxBytes);
		// Resume at the highest existing index, as Nomad's FileRotator.
		for (const n of this.indexes()) this.idx = Math.max(this.idx, n);
		this.open();
	}

	private indexes(): number[] {
		const out: number[] = [];
		const prefix = `${this.base}.`;
		for (const name of readdirSync(this.dir)) {
			if (!name.startsWith(prefix)) continue;
			const rest = name.slice(prefix.length);
			if (/^\d+$/.test(rest)) out.push(Number(rest));
		}
		return out;
	}

	private path(i: number): string {
		return join(this.dir, `${this.base}.${i}`);
	}

	private open(): void {
		this.fd = openSync(this.path(this.idx), fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o666);
		this.size = fstatSync(this.fd).size;
	}

	private rotate(): void {
		closeSync(this.fd);
		this.idx++;
		this.open();
		for (const n of this.indexes()) if (n <= this.idx - this.maxFiles) rmSync(this.path(n), { force: true });
	}

	write(buf: Buffer): void {
		let off = 0;
		while (off < buf.length) {
			let room = this.maxBytes - this.size;
			if (room <= 0) {
				this.rotate();
				room = this.maxBytes - this.size;
			}
			const n = Math.min(room, buf.length - off);
			writeSync(this.fd, buf, off, n);
			this.size += n;
			off += n;
		}
	}

	close(): void {
		if (this.fd >= 0) closeSync(this.fd);
		this.fd = -1;
	}
}
