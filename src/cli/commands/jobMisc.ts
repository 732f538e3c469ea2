import type { Command } from "../meta.ts";
export const jobMiscCommands: Command[] = [];
