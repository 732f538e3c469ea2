// The job `nomad-ts job init` writes: small, commented, and runnable on a fresh dev agent
// (`nomad-ts agent -dev` enables raw_exec, so no container runtime is needed).
export const EXAMPLE_JOB = `# An example job for nomad-ts (and Nomad): a small service that writes a line to its
# standard output every few seconds. Run it with:
#
#   nomad-ts job run example.nomad.hcl
#
# then look at it with "nomad-ts job status example" and "nomad-ts alloc logs -f <alloc>".

# Variables can be set with -var name=value, -var-file, or NOMAD_VAR_<name>.
variable "greeting" {
  type        = string
  default     = "hello from nomad-ts"
  description = "What the task prints."
}

# The job ID; it must be unique in its namespace.
job "example" {
  # "*" places the job in any datacenter; a dev agent is in "dc1".
  datacenters = ["*"]

  # service jobs run until stopped; "batch" jobs run to completion.
  type = "service"

  # A group is the unit of placement: all its tasks run together on one node.
  group "app" {
    # How many copies of the group to run.
    count = 1

    # What the client does when a task fails: retry a few times, then back off.
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "hello" {
      # raw_exec runs a command as a plain process, without isolation. It is enabled on
      # dev agents; on other clients it must be enabled in the client's plugin config.
      driver = "raw_exec"

      config {
        command = "/bin/sh"
        args = [
          "-c",
          "while true; do echo \\"$GREETING (alloc $NOMAD_ALLOC_ID)\\"; sleep 5; done",
        ]
      }

      # Environment variables of the task; NOMAD_* variables are added by the client.
      env {
        GREETING = var.greeting
      }

      # Resources reserved for the task on its node.
      resources {
        cpu    = 100 # MHz
        memory = 64  # MB
      }
    }
  }
}
`;
