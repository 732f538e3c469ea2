import assert from "node:assert/strict";
import { test } from "node:test";
import {
	compareVersions,
	parseSemver,
	parseSemverConstraint,
	parseVersion,
	parseVersionConstraint,
	type Version,
} from "./version.ts";

function pv(s: string): Version {
	const v = parseVersion(s);
	assert.ok(v, s);
	return v;
}

test("parseVersion pads to three segments and splits pre-release / metadata", () => {
	const v = parseVersion("v1.2-beta.1+build.5");
	assert.deepEqual(v?.segments, [1, 2, 0]);
	assert.equal(v?.si, 2);
	assert.equal(v?.pre, "beta.1");
	assert.equal(v?.metadata, "build.5");
	assert.equal(parseVersion("1.2.3beta")?.pre, "beta", "loose form needs no separator");
	assert.equal(parseSemver("1.2.3beta"), undefined, "semver needs the separator");
	assert.equal(parseVersion("1.x"), undefined);
	assert.equal(parseVersion("11387778780781445675529500000000000000000"), undefined, "out of range");
});

test("compareVersions: segments, then pre-releases (release > pre-release), metadata ignored", () => {
	const cmp = (a: string, b: string) => compareVersions(pv(a), pv(b));
	assert.equal(cmp("1.2.3", "1.2.3"), 0);
	assert.equal(cmp("1.2", "1.2.0"), 0);
	assert.equal(cmp("1.2.3", "1.2.4"), -1);
	assert.equal(cmp("1.10.0", "1.9.0"), 1);
	assert.equal(cmp("1.0.0", "1.0.0-rc1"), 1);
	assert.equal(cmp("1.0.0-alpha", "1.0.0-alpha.1"), -1);
	assert.equal(cmp("1.0.0-alpha.1", "1.0.0-alpha.beta"), -1);
	assert.equal(cmp("1.0.0-beta.2", "1.0.0-beta.11"), -1);
	assert.equal(cmp("1.0.0+a", "1.0.0+b"), 0);
	assert.equal(cmp("1.0.0.1", "1.0.0"), 1);
});

test("version constraints (go-version's own cases)", () => {
	const cases: [string, string, boolean][] = [
		[">= 1.0, < 1.2", "1.1.5", true],
		["< 1.0, < 1.2", "1.1.5", false],
		["= 1.0", "1.1.5", false],
		["= 1.0", "1.0.0", true],
		["1.0", "1.0.0", true],
		["~> 1.0", "2.0", false],
		["~> 1.0", "1.1", true],
		["~> 1.0", "1.2.3", true],
		["~> 1.0.0", "1.2.3", false],
		["~> 1.0.0", "1.0.7", true],
		["~> 1.0.0", "1.1.0", false],
		["~> 1.0.7", "1.0.4", false],
		["~> 1.0.7", "1.0.7", true],
		["~> 1.0.7", "1.0.8", true],
		["~> 1.0.7", "1.0.7.5", true],
		["~> 1.0.7", "1.0.6.99", false],
		["~> 1.0.7", "1.0.8.0", true],
		["~> 1.0.9.5", "1.0.9.5", true],
		["~> 1.0.9.5", "1.0.9.4", false],
		["~> 1.0.9.5", "1.0.9.6", true],
		["~> 1.0.9.5", "1.0.9.5.0", true],
		["~> 1.0.9.5", "1.0.9.5.1", true],
		["~> 2.0", "2.1.0-beta", false],
		["~> 2.1.0-a", "2.2.0", false],
		["~> 2.1.0-a", "2.1.0", false],
		["~> 2.1.0-a", "2.1.0-beta", true],
		["~> 2.1.0-a", "2.2.0-alpha", false],
		["> 2.0", "2.1.0-beta", false],
		[">= 2.1.0-a", "2.1.0-beta", true],
		[">= 2.1.0-a", "2.1.1-beta", false],
		[">= 2.0.0", "2.1.0-beta", false],
		[">= 2.1.0-a", "2.1.1", true],
		[">= 2.1.0-a", "2.1.0", true],
		["<= 2.1.0-a", "2.0.0", true],
		["!= 1.2", "1.2.0", false],
		["!= 1.2", "1.2.1", true],
	];
	for (const [c, v, want] of cases) {
		const con = parseVersionConstraint(c);
		assert.ok(con, c);
		assert.equal(con(pv(v)), want, `${v} ${c}`);
	}
	assert.equal(parseVersionConstraint(">= 1.x"), undefined);
	assert.equal(parseVersionConstraint(">= 1.2, bogus"), undefined);
});

test("semver constraints: plain SemVer ordering, no ~>", () => {
	const ok = (c: string, v: string) => parseSemverConstraint(c)?.(pv(v));
	assert.equal(ok(">= 2.0.0", "2.1.0-beta"), true, "pre-release of a later version satisfies >=");
	assert.equal(ok("< 2.1.0", "2.1.0-beta"), true);
	assert.equal(ok(">= 1.0.0, < 2.0.0", "1.9.9"), true);
	assert.equal(ok("= 1.2.3", "1.2.3+meta"), true);
	assert.equal(parseSemverConstraint("~> 1.2"), undefined);
	assert.equal(parseSemverConstraint(">= 1.2.3beta"), undefined);
});
