// Numeric, hashing, CIDR, UUID and date functions of jobspec2's function table.
import { createHash, createPrivateKey, randomUUID } from "node:crypto";
import { parseDuration } from "../lib/duration.ts";
import { cidrFunctions } from "./fn_cidr.ts";
import { param } from "./fn_strings.ts";
import { ArgError, type FunctionDef, FunctionError } from "./scope.ts";
import { DYNAMIC, NUMBER, num, STRING, str } from "./values.ts";

const n = (name = "num") => param(name, NUMBER);
const numFn = (f: (x: number) => number): FunctionDef => ({ params: [n()], impl: (a) => num(f(a[0].v as number)) });
const hashFn = (alg: string): FunctionDef => ({
	params: [param("str", STRING)],
	impl: (a) =>
		str(
			createHash(alg)
				.update(a[0].v as string, "utf8")
				.digest("hex"),
		),
});

function minMax(pick: (a: number, b: number) => number): FunctionDef {
	return {
		params: [],
		varParam: param("numbers", NUMBER),
		impl: (args) => {
			if (args.length === 0) throw new FunctionError("must pass at least one number");
			return num(args.map((a) => a.v as number).reduce((x, y) => pick(x, y)));
		},
	};
}

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function parseInt62(text: string, base: number): number {
	if (base < 2 || base > 62) throw new ArgError(1, "base must be a whole number between 2 and 62 inclusive");
	const m = /^([+-]?)(.+)$/.exec(text);
	let v = 0n;
	if (m && m[2] !== "") {
		for (const ch of m[2]) {
			const d = DIGITS.indexOf(base <= 36 ? ch.toLowerCase() : ch);
			if (d < 0 || d >= base) throw new ArgError(0, `cannot parse "${text}" as a base ${base} integer`);
			v = v * BigInt(base) + BigInt(d);
		}
		return Number(m[1] === "-" ? -v : v);
	}
	throw new ArgError(0, `cannot parse "${text}" as a base ${base} integer`);
}

// ---- dates ----

interface Stamp {
	ms: number;
	offsetMin: number;
	nanos: string;
}

function parseRFC3339(text: string, argIndex: number): Stamp {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
	if (!m) throw new ArgError(argIndex, `not a valid RFC3339 timestamp: cannot use "${text}" as year`);
	const [, y, mo, d, h, mi, s, frac, zone] = m;
	if (Number(h) > 23)
		throw new ArgError(argIndex, "not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive");
	const offsetMin =
		zone.toUpperCase() === "Z"
			? 0
			: (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
	const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMin * 60000;
	return { ms, offsetMin, nanos: frac ?? "" };
}

function zone(offsetMin: number, colon: boolean, zForUTC: boolean): string {
	if (offsetMin === 0 && zForUTC) return "Z";
	const sign = offsetMin < 0 ? "-" : "+";
	const a = Math.abs(offsetMin);
	const hh = String(Math.floor(a / 60)).padStart(2, "0");
	const mm = String(a % 60).padStart(2, "0");
	return colon ? `${sign}${hh}:${mm}` : `${sign}${hh}${mm}`;
}

const MONTHS = [
	"January",
	"February",
	"March",
	"April",
	"May",
	"June",
	"July",
	"August",
	"September",
	"October",
	"November",
	"December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function formatDate(format: string, stamp: Stamp): string {
	const t = new Date(stamp.ms + stamp.offsetMin * 60000);
	const p2 = (x: number) => String(x).padStart(2, "0");
	let out = "";
	const tokens = format.match(/'(?:[^']|'')*'?|([A-Za-z])\1*|[^A-Za-z']+/g) ?? [];
	for (const tok of tokens) {
		if (tok[0] === "'") {
			if (tok.length === 1 || !tok.endsWith("'")) throw new ArgError(0, "unterminated literal '");
			out += tok.length === 2 ? "'" : tok.slice(1, -1).replace(/''/g, "'");
			continue;
		}
		const bad = (why: string): never => {
			throw new ArgError(0, `invalid date format verb "${tok}"${why}`);
		};
		const len = tok.length;
		const h = t.getUTCHours();
		switch (tok[0]) {
			case "Y":
				out +=
					len === 2
						? p2(t.getUTCFullYear() % 100)
						: len === 4
							? String(t.getUTCFullYear()).padStart(4, "0")
							: bad(': year must either be "YY" or "YYYY"');
				break;
			case "M": {
				const m = t.getUTCMonth();
				out +=
					[String(m + 1), p2(m + 1), MONTHS[m].slice(0, 3), MONTHS[m]][len - 1] ??
					bad(': month must be "M", "MM", "MMM", or "MMMM"');
				break;
			}
			case "D":
				out +=
					len === 1
						? String(t.getUTCDate())
						: len === 2
							? p2(t.getUTCDate())
							: bad(': day of month must either be "D" or "DD"');
				break;
			case "E":
				out +=
					len === 3
						? DAYS[t.getUTCDay()].slice(0, 3)
						: len === 4
							? DAYS[t.getUTCDay()]
							: bad(': day of week must either be "EEE" or "EEEE"');
				break;
			case "h":
				out += len === 1 ? String(h) : len === 2 ? p2(h) : bad(': 24-hour must either be "h" or "hh"');
				break;
			case "H": {
				const h12 = h % 12 === 0 ? 12 : h % 12;
				out += len === 1 ? String(h12) : len === 2 ? p2(h12) : bad(': 12-hour must either be "H" or "HH"');
				break;
			}
			case "A":
			case "a":
				if (len !== 2) bad(`: must be "${tok[0]}${tok[0]}"`);
				out += tok[0] === "A" ? (h < 12 ? "AM" : "PM") : h < 12 ? "am" : "pm";
				break;
			case "m":
				out +=
					len === 1
						? String(t.getUTCMinutes())
						: len === 2
							? p2(t.getUTCMinutes())
							: bad(': minute must either be "m" or "mm"');
				break;
			case "s":
				out +=
					len === 1
						? String(t.getUTCSeconds())
						: len === 2
							? p2(t.getUTCSeconds())
							: bad(': second must either be "s" or "ss"');
				break;
			case "Z":
				if (len === 1) out += zone(stamp.offsetMin, true, true);
				else if (len === 3) out += stamp.offsetMin === 0 ? "UTC" : zone(stamp.offsetMin, false, false);
				else if (len === 4) out += zone(stamp.offsetMin, false, false);
				else if (len === 5) out += zone(stamp.offsetMin, true, false);
				else bad(": timezone must be Z, ZZZZ, or ZZZZZ");
				break;
			default:
				if (/[A-Za-z]/.test(tok[0])) bad("");
				out += tok;
		}
	}
	return out;
}

function timeAdd(ts: string, dur: string): string {
	const stamp = parseRFC3339(ts, 0);
	let ns: number;
	try {
		ns = parseDuration(dur);
	} catch (e) {
		throw new ArgError(1, (e as Error).message);
	}
	const t = new Date(stamp.ms + Math.trunc(ns / 1e6) + stamp.offsetMin * 60000);
	const iso = t.toISOString().slice(0, 19);
	return iso + zone(stamp.offsetMin, true, true);
}

// ---- UUID / RSA ----

const NAMESPACES: Record<string, string> = {
	dns: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
	url: "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
	oid: "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
	x500: "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
};

function uuidv5(namespace: string, name: string): string {
	const ns = NAMESPACES[namespace] ?? namespace;
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ns))
		throw new FunctionError(
			`uuidv5() doesn't support namespace ${namespace} (invalid UUID length: ${namespace.length})`,
		);
	const hash = createHash("sha1")
		.update(Buffer.from(ns.replace(/-/g, ""), "hex"))
		.update(name, "utf8")
		.digest();
	hash[6] = (hash[6] & 0x0f) | 0x50;
	hash[8] = (hash[8] & 0x3f) | 0x80;
	const h = hash.subarray(0, 16).toString("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
	let r = 1n;
	let x = b % m;
	let k = e;
	while (k > 0n) {
		if (k & 1n) r = (r * x) % m;
		x = (x * x) % m;
		k >>= 1n;
	}
	return r;
}

/** RSA PKCS#1 v1.5 decryption done by hand (Node refuses PKCS#1 v1.5 private decryption). */
function rsaDecrypt(b64: string, pem: string): string {
	let jwk: { n?: string; d?: string };
	try {
		jwk = createPrivateKey(pem).export({ format: "jwk" }) as { n?: string; d?: string };
	} catch (e) {
		throw new ArgError(1, `failed to parse key: ${(e as Error).message}`);
	}
	const big = (s: string) => BigInt(`0x${Buffer.from(s, "base64url").toString("hex") || "0"}`);
	const nn = big(jwk.n ?? "");
	const d = big(jwk.d ?? "");
	const ct = Buffer.from(b64, "base64");
	const m = modPow(BigInt(`0x${ct.toString("hex") || "0"}`), d, nn);
	const k = Buffer.from(jwk.n ?? "", "base64url").length;
	const em = Buffer.from(m.toString(16).padStart(k * 2, "0"), "hex");
	const sep = em.indexOf(0, 2);
	if (em[0] !== 0 || em[1] !== 2 || sep < 10)
		throw new FunctionError("failed to decrypt: crypto/rsa: decryption error");
	return em.subarray(sep + 1).toString("utf8");
}

export const miscFunctions: Record<string, FunctionDef> = {
	...cidrFunctions,
	abs: numFn(Math.abs),
	ceil: numFn(Math.ceil),
	floor: numFn(Math.floor),
	signum: numFn((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
	log: { params: [n(), n("base")], impl: (a) => num(Math.log(a[0].v as number) / Math.log(a[1].v as number)) },
	pow: { params: [n(), n("power")], impl: (a) => num((a[0].v as number) ** (a[1].v as number)) },
	max: minMax(Math.max),
	min: minMax(Math.min),
	parseint: {
		params: [param("number", DYNAMIC), n("base")],
		impl: (a) => {
			if (a[0].t.k !== "string") throw new ArgError(0, `first argument must be a string, not ${a[0].t.k}`);
			return num(parseInt62(a[0].v as string, a[1].v as number));
		},
	},
	md5: hashFn("md5"),
	sha1: hashFn("sha1"),
	sha256: hashFn("sha256"),
	sha512: hashFn("sha512"),
	bcrypt: {
		params: [param("str", STRING)],
		varParam: n("cost"),
		impl: () => {
			throw new FunctionError("bcrypt is not supported by this implementation");
		},
	},
	rsadecrypt: {
		params: [param("ciphertext", STRING), param("privatekey", STRING)],
		impl: (a) => str(rsaDecrypt(a[0].v as string, a[1].v as string)),
	},
	uuidv4: { params: [], impl: () => str(randomUUID()) },
	uuidv5: {
		params: [param("namespace", STRING), param("name", STRING)],
		impl: (a) => str(uuidv5(a[0].v as string, a[1].v as string)),
	},
	formatdate: {
		params: [param("format", STRING), param("time", STRING)],
		impl: (a) => str(formatDate(a[0].v as string, parseRFC3339(a[1].v as string, 1))),
	},
	timeadd: {
		params: [param("timestamp", STRING), param("duration", STRING)],
		impl: (a) => str(timeAdd(a[0].v as string, a[1].v as string)),
	},
};
