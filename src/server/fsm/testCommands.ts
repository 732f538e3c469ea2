// Random FSM commands for property tests (shared by the FSM and Raft tests).
import fc from "fast-check";
import type { Row } from "../state/schema.ts";
import { Cmd } from "./coreCommands.ts";

const nsName = fc.constantFrom("default", "team-a", "team-b", "prod", "dev");
const keyId = fc.constantFrom("k1", "k2", "k3");

/** Random commands of every type the FSM knows, including ones it must reject. */
export const commandArb: fc.Arbitrary<{ type: string; payload: Row }> = fc.oneof(
	fc.record({
		type: fc.constant(Cmd.clusterMetadata),
		payload: fc.record({ ClusterID: fc.uuid(), CreateTime: fc.nat() }),
	}),
	fc.record({
		type: fc.constant(Cmd.schedulerConfig),
		payload: fc.record(
			{
				Config: fc.record({
					SchedulerAlgorithm: fc.constantFrom("binpack", "spread"),
					PauseEvalBroker: fc.boolean(),
				}),
				CAS: fc.nat({ max: 40 }),
			},
			{ requiredKeys: ["Config"] },
		),
	}),
	fc.record({
		type: fc.constant(Cmd.namespaceUpsert),
		payload: fc.record({
			Namespaces: fc.array(fc.record({ Name: nsName, Description: fc.string({ maxLength: 8 }) }), {
				minLength: 1,
				maxLength: 3,
			}),
		}),
	}),
	fc.record({
		type: fc.constant(Cmd.namespaceDelete),
		payload: fc.record({
			Names: fc.array(nsName, { minLength: 1, maxLength: 2 }),
		}),
	}),
	fc.record({
		type: fc.constant(Cmd.rootKeyUpsert),
		payload: fc.record({
			RootKey: fc.record({
				KeyID: keyId,
				State: fc.constantFrom("active", "inactive"),
				CreateTime: fc.nat(),
			}),
		}),
	}),
);
