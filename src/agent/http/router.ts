// Routing with Go's http.ServeMux semantics, which Nomad's clients observe: exact patterns and
// subtree patterns ending in "/", the longest match wins, a subtree root asked without its slash
// is redirected (301), unclean paths ("//", ".", "..") are redirected to the cleaned path (301),
// "/" redirects to the UI (307) and anything else unmatched is a 404 with an empty body.
import type { Route } from "./types.ts";

export type RouteMatch =
	| { kind: "route"; route: Route; rest: string }
	| { kind: "redirect"; status: 301 | 307; location: string }
	| { kind: "notfound" };

/** Go's path.Clean, keeping a trailing slash as ServeMux does. */
export function cleanPath(p: string): string {
	if (p === "") return "/";
	if (p[0] !== "/") p = `/${p}`;
	const parts: string[] = [];
	for (const seg of p.split("/")) {
		if (seg === "" || seg === ".") continue;
		if (seg === "..") parts.pop();
		else parts.push(seg);
	}
	let out = `/${parts.join("/")}`;
	if (p.endsWith("/") && out !== "/") out += "/";
	return out;
}

export class Router {
	private readonly exact = new Map<string, Route>();
	/** Subtree patterns, longest first. */
	private subtrees: Route[] = [];

	add(route: Route): void {
		if (route.pattern.endsWith("/")) {
			if (this.subtrees.some((r) => r.pattern === route.pattern)) throw new Error(`duplicate route ${route.pattern}`);
			this.subtrees.push(route);
			this.subtrees.sort((a, b) => b.pattern.length - a.pattern.length);
		} else {
			if (this.exact.has(route.pattern)) throw new Error(`duplicate route ${route.pattern}`);
			this.exact.set(route.pattern, route);
		}
	}

	routes(): Route[] {
		return [...this.exact.values(), ...this.subtrees];
	}

	match(path: string, search: string): RouteMatch {
		const clean = cleanPath(path);
		if (clean !== path) return { kind: "redirect", status: 301, location: clean + search };
		const exact = this.exact.get(path);
		if (exact) return { kind: "route", route: exact, rest: "" };
		for (const r of this.subtrees) {
			if (path.startsWith(r.pattern)) return { kind: "route", route: r, rest: path.slice(r.pattern.length) };
		}
		// A subtree root asked for without its trailing slash.
		if (this.subtrees.some((r) => r.pattern === `${path}/`)) {
			return { kind: "redirect", status: 301, location: `${path}/${search}` };
		}
		if (path === "/") return { kind: "redirect", status: 307, location: `/ui/${search}` };
		return { kind: "notfound" };
	}
}
