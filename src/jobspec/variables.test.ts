// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// Input variables, their sources and precedence, validation rules, and locals.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JobspecError, type ParseOptions, parseJobspec, parseJobspecWithSubmission } from "./index.ts";

// biome-ignore lint/suspicious/noExplicitAny: navigating decoded job JSON in assertions
type J = Record<string, any>;
const parse = async (src: string, opts: ParseOptions = {}): Promise<J> => (await parseJobspec(src, opts)) as J;

async function parseError(src: string, opts: ParseOptions = {}): Promise<JobspecError> {
	try {
		await parseJobspec(src, opts);
	} catch (e) {
		assert.ok(e instanceof JobspecError, String(e));
		return e;
	}
	assert.fail("expected an error");
}

const DEFAULTS = `
variables {
  region_var = "default_region"
}

variable "dc_var" {
  default = "default_dc"
}

job "example" {
  datacenters = [var.dc_var]
  region      = var.region_var
}
`;

describe("variable values", () => {
	it("defaults (TestParse_VariablesDefaultsAndSet)", async () => {
		const job = await parse(DEFAULTS);
		assert.deepEqual([job.Datacenters, job.Region], [["default_dc"], "default_region"]);
	});

	it("set via -var, NOMAD_VAR_ environment variables and var files", async () => {
		const viaArgs = await parse(DEFAULTS, { vars: ["dc_var=set_dc", "region_var=set_region"] });
		assert.deepEqual([viaArgs.Datacenters, viaArgs.Region], [["set_dc"], "set_region"]);
		const viaEnv = await parse(DEFAULTS, {
			env: { NOMAD_VAR_dc_var: "env_dc", NOMAD_VAR_region_var: "env_region", HOME: "/x" },
		});
		assert.deepEqual([viaEnv.Datacenters, viaEnv.Region], [["env_dc"], "env_region"]);
		const viaFile = await parse(DEFAULTS, {
			varFiles: [{ name: "vars.hcl", content: 'dc_var = "file_dc"\n\tregion_var = "file_region"' }],
		});
		assert.deepEqual([viaFile.Datacenters, viaFile.Region], [["file_dc"], "file_region"]);
		const viaJSON = await parse(DEFAULTS, {
			varFiles: [{ name: "vars.json", content: '{"dc_var": "json_dc", "region_var": "${x}"}' }],
		});
		assert.deepEqual([viaJSON.Datacenters, viaJSON.Region], [["json_dc"], "${x}"]);
	});

	it("precedence: -var over var files and Variables text over environment (TestParse_VariablesSubmission)", async () => {
		const src = `
variable "region" {
  type = string
}
variable "pool" {
  type = string
}
variable "datacenters" {
  type = list(string)
}
variable "ns" {
  type = string
}
job "example" {
  datacenters = var.datacenters
  region      = var.region
  node_pool   = var.pool
  namespace   = var.ns
}
`;
		const job = await parse(src, {
			vars: ["region=philly", "pool=prod"],
			varContent: 'datacenters = ["dc1", "dc2"]',
			varFiles: [{ name: "vars.hcl", content: 'ns = "infra"\nregion = "from-file"' }],
			env: { NOMAD_VAR_region: "seattle" },
		});
		assert.deepEqual(
			[job.Namespace, job.NodePool, job.Datacenters, job.Region],
			["infra", "prod", ["dc1", "dc2"], "philly"],
		);
	});

	it("the job submission records var files and flags (TestParse_VariablesSubmission)", async () => {
		const src =
			'variable "region" {\n  type = string\n}\nvariable "pool" {\n  type = string\n}\nvariable "datacenters" {\n  type = list(string)\n}\nvariable "ns" {\n  type = string\n}\njob "example" {\n  datacenters = var.datacenters\n  region = var.region\n  node_pool = var.pool\n  namespace = var.ns\n}\n';
		const { job, submission } = await parseJobspecWithSubmission(src, {
			vars: ["region=philly", "pool=prod"],
			varContent: 'datacenters = ["dc1", "dc2"]',
			varFiles: [{ name: "vars.hcl", content: 'ns = "infra"' }],
			env: { NOMAD_VAR_region: "seattle" },
		});
		assert.equal(job.Namespace, "infra");
		assert.deepEqual(submission, {
			Source: src,
			Format: "hcl2",
			VariableFlags: { pool: "prod", region: "philly" },
			Variables: 'ns = "infra"\n\ndatacenters = ["dc1", "dc2"]',
		});
		const complex = await parseJobspecWithSubmission(src, {
			vars: ['datacenters=["x"]', "region=r", "pool=p", "ns=n"],
		});
		assert.equal(complex.submission.Variables, 'datacenters = ["x"]');
		assert.deepEqual(complex.submission.VariableFlags, { ns: "n", pool: "p", region: "r" });
	});

	it("typed variables convert -var strings; complex types take HCL syntax", async () => {
		const src = `
variable "count" {
  type = number
}
variable "enabled" {
  type    = bool
  default = false
}
variable "dcs" {
  type = list(string)
}
variable "labels" {
  type    = map(string)
  default = {}
}
variable "anything" {
  type    = any
  default = null
}
job "x" {
  datacenters = var.dcs
  all_at_once = var.enabled
  meta        = var.labels
  group "g" {
    count = var.count + 1
  }
}
`;
		const job = await parse(src, {
			vars: ["count=2", "enabled=true", 'dcs=["a", "b"]', 'labels={ team = "x" }', "anything=[1]"],
		});
		assert.equal(job.TaskGroups[0].Count, 3);
		assert.equal(job.AllAtOnce, true);
		assert.deepEqual(job.Datacenters, ["a", "b"]);
		assert.deepEqual(job.Meta, { team: "x" });
	});

	it("a variables {} block infers types from values (TestParse_VarsAndFunctions)", async () => {
		const job = await parse(
			'variables {\n  region_var = "default"\n  n = 3\n}\njob "example" {\n  datacenters = [for s in ["dc1", "dc2"] : upper(s)]\n  region      = var.region_var\n  priority = var.n * 10\n}\n',
			{ vars: ["region_var=aug", "n=5"], allowFS: true },
		);
		assert.deepEqual([job.Datacenters, job.Region, job.Priority], [["DC1", "DC2"], "aug", 50]);
	});

	it("only declared variables are read from the environment; unknown -var is a warning unless strict", async () => {
		const src = 'variable "a" {\n  default = "x"\n}\njob "j" {\n  region = var.a\n}\n';
		assert.equal((await parse(src, { env: { NOMAD_VAR_b: "y" }, vars: ["b=1"] })).Region, "x");
		const e = await parseError(src, { vars: ["b=1"], strict: true });
		assert.equal(
			e.message,
			'Undefined -var variable; A "b" variable was passed in the command line but was not found in known variables. To declare variable "b", place this block in your job file',
		);
		const e2 = await parseError(src, { varFiles: [{ name: "v.hcl", content: "c = 1\n" }], strict: true });
		assert.match(e2.message, /^Undefined variable; A "c" variable was set but was not found in known variables/);
	});
});

describe("variable errors", () => {
	it("unset variable (TestParse_UnsetVariables)", async () => {
		const e = await parseError('variable "region_var" {}\njob "example" {\n  region = var.region_var\n}\n');
		assert.equal(
			e.message,
			'Unset variable "region_var"; A used variable must be set or have a default value; see https://developer.hashicorp.com/nomad/docs/reference/hcl2/variables  for details.',
		);
		assert.deepEqual([e.line, e.column], [0, 0]);
	});

	it("values that do not fit the declared type", async () => {
		const src = 'variable "n" {\n  type = number\n}\njob "j" {\n  priority = var.n\n}\n';
		const e = await parseError(src, { vars: ["n=abc"] });
		assert.equal(
			e.message,
			":0,0-0: Invalid argument value for -var variable; The received arg value for n is not compatible with the variable's type constraint: a number is required.",
		);
		const e2 = await parseError('variable "n" {\n  type    = number\n  default = "x"\n}\njob "j" {}\n');
		assert.equal(
			e2.message,
			"input.hcl:3,13-16: Invalid default value for variable; This default value is not compatible with the variable's type constraint: a number is required.",
		);
		const e3 = await parseError(src, { env: { NOMAD_VAR_n: "[1]" } });
		assert.match(
			e3.message,
			/Invalid value for variable; The value for n is not compatible with the variable's type constraint: a number is required\./,
		);
	});

	it("validation rules", async () => {
		const src = `variable "build_id" {
  type    = string
  default = "12345"
  validation {
    condition     = length(var.build_id) == 5
    error_message = "build id must have five characters"
  }
}
job "example" {
  meta = { build = var.build_id }
}
`;
		assert.deepEqual((await parse(src)).Meta, { build: "12345" });
		const e = await parseError(src, { vars: ["build_id=1"] });
		assert.equal(
			e.message,
			":0,0-0: Invalid value for cmd variable; build id must have five characters\n\nThis was checked by the validation rule at input.hcl:4,3-13.",
		);
		const bad = await parseError(src.replace("12345", "123"));
		assert.match(
			bad.message,
			/^input\.hcl:3,13-18: Invalid value for default variable; build id must have five characters/,
		);
	});

	it("validation rule checks (TestParse_VariableValidationErrorMessage)", async () => {
		const rule = (cond: string, msg: string) =>
			`variable "build_id" {\n  default = "12345"\n  validation {\n    condition     = ${cond}\n    error_message = "${msg}"\n  }\n}\njob "example" {}\n`;
		await parse(rule('var.build_id != ""', "ビルド番号を確認してください"));
		assert.match((await parseError(rule('var.build_id != ""', "   "))).message, /Invalid validation error message/);
		const other = await parseError(rule('var.other != ""', "x"));
		assert.match(
			other.message,
			/Invalid reference in variable validation; The condition for variable "build_id" can only refer to the variable itself, using var\.build_id\./,
		);
		assert.match(
			other.message,
			/Invalid variable validation condition; The condition for variable "build_id" must refer to var\.build_id in order to test incoming values\./,
		);
	});

	it("declarations in var files and unparsable var files", async () => {
		const e = await parseError(DEFAULTS, { varFiles: [{ name: "v.hcl", content: 'variable "x" {}\n' }] });
		assert.match(
			e.message,
			/^v\.hcl:1,1-9: Variable declaration in a \.var file; A \.var file is used to assign values to variables/,
		);
		const e2 = await parseError(DEFAULTS, { varFiles: [{ name: "v.hcl", content: "invalid{hcl" }] });
		assert.match(e2.message, /^unable to parse var file: v\.hcl:1,9-12: Argument or block definition required/);
		const e3 = await parseError(DEFAULTS, { varContent: "a = " });
		assert.match(e3.message, /^unable to parse var content: input\.hcl:1,/);
	});

	it("duplicate declarations", async () => {
		const e = await parseError('variable "a" {}\nvariable "a" {}\njob "j" {}\n');
		assert.match(e.message, /^Duplicate variable; Duplicate a variable definition found\./);
		const e2 = await parseError('locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\njob "j" {}\n');
		assert.equal(e2.message, "input.hcl:5,3-4: Duplicate value in locals; Duplicate a definition found.");
	});
});

describe("locals", () => {
	it("reference variables and each other in any order (TestParse_Locals)", async () => {
		const src = `
variables {
  region_var = "default_region"
}

locals {
  # local that depends on another local declared later
  full = "\${local.region}-\${local.dc}"
  # literal local
  dc = "local_dc"
  # local that depends on a variable
  region = "\${var.region_var}.example"
}

job "example" {
  datacenters = [local.dc]
  region      = local.region
  namespace   = local.full
}
`;
		const job = await parse(src);
		assert.deepEqual(
			[job.Datacenters, job.Region, job.Namespace],
			[["local_dc"], "default_region.example", "default_region.example-local_dc"],
		);
		assert.equal((await parse(src, { vars: ["region_var=set_region"] })).Region, "set_region.example");
	});

	it("cycles and unknown locals are errors", async () => {
		const e = await parseError('locals {\n  a = local.b\n  b = local.a\n}\njob "j" {}\n');
		assert.match(e.message, /Unsupported attribute; This object does not have an attribute named "[ab]"\./);
		const e2 = await parseError('locals {\n  a = local.nope\n}\njob "j" {}\n');
		assert.equal(
			e2.message,
			'input.hcl:2,12-17: Unsupported attribute; This object does not have an attribute named "nope".',
		);
	});
});

describe("runtime interpolation", () => {
	it("keeps references to unknown roots verbatim (TestParse_UndefinedVariables)", async () => {
		const cases = [
			"plain",
			"foo-${BAR}",
			"foo-${attr.network.dev-us-east1-relay-vpc.external-ip.0}",
			'${env["BLAH"]}',
			'${mixed-indexing.0[3]["FOO"].5}',
			'with spaces ${   root.  field[  "FOO"].5  }',
			"${NOMAD_ALLOC_INDEX}-${node.unique.name}-${meta.rack}",
		];
		for (const c of cases) {
			const job = await parse(`job "example" {\n  region = "${c}"\n}`);
			assert.equal(job.Region, c);
		}
		assert.equal((await parse('job "example" {\n  region = meta.mytest\n}')).Region, "${meta.mytest}");
	});

	it("mixes known variables with runtime interpolation (TestParse_UnknownVariables)", async () => {
		const job = await parse(
			'variables {\n  region_var = "default"\n}\njob "example" {\n  meta {\n    known_var   = "${var.region_var}"\n    unknown_var = "${UNKNOWN}"\n  }\n}\n',
			{ vars: ["region_var=aug"] },
		);
		assert.deepEqual(job.Meta, { known_var: "aug", unknown_var: "${UNKNOWN}" });
	});

	it("$${ escapes and runtime references inside templates and function calls", async () => {
		const job = await parse(`job "x" {
  group "g" {
    task "t" {
      template {
        data = <<EOT
addr={{ env "NOMAD_ADDR_http" }}
host=\${attr.unique.hostname}
lit=$\${literal}
EOT
        destination = "local/\${NOMAD_TASK_NAME}.conf"
      }
      env {
        UPPER = upper("\${NOMAD_JOB_NAME}")
      }
    }
  }
}
`);
		const t = job.TaskGroups[0].Tasks[0];
		assert.equal(
			t.Templates[0].EmbeddedTmpl,
			'addr={{ env "NOMAD_ADDR_http" }}\nhost=${attr.unique.hostname}\nlit=${literal}\n',
		);
		assert.equal(t.Templates[0].DestPath, "local/${NOMAD_TASK_NAME}.conf");
		assert.deepEqual(t.Env, { UPPER: "${NOMAD_JOB_NAME}" });
	});
});
