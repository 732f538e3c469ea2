// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} is Nomad interpolation syntax, not JS
// Whole-jobspec tests: the api.Job shape, dynamic blocks, attribute forms of meta/env, constraint
// shorthands and other jobspec2 behaviours (cases from jobspec2/parse_test.go).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseJobspec } from "./index.ts";

const _SEC = 1_000_000_000;
// biome-ignore lint/suspicious/noExplicitAny: navigating decoded job JSON in assertions
type J = Record<string, any>;

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name), "utf8");
const parse = async (src: string, opts = {}): Promise<J> => (await parseJobspec(src, opts)) as J;
const _parseFixture = (name: string) => parse(fixture(name), { filename: name });

describe("api.Job shape", () => {
	it("includes every api field, null where unset, and omits CSIPluginConfig when empty", async () => {
		const job = await parse('job "x" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n    }\n  }\n}\n');
		assert.deepEqual(Object.keys(job).slice(0, 6), ["Region", "Namespace", "ID", "Name", "Type", "Priority"]);
		for (const k of [
			"Stop",
			"ParentID",
			"Payload",
			"ConsulNamespace",
			"VaultNamespace",
			"Status",
			"SubmitTime",
			"VersionTag",
			"UI",
		])
			assert.equal(job[k], null, k);
		assert.equal(job.Dispatched, false);
		const t = job.TaskGroups[0].Tasks[0];
		assert.equal("CSIPluginConfig" in t, false);
		assert.deepEqual(
			[t.Name, t.Driver, t.User, t.Leader, t.ShutdownDelay, t.Config, t.Env],
			["t", "docker", "", false, 0, null, null],
		);
	});

	it("empty maps stay empty maps (config {} and meta {})", async () => {
		const job = await parse('job "x" {\n  meta {}\n  task "t" {\n    config {}\n  }\n}\n');
		assert.deepEqual(job.Meta, {});
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Config, {});
	});

	it("dynamic groups (jobspec2 TestParseDynamic)", async () => {
		const job = await parse(`job "example" {
  dynamic "group" {
    for_each = [
      { name = "groupA", idx = 1 },
      { name = "groupB", idx = 2 },
      { name = "groupC", idx = 3 },
    ]
    labels   = [group.value.name]

    content {
      count = group.value.idx
      service {
        port = group.value.name
      }
      task "simple" {
        driver  = "raw_exec"
        config {
          command = group.value.name
        }
        meta {
          VERSION = group.value.idx
        }
        env {
          ID = format("id:%s", group.value.idx)
        }
        resources {
          cpu = group.value.idx
        }
      }
    }
  }
}
`);
		assert.deepEqual(
			job.TaskGroups.map((g: J) => [g.Name, g.Count, g.Services[0].PortLabel]),
			[
				["groupA", 1, "groupA"],
				["groupB", 2, "groupB"],
				["groupC", 3, "groupC"],
			],
		);
		const t = job.TaskGroups[0].Tasks[0];
		assert.equal(t.Resources.CPU, 1);
		assert.equal(t.Config.command, "groupA");
		assert.deepEqual(t.Meta, { VERSION: "1" });
		assert.deepEqual(t.Env, { ID: "id:1" });
		assert.deepEqual(job.TaskGroups[1].Tasks[0].Env, { ID: "id:2" });
		assert.deepEqual(job.TaskGroups[2].Tasks[0].Meta, { VERSION: "3" });
	});

	it("dynamic blocks with a custom iterator, nested in a task", async () => {
		const job = await parse(`job "x" {
  group "g" {
    task "t" {
      dynamic "template" {
        for_each = { a = "/a", b = "/b" }
        iterator = tmpl
        content {
          destination = tmpl.value
          data        = "key=\${tmpl.key}"
        }
      }
    }
  }
}
`);
		assert.deepEqual(
			job.TaskGroups[0].Tasks[0].Templates.map((t: J) => [t.DestPath, t.EmbeddedTmpl]),
			[
				["/a", "key=a"],
				["/b", "key=b"],
			],
		);
	});

	it("meta and env as attributes (TestParse_Meta_Alternatives, TestParse_TaskEnvs)", async () => {
		const job = await parse(`job "example" {
  meta = { source = "job" }
  group "group" {
    meta = { source = "group" }
    task "task" {
      meta = { "key.dot" = "task" }
      env = { for k in ["a", "b"] : k => "val-\${k}" }
    }
  }
}
`);
		assert.deepEqual(job.Meta, { source: "job" });
		assert.deepEqual(job.TaskGroups[0].Meta, { source: "group" });
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Meta, { "key.dot": "task" });
		assert.deepEqual(job.TaskGroups[0].Tasks[0].Env, { a: "val-a", b: "val-b" });
	});

	it("constraint shorthands (TestParse_Constraint_Alternatives)", async () => {
		const job = await parse(`job "example" {
  constraint {
    distinct_hosts = true
  }
  constraint {
    distinct_property = "\${meta.rack}"
    value     = "1"
  }
  constraint {
    attribute = "\${attr.kernel.version}"
    version   = ">= 5.0"
  }
  constraint {
    attribute = "\${meta.tags}"
    set_contains = "a,b"
  }
  constraint {
    attribute = "\${attr.x}"
    regexp    = "^a"
  }
  constraint {
    attribute = "\${node.class}"
    value     = 7
  }
  affinity {
    attribute = "\${node.datacenter}"
    semver    = ">= 1.0"
    weight    = -50
  }
}
`);
		assert.deepEqual(job.Constraints, [
			{ LTarget: "", RTarget: "true", Operand: "distinct_hosts" },
			{ LTarget: "${meta.rack}", RTarget: "1", Operand: "distinct_property" },
			{ LTarget: "${attr.kernel.version}", RTarget: ">= 5.0", Operand: "version" },
			{ LTarget: "${meta.tags}", RTarget: "a,b", Operand: "set_contains" },
			{ LTarget: "${attr.x}", RTarget: "^a", Operand: "regexp" },
			{ LTarget: "${node.class}", RTarget: "7", Operand: "=" },
		]);
		assert.deepEqual(job.Affinities, [
			{ LTarget: "${node.datacenter}", RTarget: ">= 1.0", Operand: "semver", Weight: -50 },
		]);
	});

	it("service checks (TestParseServiceCheck)", async () => {
		const job = await parse(`job "group_service_check_script" {
  group "group" {
    service {
      name = "foo-service"
      port = "http"
      check {
        name   = "check-name"
        type   = "http"
        method = "POST"
        body   = "{\\"check\\":\\"mem\\"}"
        header {
          Authorization = ["Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="]
        }
      }
    }
  }
}
`);
		const c = job.TaskGroups[0].Services[0].Checks[0];
		assert.deepEqual([c.Name, c.Type, c.Method, c.Body], ["check-name", "http", "POST", '{"check":"mem"}']);
		assert.deepEqual(c.Header, { Authorization: ["Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="] });
		assert.equal(job.TaskGroups[0].Tasks, null);
	});

	it("network blocks with dns, host networks and static/dynamic ports", async () => {
		const job = await parse(`job "x" {
  group "g" {
    network {
      mode = "bridge"
      port "http" { to = 8080 }
      port "admin" {
        static       = 9000
        host_network = "public"
      }
      dns {
        servers = ["1.1.1.1"]
      }
    }
  }
}
`);
		const n = job.TaskGroups[0].Networks[0];
		assert.equal(n.Mode, "bridge");
		assert.deepEqual(n.DNS, { Servers: ["1.1.1.1"], Searches: null, Options: null });
		assert.deepEqual(
			n.DynamicPorts.map((p: J) => [p.Label, p.To]),
			[["http", 8080]],
		);
		assert.deepEqual(
			n.ReservedPorts.map((p: J) => [p.Label, p.Value, p.HostNetwork]),
			[["admin", 9000, "public"]],
		);
	});

	it("job-level secrets, ui, lifecycle, actions and schedule", async () => {
		const job = await parse(`job "x" {
  ui {
    description = "hello"
    link {
      label = "docs"
      url   = "https://example.com"
    }
  }
  secret "db" {
    provider = "vault"
    path     = "secret/db"
  }
  group "g" {
    task "t" {
      action "hello" {
        command = "echo"
        args    = ["hi"]
      }
      schedule {
        cron {
          start = "0 9 * * *"
          end   = "0 17"
        }
      }
    }
  }
}
`);
		assert.deepEqual(job.UI, { Description: "hello", Links: [{ Label: "docs", URL: "https://example.com" }] });
		const t = job.TaskGroups[0].Tasks[0];
		assert.deepEqual(t.Secrets, [{ Name: "db", Provider: "vault", Path: "secret/db", Config: null, Env: null }]);
		assert.deepEqual(t.Actions, [{ Name: "hello", Command: "echo", Args: ["hi"] }]);
		assert.deepEqual(t.Schedule, { Cron: { Start: "0 9 * * *", End: "0 17", Timezone: "" } });
	});

	it("TestParseJob_JobWithFunctionsAndLookups", async () => {
		const src = `
variable "env" {
  description = "target environment for the job"
}

locals {
  environments = {
    prod    = { count = 20, dcs = ["prod-dc1", "prod-dc2"] },
    staging = { count = 3, dcs = ["dc1"] },
  }

  env = lookup(local.environments, var.env, { count = 0, dcs = [] })
}

job "job-webserver" {
  datacenters = local.env.dcs
  group "group-webserver" {
    count = local.env.count

    task "server" {
      driver = "docker"

      config {
        image = "hashicorp/http-echo"
        args  = ["-text", "Hello from \${var.env}"]
      }
    }
  }
}
`;
		for (const [env, dcs, count] of [
			["prod", ["prod-dc1", "prod-dc2"], 20],
			["staging", ["dc1"], 3],
			["unknown", [], 0],
		] as const) {
			const job = await parse(src, { filename: "example.hcl", vars: [`env=${env}`] });
			assert.deepEqual(job.Datacenters, dcs);
			assert.equal(job.TaskGroups[0].Count, count);
			assert.deepEqual(job.TaskGroups[0].Tasks[0].Config, {
				image: "hashicorp/http-echo",
				args: ["-text", `Hello from ${env}`],
			});
		}
	});
});
