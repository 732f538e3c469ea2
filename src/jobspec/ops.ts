// Attribute access and indexing on values (hcl.GetAttr / hcl.Index), with HCL's diagnostics.
import { ConvertError, convert } from "./convert.ts";
import { DiagnosticsError, errorDiag, type Range } from "./diagnostics.ts";
import { elementsOf, friendlyName, isPrimitive, NUMBER, STRING, type Value } from "./values.ts";

const INVALID_INDEX = "Invalid index";
const UNSUPPORTED_ATTR = "Unsupported attribute";

function fail(summary: string, detail: string, subject: Range): never {
	throw new DiagnosticsError([errorDiag(summary, detail, subject)]);
}

export function getAttr(v: Value, name: string, subject: Range): Value {
	if (v.v === null)
		fail(
			"Attempt to get attribute from null value",
			"This value is null, so it does not have any attributes.",
			subject,
		);
	const t = v.t;
	switch (t.k) {
		case "object": {
			const x = (v.v as Map<string, Value>).get(name);
			if (!x) fail(UNSUPPORTED_ATTR, `This object does not have an attribute named "${name}".`, subject);
			return x;
		}
		case "map": {
			const x = (v.v as Map<string, Value>).get(name);
			if (!x) fail("Missing map element", `This map does not have an element with the key "${name}".`, subject);
			return x;
		}
		case "list":
		case "tuple": {
			const elemIsObject = t.k === "list" ? t.e.k === "object" : t.es.length > 0 && t.es.every((e) => e.k === "object");
			if (elemIsObject)
				fail(
					UNSUPPORTED_ATTR,
					`Can't access attributes on a list of objects. Did you mean to access attribute "${name}" for a specific element of the list, or across all elements of the list?`,
					subject,
				);
			break;
		}
		case "set":
			if (t.e.k === "object")
				fail(
					UNSUPPORTED_ATTR,
					"Can't access attributes on a set of objects. Did you mean to access an attribute across all elements of the set?",
					subject,
				);
			break;
		default:
			if (isPrimitive(t))
				fail(UNSUPPORTED_ATTR, `Can't access attributes on a primitive-typed value (${friendlyName(t)}).`, subject);
	}
	return fail(UNSUPPORTED_ATTR, "This value does not have any attributes.", subject);
}

export function index(collection: Value, key: Value, subject: Range): Value {
	if (collection.v === null)
		fail("Attempt to index null value", "This value is null, so it does not have any indices.", subject);
	if (key.v === null) fail(INVALID_INDEX, "Can't use a null value as an indexing key.", subject);
	const t = collection.t;
	const convertKey = (want: typeof STRING): Value => {
		try {
			return convert(key, want);
		} catch (e) {
			if (e instanceof ConvertError)
				fail(
					INVALID_INDEX,
					`The given key does not identify an element in this collection value: ${e.message}.`,
					subject,
				);
			throw e;
		}
	};
	switch (t.k) {
		case "list":
		case "tuple": {
			const k = convertKey(NUMBER).v as number;
			const elems = elementsOf(collection);
			if (Number.isInteger(k) && k >= 0 && k < elems.length) return elems[k];
			if (!Number.isInteger(k))
				fail(
					INVALID_INDEX,
					"The given key does not identify an element in this collection value: indexing a sequence requires a whole number, but the given index has a fractional part.",
					subject,
				);
			if (k < 0)
				fail(
					INVALID_INDEX,
					"The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence.",
					subject,
				);
			if (elems.length === 0)
				fail(
					INVALID_INDEX,
					"The given key does not identify an element in this collection value: the collection has no elements.",
					subject,
				);
			return fail(
				INVALID_INDEX,
				"The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection.",
				subject,
			);
		}
		case "map": {
			const k = convertKey(STRING).v as string;
			const x = (collection.v as Map<string, Value>).get(k);
			if (!x) fail(INVALID_INDEX, "The given key does not identify an element in this collection value.", subject);
			return x;
		}
		case "object": {
			const wasNumber = key.t.k === "number";
			const k = convertKey(STRING).v as string;
			const x = (collection.v as Map<string, Value>).get(k);
			if (!x) {
				const hint = wasNumber ? " An object only supports looking up attributes by name, not by numeric index." : "";
				fail(INVALID_INDEX, `The given key does not identify an element in this collection value.${hint}`, subject);
			}
			return x;
		}
		case "set":
			return fail(
				INVALID_INDEX,
				"Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
				subject,
			);
		default:
			return fail(INVALID_INDEX, "This value does not have any indices.", subject);
	}
}
