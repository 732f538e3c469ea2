// Nomad's StreamFrame decoding for /v1/client/fs/{stream,logs} and /v1/agent/monitor: the body is a
// sequence of JSON objects ({Offset, Data (base64), File, FileEvent}; `{}` is a heartbeat) written
// back to back. Objects are split by tracking brace depth outside of strings, so frames may arrive
// cut anywhere.

export interface StreamFrame {
	Offset?: number;
	/** Decoded bytes of the frame's base64 Data. */
	data: Buffer;
	File?: string;
	FileEvent?: string;
}

/** Splits a stream of text chunks into complete JSON object texts. */
export class JsonObjectSplitter {
	#buf = "";
	#depth = 0;
	#inString = false;
	#escape = false;
	#start = -1;
	#scan = 0;

	push(chunk: string): string[] {
		this.#buf += chunk;
		const out: string[] = [];
		for (let i = this.#scan; i < this.#buf.length; i++) {
			const c = this.#buf[i];
			if (this.#inString) {
				if (this.#escape) this.#escape = false;
				else if (c === "\\") this.#escape = true;
				else if (c === '"') this.#inString = false;
				continue;
			}
			if (c === '"') this.#inString = true;
			else if (c === "{") {
				if (this.#depth === 0) this.#start = i;
				this.#depth++;
			} else if (c === "}") {
				this.#depth--;
				if (this.#depth === 0 && this.#start >= 0) {
					out.push(this.#buf.slice(this.#start, i + 1));
					this.#start = -1;
				}
			}
		}
		if (this.#depth === 0) {
			this.#buf = "";
			this.#scan = 0;
		} else {
			this.#buf = this.#buf.slice(this.#start);
			this.#scan = this.#buf.length;
			this.#start = 0;
		}
		return out;
	}
}

export function decodeFrame(text: string): StreamFrame {
	const o = JSON.parse(text) as { Offset?: number; Data?: string; File?: string; FileEvent?: string };
	return {
		Offset: o.Offset,
		data: o.Data ? Buffer.from(o.Data, "base64") : Buffer.alloc(0),
		File: o.File,
		FileEvent: o.FileEvent,
	};
}

/** Frames from a streamed body; heartbeats (no data, no event) are skipped. */
export async function* readFrames(body: AsyncIterable<Buffer | string>): AsyncGenerator<StreamFrame> {
	const split = new JsonObjectSplitter();
	for await (const chunk of body) {
		for (const text of split.push(typeof chunk === "string" ? chunk : chunk.toString("utf8"))) {
			const f = decodeFrame(text);
			if (f.data.length === 0 && !f.FileEvent) continue;
			yield f;
		}
	}
}
