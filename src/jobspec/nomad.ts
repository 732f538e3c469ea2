// Nomad's jobspec-specific decoding on top of the generic decoder (jobspec2/hcl_conversions.go,
// types.config.go): constraint/affinity shorthands, meta/env written as attributes, group and
// task vault/secret/scaling handling, and the job block itself.
import { type Body, type BodyBlock, evalAttr } from "./body.ts";
import { ConvertError, convert } from "./convert.ts";
import { Decoder, decodeAttr, newStruct, type Obj, rangeText } from "./decode.ts";
import { type Diagnostic, errorDiag, rangeString } from "./diagnostics.ts";
import { BOOL, NUMBER, STRING, type Type, type Value } from "./values.ts";

type Spec = Record<string, Type>;

const AFFINITY_SPEC: Spec = {
	attribute: STRING,
	value: STRING,
	operator: STRING,
	weight: NUMBER,
	version: STRING,
	semver: STRING,
	regexp: STRING,
	set_contains: STRING,
	set_contains_all: STRING,
	set_contains_any: STRING,
};

const CONSTRAINT_SPEC: Spec = {
	attribute: STRING,
	value: STRING,
	operator: STRING,
	distinct_property: STRING,
	distinct_hosts: BOOL,
	regexp: STRING,
	version: STRING,
	semver: STRING,
	set_contains: STRING,
	set_contains_all: STRING,
	set_contains_any: STRING,
	is_set: STRING,
	is_not_set: STRING,
};

/** hcldec.Decode with an ObjectSpec of optional attributes. */
function decodeSpec(body: Body, spec: Spec, diags: Diagnostic[]): Map<string, Value> | undefined {
	const local: Diagnostic[] = [];
	const content = body.content({ attributes: Object.keys(spec).map((name) => ({ name })), blocks: [] }, local);
	const out = new Map<string, Value>();
	for (const [name, a] of content.attributes) {
		const v = evalAttr(a, local);
		if (!v) continue;
		try {
			out.set(name, convert(v, spec[name]));
		} catch (e) {
			if (!(e instanceof ConvertError)) throw e;
			local.push(
				errorDiag(
					"Incorrect attribute value type",
					`Inappropriate value for attribute "${name}": ${e.message}.`,
					a.expr.range,
				),
			);
		}
	}
	diags.push(...local);
	return local.length > 0 ? undefined : out;
}

function strAttr(m: Map<string, Value>, name: string): string {
	const v = m.get(name);
	return v && v.v !== null ? (v.v as string) : "";
}

function decodeAffinity(body: Body, obj: Obj, diags: Diagnostic[]): void {
	const m = decodeSpec(body, AFFINITY_SPEC, diags);
	if (!m) return;
	obj.LTarget = strAttr(m, "attribute");
	obj.RTarget = strAttr(m, "value");
	obj.Operand = strAttr(m, "operator");
	const w = m.get("weight");
	if (w && w.v !== null) obj.Weight = (Math.trunc(w.v as number) << 24) >> 24; // int8 conversion wraps
	for (const op of ["version", "semver", "regexp", "set_contains_any", "set_contains_all", "set_contains"]) {
		const x = strAttr(m, op);
		if (x !== "") {
			obj.Operand = op;
			obj.RTarget = x;
		}
	}
	if (obj.Operand === "") obj.Operand = "=";
}

function decodeConstraint(body: Body, obj: Obj, diags: Diagnostic[]): void {
	const m = decodeSpec(body, CONSTRAINT_SPEC, diags);
	if (!m) return;
	obj.LTarget = strAttr(m, "attribute");
	obj.RTarget = strAttr(m, "value");
	obj.Operand = strAttr(m, "operator");
	for (const op of ["version", "semver", "regexp", "set_contains"]) {
		const x = strAttr(m, op);
		if (x !== "") {
			obj.Operand = op;
			obj.RTarget = x;
		}
	}
	const hosts = m.get("distinct_hosts");
	if (hosts && hosts.v !== null) {
		obj.Operand = "distinct_hosts";
		obj.RTarget = String(hosts.v);
	}
	const prop = strAttr(m, "distinct_property");
	if (prop !== "") {
		obj.Operand = "distinct_property";
		obj.LTarget = prop;
	}
	if (obj.Operand === "") obj.Operand = "=";
}

/**
 * decodeAsAttribute: `meta = {...}` / `env = {...}` written as an attribute. Returns the map (or
 * undefined when the block syntax is used) and the body without the attribute.
 */
function decodeAsAttribute(body: Body, name: string, diags: Diagnostic[]): [Record<string, string> | undefined, Body] {
	const probe: Diagnostic[] = [];
	const [content, remain] = body.partialContent({ attributes: [{ name }], blocks: [] }, probe);
	const attr = content.attributes.get(name);
	if (probe.length > 0 || !attr) return [undefined, body];
	const [blocks] = remain.partialContent({ attributes: [], blocks: [{ type: name }] }, []);
	if (blocks.blocks.length > 0) {
		diags.push(
			errorDiag(
				`Duplicate ${name} block`,
				`${name} may not be defined more than once. Another definition is defined at ${rangeString(attr.range)}.`,
				blocks.blocks[0].defRange,
			),
		);
		return [undefined, remain];
	}
	// A null value decodes to a nil map, which jobspec2 then ignores.
	const v = decodeAttr(attr, "map[string]string", diags) as Record<string, string> | null | undefined;
	return [v ?? undefined, remain];
}

/** The decoder with Nomad's custom block decoders registered. */
export function nomadDecoder(): Decoder {
	const d = new Decoder();
	d.custom.set("Constraint", decodeConstraint);
	d.custom.set("Affinity", decodeAffinity);
	d.custom.set("TaskGroup", (body, tg, diags) => decodeTaskGroup(d, body, tg, diags));
	d.custom.set("Task", (body, t, diags) => decodeTask(d, body, t, diags));
	return d;
}

function decodeTaskGroup(d: Decoder, body0: Body, tg: Obj, diags: Diagnostic[]): void {
	const local: Diagnostic[] = [];
	const [meta, body1] = decodeAsAttribute(body0, "meta", local);
	const [extra, body] = body1.partialContent(
		{ attributes: [], blocks: [{ type: "vault" }, { type: "secret", labels: ["name"] }] },
		local,
	);
	if (local.length > 0) {
		diags.push(...local);
		return;
	}
	let vault: Obj | undefined;
	const secrets: Obj[] = [];
	for (const b of extra.blocks) {
		if (b.type === "vault") vault = d.decodeBody(b.body, "Vault", diags);
		else {
			const s = d.decodeBody(b.body, "Secret", diags);
			if (b.labels.length === 1) s.Name = b.labels[0];
			secrets.push(s);
		}
	}
	d.decodeStruct(body, "TaskGroup", tg, diags);
	if (meta) tg.Meta = meta;
	const tasks = (tg.Tasks as Obj[] | null) ?? [];
	if (vault) for (const t of tasks) if (t.Vault === null) t.Vault = structuredClone(vault);
	if (secrets.length > 0) {
		for (const t of tasks) {
			const own = t.Secrets as Obj[] | null;
			// jobspec2 appends the task's own secrets to themselves here (not the group's).
			t.Secrets = own && own.length > 0 ? [...own, ...structuredClone(own)] : structuredClone(secrets);
		}
	}
	const scaling = tg.Scaling as Obj | null;
	if (scaling) {
		if (scaling.Type === "") scaling.Type = "horizontal";
		validateGroupScaling(body, scaling, diags);
	}
}

function validateGroupScaling(body: Body, p: Obj, diags: Diagnostic[]): void {
	if (p.Max !== null && p.Type === "horizontal") return;
	const [content] = body.partialContent({ attributes: [], blocks: [{ type: "scaling" }] }, []);
	const block = content.blocks[0];
	if (!block) return;
	const [pc] = block.body.partialContent(
		{ attributes: [{ name: "max", required: true }, { name: "type" }], blocks: [] },
		diags,
	);
	const typeAttr = pc.attributes.get("type");
	if (p.Type !== "horizontal" && typeAttr)
		diags.push(
			errorDiag(
				"Invalid group scaling type",
				`task group scaling policy had invalid type: "${p.Type}"`,
				typeAttr.expr.range,
			),
		);
}

function decodeTask(d: Decoder, body0: Body, t: Obj, diags: Diagnostic[]): void {
	const [env, body1] = decodeAsAttribute(body0, "env", diags);
	const [meta, body2] = decodeAsAttribute(body1, "meta", diags);
	const [scaling, body] = body2.partialContent(
		{ attributes: [], blocks: [{ type: "scaling", labels: ["name"] }] },
		diags,
	);
	decodeTaskScaling(d, scaling.blocks, t, diags);
	d.decodeStruct(body, "Task", t, diags);
	if (env) t.Env = env;
	if (meta) t.Meta = meta;
}

function decodeTaskScaling(d: Decoder, blocks: BodyBlock[], t: Obj, diags: Diagnostic[]): void {
	const seen = new Map<string, BodyBlock>();
	for (const b of blocks) {
		const label = b.labels[0].toLowerCase();
		const policyType = label === "cpu" ? "vertical_cpu" : label === "mem" ? "vertical_mem" : undefined;
		if (!policyType) {
			diags.push(
				errorDiag("Invalid scaling policy name", 'scaling policy name must be "cpu" or "mem"', b.labelRanges[0]),
			);
			continue;
		}
		const prev = seen.get(label);
		if (prev) {
			diags.push(
				errorDiag(
					`Duplicate scaling "${label}" block`,
					`Only one scaling ${label} block is allowed. Another was defined at ${rangeText(prev)}.`,
					b.defRange,
				),
			);
			continue;
		}
		seen.set(label, b);
		const p = d.decodeBody(b.body, "ScalingPolicy", diags);
		if (p.Type === "") p.Type = policyType;
		else if (p.Type !== policyType) {
			diags.push(
				errorDiag(
					"Invalid scaling policy type",
					`Invalid policy type, expected "${p.Type}" but found "${policyType}"`,
					b.defRange,
				),
			);
			continue;
		}
		const list = (t.ScalingPolicies as Obj[] | null) ?? [];
		list.push(p);
		t.ScalingPolicies = list;
	}
}

export interface JobParts {
	id: string;
	job: Obj;
	vault: Obj | null;
	secrets: Obj[] | null;
	tasks: Obj[];
}

/** decodeJob: the single `job "<id>"` block, with top-level vault, secret and task blocks. */
export function decodeJobBlocks(d: Decoder, jobBlocks: BodyBlock[], diags: Diagnostic[]): JobParts | undefined {
	if (jobBlocks.length === 0) {
		diags.push(errorDiag("Missing job block", "A job block is required"));
		return undefined;
	}
	let parts: JobParts | undefined;
	for (const b of jobBlocks) {
		if (parts) {
			diags.push(
				errorDiag(
					"Duplicate job block",
					`Only one block of type "job" is allowed. Previous definition was at ${rangeText(jobBlocks[0])}.`,
					b.defRange,
				),
			);
			continue;
		}
		parts = { id: b.labels[0], job: newStruct("Job"), vault: null, secrets: null, tasks: [] };
		const [meta, body1] = decodeAsAttribute(b.body, "meta", diags);
		const [extra, body] = body1.partialContent(
			{
				attributes: [],
				blocks: [{ type: "vault" }, { type: "secret", labels: ["name"] }, { type: "task", labels: ["name"] }],
			},
			diags,
		);
		let foundVault: BodyBlock | undefined;
		for (const x of extra.blocks) {
			if (x.type === "vault") {
				if (foundVault) {
					diags.push(
						errorDiag(
							"Duplicate vault block",
							`Only one block of type "vault" is allowed. Previous definition was at ${rangeText(foundVault)}.`,
							x.defRange,
						),
					);
					continue;
				}
				foundVault = x;
				parts.vault = d.decodeBody(x.body, "Vault", diags);
			} else if (x.type === "task") {
				const t = d.decodeBody(x.body, "Task", diags);
				t.Name = x.labels[0];
				parts.tasks.push(t);
			} else {
				const s = d.decodeBody(x.body, "Secret", diags);
				s.Name = x.labels[0];
				parts.secrets = [...(parts.secrets ?? []), s];
			}
		}
		d.decodeInto(body, "Job", parts.job, diags);
		if (meta) parts.job.Meta = meta;
	}
	return parts;
}
