#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), like every other entry point of this repo.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
