// Node commands: register (insert or replace, keeping indexes and events), status and
// eligibility changes, deregister. Used by client agents and by the cluster simulator alike.
import type { Row } from "../state/schema.ts";
import type { CommandHandler } from "./fsm.ts";

export const NodeCmd = {
	register: "NodeRegister",
	updateStatus: "NodeUpdateStatus",
	updateEligibility: "NodeUpdateEligibility",
	deregister: "NodeDeregister",
	updateDrain: "NodeUpdateDrain",
} as const;

const MAX_EVENTS = 10;

function withEvent(node: Row, event: Row | undefined, index: number): Row[] | null {
	const events = [...((node.Events as Row[] | null) ?? [])];
	if (event) events.push({ ...event, CreateIndex: index });
	while (events.length > MAX_EVENTS) events.shift();
	return events.length > 0 ? events : null;
}

export const nodeCommands: Record<string, CommandHandler> = {
	/** {Node, Event?} — Event defaults to "Node registered" / "Node re-registered" stamped by the leader. */
	[NodeCmd.register]: (tx, p) => {
		const node = p.Node as Row;
		const existing = tx.get("nodes", node.ID as string);
		const base: Row = existing
			? { ...node, Events: existing.Events, CreateIndex: existing.CreateIndex }
			: { ...node, CreateIndex: tx.index };
		if (existing?.SchedulingEligibility && node.SchedulingEligibility === undefined) {
			base.SchedulingEligibility = existing.SchedulingEligibility;
		}
		tx.put("nodes", {
			...base,
			SecretID: node.SecretID ?? existing?.SecretID ?? "",
			Events: withEvent(base, p.Event as Row | undefined, tx.index),
			ModifyIndex: tx.index,
		});
		return true;
	},

	/** {NodeID, Status, StatusDescription?, UpdatedAt (unix s), Event?} */
	[NodeCmd.updateStatus]: (tx, p) => {
		const node = tx.get("nodes", p.NodeID as string);
		if (!node) throw new Error(`node not found`);
		tx.put("nodes", {
			...node,
			Status: p.Status,
			StatusDescription: (p.StatusDescription as string | undefined) ?? node.StatusDescription ?? "",
			StatusUpdatedAt: p.UpdatedAt ?? node.StatusUpdatedAt,
			Events: withEvent(node, p.Event as Row | undefined, tx.index),
			ModifyIndex: tx.index,
		});
		return true;
	},

	/** {NodeID, Eligibility: "eligible"|"ineligible", Event?} */
	[NodeCmd.updateEligibility]: (tx, p) => {
		const node = tx.get("nodes", p.NodeID as string);
		if (!node) throw new Error(`node not found`);
		tx.put("nodes", {
			...node,
			SchedulingEligibility: p.Eligibility,
			Events: withEvent(node, p.Event as Row | undefined, tx.index),
			ModifyIndex: tx.index,
		});
		return true;
	},

	/**
	 * {NodeID, DrainStrategy (null = no drain), Eligibility?, LastDrain?, Event?}: starting a drain
	 * makes the node ineligible; ending one leaves eligibility as asked (Nomad keeps it ineligible
	 * unless MarkEligible).
	 */
	[NodeCmd.updateDrain]: (tx, p) => {
		const node = tx.get("nodes", p.NodeID as string);
		if (!node) throw new Error("node not found");
		const drain = (p.DrainStrategy as Row | null | undefined) ?? null;
		tx.put("nodes", {
			...node,
			DrainStrategy: drain,
			SchedulingEligibility: drain
				? "ineligible"
				: ((p.Eligibility as string | undefined) ?? node.SchedulingEligibility),
			LastDrain: p.LastDrain ?? node.LastDrain ?? null,
			Events: withEvent(node, p.Event as Row | undefined, tx.index),
			ModifyIndex: tx.index,
		});
		return true;
	},

	/** {NodeIDs} */
	[NodeCmd.deregister]: (tx, p) => {
		for (const id of p.NodeIDs as string[]) {
			if (!tx.delete("nodes", id)) throw new Error(`node not found`);
		}
		return true;
	},
};
