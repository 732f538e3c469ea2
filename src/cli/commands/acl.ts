import type { Command } from "../meta.ts";
export const aclCommands: Command[] = [];
