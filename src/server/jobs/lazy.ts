// Job admission (conversion, validation, diff) is a large module tree that only job writes, plans
// and version diffs need; loading it on first use keeps it out of an idle agent's memory.
type Admission = typeof import("./index.ts");
let loading: Promise<Admission> | undefined;

export function admission(): Promise<Admission> {
	loading ??= import("./index.ts");
	return loading;
}
