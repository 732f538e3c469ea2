import assert from "node:assert/strict";
import { test } from "node:test";
import { columnize, formatKV, formatList, humanBytes, prettyTimeDiff } from "./format.ts";
import { renderTemplate, TemplateError } from "./template.ts";

test("formatList aligns columns with two spaces and shows <none> for empty cells", () => {
	assert.equal(
		formatList(["ID|Type|Status", "example|service|running", "b||dead"]),
		"ID       Type     Status\nexample  service  running\nb        <none>   dead",
	);
});

test("formatKV aligns on =", () => {
	assert.equal(formatKV(["ID|x", "Submit Date|y", "Empty|"]), "ID          = x\nSubmit Date = y\nEmpty       = <none>");
	assert.equal(columnize(["a|b"], " - "), "a - b");
});

test("prettyTimeDiff keeps the two largest units, as Nomad", () => {
	const t = Date.UTC(2024, 0, 1);
	assert.equal(prettyTimeDiff(t, t), "0s ago");
	assert.equal(prettyTimeDiff(t, t + 312_000), "5m12s ago");
	assert.equal(prettyTimeDiff(t, t + 3_723_000), "1h2m ago");
	assert.equal(prettyTimeDiff(t + 90_000, t), "1m30s from now");
	assert.equal(prettyTimeDiff(t, t + 3 * 86_400_000 + 7_200_000 + 5_000), "3d2h ago");
	assert.equal(prettyTimeDiff(0), "");
});

test("humanBytes", () => {
	assert.equal(humanBytes(195), "195 B");
	assert.equal(humanBytes(4096), "4.0 KiB");
	assert.equal(humanBytes(64 * 1024 * 1024), "64 MiB");
});

test("template subset: fields, range, if/else, printf, len, json", () => {
	const data = { ID: "j", Priority: 50, Groups: [{ Name: "a" }, { Name: "b" }], Meta: null };
	assert.equal(renderTemplate("{{.ID}}-{{.Priority}}", data), "j-50");
	assert.equal(renderTemplate("{{range .Groups}}{{.Name}},{{end}}", data), "a,b,");
	assert.equal(renderTemplate("{{if .Meta}}yes{{else}}no{{end}}", data), "no");
	assert.equal(renderTemplate('{{printf "%s has %d groups" .ID (len .Groups)}}', data), "j has 2 groups");
	assert.equal(renderTemplate("{{.Groups | len}}", data), "2");
	assert.equal(renderTemplate("{{len .Groups}}", data), "2");
	assert.equal(renderTemplate("{{.Missing}}", data), "<no value>");
	assert.equal(renderTemplate("{{- .ID -}} ", data), "j");
	assert.throws(() => renderTemplate("{{frob .ID}}", data), TemplateError);
	assert.throws(() => renderTemplate("{{range .Groups}}", data), TemplateError);
});
