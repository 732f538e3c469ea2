// Encoding functions: JSON (Go encoding/json string escaping, sorted object keys), base64, URL
// query escaping, CSV and YAML.
import { ArgError, type FunctionDef, FunctionError } from "./scope.ts";
import {
	DYNAMIC,
	elementsOf,
	entriesOf,
	fromNative,
	listOf,
	numberToString,
	object,
	objectOf,
	STRING,
	str,
	type Type,
	type Value,
} from "./values.ts";
import { yamlDecode, yamlEncode } from "./yaml.ts";

/** Go encoding/json string quoting (HTML-safe: <, > and & escaped). */
export function goQuote(text: string): string {
	let out = '"';
	for (const ch of text) {
		const c = ch.codePointAt(0) as number;
		if (ch === '"') out += '\\"';
		else if (ch === "\\") out += "\\\\";
		else if (ch === "\n") out += "\\n";
		else if (ch === "\r") out += "\\r";
		else if (ch === "\t") out += "\\t";
		else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029)
			out += `\\u${c.toString(16).padStart(4, "0")}`;
		else out += ch;
	}
	return `${out}"`;
}

/** cty json.Marshal of a value with its own type. */
export function jsonEncode(v: Value): string {
	if (v.v === null) return "null";
	switch (v.t.k) {
		case "string":
			return goQuote(v.v as string);
		case "number":
			return numberToString(v.v as number);
		case "bool":
			return v.v ? "true" : "false";
		case "list":
		case "set":
		case "tuple":
			return `[${elementsOf(v).map(jsonEncode).join(",")}]`;
		case "map":
		case "object":
			return `{${entriesOf(v)
				.map(([k, x]) => `${goQuote(k)}:${jsonEncode(x)}`)
				.join(",")}}`;
		default:
			return "null";
	}
}

function jsonDecode(text: string): Value {
	const first = text.trimStart()[0];
	if (first !== undefined && !/[[{"\-0-9tfn]/.test(first))
		throw new ArgError(0, `a JSON document cannot begin with the character ${goQuote(first).replace(/^"|"$/g, "'")}`);
	try {
		return fromNative(JSON.parse(text));
	} catch (e) {
		throw new FunctionError((e as Error).message);
	}
}

function base64Decode(text: string): Value {
	if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text))
		throw new FunctionError(`failed to decode base64 data '${text}'`);
	const bytes = Buffer.from(text, "base64");
	const decoded = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
	if (Buffer.from(decoded, "utf8").compare(bytes) !== 0)
		throw new FunctionError("the result of decoding the provided string is not valid UTF-8");
	return str(decoded);
}

/** Go url.QueryEscape. */
function queryEscape(text: string): string {
	let out = "";
	for (const b of Buffer.from(text, "utf8")) {
		const ch = String.fromCharCode(b);
		if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
		else if (ch === " ") out += "+";
		else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

function parseCSV(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = "";
	let i = 0;
	let quoted = false;
	let line = 1;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				quoted = false;
				i++;
				continue;
			}
			if (c === "\n") line++;
			field += c;
			i++;
			continue;
		}
		if (c === '"' && field === "") {
			quoted = true;
			i++;
		} else if (c === ",") {
			row.push(field);
			field = "";
			i++;
		} else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
			row.push(field);
			rows.push(row);
			row = [];
			field = "";
			i += c === "\r" ? 2 : 1;
			line++;
		} else {
			if (c === '"') throw new FunctionError(`CSV parse error on line ${line}: bare " in non-quoted-field`);
			field += c;
			i++;
		}
	}
	if (quoted) throw new FunctionError(`CSV parse error on line ${line}: extraneous or missing " in quoted-field`);
	if (field !== "" || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

function csvDecode(text: string): Value {
	const rows = parseCSV(text);
	if (rows.length === 0) throw new FunctionError("missing header line");
	const header = rows[0];
	const seen = new Set<string>();
	for (const h of header) {
		if (seen.has(h)) throw new FunctionError(`duplicate column name "${h}"`);
		seen.add(h);
	}
	const attrs = new Map<string, Type>(header.map((h) => [h, STRING]));
	const out = rows.slice(1).map((r, i) => {
		if (r.length !== header.length) throw new FunctionError(`CSV parse error on line ${i + 2}: wrong number of fields`);
		return object(new Map(header.map((h, j) => [h, str(r[j])])));
	});
	return { t: listOf(objectOf(attrs)), v: out };
}

const one = (type: Type, impl: (v: Value) => Value): FunctionDef => ({
	params: [{ name: "str", type }],
	impl: (a) => impl(a[0]),
});

export const encodingFunctions: Record<string, FunctionDef> = {
	base64decode: one(STRING, (v) => base64Decode(v.v as string)),
	base64encode: one(STRING, (v) => str(Buffer.from(v.v as string, "utf8").toString("base64"))),
	csvdecode: one(STRING, (v) => csvDecode(v.v as string)),
	jsondecode: one(STRING, (v) => jsonDecode(v.v as string)),
	jsonencode: { params: [{ name: "val", type: DYNAMIC, allowNull: true }], impl: (a) => str(jsonEncode(a[0])) },
	urlencode: one(STRING, (v) => str(queryEscape(v.v as string))),
	yamldecode: one(STRING, (v) => {
		try {
			return yamlDecode(v.v as string);
		} catch (e) {
			throw new FunctionError((e as Error).message);
		}
	}),
	yamlencode: { params: [{ name: "value", type: DYNAMIC, allowNull: true }], impl: (a) => str(yamlEncode(a[0])) },
};
