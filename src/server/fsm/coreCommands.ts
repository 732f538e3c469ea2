// Commands for cluster-wide singletons and small tables: cluster metadata, scheduler
// configuration, namespaces and the keyring's root keys.
import type { Row } from "../state/schema.ts";
import type { WriteTxn } from "../state/stateStore.ts";
import type { CommandHandler } from "./fsm.ts";

export const Cmd = {
	clusterMetadata: "ClusterMetadata",
	schedulerConfig: "SchedulerConfig",
	namespaceUpsert: "NamespaceUpsert",
	namespaceDelete: "NamespaceDelete",
	rootKeyUpsert: "RootKeyUpsert",
} as const;

function withIndexes(tx: WriteTxn, existing: Row | undefined, row: Row): Row {
	return {
		...row,
		CreateIndex: (existing?.CreateIndex as number | undefined) ?? tx.index,
		ModifyIndex: tx.index,
	};
}

export const coreCommands: Record<string, CommandHandler> = {
	[Cmd.clusterMetadata]: (tx, p) => {
		// First writer wins: the cluster ID never changes once set.
		const existing = tx.get("cluster_meta", "cluster");
		if (existing) return false;
		tx.put("cluster_meta", {
			ClusterID: p.ClusterID,
			CreateTime: p.CreateTime,
		});
		return true;
	},

	[Cmd.schedulerConfig]: (tx, p) => {
		const existing = tx.get("scheduler_config", "config");
		if (typeof p.CAS === "number" && ((existing?.ModifyIndex as number | undefined) ?? 0) !== p.CAS) {
			return false;
		}
		tx.put("scheduler_config", withIndexes(tx, existing, p.Config as Row));
		return true;
	},

	[Cmd.namespaceUpsert]: (tx, p) => {
		for (const ns of p.Namespaces as Row[]) {
			tx.put("namespaces", withIndexes(tx, tx.get("namespaces", ns.Name as string), ns));
		}
		return true;
	},

	[Cmd.namespaceDelete]: (tx, p) => {
		const names = p.Names as string[];
		for (const name of names) {
			if (name === "default") throw new Error("default namespace can not be deleted");
			if (!tx.get("namespaces", name)) throw new Error(`namespace "${name}" does not exist`);
			const view = tx.view();
			for (const _job of view.scan("jobs", { prefix: `${name}\u0000` })) {
				throw new Error(`namespace "${name}" has non-terminal jobs in regions: [global]`);
			}
		}
		for (const name of names) tx.delete("namespaces", name);
		return true;
	},

	[Cmd.rootKeyUpsert]: (tx, p) => {
		const key = p.RootKey as Row;
		if (key.State === "active") {
			// Only one active key: demote the previous one, as a rotation does.
			for (const other of tx.view().byIndex("root_keys", "state", "active")) {
				if (other.KeyID !== key.KeyID)
					tx.put("root_keys", {
						...other,
						State: "inactive",
						ModifyIndex: tx.index,
					});
			}
		}
		tx.put("root_keys", withIndexes(tx, tx.get("root_keys", key.KeyID as string), key));
		return true;
	},
};
