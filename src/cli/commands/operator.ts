import type { Command } from "../meta.ts";
export const operatorCommands: Command[] = [];
