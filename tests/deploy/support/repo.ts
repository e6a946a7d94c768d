import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const repoPath = (...parts: string[]) => resolve(ROOT, ...parts);
