// sorted-btree is a CommonJS module whose default export arrives as `.default` under Node's ESM
// loader; re-export the constructor with its proper type. clone() is O(1) copy-on-write, which is
// what makes state-store snapshots cheap.
import BTreeModule from "sorted-btree";

export type BTree<K, V> = BTreeModule.default<K, V>;
export const BTree = BTreeModule.default;
